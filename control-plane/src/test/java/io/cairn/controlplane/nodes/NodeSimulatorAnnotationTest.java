package io.cairn.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@link NodeSimulator#SIMULATED_STATE}: stopping and starting a simulated node through its Node, as kubectl would. */
class NodeSimulatorAnnotationTest extends NodeSimulatorTestSupport {
    private NodeSimulator startSimulator() {
        return start(NodeSimulator.Config.defaults(2).withLeaseRenew(Duration.ofMillis(200))
                .withStartDelay(Duration.ofMillis(100)));
    }

    private void annotate(String node, String value) {
        String v = value == null ? "null" : "\"" + value + "\"";
        client.resource("v1", "nodes").patch(node, "application/merge-patch+json",
                "{\"metadata\":{\"annotations\":{\"" + NodeSimulator.SIMULATED_STATE + "\":" + v + "}}}");
    }

    private String renewTime(String node) {
        return client.resource("coordination.k8s.io/v1", "leases").namespace("kube-node-lease").get(node)
                .path("spec").path("renewTime").asText();
    }

    @Test
    void theAnnotationStopsAndStartsTheNode() throws Exception {
        startSimulator();
        annotate("node-1", "stopped");
        await().atMost(WAIT).until(() -> sim.isStopped("node-1"));
        assertThat(sim.isStopped("node-2")).isFalse();
        Thread.sleep(300); // a renewal already in flight may still land
        String frozen = renewTime("node-1");
        String other = renewTime("node-2");
        await().atMost(WAIT).until(() -> !renewTime("node-2").equals(other));
        Thread.sleep(600);
        assertThat(renewTime("node-1")).isEqualTo(frozen);

        annotate("node-1", "running");
        await().atMost(WAIT).until(() -> !sim.isStopped("node-1") && !renewTime("node-1").equals(frozen));

        annotate("node-1", "stopped");
        await().atMost(WAIT).until(() -> sim.isStopped("node-1"));
        annotate("node-1", null); // removing it starts the node too
        await().atMost(WAIT).until(() -> !sim.isStopped("node-1"));
    }

    @Test
    void aStopThroughTheApiIsNotUndoneByNodeUpdatesThatLeaveTheAnnotation() throws Exception {
        startSimulator();
        sim.stop("node-1");
        client.resource("v1", "nodes").patch("node-1", "application/merge-patch+json",
                "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}");
        Thread.sleep(500);
        assertThat(sim.isStopped("node-1")).isTrue();
    }

    @Test
    void aRestartedSimulatorKeepsAnAnnotatedNodeStopped() throws Exception {
        startSimulator();
        annotate("node-2", "stopped");
        await().atMost(WAIT).until(() -> sim.isStopped("node-2"));
        sim.close();

        startSimulator();
        await().atMost(WAIT).until(() -> sim.isStopped("node-2"));
        assertThat(sim.isStopped("node-1")).isFalse();
        annotate("node-2", null);
        await().atMost(WAIT).until(() -> !sim.isStopped("node-2"));
    }
}
