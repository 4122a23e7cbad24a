package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Small readers and writers of a Kubernetes object held as a Jackson tree, shared by the registry and every kind's
 * strategy. Readers treat a missing field, a JSON null and an empty value as Go's zero value (which is what
 * kube-apiserver sees after decoding). Pure functions; no state.
 */
public final class Objects2 {
    private Objects2() {
    }

    /** 0 for equal numbers of any representation, else the nodes' own equality. */
    private static final Comparator<JsonNode> NUMERIC = (a, b) -> {
        if (a.equals(b)) {
            return 0;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;
        }
        return 1;
    };

    public static String name(ObjectNode obj) {
        return text(obj, "metadata", "name");
    }

    public static String namespace(ObjectNode obj) {
        return text(obj, "metadata", "namespace");
    }

    /** The text at {@code path} ("" when a step is missing or not an object). */
    public static String text(JsonNode obj, String... path) {
        JsonNode n = at(obj, path);
        return n == null || n.isNull() || n.isContainerNode() ? "" : n.asText();
    }

    /** The node at {@code path}, or null. */
    public static JsonNode at(JsonNode obj, String... path) {
        JsonNode n = obj;
        for (String p : path) {
            if (n == null || !n.isObject()) {
                return null;
            }
            n = n.get(p);
        }
        return n;
    }

    /** The elements of the array at {@code path}, empty when absent or not an array. */
    public static List<JsonNode> list(JsonNode obj, String... path) {
        JsonNode n = at(obj, path);
        List<JsonNode> out = new ArrayList<>();
        if (n != null && n.isArray()) {
            n.forEach(out::add);
        }
        return out;
    }

