package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * apps/v1 replica sets: {@code SetDefaults_ReplicaSet} (1 replica) and the template's pod spec defaults;
 * {@code ValidateReplicaSet} (selector required, non-empty and matching the template, restartPolicy Always, replicas
 * and minReadySeconds not negative) and the selector immutable on update; the columns of
 * {@code kubectl get replicasets}; the {@code status.replicas} field selector.
 */
public final class ReplicaSetStrategy extends ReplicatedStrategy {

    static final List<TableColumn> COLUMNS = List.of(
            TableColumn.nameColumn(),
            TableColumn.of("Desired", "integer", "Replicas is the number of desired replicas. This is a pointer to "
                    + "distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io"
                    + "/docs/concepts/workloads/controllers/replicationcontroller/#what-is-a-replicationcontroller"),
            TableColumn.of("Current", "integer", "Replicas is the most recently observed number of replicas. More "
                    + "info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller/"
                    + "#what-is-a-replicationcontroller"),
            TableColumn.of("Ready", "integer", "readyReplicas is the number of pods targeted by this ReplicaSet with "
                    + "a Ready Condition."),
            TableColumn.ageColumn(),
            WorkloadSpecs.CONTAINERS,
            WorkloadSpecs.IMAGES,
            TableColumn.wide("Selector", "string", "Selector is a label query over pods that should match the "
                    + "replica count. Label keys and values that must match in order to be controlled by this replica "
                    + "set. It must match the pod template's labels. More info: https://kubernetes.io/docs/concepts/"
                    + "overview/working-with-objects/labels/#label-selectors"));

    public ReplicaSetStrategy() {
        super("ReplicaSet", List.of("replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"),
                List.of("fullyLabeledReplicas", "readyReplicas", "availableReplicas"));
    }

    @Override
    void validateSpec(JsonNode spec, String kind, List<FieldError> errors) {
        WorkloadSpecs.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        WorkloadSpecs.validateSelectorAndTemplate(spec, kind, errors);
    }

    @Override
    public List<TableColumn> columns() {
        return COLUMNS;
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        JsonNode spec = obj.path("spec");
        JsonNode status = obj.path("status");
        List<String> containers = WorkloadSpecs.containerCells(spec.path("template").path("spec"));
        return List.of(Objects2.name(obj), spec.path("replicas").asLong(0), status.path("replicas").asLong(0),
                status.path("readyReplicas").asLong(0), Objects2.age(obj, now), containers.get(0), containers.get(1),
                WorkloadSelectors.formatOrNone(spec.get("selector")));
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("status.replicas");
    }

    @Override
    public Optional<String> fieldValue(ObjectNode obj, String field) {
        return field.equals("status.replicas")
                ? Optional.of(String.valueOf(obj.path("status").path("replicas").asLong(0))) : Optional.empty();
    }
}
