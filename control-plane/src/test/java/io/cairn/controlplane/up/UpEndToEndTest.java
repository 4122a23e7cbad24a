package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
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
    static UpTestSupport cairn;

    @BeforeAll
    static void up() throws Exception {
        cairn = UpTestSupport.up(dir, Map.of(), Duration.ofSeconds(90));
    }

    @AfterAll
    static void down() throws Exception {
        UpTestSupport.down(cairn);
    }

    @Test
    void aDeploymentRunsRollsOutRollsBackAndScales() throws Exception {
        assertThat(cairn.ok("get", "nodes", "-o", "name").lines().count()).isEqualTo(3);
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
        UpTestSupport.Result applied = cairn.kubectl(deployment, "apply", "-f", "-");
        assertThat(applied.exit()).as(applied.err()).isZero();
        cairn.eventually("3 Running pods", () -> cairn.ok("get", "pods", "-l", "app=web", "-o",
                "jsonpath={range .items[*]}{.status.phase} {.spec.nodeName} {.status.podIP}{\"\\n\"}{end}").lines()
                .filter(l -> l.matches("Running node-\\d+ 10\\.244\\.\\d+\\.\\d+")).count() == 3);
        cairn.ok("rollout", "status", "deployment/web", "--timeout=90s");

        cairn.ok("set", "image", "deployment/web", "web=nginx:1.27");
        cairn.ok("rollout", "status", "deployment/web", "--timeout=90s");
        cairn.eventually("every pod on the new image", () -> cairn.ok("get", "pods", "-l", "app=web", "-o",
                "jsonpath={range .items[*]}{.spec.containers[0].image} {.status.phase}{\"\\n\"}{end}").lines()
                .filter(l -> l.equals("nginx:1.27 Running")).count() == 3);
        assertThat(cairn.ok("get", "replicasets", "-l", "app=web", "-o", "name").lines().count()).isEqualTo(2);

        cairn.ok("rollout", "undo", "deployment/web");
        cairn.ok("rollout", "status", "deployment/web", "--timeout=90s");
        assertThat(cairn.ok("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"))
                .isEqualTo("nginx:1.25");

        cairn.ok("scale", "deployment/web", "--replicas=5");
        cairn.eventually("5 ready replicas", () -> cairn.ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
                .equals("5"));
        cairn.ok("scale", "deployment/web", "--replicas=2");
        cairn.eventually("2 pods left", () -> cairn.ok("get", "pods", "-l", "app=web", "-o", "name").lines().count() == 2);
    }

    @Test
    void jobsServicesUnschedulablePodsAndDeletionsBehaveAsInKubernetes() throws Exception {
        cairn.ok("create", "namespace", "shop");
        UpTestSupport.Result applied = cairn.kubectl("""
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

        cairn.ok("wait", "--for=condition=complete", "job/batch", "-n", "shop", "--timeout=90s");
        assertThat(cairn.ok("get", "job", "batch", "-n", "shop", "-o", "jsonpath={.status.succeeded}")).isEqualTo("3");

        cairn.eventually("3 ready endpoints on port 8080", () -> cairn.ok("get", "endpoints", "api", "-n", "shop", "-o",
                "jsonpath={.subsets[*].addresses[*].ip} {.subsets[*].ports[*].port}").matches(
                "10\\.244\\.\\d+\\.\\d+ 10\\.244\\.\\d+\\.\\d+ 10\\.244\\.\\d+\\.\\d+ 8080"));

        cairn.eventually("a FailedScheduling event", () -> cairn.ok("get", "events", "-n", "shop", "--field-selector",
                "reason=FailedScheduling", "-o", "jsonpath={.items[*].message}")
                .contains("0/3 nodes are available: 3 Insufficient cpu."));
        assertThat(cairn.ok("get", "pod", "huge", "-n", "shop", "-o", "jsonpath={.status.phase}")).isEqualTo("Pending");
        assertThat(cairn.ok("get", "serviceaccount", "default", "-n", "shop", "-o", "name"))
                .isEqualTo("serviceaccount/default\n");

        cairn.ok("delete", "deployment", "api", "-n", "shop");
        cairn.eventually("the deployment's replicasets and pods gone", () ->
                cairn.ok("get", "replicasets,pods", "-n", "shop", "-l", "app=api", "-o", "name").isBlank());

        cairn.ok("delete", "namespace", "shop", "--timeout=90s");
        UpTestSupport.Result gone = cairn.kubectl(null, "get", "namespace", "shop");
        assertThat(gone.err()).contains("namespaces \"shop\" not found");
    }
}
