package io.cairn.apiserver.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.ScalePaths;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import io.cairn.apiserver.validation.Validators;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * CustomResourceDefinitions (apiextensions.k8s.io/v1): defaults (singular and listKind names, conversion
 * {@code None}), the cleanup finalizer every definition gets (its objects are deleted before it goes), and
 * kube-apiserver's validation of what a definition may say: the group, the names, the scope, the versions (one
 * storage version, a schema each, whose root is an object), the subresources and the printer columns; group, scope
 * and names are fixed once created.
 */
public final class CrdStrategy implements Strategy {
    /** The finalizer that holds a definition until its objects are deleted. */
    public static final String CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";
    static final Set<String> COLUMN_TYPES = Set.of("integer", "number", "string", "boolean", "date");

    /** The resource type of CustomResourceDefinitions. */
    public static ResourceType type() {
        return new ResourceType("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
                "CustomResourceDefinition", false, List.of("crd", "crds"), List.of("api-extensions"), Set.of("status"),
                new CrdStrategy());
    }

    @Override
    public void applyDefaults(ObjectNode crd) {
        ObjectNode spec = Objects2.objectAt(crd, "spec");
        ObjectNode names = Objects2.objectAt(spec, "names");
        String kind = names.path("kind").asText("");
        if (!kind.isEmpty()) {
            Objects2.defaultText(names, "singular", kind.toLowerCase(Locale.ROOT));
            Objects2.defaultText(names, "listKind", kind + "List");
        }
        Objects2.defaultText(Objects2.objectAt(spec, "conversion"), "strategy", "None");
    }

    @Override
    public void prepareForCreate(ObjectNode crd) {
        crd.remove("status");
        ObjectNode meta = Objects2.objectAt(crd, "metadata");
        JsonNode f = meta.get("finalizers");
        ArrayNode finalizers = f instanceof ArrayNode a ? a : meta.putArray("finalizers");
        for (JsonNode e : finalizers) {
            if (e.asText().equals(CLEANUP_FINALIZER)) {
                return;
            }
        }
        finalizers.add(CLEANUP_FINALIZER);
    }

    @Override
    public List<FieldError> validate(ObjectNode crd, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode spec = crd.path("spec");
        String group = spec.path("group").asText("");
        JsonNode names = spec.path("names");
        String plural = names.path("plural").asText("");
        String kind = names.path("kind").asText("");
        if (group.isEmpty()) {
            errors.add(FieldError.required("spec.group", ""));
        } else if (!group.contains(".")) {
            errors.add(FieldError.invalid("spec.group", group, "should be a domain with at least one dot"));
        } else if (Validators.checkDns1123Subdomain(group) != null) {
            errors.add(FieldError.invalid("spec.group", group, Validators.checkDns1123Subdomain(group)));
        }
        if (!Objects2.name(crd).equals(plural + "." + group)) {
            errors.add(FieldError.invalid("metadata.name", Objects2.name(crd),
                    "must be spec.names.plural+\".\"+spec.group"));
        }
        String scope = spec.path("scope").asText("");
        if (scope.isEmpty()) {
            errors.add(FieldError.required("spec.scope", ""));
        } else if (!scope.equals("Namespaced") && !scope.equals("Cluster")) {
            errors.add(FieldError.notSupported("spec.scope", scope, List.of("Cluster", "Namespaced")));
        }
        validateNames(names, "spec.names", errors);
        validateVersions(spec, errors);
        String conversion = Objects2.text(spec, "conversion", "strategy");
        if (!conversion.equals("None")) {
            errors.add(FieldError.notSupported("spec.conversion.strategy", conversion, List.of("None")));
        }
        if (old != null) {
            immutable(spec.get("group"), Objects2.at(old, "spec", "group"), "spec.group", errors);
            immutable(spec.get("scope"), Objects2.at(old, "spec", "scope"), "spec.scope", errors);
            immutable(names.get("plural"), Objects2.at(old, "spec", "names", "plural"), "spec.names.plural", errors);
            immutable(names.get("kind"), Objects2.at(old, "spec", "names", "kind"), "spec.names.kind", errors);
        }
        return errors;
    }