    /** The texts of the string array at {@code path} (a JSON null element reads as ""). */
    public static List<String> strings(JsonNode obj, String... path) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : list(obj, path)) {
            out.add(e.isNull() ? "" : e.asText());
        }
        return out;
    }

    /** Whether the node at {@code path} is present and not JSON null. */
    public static boolean has(JsonNode obj, String... path) {
        JsonNode n = at(obj, path);
        return n != null && !n.isNull();
    }

    /** The number of entries of the map or list at {@code path} (0 when absent or a scalar). */
    public static int size(JsonNode obj, String... path) {
        JsonNode n = at(obj, path);
        return n == null || !n.isContainerNode() ? 0 : n.size();
    }

    /** The object at {@code path}, created where missing. */
    public static ObjectNode objectAt(ObjectNode obj, String... path) {
        ObjectNode n = obj;
        for (String p : path) {
            JsonNode c = n.get(p);
            n = c instanceof ObjectNode o ? o : n.putObject(p);
        }
        return n;
    }

    /** Sets {@code obj.field} to {@code values} as a JSON array (replacing what was there). */
    public static ArrayNode array(ObjectNode obj, String field, List<String> values) {
        ArrayNode a = obj.putArray(field);
        values.forEach(a::add);
        return a;
    }

    /** Sets {@code obj.field} to {@code value} when it is absent, null or "". */
    public static void defaultText(ObjectNode obj, String field, String value) {
        if (obj.path(field).asText("").isEmpty()) {
            obj.put(field, value);
        }
    }

    /** Sets {@code obj.field} to {@code value} when it is absent or null. */
    public static void defaultInt(ObjectNode obj, String field, int value) {
        if (!obj.hasNonNull(field)) {
            obj.put(field, value);
        }
    }

    /**
     * Whether {@code a} and {@code b} are the same JSON value, Go's {@code reflect.DeepEqual} of decoded values:
     * absent (Java null) and JSON null count as equal, numbers must match in representation too.
     */
    public static boolean same(JsonNode a, JsonNode b) {
        boolean aEmpty = a == null || a.isNull();
        boolean bEmpty = b == null || b.isNull();
        if (aEmpty || bEmpty) {
            return aEmpty == bEmpty;
        }
        return a.equals(b);
    }

    /**
     * Deep equality where numbers compare by value (30 and 30L are equal: a stored object and a request body
     * disagree on that) and an absent node, a missing node and JSON null are all equal.
     */
    public static boolean sameByValue(JsonNode a, JsonNode b) {
        boolean aNull = a == null || a.isNull() || a.isMissingNode();
        boolean bNull = b == null || b.isNull() || b.isMissingNode();
        if (aNull || bNull) {
            return aNull && bNull;
        }
        return a.equals(NUMERIC, b);
    }

    /**
     * The leaves where {@code a} and {@code b} differ by {@link #sameByValue}, as {@code - path: old} /
     * {@code + path: new} lines, at most {@code linesMax} of them (for kube's "may not change fields" messages).
     */
    public static String diff(JsonNode a, JsonNode b, int linesMax) {
        List<String> lines = new ArrayList<>();
        diff("", a, b, lines);
        if (lines.size() > linesMax) {
            int more = lines.size() - linesMax;
            lines = new ArrayList<>(lines.subList(0, linesMax));
            lines.add("  ... " + more + " more");
        }
        return String.join("\n", lines);
    }

    private static void diff(String path, JsonNode a, JsonNode b, List<String> lines) {
        if (sameByValue(a, b)) {
            return;
        }
        if (a != null && b != null && a.isObject() && b.isObject()) {
            TreeSet<String> keys = new TreeSet<>();
            a.fieldNames().forEachRemaining(keys::add);
            b.fieldNames().forEachRemaining(keys::add);
            for (String k : keys) {
                diff(path.isEmpty() ? k : path + "." + k, a.get(k), b.get(k), lines);
            }
            return;
        }
        if (a != null && b != null && a.isArray() && b.isArray() && a.size() == b.size()) {
            for (int i = 0; i < a.size(); i++) {
                diff(path + "[" + i + "]", a.get(i), b.get(i), lines);
            }
            return;
        }
        if (a != null && !a.isNull()) {
            lines.add("- " + path + ": " + a);
        }
        if (b != null && !b.isNull()) {
            lines.add("+ " + path + ": " + b);
        }
    }

    /** The RFC 3339 time in {@code n}, or null when absent or malformed. */
    public static Instant time(JsonNode n) {
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(n.asText());
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** True when the list of conditions holds one of {@code type} with status True. */
    public static boolean conditionTrue(JsonNode conditions, String type) {
        for (Iterator<JsonNode> it = conditions.elements(); it.hasNext(); ) {
            JsonNode c = it.next();
            if (c.path("type").asText().equals(type)) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }

    /** kubectl's age of {@code obj} at {@code now}: {@code 45s}, {@code 5m3s}, {@code 3h12m}, {@code 4d}, "<unknown>". */
    public static String age(ObjectNode obj, Instant now) {
        return since(text(obj, "metadata", "creationTimestamp"), now);
    }

    /** kubectl's age of a timestamp ({@code translateTimestampSince}): "<unknown>" when unset or unreadable. */
    public static String since(String timestamp, Instant now) {
        if (timestamp == null || timestamp.isEmpty()) {
            return "<unknown>";
        }
        try {
            return humanDuration(Duration.between(Instant.parse(timestamp), now));
        } catch (DateTimeParseException e) {
            return "<unknown>";
        }
    }

    /** Kubernetes' {@code duration.HumanDuration}. */
    public static String humanDuration(Duration d) {
        long s = d.getSeconds();
        if (s < -1) {
            return "<invalid>";
        }
        if (s < 0) {
            return "0s";
        }
        if (s < 60 * 2) {
            return s + "s";
        }
        long m = s / 60;
        if (m < 10) {
            long rs = s % 60;
            return rs == 0 ? m + "m" : m + "m" + rs + "s";
        }
        if (m < 60 * 3) {
            return m + "m";
        }
        long h = s / 3600;
        if (h < 8) {
            long rm = m % 60;
            return rm == 0 ? h + "h" : h + "h" + rm + "m";
        }
        if (h < 48) {
            return h + "h";
        }
        if (h < 24 * 8) {
            long rh = h % 24;
            return rh == 0 ? (h / 24) + "d" : (h / 24) + "d" + rh + "h";
        }
        if (h < 24 * 365 * 2) {
            return (h / 24) + "d";
        }
        if (h < 24 * 365 * 8) {
            long dy = (h / 24) % 365;
            return dy == 0 ? (h / 24 / 365) + "y" : (h / 24 / 365) + "y" + dy + "d";
        }
        return (h / 24 / 365) + "y";
    }
}
