package io.cairn.apiserver.patch;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a strategic merge patch needs to know about one struct type of the Kubernetes API: for each field whose patch
 * behaviour differs from a JSON merge patch, its strategy (the Go struct tags {@code patchStrategy} and
 * {@code patchMergeKey}), and the schema of the value one level down (of a nested struct, or of a list's elements).
 *
 * <p>Fields a schema does not name behave as in a JSON merge patch: maps are merged recursively, lists and scalars are
 * replaced. So an empty schema ({@link #EMPTY}) describes any type with no strategic fields, such as a
 * {@code map[string]string}. Kubernetes' apply code also reads {@code retainKeys} only from the patch's own
 * {@code $retainKeys} directive; the flag here records the Go tag, so that a patch generator or a reader knows which
 * maps are unions whose members replace each other.
 *
 * <p>A kind with no schema at all (a custom resource: kube-apiserver answers 415 to a strategic merge patch for one)
 * is represented by the absence of a schema, see {@link PatchSchemas#forKind}. Instances are immutable and shared.
 */
public final class PatchSchema {

    /** How a field's patch value combines with the live value. */
    public enum Strategy {
        /** JSON merge patch behaviour: maps merged recursively, lists and scalars replaced. */
        DEFAULT,
        /**
         * {@code patchStrategy:"merge"}: a list is merged element by element, by its merge key (a list of maps) or
         * as a set (a list of scalars); elements only in the live list are kept.
         */
        MERGE,
        /** {@code patchStrategy:"replace"}: the patch value replaces the live value, maps included. */
        REPLACE
    }

    /**
     * One field's patch metadata.
     *
     * @param strategy   how the value combines
     * @param mergeKey   the key that identifies a list's elements ({@code name} for containers), null for a list of
     *                   scalars or a field that is not a keyed list
     * @param retainKeys the Go tag says {@code retainKeys}: on a map, a union whose members replace each other; on a
     *                   merged list, the same for each element
     * @param type       the schema of the nested struct, or of a list's elements
     */
    public record Field(Strategy strategy, String mergeKey, boolean retainKeys, PatchSchema type) {
        /** A field no schema mentions. */
        public static final Field DEFAULT = new Field(Strategy.DEFAULT, null, false, PatchSchema.EMPTY);

        public Field {
            Objects.requireNonNull(strategy, "strategy");
            Objects.requireNonNull(type, "type");
            if (mergeKey != null && strategy != Strategy.MERGE) {
                throw new IllegalArgumentException("a merge key needs the merge strategy");
            }
        }

        /** True for a list merged element by element (by key, or as a set of scalars). */
        public boolean isMergedList() {
            return strategy == Strategy.MERGE;
        }
    }

    /** A type with no strategic fields: everything below it patches as a JSON merge patch would. */
    public static final PatchSchema EMPTY = new PatchSchema(Map.of());

    private final Map<String, Field> fields;

    private PatchSchema(Map<String, Field> fields) {
        this.fields = fields;
    }

    /** The metadata of field {@code name} of this type; {@link Field#DEFAULT} when the schema does not name it. */
    public Field field(String name) {
        return fields.getOrDefault(name, Field.DEFAULT);
    }

    /** The fields this schema names, in declaration order. */
    public Map<String, Field> fields() {
        return fields;
    }

    /**
     * The metadata of the field at a dotted path from this type, stepping through lists to their elements:
     * {@code spec.template.spec.containers.env}. Empty when a segment is not named by the schema on the way.
     */
    public Optional<Field> lookup(String dottedPath) {
        PatchSchema at = this;
        Field found = null;
        for (String segment : dottedPath.split("\\.")) {
            found = at.fields.get(segment);
            if (found == null) {
                return Optional.empty();
            }
            at = found.type();
        }
        return Optional.ofNullable(found);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String toString() {
        return "PatchSchema" + fields.keySet();
    }

    /** Declares fields, one call per Go struct field with patch tags (or with a nested type that has some). */
    public static final class Builder {
        private final Map<String, Field> fields = new LinkedHashMap<>();

        private Builder() {
        }

        private Builder put(String name, Field field) {
            if (fields.putIfAbsent(name, field) != null) {
                throw new IllegalArgumentException("field " + name + " declared twice");
            }
            return this;
        }

        /** A nested struct (or list of structs) with no strategy of its own whose type has strategic fields. */
        public Builder struct(String name, PatchSchema type) {
            return put(name, new Field(Strategy.DEFAULT, null, false, type));
        }

        /** {@code patchStrategy:"merge" patchMergeKey:"<mergeKey>"} on a list of structs. */
        public Builder mergeList(String name, String mergeKey, PatchSchema elementType) {
            return put(name, new Field(Strategy.MERGE, Objects.requireNonNull(mergeKey), false, elementType));
        }

        /** {@code patchStrategy:"merge,retainKeys" patchMergeKey:"<mergeKey>"} on a list of union structs. */
        public Builder mergeListRetainKeys(String name, String mergeKey, PatchSchema elementType) {
            return put(name, new Field(Strategy.MERGE, Objects.requireNonNull(mergeKey), true, elementType));
        }

        /** {@code patchStrategy:"merge"} on a list of scalars: merged as a set. */
        public Builder primitiveSet(String name) {
            return put(name, new Field(Strategy.MERGE, null, false, EMPTY));
        }

        /** {@code patchStrategy:"retainKeys"} on a union struct. */
        public Builder retainKeys(String name, PatchSchema type) {
            return put(name, new Field(Strategy.DEFAULT, null, true, type));
        }

        /** {@code patchStrategy:"replace"}: the patch value replaces the live one. */
        public Builder replace(String name) {
            return put(name, new Field(Strategy.REPLACE, null, false, EMPTY));
        }

        public PatchSchema build() {
            return new PatchSchema(Collections.unmodifiableMap(new LinkedHashMap<>(fields)));
        }
    }
}
