package io.cairn.controlplane.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;

/**
 * Small helpers every controller of this package shares: JSON trees, object metadata, conditions, label selectors,
 * owner references, pod state and API errors. What only the ReplicaSet and Deployment controllers need is in
 * {@link WorkloadSupport}.
 */
final class CtrlUtil {
    static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    private CtrlUtil() {
    }

    static ObjectNode obj() {
        return JSON.objectNode();
    }

    /** A 409 other than AlreadyExists: a write lost to a newer resourceVersion or a failed precondition. */
    static boolean isConflict(Exception e) {
        return e instanceof ApiException a && a.code() == 409 && !"AlreadyExists".equals(a.reason());
    }

    static boolean isNotFound(Exception e) {
        return e instanceof ApiException a && a.code() == 404;
    }

    static boolean isAlreadyExists(Exception e) {
        return e instanceof ApiException a && a.code() == 409 && "AlreadyExists".equals(a.reason());
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static Instant time(JsonNode n) {
        if (n == null || n.isNull() || n.asText("").isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The text at {@code path} below {@code n}, or null where it is missing or JSON null. */
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

    /** The int at {@code path} below {@code n}, or {@code dflt} where it is missing or JSON null. */
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

    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText("");
    }

    static String namespace(JsonNode o) {
        return o.path("metadata").path("namespace").asText("");
    }

    static String uid(JsonNode o) {
        return o.path("metadata").path("uid").asText("");
    }

    static boolean deleting(JsonNode o) {
        return !o.path("metadata").path("deletionTimestamp").asText("").isEmpty();
    }

    /** The creation time, or the epoch where it is missing or unreadable. */
    static Instant created(JsonNode o) {
        Instant t = time(o.path("metadata").path("creationTimestamp"));
        return t == null ? Instant.EPOCH : t;
    }

    /** The condition of {@code type} in {@code conditions}, or null. */
    static ObjectNode condition(JsonNode conditions, String type) {
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asText()) && c instanceof ObjectNode o) {
                return o;
            }
        }
        return null;
    }

    static boolean conditionTrue(JsonNode conditions, String type) {
        ObjectNode c = condition(conditions, type);
        return c != null && "True".equals(c.path("status").asText());
    }

    /**
     * Sets condition {@code type} on {@code status.conditions}: the transition time changes only with the status;
     * answers whether anything changed.
     */
    static boolean setCondition(ObjectNode status, String type, String value, String reason, String message,
                                boolean probeTimes) {
        ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        ObjectNode c = condition(conditions, type);
        String now = now();
        if (c == null) {
            c = conditions.addObject();
            c.put("type", type);
        } else if (value.equals(c.path("status").asText()) && Objects.equals(reason, c.path("reason").asText(null))
                && Objects.equals(message, c.path("message").asText(null))) {
            return false;
        }
        if (!value.equals(c.path("status").asText())) {
            c.put("lastTransitionTime", now);
        }
        c.put("status", value);
        if (probeTimes) {
            c.put("lastProbeTime", now);
        }
        if (reason != null) {
            c.put("reason", reason);
        } else {
            c.remove("reason");
        }
        if (message != null) {
            c.put("message", message);
        } else {
            c.remove("message");
        }
        return true;
    }

    /**
     * Whether {@code labels} match a LabelSelector ({@code matchLabels}, {@code matchExpressions}), as kube's
     * {@code LabelSelectorAsSelector}: a missing or null selector matches nothing, an {@link #emptySelector empty}
     * one everything. A caller that must never select everything (a workload's) checks {@code emptySelector} first.
     */
    static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || selector.isNull() || selector.isMissingNode()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        for (JsonNode r : selector.path("matchExpressions")) {
            String key = r.path("key").asText();
            boolean has = labels.has(key);
            String v = labels.path(key).asText(null);
            boolean in = false;
            for (JsonNode x : r.path("values")) {
                in |= x.asText().equals(v);
            }
            boolean ok = switch (r.path("operator").asText()) {
                case "In" -> has && in;
                case "NotIn" -> !has || !in;
                case "Exists" -> has;
                case "DoesNotExist" -> !has;
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** Whether a LabelSelector has no requirement at all (neither matchLabels nor matchExpressions), or is missing. */
    static boolean emptySelector(JsonNode selector) {
        return selector == null || selector.path("matchLabels").size() + selector.path("matchExpressions").size() == 0;
    }

    /** Whether {@code labels} carry every pair of a plain map selector (a service's); an empty map matches nothing. */
    static boolean matchesMap(JsonNode selector, JsonNode labels) {
        if (selector == null || !selector.isObject() || selector.isEmpty()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    /** The ownerReference of {@code owner} that marks it as the controller (kube's NewControllerRef). */
    static ObjectNode newControllerRef(JsonNode owner, String apiVersion, String kind) {
        ObjectNode ref = obj();
        ref.put("apiVersion", apiVersion);
        ref.put("kind", kind);
        ref.put("name", name(owner));
        ref.put("uid", uid(owner));
        ref.put("controller", true);
        ref.put("blockOwnerDeletion", true);
        return ref;
    }

    /** The ownerReference of {@code o} with {@code controller: true}, or null (kube's GetControllerOf). */
    static JsonNode controllerOf(JsonNode o) {
        for (JsonNode r : o.path("metadata").path("ownerReferences")) {
            if (r.path("controller").asBoolean(false)) {
                return r;
            }
        }
        return null;
    }

    /** The uid of the controlling owner of {@code o}, or "". */
    static String controllerUid(JsonNode o) {
        JsonNode ref = controllerOf(o);
        return ref == null ? "" : ref.path("uid").asText("");
    }

    static boolean podReady(JsonNode pod) {
        return conditionTrue(pod.path("status").path("conditions"), "Ready");
    }

    static String phase(JsonNode pod) {
        return pod.path("status").path("phase").asText("");
    }

    /** Succeeded or Failed: the pod will not run again. */
    static boolean podTerminal(JsonNode pod) {
        String phase = phase(pod);
        return "Succeeded".equals(phase) || "Failed".equals(phase);
    }
}
