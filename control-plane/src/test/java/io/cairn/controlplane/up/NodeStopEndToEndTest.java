package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.apiserver.local.Addon;
import io.cairn.apiserver.local.LocalControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proof that a stopped node's pods are replaced: {@code cairn up --node-monitor-grace-period 2s
 * --default-toleration-seconds 2} with three simulated nodes, a Deployment of 3 replicas, then {@code kubectl annotate
 * node N cairn.io/simulated-state=stopped}: the node goes NotReady (Unknown) and the Deployment has 3 ready pods again,
 * all Running on the other nodes (the evicted pod stays Terminating, as on a real unreachable node); removing the
 * annotation brings the node back Ready and lets the old pod finish.
 */
class NodeStopEndToEndTest {
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
        int status = LocalControlPlane.up(new LocalControlPlane.UpOptions(data, 3, false, false,
                        Map.of(Addon.NODE_MONITOR_GRACE_PERIOD, "2s", Addon.DEFAULT_TOLERATION_SECONDS, "2")), env, dir,
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
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("kubectl %s", List.of(args)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    static String ok(String... args) throws Exception {
        Result r = kubectl(null, args);
        assertThat(r.exit()).as("kubectl %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    static void eventually(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(60, TimeUnit.SECONDS).pollInterval(500, TimeUnit.MILLISECONDS).until(condition);
    }

    /** Each pod of the Deployment: name, phase, node, whether it is being deleted, its Ready condition. */
    static List<String[]> pods() throws Exception {
        return ok("get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name}|{.status.phase}|"
                + "{.spec.nodeName}|{.metadata.deletionTimestamp}|{.status.conditions[?(@.type==\"Ready\")].status}"
                + "{\"\\n\"}{end}").lines().map(l -> l.split("\\|", -1)).toList();
    }

    static String nodeReady(String node) throws Exception {
        return ok("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
    }

    @Test
    void aStoppedNodesPodsAreReplacedOnTheOtherNodes() throws Exception {
        Result applied = kubectl("""
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  replicas: 3
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      topologySpreadConstraints:
                      - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: ScheduleAnyway,
                         labelSelector: {matchLabels: {app: web}}}
                      containers:
                      - name: web
                        image: nginx:1.25
                        resources: {requests: {cpu: 100m, memory: 64Mi}}
                """, "apply", "-f", "-");
        assertThat(applied.exit()).as(applied.err()).isZero();
        eventually("3 ready replicas", () -> ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
                .equals("3"));
        List<String[]> before = pods();
        assertThat(before).hasSize(3).allSatisfy(p -> assertThat(p[1]).isEqualTo("Running"));
        assertThat(ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.tolerations[*].tolerationSeconds}"))
                .as("--default-toleration-seconds 2 reaches the API server's admission").isEqualTo("2 2");
        String victim = before.get(0)[2];
        String victimPod = before.get(0)[0];
        long onVictim = before.stream().filter(p -> p[2].equals(victim)).count();

        ok("annotate", "node", victim, "cairn.io/simulated-state=stopped");
        eventually(victim + " NotReady (Unknown)", () -> nodeReady(victim).equals("Unknown"));
        assertThat(ok("get", "node", victim, "-o", "jsonpath={.spec.taints[*].key}"))
                .contains("node.kubernetes.io/unreachable");
        eventually("3 ready pods Running on the other nodes", () -> {
            List<String[]> live = pods().stream().filter(p -> p[3].isEmpty()).toList();
            return ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}").equals("3")
                    && live.size() == 3
                    && live.stream().allMatch(p -> p[1].equals("Running") && !p[2].equals(victim) && p[4].equals("True"));
        });
        assertThat(pods().stream().filter(p -> p[2].equals(victim)).count())
                .as("the evicted pods stay Terminating on the silent node").isEqualTo(onVictim);
        // the other nodes stayed Ready all along (their Leases are renewed well within the 2 s grace period)
        for (String n : ok("get", "nodes", "-o", "name").lines().map(s -> s.substring("node/".length())).toList()) {
            if (!n.equals(victim)) {
                assertThat(nodeReady(n)).as(n).isEqualTo("True");
            }
        }

        ok("annotate", "node", victim, "cairn.io/simulated-state-");
        eventually(victim + " Ready again", () -> nodeReady(victim).equals("True"));
        eventually("the evicted pod gone once its node is back", () -> kubectl(null, "get", "pod", victimPod)
                .err().contains("not found"));
        assertThat(ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")).isEqualTo("3");
    }
}
