package io.cairn.controlplane.scheduler;

/** Filter: a pod that names a node in {@code spec.nodeName} fits only that node. */
final class NodeName implements Plugins.Filter {
    static final String REASON = "node(s) didn't match the requested node name";

    @Override
    public String name() {
        return "NodeName";
    }

    @Override
    public Plugins.Failure filter(PodInfo pod, NodeInfo node) {
        String wanted = pod.spec().path("nodeName").asText("");
        return wanted.isEmpty() || wanted.equals(node.name) ? null : Plugins.Failure.unresolvable(REASON);
    }
}
