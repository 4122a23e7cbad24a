package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Filter: the node's labels must match every entry of {@code spec.nodeSelector}, and at least one term of
 * {@code affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms} (terms are ORed;
 * within a term, every matchExpression on labels and matchField on {@code metadata.name} must hold; a term with
 * neither matches nothing). Operators In, NotIn, Exists, DoesNotExist, Gt, Lt (integers).
 *
 * <p>Score (weight 2): the sum of the weights of the preferred terms the node matches, normalised to 0..100 by
 * the maximum over the feasible nodes.
 */
final class NodeAffinity implements Plugins.Filter, Plugins.Score {
    static final String REASON = "node(s) didn't match Pod's node affinity/selector";

    @Override
    public String name() {
        return "NodeAffinity";
    }

    @Override
    public int weight() {
        return 2;
    }

    @Override
    public Plugins.Failure filter(PodInfo pod, NodeInfo node) {
        Map<String, String> labels = null;
        Iterator<Map.Entry<String, JsonNode>> selector = pod.spec().path("nodeSelector").fields();
        if (selector.hasNext()) {
            labels = node.labels();
            while (selector.hasNext()) {
                Map.Entry<String, JsonNode> e = selector.next();
                if (!e.getValue().asText().equals(labels.get(e.getKey()))) {
                    return Plugins.Failure.unresolvable(REASON);
                }
            }
        }
        JsonNode required = pod.spec().path("affinity").path("nodeAffinity")
                .path("requiredDuringSchedulingIgnoredDuringExecution");
        if (required.isMissingNode() || required.isNull()) {
            return null;
        }
        if (labels == null) {
            labels = node.labels();
        }
        for (JsonNode term : required.path("nodeSelectorTerms")) {
            if (termMatches(term, labels, node.name)) {
                return null;
            }
        }
        return Plugins.Failure.unresolvable(REASON);
    }

    @Override
    public void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores) {
        JsonNode preferred = pod.spec().path("affinity").path("nodeAffinity")
                .path("preferredDuringSchedulingIgnoredDuringExecution");
        if (preferred.isEmpty()) {
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            NodeInfo n = feasible.get(i);
            Map<String, String> labels = n.labels();
            long sum = 0;
            for (JsonNode p : preferred) {
                if (termMatches(p.path("preference"), labels, n.name)) {
                    sum += p.path("weight").asLong(0);
                }
            }
            scores[i] = sum;
        }
        Plugins.normalize(scores, false);
    }

    static boolean termMatches(JsonNode term, Map<String, String> labels, String nodeName) {
        JsonNode exprs = term.path("matchExpressions");
        JsonNode fields = term.path("matchFields");
        if (exprs.isEmpty() && fields.isEmpty()) {
            return false;
        }
        for (JsonNode e : exprs) {
            if (!requirementMatches(e, labels.get(e.path("key").asText()))) {
                return false;
            }
        }
        for (JsonNode f : fields) {
            String value = f.path("key").asText().equals("metadata.name") ? nodeName : null;
            if (!requirementMatches(f, value)) {
                return false;
            }
        }
        return true;
    }

    /** One node selector requirement against the label's value (null when the node lacks the label). */
    static boolean requirementMatches(JsonNode req, String value) {
        JsonNode values = req.path("values");
        switch (req.path("operator").asText()) {
            case "In":
                return value != null && contains(values, value);
            case "NotIn":
                return value == null || !contains(values, value);
            case "Exists":
                return value != null;
            case "DoesNotExist":
                return value == null;
            case "Gt":
            case "Lt":
                if (value == null || values.size() != 1) {
                    return false;
                }
                try {
                    long have = Long.parseLong(value);
                    long bound = Long.parseLong(values.get(0).asText());
                    return req.path("operator").asText().equals("Gt") ? have > bound : have < bound;
                } catch (NumberFormatException e) {
                    return false;
                }
            default:
                return false;
        }
    }

    private static boolean contains(JsonNode values, String value) {
        for (JsonNode v : values) {
            if (v.asText().equals(value)) {
                return true;
            }
        }
        return false;
    }
}
