package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What one kind contributes to the generic registry (kube-apiserver's {@code RESTCreateStrategy} /
 * {@code RESTUpdateStrategy}, table convertor and field-selector attributes). Everything else (keys, metadata,
 * resourceVersion, generation, finalizers, deletion, watch) is the registry's, written once for every kind.
 *
 * <p>Objects are Jackson trees in their wire form; a strategy keeps every field it does not model. All methods run on
 * request threads and must not block.
 */
public interface Strategy {

    /**
     * Whether objects of the kind are stored; false for review resources that only answer a create
     * (SelfSubjectAccessReview), which have no watch cache and offer only {@code create}.
     */
    default boolean stored() {
        return true;
    }

    /** The syntax {@code metadata.name} must follow. */
    default NameRule nameRule() {
        return NameRule.DNS_SUBDOMAIN;
    }

    /**
     * Fills defaults in {@code obj}, on create and on every update, before validation (Kubernetes' defaulting
     * functions: a pod's restartPolicy, dnsPolicy, container terminationMessagePath, the not-ready and unreachable
     * tolerations of 300 s; a deployment's strategy, revisionHistoryLimit; ...).
     */
    default void applyDefaults(ObjectNode obj) {
    }

    /**
     * The fields of {@code obj} the kind does not know, as paths ({@code spec.extra}): what {@code fieldValidation}
     * reports (Strict refuses them, Warn warns). Built-in kinds are checked against Kubernetes' types (the protobuf
     * schema); custom resources against their schema, which also prunes them.
     */
    default List<String> unknownFields(ObjectNode obj) {
        return io.cairn.apiserver.protobuf.K8sProtobuf.unknownFields(obj);
    }

    /**
     * {@link #unknownFields}, each removed from {@code obj} as kube-apiserver's decoder drops them when validation lets
     * the request through (Warn, Ignore). Custom resources report them here and prune in {@link #applyDefaults}.
     */
    default List<String> pruneUnknownFields(ObjectNode obj) {
        return io.cairn.apiserver.protobuf.K8sProtobuf.pruneUnknownFields(obj);
    }

    /**
     * Prepares a new object before it is validated and stored: status the kind starts with (a pod's phase Pending,
     * a namespace's phase Active), fields the client may not set at create.
     */
    default void prepareForCreate(ObjectNode obj) {
    }

    /**
     * Prepares an update of the main resource: for kinds with a status subresource the registry has already put
     * {@code old}'s status back; a strategy restores here anything else that only its own subresource may change.
     */
    default void prepareForUpdate(ObjectNode obj, ObjectNode old) {
    }

    /**
     * The errors of {@code obj}'s kind-specific fields (spec, data, ...), one per bad field, with paths from the
     * object's root ({@code spec.containers[0].image}). {@code old} is the stored object on update (immutable fields
     * are checked against it), null on create. The registry validates {@code metadata} itself.
     */
    default List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        return List.of();
    }

    /**
     * Prepares a write to the {@code status} subresource: the registry has taken everything but status from
     * {@code old}; a strategy may normalise the new status here (a custom resource prunes unknown fields).
     */
    default void prepareForStatusUpdate(ObjectNode obj, ObjectNode old) {
    }

    /** The errors of a write to the {@code status} subresource ({@code old} is never null). */
    default List<FieldError> validateStatus(ObjectNode obj, ObjectNode old) {
        return List.of();
    }

    /**
     * The object as this resource's version serves it, from the stored form (which may be another version of the same
     * resource: a custom resource with several versions is stored in one). The default serves it as stored.
     */
    default ObjectNode served(ObjectNode stored) {
        return stored;
    }

    /**
     * The kind's OpenAPI v3 schema where it has one (a custom resource's), which server-side apply reads for how lists
     * merge; null for built-in kinds, whose patch schemas say it.
     */
    default com.fasterxml.jackson.databind.JsonNode openApiSchema() {
        return null;
    }

    /** Where the {@code scale} subresource reads and writes replicas, for kinds that serve it. */
    default ScalePaths scalePaths() {
        return ScalePaths.WORKLOADS;
    }

    /** Table columns in the order kubectl prints them, beginning with {@link TableColumn#nameColumn()}. */
    default List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(), TableColumn.ageColumn());
    }

    /** One row's cells, matching {@link #columns()}; {@code now} is for ages. */
    default List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), Objects2.age(obj, now));
    }

    /**
     * The fields this kind can be selected by beyond {@code metadata.name} and {@code metadata.namespace} (which the
     * registry handles for every kind): a pod's {@code spec.nodeName}, {@code status.phase}, ...
     */
    default Set<String> selectableFields() {
        return Set.of();
    }

    /** The value of one of {@link #selectableFields()} on {@code obj} ("" when unset). */
    default Optional<String> fieldValue(ObjectNode obj, String field) {
        return Optional.empty();
    }
}
