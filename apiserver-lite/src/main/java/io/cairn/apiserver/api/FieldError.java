package io.cairn.apiserver.api;

/**
 * One bad field of an object, as Kubernetes' {@code field.Error}: its type (which gives the Status cause's reason and
 * the words of the message), the field's path ({@code metadata.name}, {@code spec.containers[0].image}), the value
 * that was wrong (null when there was none) and a detail for the user.
 */
public record FieldError(Type type, String field, Object badValue, String detail) {

    /** The kinds of field error kube-apiserver reports, with their cause reason and message words. */
    public enum Type {
        REQUIRED("FieldValueRequired", "Required value"),
        INVALID("FieldValueInvalid", "Invalid value"),
        NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
        DUPLICATE("FieldValueDuplicate", "Duplicate value"),
        FORBIDDEN("FieldValueForbidden", "Forbidden"),
        TOO_LONG("FieldValueTooLong", "Too long"),
        TOO_MANY("FieldValueTooMany", "Too many");

        public final String reason;
        public final String words;

        Type(String reason, String words) {
            this.reason = reason;
            this.words = words;
        }
    }

    public static FieldError required(String field, String detail) {
        return new FieldError(Type.REQUIRED, field, null, detail);
    }

    public static FieldError invalid(String field, Object value, String detail) {
        return new FieldError(Type.INVALID, field, value, detail);
    }

    public static FieldError notSupported(String field, Object value, java.util.Collection<String> supported) {
        StringBuilder b = new StringBuilder("supported values: ");
        int i = 0;
        for (String s : supported) {
            b.append(i++ == 0 ? "" : ", ").append('"').append(s).append('"');
        }
        return new FieldError(Type.NOT_SUPPORTED, field, value, b.toString());
    }

    public static FieldError duplicate(String field, Object value) {
        return new FieldError(Type.DUPLICATE, field, value, null);
    }

    public static FieldError forbidden(String field, String detail) {
        return new FieldError(Type.FORBIDDEN, field, null, detail);
    }

    public static FieldError tooLong(String field, Object value, int max) {
        return new FieldError(Type.TOO_LONG, field, value, "may not be more than " + max + " bytes");
    }

    /**
     * The cause's message, as kube-apiserver words it: {@code Invalid value: "Foo": a lowercase RFC 1123 ...},
     * {@code Required value}, {@code Forbidden: detail}.
     */
    public String message() {
        StringBuilder b = new StringBuilder(type.words);
        boolean withValue = switch (type) {
            case INVALID, NOT_SUPPORTED, DUPLICATE, TOO_LONG -> true;
            default -> false;
        };
        if (withValue) {
            b.append(": ").append(quoted(badValue));
        }
        if (detail != null && !detail.isEmpty()) {
            b.append(": ").append(detail);
        }
        return b.toString();
    }

    /** {@code field: message}, the form a Status message lists. */
    @Override
    public String toString() {
        return field + ": " + message();
    }

    private static String quoted(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof String s) {
            return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
        }
        if (v instanceof com.fasterxml.jackson.databind.JsonNode n) {
            return n.isTextual() ? quoted(n.asText()) : n.toString();
        }
        return String.valueOf(v);
    }
}
