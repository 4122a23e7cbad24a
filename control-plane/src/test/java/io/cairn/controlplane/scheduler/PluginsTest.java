package io.cairn.controlplane.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The plugins' formulas on hand-made nodes and pods (no server needed: they are pure functions of the cache). */
class PluginsTest {
    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    private static NodeInfo nodeInfo(String name, String cpu, String memory) {
        NodeInfo n = new NodeInfo(name);
        n.setNode(SchedulerTest.node(name, cpu, memory, 110));
        return n;
    }

    private static PodInfo pod(String name, String cpu, String memory) {
        ObjectNode p = SchedulerTest.pod(name, cpu, memory);
        p.with("metadata").put("namespace", "default");
        return new PodInfo(p);
    }

    @Test
    void podRequestsAreTheLargerOfContainersAndInitContainersPlusOverhead() {
        ObjectNode p = SchedulerTest.pod("p", "200m", "100Mi");
        ObjectNode spec = p.with("spec");
        spec.withArray("containers").addObject().put("name", "b").putObject("resources").putObject("requests")
                .put("cpu", "300m").put("example.com/gpu", "1");
        spec.putArray("initContainers").addObject().put("name", "init").putObject("resources")
                .putObject("requests").put("cpu", "1").put("memory", "50Mi");
        spec.putObject("overhead").put("cpu", "10m");
        PodInfo info = new PodInfo(p);
        assertThat(info.request("cpu")).isEqualTo(1010); // max(200+300, 1000) + 10
        assertThat(info.request("memory")).isEqualTo(100L << 20);
        assertThat(info.request("example.com/gpu")).isEqualTo(1);
        // for scoring, a container with no memory request counts 200Mi
        assertThat(info.nonZeroMemory).isEqualTo((100L << 20) + (200L << 20));
    }

    @Test
    void resourcesFitReportsEveryShortage() {
        NodeInfo n = nodeInfo("n", "1", "1Gi");
        n.add(pod("a", "800m", "512Mi"));
        assertThat(new NodeResourcesFit().filter(pod("b", "200m", "512Mi"), n)).isNull();
        assertThat(new NodeResourcesFit().filter(pod("c", "300m", "1Gi"), n).reasons())
                .containsExactly("Insufficient cpu", "Insufficient memory");
        ObjectNode gpu = SchedulerTest.pod("g", "10m", "1Mi");
        ((ObjectNode) gpu.at("/spec/containers/0/resources/requests")).put("example.com/gpu", "1");
        assertThat(new NodeResourcesFit().filter(new PodInfo(gpu), n).reasons()).containsExactly("Insufficient example.com/gpu");
    }

    @Test
    void leastAllocatedAndBalancedAllocationFormulas() {
        NodeInfo n = nodeInfo("n", "4", "8Gi");
        n.add(pod("a", "1", "2Gi"));
        PodInfo p = pod("p", "1", "4Gi");
        long[] s = new long[1];
        new LeastAllocated().score(p, List.of(n), List.of(n), s);
        // cpu (4000 − 2000) × 100 / 4000 = 50; memory (8 − 6) × 100 / 8 = 25; average 37
        assertThat(s[0]).isEqualTo(37);
        new BalancedAllocation().score(p, List.of(n), List.of(n), s);
        // f_cpu 0.5, f_mem 0.75: std 0.125 → 87
        assertThat(s[0]).isEqualTo(87);
    }

    @Test
    void preferredAffinityAndPreferNoScheduleTaintsScore() {
        NodeInfo a = nodeInfo("a", "4", "8Gi");
        NodeInfo b = nodeInfo("b", "4", "8Gi");
        ((ObjectNode) b.node.path("metadata").path("labels")).put("zone", "z1");
        b.setNode(b.node);
        ObjectNode pod = SchedulerTest.pod("p", "1", "1Gi");
        ObjectNode pref = pod.with("spec").putObject("affinity").putObject("nodeAffinity")
                .putArray("preferredDuringSchedulingIgnoredDuringExecution").addObject().put("weight", 30);
        pref.putObject("preference").putArray("matchExpressions").addObject().put("key", "zone").put("operator", "Exists");
        long[] s = new long[2];
        new NodeAffinity().score(new PodInfo(pod), List.of(a, b), List.of(a, b), s);
        assertThat(s).containsExactly(0, 100);

        a.node.putObject("spec").putArray("taints").addObject().put("key", "k").put("effect", "PreferNoSchedule");
        new TaintToleration().score(new PodInfo(pod), List.of(a, b), List.of(a, b), s);
        assertThat(s).containsExactly(0, 100);
        assertThat(new TaintToleration().filter(new PodInfo(pod), a)).isNull(); // PreferNoSchedule never filters
    }

    @Test
    void topologySpreadPrefersTheNodeWithFewestOfTheSetsPods() {
        NodeInfo a = nodeInfo("a", "4", "8Gi");
        NodeInfo b = nodeInfo("b", "4", "8Gi");
        a.add(owned("x", "rs-1"));
        a.add(owned("y", "rs-1"));
        b.add(owned("z", "rs-2")); // another set: does not count
        long[] s = new long[2];
        new PodTopologySpread().score(owned("new", "rs-1"), List.of(a, b), List.of(a, b), s);
        // raw: a = 2 × ln 4 + 2 ≈ 4.77, b = 2; score = 100 × (max + min − raw) / max → a 41, b 100
        assertThat(s[1]).isEqualTo(100);
        assertThat(s[0]).isEqualTo(41);
    }

    private static PodInfo owned(String name, String ownerUid) {
        ObjectNode p = SchedulerTest.pod(name, "100m", "1Mi");
        p.with("metadata").put("namespace", "default").putArray("ownerReferences").addObject()
                .put("kind", "ReplicaSet").put("name", ownerUid).put("uid", ownerUid).put("controller", true);
        return new PodInfo(p);
    }

    @Test
    void failureMessagesInKubeSchedulerWording() {
        Map<String, Integer> reasons = new TreeMap<>(Map.of("Insufficient cpu", 2, "Insufficient memory", 1,
                "node(s) were unschedulable", 1));
        Map<String, Integer> preemption = new TreeMap<>(Map.of("No preemption victims found for incoming pod", 2,
                "Preemption is not helpful for scheduling", 1));
        assertThat(Scheduler.failureMessage(J.objectNode(), 3, reasons, preemption)).isEqualTo(
                "0/3 nodes are available: 1 Insufficient memory, 1 node(s) were unschedulable, 2 Insufficient cpu. "
                        + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
                        + "2 No preemption victims found for incoming pod.");
        assertThat(Scheduler.failureMessage(J.objectNode(), 0, Map.of(), Map.of()))
                .isEqualTo("no nodes available to schedule pods");
    }

    @Test
    void adaptiveShareOfNodesToScore() {
        assertThat(Scheduler.feasibleNodesToFind(50)).isEqualTo(50);
        assertThat(Scheduler.feasibleNodesToFind(100)).isEqualTo(100);
        assertThat(Scheduler.feasibleNodesToFind(1000)).isEqualTo(420);
        assertThat(Scheduler.feasibleNodesToFind(5000)).isEqualTo(500); // 50 − 40 = 10 %
        assertThat(Scheduler.feasibleNodesToFind(10000)).isEqualTo(500); // the 5 % floor
    }
}
