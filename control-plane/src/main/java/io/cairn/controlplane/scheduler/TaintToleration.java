package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Filter: a node's taints with effect NoSchedule or NoExecute must each be tolerated by the pod; the first
 * that is not gives the reason {@code node(s) had untolerated taint {key: value}}.
 *
 * <p>Score (weight 3): the number of the node's PreferNoSchedule taints the pod does not tolerate, normalised
 * reversed: {@code 100 − count × 100 / max count} (all 100 when no node has any).
 *
 * <p>A toleration matches a taint when its effect is empty or equal, and either its operator is Exists with an
 * empty key (everything) or the same key, or its operator is Equal (the default) with the same key and value.
 */
final class TaintToleration implements Plugins.Filter, Plugins.Score {
    @Override
    public String name() {
        return "TaintToleration";
    }

    @Override
    public int weight() {
        return 3;
    }

    @Override
    public Plugins.Failure filter(PodInfo pod, NodeInfo node) {
        JsonNode tolerations = pod.spec().path("tolerations");
        for (JsonNode taint : node.node.path("spec").path("taints")) {
            String effect = taint.path("effect").asText("");
            if ((effect.equals("NoSchedule") || effect.equals("NoExecute")) && !tolerated(tolerations, taint)) {
                return Plugins.Failure.unresolvable("node(s) had untolerated taint {" + taint.path("key").asText("")
                        + ": " + taint.path("value").asText("") + "}");
            }
        }
        return null;
    }

    @Override
    public void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores) {
        JsonNode tolerations = pod.spec().path("tolerations");
        for (int i = 0; i < scores.length; i++) {
            long count = 0;
            for (JsonNode taint : feasible.get(i).node.path("spec").path("taints")) {
                if (taint.path("effect").asText("").equals("PreferNoSchedule") && !tolerated(tolerations, taint)) {
                    count++;
                }
            }
            scores[i] = count;
        }
        Plugins.normalize(scores, true);
    }

    static boolean tolerated(JsonNode tolerations, JsonNode taint) {
        for (JsonNode t : tolerations) {
            if (tolerates(t, taint)) {
                return true;
            }
        }
        return false;
    }

    static boolean tolerates(JsonNode t, JsonNode taint) {
        String effect = t.path("effect").asText("");
        if (!effect.isEmpty() && !effect.equals(taint.path("effect").asText(""))) {
            return false;
        }
        String key = t.path("key").asText("");
        String op = t.path("operator").asText("Equal");
        if (op.equals("Exists")) {
            return key.isEmpty() || key.equals(taint.path("key").asText(""));
        }
        return key.equals(taint.path("key").asText("")) && t.path("value").asText("").equals(taint.path("value").asText(""));
    }
}
