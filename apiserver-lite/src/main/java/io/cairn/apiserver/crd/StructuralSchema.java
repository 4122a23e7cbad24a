package io.cairn.apiserver.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A custom resource version's {@code openAPIV3Schema}, applied as kube-apiserver applies a structural schema:
 * {@link #prune} drops every field the schema does not specify (unless {@code x-kubernetes-preserve-unknown-fields}),
 * drops nulls of fields that are not {@code nullable}, and fills {@code default}s; {@link #validate} reports one
 * {@link FieldError} per bad value (type, required, enum, bounds of numbers, strings and arrays, pattern), worded as
 * kube-apiserver words them.
 *
 * <p>At the root, {@code apiVersion}, {@code kind} and {@code metadata} are the registry's: never pruned here and not
 * validated by the schema; so is an embedded resource's ({@code x-kubernetes-embedded-resource}) apiVersion, kind and
 * metadata. {@code allOf}, {@code anyOf}, {@code oneOf}, {@code not} and {@code x-kubernetes-validations} are accepted
 * in schemas and not enforced.
 */
final class StructuralSchema {
    private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");
    private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();
    private static final int PATTERNS_MAX = 1024;

    private final JsonNode root;

    StructuralSchema(JsonNode openApiV3Schema) {
        this.root = openApiV3Schema == null ? JsonNodeFactory.instance.objectNode() : openApiV3Schema;
    }

    /** Prunes unknown fields and fills defaults in {@code obj} (a whole object: root fields are kept). */
    void prune(ObjectNode obj) {
        pruneObject(obj, root, true);
    }

    /** Prunes and defaults the object's {@code status} only (a write to the status subresource). */
    void pruneStatus(ObjectNode obj) {
        JsonNode statusSchema = properties(root).get("status");
        JsonNode status = obj.get("status");
        if (status == null) {
            return;
        }
        if (statusSchema == null) {
            if (!preservesUnknown(root)) {
                obj.remove("status");
            }
            return;
        }
        if (status.isNull() && !statusSchema.path("nullable").asBoolean()) {
            obj.remove("status");
            return;
        }
        prune(status, statusSchema);
    }

    /** The paths of the fields {@link #prune} would drop for being unknown ({@code spec.extra}, {@code a[0].b}). */
    List<String> unknownFields(ObjectNode obj) {
        List<String> out = new ArrayList<>();
        unknown(obj, root, "", true, out);
        return out;
    }

    private void unknown(JsonNode value, JsonNode schema, String path, boolean resourceFields, List<String> out) {
        if (value instanceof ObjectNode o) {
            JsonNode props = properties(schema);
            JsonNode additional = schema.get("additionalProperties");
            for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (resourceFields && ROOT_FIELDS.contains(e.getKey())) {
                    continue;
                }
                JsonNode fieldSchema = props.get(e.getKey());
                if (fieldSchema == null && additional != null && additional.isObject()) {
                    fieldSchema = additional;
                }
                if (fieldSchema == null) {
                    if (!preservesUnknown(schema) && !(additional != null && additional.asBoolean(false))) {
                        out.add(join(path, e.getKey()));
                    }
                    continue;
                }
                unknown(e.getValue(), fieldSchema, join(path, e.getKey()),
                        fieldSchema.path("x-kubernetes-embedded-resource").asBoolean(), out);
            }
        } else if (value.isArray() && schema.path("items").isObject()) {
            for (int i = 0; i < value.size(); i++) {
                unknown(value.get(i), schema.get("items"), path + "[" + i + "]", false, out);
            }
        }
    }

    /** The errors of {@code obj} against the schema, with paths from the object's root. */
    List<FieldError> validate(ObjectNode obj) {
        List<FieldError> errors = new ArrayList<>();
        validateObjectFields(obj, root, "", errors, true);
        return errors;
    }

    private void prune(JsonNode value, JsonNode schema) {
        if (value instanceof ObjectNode o) {
            pruneObject(o, schema, schema.path("x-kubernetes-embedded-resource").asBoolean());
        } else if (value instanceof ArrayNode a) {
            JsonNode items = schema.get("items");
            if (items != null && items.isObject()) {
                removeNulls(a, items);
                for (JsonNode element : a) {
                    prune(element, items);
                }
            }
        }
    }

    private void pruneObject(ObjectNode obj, JsonNode schema, boolean keepResourceFields) {
        JsonNode props = properties(schema);
        JsonNode additional = schema.get("additionalProperties");
        boolean preserve = preservesUnknown(schema);
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = e.getKey();
            if (keepResourceFields && ROOT_FIELDS.contains(field)) {
                continue;
            }
            JsonNode fieldSchema = props.get(field);
            if (fieldSchema == null && additional != null && additional.isObject()) {
                fieldSchema = additional;
            }
            if (fieldSchema == null) {
                if (!preserve && !(additional != null && additional.asBoolean(false))) {
                    it.remove();
                }
                continue;
            }
            if (e.getValue().isNull() && !fieldSchema.path("nullable").asBoolean()) {
                it.remove();
                continue;
            }
            prune(e.getValue(), fieldSchema);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> p = it.next();
            JsonNode def = p.getValue().get("default");
            if (def != null && !obj.has(p.getKey()) && !(keepResourceFields && ROOT_FIELDS.contains(p.getKey()))) {
                JsonNode filled = def.deepCopy();
                prune(filled, p.getValue());
                obj.set(p.getKey(), filled);
            }
        }
    }

    private static void removeNulls(ArrayNode a, JsonNode items) {
        if (items.path("nullable").asBoolean()) {
            return;
        }
        for (int i = a.size() - 1; i >= 0; i--) {
            if (a.get(i).isNull()) {
                a.remove(i);
            }
        }
    }

    private static JsonNode properties(JsonNode schema) {
        JsonNode p = schema.get("properties");
        return p != null && p.isObject() ? p : JsonNodeFactory.instance.objectNode();
    }

    private static boolean preservesUnknown(JsonNode schema) {
        return schema.path("x-kubernetes-preserve-unknown-fields").asBoolean();
    }

    // ---------------------------------------------------------------------------------------------------
    // Validation

    private void validate(JsonNode value, JsonNode schema, String path, List<FieldError> errors) {
        if (value.isNull()) {
            if (!schema.path("nullable").asBoolean()) {
                errors.add(FieldError.invalid(path, "null", path + " in body must be of type " + typeName(schema)
                        + ": \"null\""));
            }
            return;
        }
        String type = schema.path("type").asText("");
        if (schema.path("x-kubernetes-int-or-string").asBoolean()) {
            if (!value.isIntegralNumber() && !value.isTextual()) {
                errors.add(FieldError.invalid(path, jsonType(value), path + " in body must be of type integer or "
                        + "string: \"" + jsonType(value) + "\""));
                return;
            }
        } else if (!type.isEmpty() && !hasType(value, type)) {
            errors.add(FieldError.invalid(path, jsonType(value), path + " in body must be of type " + type + ": \""
                    + jsonType(value) + "\""));
            return;
        }
        JsonNode en = schema.get("enum");
        if (en != null && en.isArray() && !contains(en, value)) {
            List<String> supported = new ArrayList<>();
            en.forEach(v -> supported.add(v.isTextual() ? v.asText() : v.toString()));
            errors.add(FieldError.notSupported(path, value, supported));
        }
        if (value.isNumber()) {
            validateNumber(value, schema, path, errors);
        } else if (value.isTextual()) {
            validateString(value.asText(), schema, path, errors);
        } else if (value.isArray()) {
            validateArray(value, schema, path, errors);
        } else if (value.isObject()) {
            validateObjectFields((ObjectNode) value, schema, path, errors,
                    schema.path("x-kubernetes-embedded-resource").asBoolean());
        }
    }

    private void validateObjectFields(ObjectNode obj, JsonNode schema, String path, List<FieldError> errors,
                                      boolean skipResourceFields) {
        JsonNode required = schema.get("required");
        if (required != null && required.isArray()) {
            for (JsonNode r : required) {
                if (!obj.has(r.asText()) && !(skipResourceFields && ROOT_FIELDS.contains(r.asText()))) {
                    errors.add(FieldError.required(join(path, r.asText()), ""));
                }
            }
        }
        JsonNode props = properties(schema);
        JsonNode additional = schema.get("additionalProperties");
        int min = schema.path("minProperties").asInt(-1);
        int max = schema.path("maxProperties").asInt(-1);
        if (min >= 0 && obj.size() < min) {
            errors.add(FieldError.invalid(path, obj.size(), path + " in body should have at least " + min + " properties"));
        }
        if (max >= 0 && obj.size() > max) {
            errors.add(new FieldError(FieldError.Type.TOO_MANY, path, obj.size(), "must have at most " + max + " items"));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (skipResourceFields && ROOT_FIELDS.contains(e.getKey())) {
                continue;
            }
            JsonNode fieldSchema = props.get(e.getKey());
            if (fieldSchema == null && additional != null && additional.isObject()) {
                fieldSchema = additional;
            }
            if (fieldSchema != null) {
                validate(e.getValue(), fieldSchema, join(path, e.getKey()), errors);
            }
        }
    }

    private static void validateNumber(JsonNode value, JsonNode schema, String path, List<FieldError> errors) {
        double v = value.asDouble();
        JsonNode min = schema.get("minimum");
        if (min != null && min.isNumber()) {
            boolean exclusive = schema.path("exclusiveMinimum").asBoolean();
            if (exclusive ? v <= min.asDouble() : v < min.asDouble()) {
                errors.add(FieldError.invalid(path, value, path + " in body should be greater than "
                        + (exclusive ? "" : "or equal to ") + number(min)));
            }
        }
        JsonNode max = schema.get("maximum");
        if (max != null && max.isNumber()) {
            boolean exclusive = schema.path("exclusiveMaximum").asBoolean();
            if (exclusive ? v >= max.asDouble() : v > max.asDouble()) {
                errors.add(FieldError.invalid(path, value, path + " in body should be less than "
                        + (exclusive ? "" : "or equal to ") + number(max)));
            }
        }
        JsonNode multiple = schema.get("multipleOf");
        if (multiple != null && multiple.isNumber() && multiple.asDouble() > 0) {
            double q = v / multiple.asDouble();
            if (Math.abs(q - Math.rint(q)) > 1e-9) {
                errors.add(FieldError.invalid(path, value, path + " in body should be a multiple of " + number(multiple)));
            }
        }
    }

    private static void validateString(String s, JsonNode schema, String path, List<FieldError> errors) {
        int length = s.codePointCount(0, s.length());
        int min = schema.path("minLength").asInt(-1);
        int max = schema.path("maxLength").asInt(-1);
        if (min >= 0 && length < min) {
            errors.add(FieldError.invalid(path, s, path + " in body should be at least " + min + " chars long"));
        }
        if (max >= 0 && length > max) {
            errors.add(new FieldError(FieldError.Type.TOO_LONG, path, null, "may not be more than " + max + " bytes"));
        }
        String pattern = schema.path("pattern").asText("");
        if (!pattern.isEmpty()) {
            Pattern p = compile(pattern);
            if (p != null && !p.matcher(s).find()) {
                errors.add(FieldError.invalid(path, s, path + " in body should match '" + pattern + "'"));
            }
        }
    }

    private void validateArray(JsonNode value, JsonNode schema, String path, List<FieldError> errors) {
        int min = schema.path("minItems").asInt(-1);
        int max = schema.path("maxItems").asInt(-1);
        if (min >= 0 && value.size() < min) {
            errors.add(FieldError.invalid(path, value.size(), path + " in body should have at least " + min + " items"));
        }
        if (max >= 0 && value.size() > max) {
            errors.add(new FieldError(FieldError.Type.TOO_MANY, path, value.size(), "must have at most " + max
                    + " items"));
        }
        if (schema.path("uniqueItems").asBoolean() || "set".equals(schema.path("x-kubernetes-list-type").asText())) {
            for (int i = 1; i < value.size(); i++) {
                for (int j = 0; j < i; j++) {
                    if (value.get(i).equals(value.get(j))) {
                        errors.add(FieldError.duplicate(path + "[" + i + "]", value.get(i)));
                    }
                }
            }
        }
        JsonNode items = schema.get("items");
        if (items != null && items.isObject()) {
            for (int i = 0; i < value.size(); i++) {
                validate(value.get(i), items, path + "[" + i + "]", errors);
            }
        }
    }

    /** A compiled pattern (kube's are RE2, a subset of Java's); null when Java cannot compile it either. */
    private static Pattern compile(String pattern) {
        Pattern p = PATTERNS.get(pattern);
        if (p != null) {
            return p;
        }
        try {
            p = Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return null;
        }
        if (PATTERNS.size() < PATTERNS_MAX) {
            PATTERNS.put(pattern, p);
        }
        return p;
    }

    /** Whether a schema's pattern compiles (checked when the definition is written). */
    static boolean compiles(String pattern) {
        return compile(pattern) != null;
    }

    private static boolean hasType(JsonNode v, String type) {
        return switch (type) {
            case "object" -> v.isObject();
            case "array" -> v.isArray();
            case "string" -> v.isTextual();
            case "integer" -> v.isIntegralNumber() || (v.isNumber() && v.asDouble() == Math.rint(v.asDouble()));
            case "number" -> v.isNumber();
            case "boolean" -> v.isBoolean();
            default -> true;
        };
    }

    private static String jsonType(JsonNode v) {
        if (v.isObject()) {
            return "object";
        }
        if (v.isArray()) {
            return "array";
        }
        if (v.isTextual()) {
            return "string";
        }
        if (v.isIntegralNumber()) {
            return "integer";
        }
        if (v.isNumber()) {
            return "number";
        }
        if (v.isBoolean()) {
            return "boolean";
        }
        return "null";
    }

    private static String typeName(JsonNode schema) {
        String t = schema.path("type").asText("");
        return t.isEmpty() ? "any" : t;
    }

    private static boolean contains(JsonNode values, JsonNode v) {
        for (JsonNode e : values) {
            if (e.equals(v) || (e.isNumber() && v.isNumber() && e.asDouble() == v.asDouble())) {
                return true;
            }
        }
        return false;
    }

    private static String number(JsonNode n) {
        return n.isIntegralNumber() || n.asDouble() == Math.rint(n.asDouble()) ? Long.toString(n.asLong())
                : Double.toString(n.asDouble());
    }

    private static String join(String path, String field) {
        return path.isEmpty() ? field : path + "." + field;
    }
}
