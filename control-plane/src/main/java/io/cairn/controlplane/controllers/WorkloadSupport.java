package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.JSON;
import static io.cairn.controlplane.controllers.CtrlUtil.condition;
import static io.cairn.controlplane.controllers.CtrlUtil.emptySelector;
import static io.cairn.controlplane.controllers.CtrlUtil.matches;
import static io.cairn.controlplane.controllers.CtrlUtil.podReady;
import static io.cairn.controlplane.controllers.CtrlUtil.time;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What only the ReplicaSet and Deployment controllers need: their selector rule, pod availability, the canonical form
 * and hash of a pod template. The helpers every controller shares are in {@link CtrlUtil}.
 */
final class WorkloadSupport {
    private WorkloadSupport() {
    }

    /**
     * Whether a workload's selector selects {@code labels}. Unlike {@link CtrlUtil#matches} an empty selector selects
     * nothing: the API server refuses one on a ReplicaSet or Deployment, and a controller must never adopt everything.
     */
    static boolean workloadSelects(JsonNode selector, JsonNode labels) {
        return !emptySelector(selector) && matches(selector, labels);
    }

    /** When the pod's Ready condition last changed, or null. */
    static Instant readySince(JsonNode pod) {
        ObjectNode ready = condition(pod.path("status").path("conditions"), "Ready");
        return ready == null ? null : time(ready.get("lastTransitionTime"));
    }

    /** Ready for at least {@code minReadySeconds} at {@code now}. */
    static boolean podAvailable(JsonNode pod, int minReadySeconds, Instant now) {
        if (!podReady(pod)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        Instant since = readySince(pod);
        return since != null && !since.plusSeconds(minReadySeconds).isAfter(now);
    }

    /** The JSON with object keys sorted, for a stable hash. */
    static String canonical(JsonNode n) {
        StringBuilder sb = new StringBuilder();
        canonical(n, sb);
        return sb.toString();
    }

    private static void canonical(JsonNode n, StringBuilder sb) {
        if (n.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            n.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(JSON.textNode(e.getKey()).toString()).append(':');
                canonical(e.getValue(), sb);
            }
            sb.append('}');
        } else if (n.isArray()) {
            sb.append('[');
            for (int i = 0; i < n.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                canonical(n.get(i), sb);
            }
            sb.append(']');
        } else {
            sb.append(n.toString());
        }
    }

    private static final String SAFE = "bcdfghjklmnpqrstvwxz2456789";

    /** A stable short hash of a pod template (without any pod-template-hash label) and the collision count. */
    static String templateHash(JsonNode template, int collisionCount) {
        ObjectNode t = stripHash(template);
        byte[] bytes = (canonical(t) + (collisionCount > 0 ? "#" + collisionCount : "")).getBytes(StandardCharsets.UTF_8);
        int h = 0x811c9dc5;
        for (byte b : bytes) {
            h ^= (b & 0xff);
            h *= 0x01000193;
        }
        long v = h & 0xffffffffL;
        StringBuilder sb = new StringBuilder();
        do {
            sb.append(SAFE.charAt((int) (v % SAFE.length())));
            v /= SAFE.length();
        } while (v > 0);
        return sb.toString();
    }

    /** A copy of a pod template without the {@code pod-template-hash} label. */
    static ObjectNode stripHash(JsonNode template) {
        ObjectNode t = template == null || !template.isObject() ? JSON.objectNode() : ((ObjectNode) template).deepCopy();
        JsonNode labels = t.path("metadata").path("labels");
        if (labels.isObject()) {
            ((ObjectNode) labels).remove(DeploymentController.HASH_LABEL);
            if (labels.isEmpty()) {
                ((ObjectNode) t.get("metadata")).remove("labels");
            }
        }
        if (t.path("metadata").isObject() && t.get("metadata").isEmpty()) {
            t.remove("metadata");
        }
        return t;
    }
}
