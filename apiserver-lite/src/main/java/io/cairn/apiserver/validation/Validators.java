package io.cairn.apiserver.validation;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.NameRule;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Kubernetes' syntax rules (apimachinery's {@code validation.IsDNS1123Subdomain}, {@code IsQualifiedName},
 * {@code IsValidLabelValue}, ...) with the details kube-apiserver gives, so that a user sees the words they know.
 * Each {@code check*} answers null when the value is valid, else the detail for a {@link FieldError#invalid}.
 */
public final class Validators {
    private Validators() {
    }

    private static final String DNS1123_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private static final String DNS1123_SUBDOMAIN = DNS1123_LABEL + "(\\." + DNS1123_LABEL + ")*";
    private static final String DNS1035_LABEL = "[a-z]([-a-z0-9]*[a-z0-9])?";
    private static final String QUALIFIED_NAME = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
    private static final String LABEL_VALUE = "(" + QUALIFIED_NAME + ")?";
    private static final Pattern DNS1123_LABEL_P = Pattern.compile(DNS1123_LABEL);
    private static final Pattern DNS1123_SUBDOMAIN_P = Pattern.compile(DNS1123_SUBDOMAIN);
    private static final Pattern DNS1035_LABEL_P = Pattern.compile(DNS1035_LABEL);
    private static final Pattern QUALIFIED_NAME_P = Pattern.compile(QUALIFIED_NAME);
    private static final Pattern LABEL_VALUE_P = Pattern.compile(LABEL_VALUE);
    private static final Pattern CONFIG_KEY_P = Pattern.compile("[-._a-zA-Z0-9]+");

    /** Annotations of one object may hold at most this many bytes (keys and values). */
    public static final int TOTAL_ANNOTATION_BYTES = 256 * 1024;

    public static String checkDns1123Label(String v) {
        if (v.length() > 63) {
            return "must be no more than 63 characters";
        }
        return DNS1123_LABEL_P.matcher(v).matches() ? null
                : "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start "
                        + "and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                        + "validation is '" + DNS1123_LABEL + "')";
    }

    public static String checkDns1123Subdomain(String v) {
        if (v.length() > 253) {
            return "must be no more than 253 characters";
        }
        return DNS1123_SUBDOMAIN_P.matcher(v).matches() ? null
                : "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                        + "must start and end with an alphanumeric character (e.g. 'example.com', regex used for "
                        + "validation is '" + DNS1123_SUBDOMAIN + "')";
    }

    public static String checkDns1035Label(String v) {
        if (v.length() > 63) {
            return "must be no more than 63 characters";
        }
        return DNS1035_LABEL_P.matcher(v).matches() ? null
                : "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
                        + "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
                        + "regex used for validation is '" + DNS1035_LABEL + "')";
    }

    /** A path segment name: not "." or "..", no '/' or '%'. */
    public static String checkPathSegment(String v) {
        if (v.equals(".") || v.equals("..")) {
            return "may not be '" + v + "'";
        }
        if (v.contains("/")) {
            return "may not contain '/'";
        }
        if (v.contains("%")) {
            return "may not contain '%'";
        }
        return null;
    }

    /** The check {@code rule} names. */
    public static String checkName(NameRule rule, String v) {
        return switch (rule) {
            case DNS_SUBDOMAIN -> checkDns1123Subdomain(v);
            case DNS_LABEL -> checkDns1123Label(v);
            case DNS1035_LABEL -> checkDns1035Label(v);
            case PATH_SEGMENT -> checkPathSegment(v);
        };
    }

    /** A label or annotation key: an optional DNS-subdomain prefix and '/', then a name of at most 63 characters. */
    public static String checkQualifiedName(String v) {
        String name = v;
        int slash = v.indexOf('/');
        if (slash >= 0) {
            String prefix = v.substring(0, slash);
            name = v.substring(slash + 1);
            if (prefix.isEmpty()) {
                return "prefix part must be non-empty";
            }
            String p = checkDns1123Subdomain(prefix);
            if (p != null) {
                return "prefix part " + p;
            }
            if (name.contains("/")) {
                return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                        + "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used "
                        + "for validation is '" + QUALIFIED_NAME + "') with an optional DNS subdomain prefix and '/' "
                        + "(e.g. 'example.com/MyName')";
            }
        }
        if (name.isEmpty()) {
            return "name part must be non-empty";
        }
        if (name.length() > 63) {
            return "name part must be no more than 63 characters";
        }
        if (!QUALIFIED_NAME_P.matcher(name).matches()) {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    + "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation "
                    + "is '" + QUALIFIED_NAME + "')";
        }
        return null;
    }

    public static String checkLabelValue(String v) {
        if (v.length() > 63) {
            return "must be no more than 63 characters";
        }
        return LABEL_VALUE_P.matcher(v).matches() ? null
                : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and "
                        + "must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                        + "'12345', regex used for validation is '" + LABEL_VALUE + "')";
    }

    /** A key of a ConfigMap's or Secret's data. */
    public static String checkConfigMapKey(String v) {
        if (v.length() > 253) {
            return "must be no more than 253 characters";
        }
        if (!CONFIG_KEY_P.matcher(v).matches()) {
            return "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or "
                    + "'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
        }
        if (v.equals(".") || v.equals("..") || v.startsWith("..")) {
            return "must not be '.' or '..' or start with '..'";
        }
        return null;
    }

    /** The errors of a labels map at {@code field} ({@code metadata.labels}, {@code spec.selector.matchLabels}). */
    public static List<FieldError> labels(JsonNode labels, String field) {
        List<FieldError> errors = new ArrayList<>();
        if (labels == null || labels.isNull()) {
            return errors;
        }
        if (!labels.isObject()) {
            errors.add(FieldError.invalid(field, labels, "must be a map of strings"));
            return errors;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = checkQualifiedName(e.getKey());
            if (k != null) {
                errors.add(FieldError.invalid(field, e.getKey(), k));
            }
            if (!e.getValue().isTextual()) {
                errors.add(FieldError.invalid(field + "[" + e.getKey() + "]", e.getValue(), "must be a string"));
                continue;
            }
            String v = checkLabelValue(e.getValue().asText());
            if (v != null) {
                errors.add(FieldError.invalid(field, e.getValue().asText(), v));
            }
        }
        return errors;
    }

    /** The errors of an annotations map: keys qualified names, string values, 256 KiB in all. */
    public static List<FieldError> annotations(JsonNode annotations, String field) {
        List<FieldError> errors = new ArrayList<>();
        if (annotations == null || annotations.isNull()) {
            return errors;
        }
        if (!annotations.isObject()) {
            errors.add(FieldError.invalid(field, annotations, "must be a map of strings"));
            return errors;
        }
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = annotations.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String k = checkQualifiedName(e.getKey().toLowerCase(java.util.Locale.ROOT));
            if (k != null) {
                errors.add(FieldError.invalid(field, e.getKey(), k));
            }
            if (!e.getValue().isTextual()) {
                errors.add(FieldError.invalid(field + "[" + e.getKey() + "]", e.getValue(), "must be a string"));
                continue;
            }
            total += e.getKey().length() + e.getValue().asText().length();
        }
        if (total > TOTAL_ANNOTATION_BYTES) {
            errors.add(new FieldError(FieldError.Type.TOO_LONG, field, "",
                    "may not be more than " + TOTAL_ANNOTATION_BYTES + " bytes"));
        }
        return errors;
    }
}
