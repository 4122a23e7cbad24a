package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Filter: a node with {@code spec.unschedulable: true} (cordoned) fits only a pod that tolerates the taint
 * {@code node.kubernetes.io/unschedulable:NoSchedule}.
 */
final class NodeUnschedulable implements Plugins.Filter {
    static final String REASON = "node(s) were unschedulable";
    private static final ObjectNode TAINT = JsonNodeFactory.instance.objectNode()
            .put("key", "node.kubernetes.io/unschedulable").put("effect", "NoSchedule");

    @Override
    public String name() {
        return "NodeUnschedulable";
    }

    @Override
    public Plugins.Failure filter(PodInfo pod, NodeInfo node) {
        if (!node.node.path("spec").path("unschedulable").asBoolean(false)) {
            return null;
        }
        return TaintToleration.tolerated(pod.spec().path("tolerations"), TAINT) ? null : Plugins.Failure.unresolvable(REASON);
    }
}