    @Override
    public List<FieldError> validateStatus(ObjectNode crd, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        List<String> stored = Objects2.strings(crd, "status", "storedVersions");
        String storage = storageVersion(crd);
        if (!stored.isEmpty() && storage != null && !stored.contains(storage)) {
            errors.add(FieldError.invalid("status.storedVersions", stored.toString(),
                    "must have the storage version " + storage));
        }
        return errors;
    }

    private static void validateNames(JsonNode names, String path, List<FieldError> errors) {
        String plural = names.path("plural").asText("");
        String kind = names.path("kind").asText("");
        if (plural.isEmpty()) {
            errors.add(FieldError.required(path + ".plural", ""));
        } else if (Validators.checkDns1035Label(plural) != null) {
            errors.add(FieldError.invalid(path + ".plural", plural, Validators.checkDns1035Label(plural)));
        }
        String singular = names.path("singular").asText("");
        if (!singular.isEmpty() && Validators.checkDns1035Label(singular) != null) {
            errors.add(FieldError.invalid(path + ".singular", singular, Validators.checkDns1035Label(singular)));
        }
        if (kind.isEmpty()) {
            errors.add(FieldError.required(path + ".kind", ""));
        } else if (!kind.matches("[A-Za-z][A-Za-z0-9]*")) {
            errors.add(FieldError.invalid(path + ".kind", kind, "may have mixed case, but should otherwise match: "
                    + "[a-z]([-a-z0-9]*[a-z0-9])?"));
        }
        String listKind = names.path("listKind").asText("");
        if (!listKind.isEmpty() && listKind.equals(kind)) {
            errors.add(FieldError.invalid(path + ".listKind", listKind, "kind and listKind may not be the same"));
        }
        List<String> shortNames = Objects2.strings(names, "shortNames");
        for (int i = 0; i < shortNames.size(); i++) {
            String detail = Validators.checkDns1035Label(shortNames.get(i));
            if (detail != null) {
                errors.add(FieldError.invalid(path + ".shortNames[" + i + "]", shortNames.get(i), detail));
            }
        }
    }

