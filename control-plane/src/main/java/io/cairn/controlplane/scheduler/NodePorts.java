package io.cairn.controlplane.scheduler;

/**
 * Filter: every host port of the pod must be free on the node: no pod there uses the same protocol and port on
 * the same host IP (0.0.0.0 conflicts with every IP).
 */
final class NodePorts implements Plugins.Filter {
    static final String REASON = "node(s) didn't have free ports for the requested pod ports";

    @Override
    public String name() {
        return "NodePorts";
    }

    @Override
    public Plugins.Failure filter(PodInfo pod, NodeInfo node) {
        if (pod.hostPorts.isEmpty()) {
            return null;
        }
        for (PodInfo other : node.pods.values()) {
            for (PodInfo.HostPort theirs : other.hostPorts) {
                for (PodInfo.HostPort mine : pod.hostPorts) {
                    if (mine.conflicts(theirs)) {
                        return Plugins.Failure.of(REASON);
                    }
                }
            }
        }
        return null;
    }
}
