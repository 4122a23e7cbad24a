package io.cairn.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Comparator;

/**
 * Value comparisons the patch formats share. JSON has one number type while Jackson has several ({@code 80} may be
 * an IntNode in one tree and a LongNode or DoubleNode in another), so equality here compares numbers by value, as
 * Go's decoded {@code interface{}} values and RFC 6902's "test" do.
 */
final class JsonValues {
    /** Longest rendering of a value in an error message; a patch may carry a whole pod spec. */
    private static final int MESSAGE_VALUE_CHARS_MAX = 200;

    private static final Comparator<JsonNode> BY_VALUE = (a, b) -> {
        if (a.equals(b)) {
            return 0;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue());
        }
        return 1;
    };

    private JsonValues() {
    }

    /** Deep equality with numbers compared by value. */
    static boolean same(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.equals(BY_VALUE, b);
    }

    /**
     * A string that is equal for two values exactly when {@link #same} holds for scalars; used to index list elements
     * by merge key. Containers fall back to their JSON text.
     */
    static String key(JsonNode v) {
        if (v == null) {
            return "missing";
        }
        if (v.isNumber()) {
            return "n:" + v.decimalValue().stripTrailingZeros().toPlainString();
        }
        return v.toString();
    }

    /** The JSON type of a value, for messages. */
    static String kind(JsonNode v) {
        if (v == null || v.isMissingNode()) {
            return "nothing";
        }
        return switch (v.getNodeType()) {
            case OBJECT, POJO -> "object";
            case ARRAY -> "array";
            case STRING, BINARY -> "string";
            case NUMBER -> "number";
            case BOOLEAN -> "boolean";
            case NULL -> "null";
            default -> "nothing";
        };
    }

    /** The value's JSON text, cut short for a message. */
    static String brief(JsonNode v) {
        String s = String.valueOf(v);
        return s.length() <= MESSAGE_VALUE_CHARS_MAX ? s : s.substring(0, MESSAGE_VALUE_CHARS_MAX) + "...";
    }
}
