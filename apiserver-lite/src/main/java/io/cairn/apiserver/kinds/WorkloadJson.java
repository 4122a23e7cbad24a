package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Small JSON helpers the workload strategies share: equality that does not care whether a number was parsed as an
 * int or a long (a stored object and a request body disagree on that), a readable list of the leaves where two trees
 * differ (for kube's "pod updates may not change fields ..." message), and timestamp reading.
 */
final class WorkloadJson {
    private WorkloadJson() {
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

    /** Deep equality where 30 and 30L are equal and an absent node equals JSON null. */
    static boolean same(JsonNode a, JsonNode b) {
        boolean aNull = a == null || a.isNull() || a.isMissingNode();
        boolean bNull = b == null || b.isNull() || b.isMissingNode();
        if (aNull || bNull) {
            return aNull && bNull;
        }
        return a.equals(NUMERIC, b);
    }

    /** The leaves where {@code a} and {@code b} differ, as {@code - path: old} / {@code + path: new} lines. */
    static String diff(JsonNode a, JsonNode b, int linesMax) {
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
        if (same(a, b)) {
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
    static Instant time(JsonNode n) {
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
    static boolean conditionTrue(JsonNode conditions, String type) {
        for (Iterator<JsonNode> it = conditions.elements(); it.hasNext(); ) {
            JsonNode c = it.next();
            if (c.path("type").asText().equals(type)) {
                return c.path("status").asText().equals("True");
            }
        }
        return false;
    }
}
