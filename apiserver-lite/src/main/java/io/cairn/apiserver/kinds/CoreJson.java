package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Small readers of the wire-form trees the core kinds work on, where a missing field, a JSON null and an empty value
 * all read as Go's zero value (which is what kube-apiserver sees after decoding). Pure functions; no state.
 */
final class CoreJson {
    private CoreJson() {
    }

    /** The text of {@code node.field}, "" when absent, null or not a scalar. */
    static String str(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        return n == null || n.isNull() || n.isContainerNode() ? "" : n.asText();
    }

    /** The elements of the array {@code node.field}, empty when absent or not an array. */
    static List<JsonNode> list(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        List<JsonNode> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(out::add);
        }
        return out;
    }

    /** The object {@code node.field}, or null when absent or not an object. */
    static ObjectNode obj(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        return n instanceof ObjectNode o ? o : null;
    }

    /** Whether {@code node.field} is present and not JSON null. */
    static boolean has(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        return n != null && !n.isNull();
    }

    /** The number of entries of the map or list at {@code node.field} (0 when absent). */
    static int size(JsonNode node, String field) {
        JsonNode n = node == null ? null : node.get(field);
        return n == null || !n.isContainerNode() ? 0 : n.size();
    }

    /** The texts of the string array {@code node.field}. */
    static List<String> strings(JsonNode node, String field) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : list(node, field)) {
            out.add(e.isNull() ? "" : e.asText());
        }
        return out;
    }

    /** {@code values} as a JSON array. */
    static ArrayNode array(ObjectNode parent, String field, List<String> values) {
        ArrayNode a = parent.putArray(field);
        values.forEach(a::add);
        return a;
    }

    /** Whether {@code a} and {@code b} are the same JSON value (null and missing count as equal). */
    static boolean same(JsonNode a, JsonNode b) {
        boolean aEmpty = a == null || a.isNull();
        boolean bEmpty = b == null || b.isNull();
        if (aEmpty || bEmpty) {
            return aEmpty == bEmpty;
        }
        return a.equals(b);
    }
}
