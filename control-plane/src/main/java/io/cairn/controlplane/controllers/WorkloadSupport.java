package io.cairn.controlplane.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Helpers shared by the ReplicaSet and Deployment controllers: selectors, owner references, pod readiness, hashes. */
final class WorkloadSupport {
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    private WorkloadSupport() {
    }

    static String text(JsonNode n, String... path) {
        JsonNode c = n;
        for (String p : path) {
            if (c == null) {
                return null;
            }
            c = c.get(p);
        }
        return c == null || c.isNull() ? null : c.asText();
    }

    static int intAt(JsonNode n, int dflt, String... path) {
        JsonNode c = n;
        for (String p : path) {
            if (c == null) {
                return dflt;
            }
            c = c.get(p);
        }
        return c == null || c.isNull() ? dflt : c.asInt();
    }

    static boolean deleting(JsonNode o) {
        return text(o, "metadata", "deletionTimestamp") != null;
    }

    static String uid(JsonNode o) {
        return text(o, "metadata", "uid");
    }

    static String name(JsonNode o) {
        return text(o, "metadata", "name");
    }

    /** The owner reference with {@code controller: true}, or null. */
    static JsonNode controllerRef(JsonNode o) {
        JsonNode refs = o.path("metadata").path("ownerReferences");
        for (JsonNode r : refs) {
            if (r.path("controller").asBoolean(false)) {
                return r;
            }
        }
        return null;
    }

    static ObjectNode ownerRef(JsonNode owner, String apiVersion, String kind) {
        ObjectNode r = F.objectNode();
        r.put("apiVersion", apiVersion);
        r.put("kind", kind);
        r.put("name", name(owner));
        r.put("uid", uid(owner));
        r.put("controller", true);
        r.put("blockOwnerDeletion", true);
        return r;
    }

    /** Whether {@code labels} match a LabelSelector (matchLabels and matchExpressions); an empty selector matches nothing. */
    static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isNull() || selector.isEmpty()) {
            return false;
        }
        JsonNode ml = selector.path("matchLabels");
        Iterator<Map.Entry<String, JsonNode>> it = ml.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(text(labels, e.getKey()))) {
                return false;
            }
        }
        for (JsonNode ex : selector.path("matchExpressions")) {
            String key = ex.path("key").asText();
            String op = ex.path("operator").asText();
            String v = labels == null ? null : text(labels, key);
            List<String> values = new ArrayList<>();
            ex.path("values").forEach(x -> values.add(x.asText()));
            boolean ok = switch (op) {
                case "In" -> v != null && values.contains(v);
                case "NotIn" -> v == null || !values.contains(v);
                case "Exists" -> v != null;
                case "DoesNotExist" -> v == null;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean podReady(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return "True".equals(c.path("status").asText());
            }
        }
        return false;
    }

    static Instant readySince(JsonNode pod) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return parseTime(c.path("lastTransitionTime").asText(null));
            }
        }
        return null;
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

    static boolean podTerminal(JsonNode pod) {
        String phase = text(pod, "status", "phase");
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }

    static Instant parseTime(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    static Instant created(JsonNode o) {
        Instant t = parseTime(text(o, "metadata", "creationTimestamp"));
        return t == null ? Instant.EPOCH : t;
    }

    static boolean conflict(ApiException e) {
        return e.code() == 409 && !"AlreadyExists".equals(e.reason());
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
                sb.append(F.textNode(e.getKey()).toString()).append(':');
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
        ObjectNode t = template == null || !template.isObject() ? F.objectNode() : ((ObjectNode) template).deepCopy();
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

    static ArrayNode array() {
        return F.arrayNode();
    }
}
