package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The scheduler's view of the cluster, kube-scheduler's cache: nodes with the pods counted on them. A pod counts
 * once it is bound (the informer says so) or once it is <em>assumed</em> (the scheduler chose a node and the
 * binding is on its way), so the next pod sees its requests without waiting for the binding to come back through
 * the watch. A binding that fails {@link #forget}s the assumption; the informer's bound pod replaces it.
 *
 * <p>Every method holds the cache's lock; the scheduling cycle holds it too (through {@link #lock()}) while it
 * reads nodes.
 */
final class SchedulerCache {
    private final Object lock = new Object();
    private final Map<String, NodeInfo> nodes = new TreeMap<>();
    /** Every counted pod's node, bound or assumed. */
    private final Map<String, String> podNode = new HashMap<>();
    private final Set<String> assumed = new HashSet<>();

    Object lock() {
        return lock;
    }

    void upsertNode(ObjectNode node) {
        String name = node.path("metadata").path("name").asText();
        synchronized (lock) {
            nodes.computeIfAbsent(name, NodeInfo::new).setNode(node);
        }
    }

    void removeNode(String name) {
        synchronized (lock) {
            NodeInfo n = nodes.get(name);
            if (n == null) {
                return;
            }
            if (n.pods.isEmpty()) {
                nodes.remove(name);
            } else {
                n.node = null; // pods still bound there keep counting; a node object may come back
            }
        }
    }

    /** The informer's pod: counted on its node when bound and not finished; otherwise not (unless assumed). */
    void updatePod(ObjectNode pod) {
        PodInfo p = new PodInfo(pod);
        String node = pod.path("spec").path("nodeName").asText("");
        String phase = pod.path("status").path("phase").asText("");
        boolean terminal = phase.equals("Succeeded") || phase.equals("Failed");
        synchronized (lock) {
            if (node.isEmpty()) {
                if (!assumed.contains(p.key)) {
                    removeLocked(p.key);
                }
                return;
            }
            removeLocked(p.key);
            assumed.remove(p.key);
            if (!terminal) {
                place(p, node);
            }
        }
    }

    void deletePod(String key) {
        synchronized (lock) {
            removeLocked(key);
            assumed.remove(key);
        }
    }

    /** Counts {@code p} on {@code node} until the binding lands (then the informer's copy) or fails. */
    void assume(PodInfo p, String node) {
        synchronized (lock) {
            removeLocked(p.key);
            assumed.add(p.key);
            place(p, node);
        }
    }

    /** Forgets an assumption that did not become a binding; a pod the informer saw bound stays counted. */
    void forget(String key) {
        synchronized (lock) {
            if (assumed.remove(key)) {
                removeLocked(key);
            }
        }
    }

    boolean isAssumed(String key) {
        synchronized (lock) {
            return assumed.contains(key);
        }
    }

    /** Nodes that exist (have a Node object), in name order; call under {@link #lock()}. */
    List<NodeInfo> nodesLocked() {
        List<NodeInfo> out = new ArrayList<>(nodes.size());
        for (NodeInfo n : nodes.values()) {
            if (n.node != null) {
                out.add(n);
            }
        }
        return out;
    }

    NodeInfo node(String name) {
        synchronized (lock) {
            return nodes.get(name);
        }
    }

    private void place(PodInfo p, String node) {
        nodes.computeIfAbsent(node, NodeInfo::new).add(p);
        podNode.put(p.key, node);
    }

    private void removeLocked(String key) {
        String node = podNode.remove(key);
        if (node != null) {
            NodeInfo n = nodes.get(node);
            if (n != null) {
                n.remove(key);
                if (n.node == null && n.pods.isEmpty()) {
                    nodes.remove(node);
                }
            }
        }
    }
}
