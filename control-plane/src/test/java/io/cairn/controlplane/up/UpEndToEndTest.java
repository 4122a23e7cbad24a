package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.apiserver.local.LocalControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The walk-through a user makes: {@code cairn up} with three simulated nodes (a background JVM from this module's
 * test classpath), then the real kubectl: a Deployment of 3 replicas ends in 3 Running pods on nodes, an image
 * change rolls out and {@code rollout status} completes, {@code rollout undo} goes back, scale up and down.
 */
class UpEndToEndTest {
    @TempDir
    static Path dir;
    static Path data;
    static Map<String, String> env;

    @BeforeAll
    static void up() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
        data = dir.resolve("cairn.up");
        env = Map.of("KUBECONFIG", dir.resolve("user-kubeconfig").toString());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LocalControlPlane.up(new LocalControlPlane.UpOptions(data, 3, false, false), env, dir,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).endsWith(" nodes=3\n");
    }

    @AfterAll
    static void down() throws Exception {
        if (data != null) {
            LocalControlPlane.down(data, env, dir, new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(new ByteArrayOutputStream()));
        }
    }

    record Result(int exit, String out, String err) {
    }

    static Result kubectl(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/kubectl", "--kubeconfig",
                data.resolve("kubeconfig").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("HOME", dir.toString());
        b.environment().remove("KUBECONFIG");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = b.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("kubectl %s", args).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static String ok(String... args) throws Exception {
        Result r = kubectl(null, args);
        assertThat(r.exit()).as("kubectl %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    static void eventually(String what, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what).atMost(90, TimeUnit.SECONDS).pollInterval(500, TimeUnit.MILLISECONDS).until(condition);
    }

    @Test
    void aDeploymentRunsRollsOutRollsBackAndScales() throws Exception {
        assertThat(ok("get", "nodes", "-o", "name").lines().count()).isEqualTo(3);
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  replicas: 3
                  selector:
                    matchLabels: {app: web}
                  template:
                    metadata:
                      labels: {app: web}
                    spec:
                      containers:
                      - name: web
                        image: nginx:1.25
                        resources: {requests: {cpu: 100m, memory: 64Mi}}
                """;
        Result applied = kubectl(deployment, "apply", "-f", "-");
        assertThat(applied.exit()).as(applied.err()).isZero();
        eventually("3 Running pods", () -> ok("get", "pods", "-l", "app=web", "-o",
                "jsonpath={range .items[*]}{.status.phase} {.spec.nodeName} {.status.podIP}{\"\\n\"}{end}").lines()
                .filter(l -> l.matches("Running node-\\d+ 10\\.244\\.\\d+\\.\\d+")).count() == 3);
        ok("rollout", "status", "deployment/web", "--timeout=90s");

        ok("set", "image", "deployment/web", "web=nginx:1.27");
        ok("rollout", "status", "deployment/web", "--timeout=90s");
        eventually("every pod on the new image", () -> ok("get", "pods", "-l", "app=web", "-o",
                "jsonpath={range .items[*]}{.spec.containers[0].image} {.status.phase}{\"\\n\"}{end}").lines()
                .filter(l -> l.equals("nginx:1.27 Running")).count() == 3);
        assertThat(ok("get", "replicasets", "-l", "app=web", "-o", "name").lines().count()).isEqualTo(2);

        ok("rollout", "undo", "deployment/web");
        ok("rollout", "status", "deployment/web", "--timeout=90s");
        assertThat(ok("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
                .isEqualTo("nginx:1.25");

        ok("scale", "deployment/web", "--replicas=5");
        eventually("5 ready replicas", () -> ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
                .equals("5"));
        ok("scale", "deployment/web", "--replicas=2");
        eventually("2 pods left", () -> ok("get", "pods", "-l", "app=web", "-o", "name").lines().count() == 2);
    }

    @Test
    void jobsServicesUnschedulablePodsAndDeletionsBehaveAsInKubernetes() throws Exception {
        ok("create", "namespace", "shop");
        Result applied = kubectl("""
                apiVersion: batch/v1
                kind: Job
                metadata: {name: batch, namespace: shop}
                spec:
                  completions: 3
                  parallelism: 2
                  template:
                    spec:
                      restartPolicy: Never
                      containers: [{name: work, image: busybox, command: [sh, -c, "true"]}]
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: api, namespace: shop}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: api}}
                  template:
                    metadata: {labels: {app: api}}
                    spec:
                      containers: [{name: api, image: nginx, ports: [{name: http, containerPort: 8080}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: api, namespace: shop}
                spec:
                  selector: {app: api}
                  ports: [{port: 80, targetPort: http}]
                ---
                apiVersion: v1
                kind: Pod
                metadata: {name: huge, namespace: shop}
                spec:
                  containers: [{name: c, image: busybox, resources: {requests: {cpu: "1000"}}}]
                """, "apply", "-f", "-");
        assertThat(applied.exit()).as(applied.err()).isZero();

        ok("wait", "--for=condition=complete", "job/batch", "-n", "shop", "--timeout=90s");
        assertThat(ok("get", "job", "batch", "-n", "shop", "-o", "jsonpath={.status.succeeded}")).isEqualTo("3");

        eventually("3 ready endpoints on port 8080", () -> ok("get", "endpoints", "api", "-n", "shop", "-o",
                "jsonpath={.subsets[*].addresses[*].ip} {.subsets[*].ports[*].port}").matches(
                "10\\.244\\.\\d+\\.\\d+ 10\\.244\\.\\d+\\.\\d+ 10\\.244\\.\\d+\\.\\d+ 8080"));

        eventually("a FailedScheduling event", () -> ok("get", "events", "-n", "shop", "--field-selector",
                "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}")
                .contains("0/3 nodes are available: 3 Insufficient cpu."));
        assertThat(ok("get", "pod", "huge", "-n", "shop", "-o", "jsonpath={.status.phase}")).isEqualTo("Pending");
        assertThat(ok("get", "serviceaccount", "default", "-n", "shop", "-o", "name"))
                .isEqualTo("serviceaccount/default\n");

        ok("delete", "deployment", "api", "-n", "shop");
        eventually("the deployment's replicasets and pods gone", () ->
                ok("get", "replicasets,pods", "-n", "shop", "-l", "app=api", "-o", "name").isBlank());

        ok("delete", "namespace", "shop", "--timeout=90s");
        Result gone = kubectl(null, "get", "namespace", "shop");
        assertThat(gone.err()).contains("namespaces \"shop\" not found");
    }
}
