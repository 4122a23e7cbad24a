package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Small readers of a Kubernetes object held as a Jackson tree. */
public final class Objects2 {
    private Objects2() {
    }

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

    /** The object at {@code path}, created where missing. */
    public static ObjectNode objectAt(ObjectNode obj, String... path) {
        ObjectNode n = obj;
        for (String p : path) {
            JsonNode c = n.get(p);
            n = c instanceof ObjectNode o ? o : n.putObject(p);
        }
        return n;
    }

    /** kubectl's age of {@code obj} at {@code now}: {@code 45s}, {@code 5m3s}, {@code 3h12m}, {@code 4d}, "<unknown>". */
    public static String age(ObjectNode obj, Instant now) {
        String ts = text(obj, "metadata", "creationTimestamp");
        if (ts.isEmpty()) {
            return "<unknown>";
        }
        try {
            return humanDuration(Duration.between(Instant.parse(ts), now));
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
