package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.apiserver.local.Addon;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
    static UpTestSupport cairn;

    @BeforeAll
    static void up() throws Exception {
        cairn = UpTestSupport.up(dir,
                Map.of(Addon.NODE_MONITOR_GRACE_PERIOD, "2s", Addon.DEFAULT_TOLERATION_SECONDS, "2"), Duration.ofSeconds(60));
    }

    @AfterAll
    static void down() throws Exception {
        UpTestSupport.down(cairn);
    }

    /** Each pod of the Deployment: name, phase, node, whether it is being deleted, its Ready condition. */
    static List<String[]> pods() throws Exception {
        return cairn.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.metadata.name}|{.status.phase}|"
                + "{.spec.nodeName}|{.metadata.deletionTimestamp}|{.status.conditions[?(@.type==\"Ready\")].status}"
                + "{\"\\n\"}{end}").lines().map(l -> l.split("\\|", -1)).toList();
    }

    static String nodeReady(String node) throws Exception {
        return cairn.ok("get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}");
    }

    @Test
    void aStoppedNodesPodsAreReplacedOnTheOtherNodes() throws Exception {
        UpTestSupport.Result applied = cairn.kubectl("""
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
        cairn.eventually("3 ready replicas", () -> cairn.ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")
                .equals("3"));
        List<String[]> before = pods();
        assertThat(before).hasSize(3).allSatisfy(p -> assertThat(p[1]).isEqualTo("Running"));
        assertThat(cairn.ok("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].spec.tolerations[*].tolerationSeconds}"))
                .as("--default-toleration-seconds 2 reaches the API server's admission").isEqualTo("2 2");
        String victim = before.get(0)[2];
        String victimPod = before.get(0)[0];
        long onVictim = before.stream().filter(p -> p[2].equals(victim)).count();

        cairn.ok("annotate", "node", victim, "cairn.io/simulated-state=stopped");
        cairn.eventually(victim + " NotReady (Unknown)", () -> nodeReady(victim).equals("Unknown"));
        assertThat(cairn.ok("get", "node", victim, "-o", "jsonpath={.spec.taints[*].key}"))
                .contains("node.kubernetes.io/unreachable");
        cairn.eventually("3 ready pods Running on the other nodes", () -> {
            List<String[]> live = pods().stream().filter(p -> p[3].isEmpty()).toList();
            return cairn.ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}").equals("3")
                    && live.size() == 3
                    && live.stream().allMatch(p -> p[1].equals("Running") && !p[2].equals(victim) && p[4].equals("True"));
        });
        assertThat(pods().stream().filter(p -> p[2].equals(victim)).count())
                .as("the evicted pods stay Terminating on the silent node").isEqualTo(onVictim);
        // the other nodes stayed Ready all along (their Leases are renewed well within the 2 s grace period)
        for (String n : cairn.ok("get", "nodes", "-o", "name").lines().map(s -> s.substring("node/".length())).toList()) {
            if (!n.equals(victim)) {
                assertThat(nodeReady(n)).as(n).isEqualTo("True");
            }
        }

        cairn.ok("annotate", "node", victim, "cairn.io/simulated-state-");
        cairn.eventually(victim + " Ready again", () -> nodeReady(victim).equals("True"));
        cairn.eventually("the evicted pod gone once its node is back", () -> cairn.kubectl(null, "get", "pod", victimPod)
                .err().contains("not found"));
        assertThat(cairn.ok("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}")).isEqualTo("3");
    }
}