    private static void validateVersions(JsonNode spec, List<FieldError> errors) {
        List<JsonNode> versions = Objects2.list(spec, "versions");
        if (versions.isEmpty()) {
            errors.add(FieldError.invalid("spec.versions", "null", "must have exactly one version marked as storage "
                    + "version"));
            return;
        }
        int storage = 0;
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < versions.size(); i++) {
            JsonNode v = versions.get(i);
            String path = "spec.versions[" + i + "]";
            String name = v.path("name").asText("");
            if (name.isEmpty()) {
                errors.add(FieldError.required(path + ".name", ""));
            } else if (Validators.checkDns1035Label(name) != null) {
                errors.add(FieldError.invalid(path + ".name", name, Validators.checkDns1035Label(name)));
            } else if (!seen.add(name)) {
                errors.add(FieldError.duplicate(path + ".name", name));
            }
            if (v.path("storage").asBoolean()) {
                storage++;
            }
            JsonNode schema = Objects2.at(v, "schema", "openAPIV3Schema");
            if (schema == null || !schema.isObject()) {
                errors.add(FieldError.required(path + ".schema.openAPIV3Schema", "schemas are required"));
            } else {
                if (!"object".equals(schema.path("type").asText())) {
                    errors.add(schema.has("type")
                            ? FieldError.invalid(path + ".schema.openAPIV3Schema.type", schema.path("type").asText(),
                                    "must be object at the root")
                            : FieldError.required(path + ".schema.openAPIV3Schema.type", "must not be empty at the root"));
                }
                validateSchema(schema, path + ".schema.openAPIV3Schema", errors);
            }
            validateSubresources(v, path, errors);
            List<JsonNode> columns = Objects2.list(v, "additionalPrinterColumns");
            for (int c = 0; c < columns.size(); c++) {
                validateColumn(columns.get(c), path + ".additionalPrinterColumns[" + c + "]", errors);
            }
        }
        if (storage != 1) {
            errors.add(FieldError.invalid("spec.versions", versions.toString(), "must have exactly one version marked as "
                    + "storage version"));
        }
    }

    /** Types and patterns of every schema node (the structural rules kube enforces that matter for serving). */
    private static void validateSchema(JsonNode schema, String path, List<FieldError> errors) {
        String type = schema.path("type").asText("");
        if (!type.isEmpty() && !Set.of("object", "array", "string", "integer", "number", "boolean").contains(type)) {
            errors.add(FieldError.notSupported(path + ".type", type,
                    List.of("array", "boolean", "integer", "number", "object", "string")));
        }
        String pattern = schema.path("pattern").asText("");
        if (!pattern.isEmpty() && !StructuralSchema.compiles(pattern)) {
            errors.add(FieldError.invalid(path + ".pattern", pattern, "must be a valid regular expression"));
        }
        if ("array".equals(type) && !schema.has("items")) {
            errors.add(FieldError.required(path + ".items", "must be specified"));
        }
        JsonNode props = schema.get("properties");
        if (props != null && props.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                validateSchema(e.getValue(), path + ".properties[" + e.getKey() + "]", errors);
            }
        }
        JsonNode items = schema.get("items");
        if (items != null && items.isObject()) {
            validateSchema(items, path + ".items", errors);
        }
        JsonNode additional = schema.get("additionalProperties");
        if (additional != null && additional.isObject()) {
            if (props != null && props.size() > 0) {
                errors.add(FieldError.forbidden(path + ".additionalProperties",
                        "additionalProperties and properties are mutual exclusive"));
            }
            validateSchema(additional, path + ".additionalProperties", errors);
        }
    }

    private static void validateSubresources(JsonNode version, String path, List<FieldError> errors) {
        JsonNode scale = Objects2.at(version, "subresources", "scale");
        if (scale == null) {
            return;
        }
        String sp = path + ".subresources.scale";
        for (String field : List.of("specReplicasPath", "statusReplicasPath", "labelSelectorPath")) {
            String p = scale.path(field).asText("");
            if (p.isEmpty()) {
                if (!field.equals("labelSelectorPath")) {
                    errors.add(FieldError.required(sp + "." + field, ""));
                }
                continue;
            }
            try {
                List<String> segments = ScalePaths.segments(p);
                String top = segments.get(0);
                if (field.equals("specReplicasPath") && !top.equals("spec")) {
                    errors.add(FieldError.invalid(sp + "." + field, p, "should be a json path under .spec"));
                } else if (!field.equals("specReplicasPath") && !top.equals("spec") && !top.equals("status")) {
                    errors.add(FieldError.invalid(sp + "." + field, p, "should be a json path under either .spec or "
                            + ".status"));
                }
            } catch (RuntimeException e) {
                errors.add(FieldError.invalid(sp + "." + field, p, "must be a simple json path"));
            }
        }
    }

    private static void validateColumn(JsonNode c, String path, List<FieldError> errors) {
        if (c.path("name").asText("").isEmpty()) {
            errors.add(FieldError.required(path + ".name", ""));
        }
        String type = c.path("type").asText("");
        if (type.isEmpty()) {
            errors.add(FieldError.required(path + ".type", ""));
        } else if (!COLUMN_TYPES.contains(type)) {
            errors.add(FieldError.notSupported(path + ".type", type, List.of("boolean", "date", "integer", "number",
                    "string")));
        }
        String jsonPath = c.path("jsonPath").asText("");
        if (jsonPath.isEmpty()) {
            errors.add(FieldError.required(path + ".jsonPath", ""));
        } else {
            try {
                ColumnPath.parse(jsonPath);
            } catch (IllegalArgumentException e) {
                errors.add(FieldError.invalid(path + ".jsonPath", jsonPath, "must be a simple json path: "
                        + e.getMessage()));
            }
        }
    }

    private static void immutable(JsonNode now, JsonNode before, String path, List<FieldError> errors) {
        if (!Objects2.same(now, before)) {
            errors.add(FieldError.invalid(path, now == null ? "" : now.asText(), "field is immutable"));
        }
    }

    /** The name of the version marked {@code storage}, or null. */
    static String storageVersion(JsonNode crd) {
        for (JsonNode v : Objects2.list(crd, "spec", "versions")) {
            if (v.path("storage").asBoolean()) {
                return v.path("name").asText();
            }
        }
        return null;
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(), TableColumn.createdAtColumn());
    }

    @Override
    public List<Object> cells(ObjectNode crd, Instant now) {
        return List.of(Objects2.name(crd), Objects2.text(crd, "metadata", "creationTimestamp"));
    }
}
