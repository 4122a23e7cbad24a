package io.cairn.apiserver.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.ScalePaths;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The strategy of one served version of a custom resource, built from its CustomResourceDefinition: the version's
 * schema prunes, defaults and validates objects; objects are stored in the definition's storage version and served in
 * the requested one (conversion {@code None}: only {@code apiVersion} differs); the version's
 * {@code additionalPrinterColumns} make the table; the {@code scale} subresource uses the definition's replica and
 * selector paths. While the definition is being deleted, objects can no longer be created.
 */
final class CustomResourceStrategy implements Strategy {
    private final String apiVersion;
    private final String storageApiVersion;
    private final StructuralSchema schema;
    private final JsonNode openApiSchema;
    private final List<Column> columns;
    private final ScalePaths scalePaths;
    private final boolean statusSubresource;
    private final boolean terminating;
    private final String qualifiedResource;

    /** A printer column and its compiled path. */
    private record Column(TableColumn column, ColumnPath path) {
    }

    /**
     * @param version the definition's {@code spec.versions[i]} being served
     * @param storageVersion the name of the version objects are stored in
     */
    CustomResourceStrategy(String group, String plural, JsonNode version, String storageVersion, boolean terminating) {
        this.apiVersion = group + "/" + version.path("name").asText();
        this.storageApiVersion = group + "/" + storageVersion;
        this.openApiSchema = Objects2.at(version, "schema", "openAPIV3Schema");
        this.schema = new StructuralSchema(openApiSchema);
        this.statusSubresource = Objects2.at(version, "subresources", "status") != null;
        JsonNode scale = Objects2.at(version, "subresources", "scale");
        this.scalePaths = scale == null ? ScalePaths.WORKLOADS : ScalePaths.of(scale.path("specReplicasPath").asText(),
                scale.path("statusReplicasPath").asText(), scale.path("labelSelectorPath").asText(""));
        this.terminating = terminating;
        this.qualifiedResource = plural + "." + group;
        List<Column> cols = new ArrayList<>();
        for (JsonNode c : Objects2.list(version, "additionalPrinterColumns")) {
            String type = c.path("type").asText("string");
            cols.add(new Column(new TableColumn(c.path("name").asText(), type.equals("date") ? "date" : type,
                    c.path("format").asText(""), c.path("description").asText(""), c.path("priority").asInt(0)),
                    ColumnPath.parse(c.path("jsonPath").asText())));
        }
        this.columns = List.copyOf(cols);
    }

    @Override
    public void applyDefaults(ObjectNode obj) {
        schema.prune(obj);
        obj.put("apiVersion", storageApiVersion);
    }

    @Override
    public List<String> unknownFields(ObjectNode obj) {
        return schema.unknownFields(obj);
    }

    @Override
    public List<String> pruneUnknownFields(ObjectNode obj) {
        return schema.unknownFields(obj); // applyDefaults prunes them with the rest of the schema's pruning
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        if (terminating) {
            throw ApiException.methodNotAllowed("create", qualifiedResource
                    + ": create not allowed while custom resource definition is terminating");
        }
        if (statusSubresource) {
            obj.remove("status");
        }
    }

    @Override
    public void prepareForStatusUpdate(ObjectNode obj, ObjectNode old) {
        schema.pruneStatus(obj);
        obj.put("apiVersion", storageApiVersion);
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        return schema.validate(obj);
    }

    @Override
    public List<FieldError> validateStatus(ObjectNode obj, ObjectNode old) {
        return schema.validate(obj);
    }

    @Override
    public ObjectNode served(ObjectNode stored) {
        if (apiVersion.equals(Objects2.text(stored, "apiVersion"))) {
            return stored;
        }
        ObjectNode copy = stored.deepCopy();
        copy.put("apiVersion", apiVersion);
        return copy;
    }

    @Override
    public JsonNode openApiSchema() {
        return openApiSchema;
    }

    @Override
    public ScalePaths scalePaths() {
        return scalePaths;
    }

    @Override
    public List<TableColumn> columns() {
        if (columns.isEmpty()) {
            return Strategy.super.columns();
        }
        List<TableColumn> out = new ArrayList<>();
        out.add(TableColumn.nameColumn());
        columns.forEach(c -> out.add(c.column()));
        return out;
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        if (columns.isEmpty()) {
            return Strategy.super.cells(obj, now);
        }
        List<Object> cells = new ArrayList<>();
        cells.add(Objects2.name(obj));
        for (Column c : columns) {
            cells.add(cell(c.column().type(), c.path().first(obj), now));
        }
        return cells;
    }

    /** A cell of a column's type from the value its path selects (null when absent or of another type). */
    private static Object cell(String type, JsonNode v, Instant now) {
        if (v == null || v.isNull()) {
            return null;
        }
        return switch (type) {
            case "integer" -> v.canConvertToLong() ? (Object) v.asLong() : null;
            case "number" -> v.isNumber() ? (Object) v.asDouble() : null;
            case "boolean" -> v.isBoolean() ? (Object) v.asBoolean() : null;
            case "date" -> v.isTextual() ? Objects2.since(v.asText(), now) : null;
            default -> v.isContainerNode() ? v.toString() : v.asText();
        };
    }
}
