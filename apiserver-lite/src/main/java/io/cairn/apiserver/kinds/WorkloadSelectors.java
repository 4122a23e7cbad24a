package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.LabelSelector;
import io.cairn.apiserver.validation.Validators;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A workload's {@code metav1.LabelSelector} ({@code matchLabels} and {@code matchExpressions}) held as JSON: whether it
 * matches a set of labels, how kubectl prints it ({@link LabelSelector#format}, {@link #formatOrNone}), its validation, and the Go literal
 * kube-apiserver prints when it names a selector or a labels map in an error
 * ({@code v1.LabelSelector{MatchLabels:map[string]string{"app":"web"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}}).
 */
public final class WorkloadSelectors {
    private WorkloadSelectors() {
    }

    /** True when the selector has neither matchLabels nor matchExpressions (it selects everything). */
    public static boolean isEmpty(JsonNode selector) {
        return size(selector.path("matchLabels")) + size(selector.path("matchExpressions")) == 0;
    }

    private static int size(JsonNode n) {
        return n.isContainerNode() ? n.size() : 0;
    }

    /** Whether {@code selector} selects an object with {@code labels} (labels.Selector.Matches). */
    public static boolean matches(JsonNode selector, JsonNode labels) {
        if (selector == null || !selector.isObject()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode v = labels == null ? null : labels.get(e.getKey());
            if (v == null || !v.asText().equals(e.getValue().asText())) {
                return false;
            }
        }
        for (JsonNode r : selector.path("matchExpressions")) {
            if (!requirementMatches(r, labels)) {
                return false;
            }
        }
        return true;
    }

    private static boolean requirementMatches(JsonNode r, JsonNode labels) {
        String key = r.path("key").asText();
        JsonNode v = labels == null ? null : labels.get(key);
        boolean has = v != null && !v.isNull();
        boolean inValues = false;
        for (JsonNode value : r.path("values")) {
            inValues |= has && value.asText().equals(v.asText());
        }
        return switch (r.path("operator").asText()) {
            case "In" -> inValues;
            case "NotIn" -> !inValues;
            case "Exists" -> has;
            case "DoesNotExist" -> !has;
            default -> false;
        };
    }

    /** As {@link LabelSelector#format}, but {@code <none>} when empty ({@code metav1.FormatLabelSelector}). */
    public static String formatOrNone(JsonNode selector) {
        String s = LabelSelector.format(selector);
        return s.isEmpty() ? "<none>" : s;
    }

    /** The errors of a label selector at {@code path} ({@code ValidateLabelSelector}). */
    public static List<FieldError> validate(JsonNode selector, String path) {
        List<FieldError> errors = new ArrayList<>(Validators.labels(selector.get("matchLabels"), path + ".matchLabels"));
        JsonNode exprs = selector.path("matchExpressions");
        for (int i = 0; i < exprs.size(); i++) {
            JsonNode r = exprs.get(i);
            String p = path + ".matchExpressions[" + i + "]";
            String op = r.path("operator").asText();
            int values = r.path("values").size();
            switch (op) {
                case "In", "NotIn" -> {
                    if (values == 0) {
                        errors.add(FieldError.required(p + ".values",
                                "must be specified when `operator` is 'In' or 'NotIn'"));
                    }
                }
                case "Exists", "DoesNotExist" -> {
                    if (values > 0) {
                        errors.add(FieldError.forbidden(p + ".values",
                                "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
                    }
                }
                default -> errors.add(FieldError.invalid(p + ".operator", op, "not a valid selector operator"));
            }
            String keyError = Validators.checkQualifiedName(r.path("key").asText());
            if (keyError != null) {
                errors.add(FieldError.invalid(p + ".key", r.path("key").asText(), keyError));
            }
        }
        return errors;
    }

    /** A value printed verbatim in a field error, as Go's {@code %#v} prints structs kube-apiserver reports. */
    public record GoValue(String text) {
        @Override
        public String toString() {
            return text;
        }
    }

    /** {@code map[string]string{"a":"b", "c":"d"}} (keys sorted) or {@code map[string]string(nil)}. */
    public static GoValue goMap(JsonNode labels) {
        return new GoValue(goMapText(labels));
    }

    private static String goMapText(JsonNode labels) {
        if (labels == null || !labels.isObject()) {
            return "map[string]string(nil)";
        }
        TreeMap<String, String> sorted = new TreeMap<>();
        labels.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> parts = new ArrayList<>();
        sorted.forEach((k, v) -> parts.add(goQuote(k) + ":" + goQuote(v)));
        return "map[string]string{" + String.join(", ", parts) + "}";
    }

    /** A selector as {@code %#v} prints a {@code v1.LabelSelector}. */
    public static GoValue goSelector(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return new GoValue("null");
        }
        String exprs;
        JsonNode list = selector.path("matchExpressions");
        if (!list.isArray()) {
            exprs = "[]v1.LabelSelectorRequirement(nil)";
        } else {
            List<String> items = new ArrayList<>();
            for (JsonNode r : list) {
                List<String> values = new ArrayList<>();
                r.path("values").forEach(v -> values.add(goQuote(v.asText())));
                String vs = r.path("values").isArray() ? "[]string{" + String.join(", ", values) + "}" : "[]string(nil)";
                items.add("v1.LabelSelectorRequirement{Key:" + goQuote(r.path("key").asText()) + ", Operator:"
                        + goQuote(r.path("operator").asText()) + ", Values:" + vs + "}");
            }
            exprs = "[]v1.LabelSelectorRequirement{" + String.join(", ", items) + "}";
        }
        return new GoValue("v1.LabelSelector{MatchLabels:" + goMapText(selector.get("matchLabels"))
                + ", MatchExpressions:" + exprs + "}");
    }

    private static String goQuote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
