package io.cairn.controlplane.scheduler;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Filter: the pod fits when, for every resource it requests (cpu, memory, ephemeral-storage, any extended
 * resource), {@code requested on the node + pod's request <= allocatable}, and the node has room for one more pod
 * ({@code pods on the node + 1 <= allocatable pods}). Reasons: "Too many pods", "Insufficient &lt;resource&gt;",
 * all that apply.
 */
final class NodeResourcesFit implements Plugins.Filter {
    @Override
    public String name() {
        return "NodeResourcesFit";
    }

    @Override
    public Plugins.Failure filter(PodInfo pod, NodeInfo node) {
        List<String> reasons = new ArrayList<>(1);
        if (node.pods.size() + 1 > node.allocatable("pods")) {
            reasons.add("Too many pods");
        }
        for (Map.Entry<String, Long> r : pod.requests.entrySet()) {
            if (r.getValue() == 0) {
                continue;
            }
            if (node.requested(r.getKey()) + r.getValue() > node.allocatable(r.getKey())) {
                reasons.add("Insufficient " + r.getKey());
            }
        }
        return reasons.isEmpty() ? null : new Plugins.Failure(List.copyOf(reasons), false);
    }
}
