package io.cairn.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.patch.PatchSchema;
import java.util.ArrayList;
import java.util.List;

/**
 * What server-side apply needs to know of a type: how each list is merged and owned. A list is {@code atomic} (owned
 * and replaced whole: the default), a {@code set} of scalars (each value owned apart), or a {@code map} whose elements
 * are identified by key fields (each element owned apart, and merged field by field), as kube-apiserver's schemas say
 * with {@code x-kubernetes-list-type} and {@code x-kubernetes-list-map-keys}.
 */
interface ListShape {
    enum Kind { ATOMIC, SET, MAP }

    /** The shape of field {@code name} of an object of this shape. */
    ListShape field(String name);

    /** For a list: how it is merged. */
    Kind listKind();

    /** For a {@link Kind#MAP} list: its key fields. */
    List<String> keys();

    /** For a list: the shape of its elements. */
    ListShape element();

    /** A shape with no keyed lists: every list atomic. */
    ListShape ATOMIC = new ListShape() {
        @Override
        public ListShape field(String name) {
            return this;
        }

        @Override
        public Kind listKind() {
            return Kind.ATOMIC;
        }

        @Override
        public List<String> keys() {
            return List.of();
        }

        @Override
        public ListShape element() {
            return this;
        }
    };

    /**
     * A built-in kind's shape from its strategic-merge-patch schema: lists merged by key are maps, lists of scalars
     * merged as sets are sets, every other list atomic.
     */
    static ListShape of(PatchSchema schema) {
        return new FromPatchSchema(schema, PatchSchema.Field.DEFAULT);
    }

    /** A custom resource's shape from its OpenAPI v3 schema ({@code x-kubernetes-list-type}, {@code -list-map-keys}). */
    static ListShape of(JsonNode openApiSchema) {
        return new FromOpenApi(openApiSchema);
    }

    record FromPatchSchema(PatchSchema struct, PatchSchema.Field asField) implements ListShape {
        @Override
        public ListShape field(String name) {
            PatchSchema.Field f = struct.field(name);
            return new FromPatchSchema(f.type(), f);
        }

        @Override
        public Kind listKind() {
            if (!asField.isMergedList()) {
                return Kind.ATOMIC;
            }
            return asField.mergeKey() == null ? Kind.SET : Kind.MAP;
        }

        @Override
        public List<String> keys() {
            return asField.mergeKey() == null ? List.of() : List.of(asField.mergeKey());
        }

        @Override
        public ListShape element() {
            return new FromPatchSchema(asField.type(), PatchSchema.Field.DEFAULT);
        }
    }

    record FromOpenApi(JsonNode schema) implements ListShape {
        @Override
        public ListShape field(String name) {
            JsonNode props = schema == null ? null : schema.get("properties");
            JsonNode f = props == null ? null : props.get(name);
            if (f == null && schema != null && schema.path("additionalProperties").isObject()) {
                f = schema.get("additionalProperties");
            }
            return new FromOpenApi(f);
        }

        @Override
        public Kind listKind() {
            String t = schema == null ? "" : schema.path("x-kubernetes-list-type").asText("");
            return switch (t) {
                case "set" -> Kind.SET;
                case "map" -> Kind.MAP;
                default -> Kind.ATOMIC;
            };
        }

        @Override
        public List<String> keys() {
            List<String> out = new ArrayList<>();
            if (schema != null) {
                schema.path("x-kubernetes-list-map-keys").forEach(k -> out.add(k.asText()));
            }
            return out;
        }

        @Override
        public ListShape element() {
            return new FromOpenApi(schema == null ? null : schema.get("items"));
        }
    }
}
