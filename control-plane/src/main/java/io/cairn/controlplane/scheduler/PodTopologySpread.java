package io.cairn.controlplane.scheduler;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Score (weight 2): spreads a controller's pods with Kubernetes' default system constraints, both
 * ScheduleAnyway: {@code kubernetes.io/hostname} with maxSkew 3 and {@code topology.kubernetes.io/zone} with
 * maxSkew 5. As kube-scheduler 1.32, for each constraint whose key the node carries:
 * {@code raw += count(matching pods in the node's domain) × log(domains + 2) + (maxSkew − 1)}, domains being the
 * distinct values of the key over the feasible nodes; then {@code score = 100 × (max + min − raw) / max} (all 100
 * when max is 0), so the emptiest domain scores highest.
 *
 * <p>Matching pods: kube-scheduler selects them with the selectors of the Services and ReplicaSets (etc.) that
 * select the incoming pod; here, the pods of the same namespace with the same controlling owner, not terminating.
 * A pod without a controller, or with its own {@code topologySpreadConstraints} (not implemented), scores 0
 * everywhere.
 */
final class PodTopologySpread implements Plugins.Score {
    static final String HOSTNAME = "kubernetes.io/hostname";
    static final String ZONE = "topology.kubernetes.io/zone";

    private record Constraint(String key, int maxSkew) {
    }

    private static final List<Constraint> DEFAULTS = List.of(new Constraint(HOSTNAME, 3), new Constraint(ZONE, 5));

    @Override
    public String name() {
        return "PodTopologySpread";
    }

    @Override
    public int weight() {
        return 2;
    }

    @Override
    public void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores) {
        if (pod.controllerUid == null || !pod.spec().path("topologySpreadConstraints").isEmpty()) {
            return;
        }
        double[] raw = new double[scores.length];
        for (Constraint c : DEFAULTS) {
            Set<String> domains = new HashSet<>();
            for (NodeInfo n : feasible) {
                String v = c.key.equals(HOSTNAME) ? hostname(n) : n.label(c.key);
                if (v != null) {
                    domains.add(v);
                }
            }
            if (domains.isEmpty()) {
                continue;
            }
            Map<String, Integer> counts = new HashMap<>();
            for (NodeInfo n : all) {
                String v = c.key.equals(HOSTNAME) ? hostname(n) : n.label(c.key);
                if (v != null && domains.contains(v)) {
                    counts.merge(v, matching(pod, n), Integer::sum);
                }
            }
            double weight = Math.log(domains.size() + 2);
            for (int i = 0; i < raw.length; i++) {
                NodeInfo n = feasible.get(i);
                String v = c.key.equals(HOSTNAME) ? hostname(n) : n.label(c.key);
                if (v != null) {
                    raw[i] += counts.getOrDefault(v, 0) * weight + (c.maxSkew - 1);
                }
            }
        }
        double max = 0;
        double min = Double.MAX_VALUE;
        for (double r : raw) {
            max = Math.max(max, r);
            min = Math.min(min, r);
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] = max == 0 ? Plugins.MAX_SCORE : (long) (Plugins.MAX_SCORE * (max + min - raw[i]) / max);
        }
    }

    /** The node's hostname label, or its name (a simulated node may not label itself). */
    private static String hostname(NodeInfo n) {
        String v = n.label(HOSTNAME);
        return v == null ? n.name : v;
    }

    private static int matching(PodInfo pod, NodeInfo n) {
        int count = 0;
        for (PodInfo p : n.pods.values()) {
            if (pod.controllerUid.equals(p.controllerUid) && pod.namespace.equals(p.namespace) && !p.key.equals(pod.key)
                    && !p.pod.path("metadata").has("deletionTimestamp")) {
                count++;
            }
        }
        return count;
    }
}
