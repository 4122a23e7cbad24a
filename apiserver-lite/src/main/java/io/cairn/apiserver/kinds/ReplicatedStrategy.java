package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import java.util.ArrayList;
import java.util.List;

/**
 * What the strategies of apps/v1's replicated controllers (deployments, replica sets) share: 1 replica by default and
 * the template's pod defaults, a status dropped on create, {@code spec.replicas} not negative and the selector
 * immutable on update, and the status counters' rules. A subclass adds its own spec defaults and rules and names its
 * status counters.
 */
abstract class ReplicatedStrategy implements Strategy {
    private final String kind;
    private final List<String> statusCounters;
    private final List<String> notAboveReplicas;

    /**
     * @param statusCounters   the status fields that may not be negative (besides {@code observedGeneration})
     * @param notAboveReplicas the status fields that may not exceed {@code status.replicas}
     */
    ReplicatedStrategy(String kind, List<String> statusCounters, List<String> notAboveReplicas) {
        this.kind = kind;
        this.statusCounters = List.copyOf(statusCounters);
        this.notAboveReplicas = List.copyOf(notAboveReplicas);
    }

    /** The kind's own spec defaults, applied after {@code replicas} and before the template's. */
    void applySpecDefaults(ObjectNode spec) {
    }

    /** The kind's own spec rules, checked after {@code spec.replicas} and before the selector's immutability. */
    abstract void validateSpec(JsonNode spec, String kind, List<FieldError> errors);

    @Override
    public final void applyDefaults(ObjectNode obj) {
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        Objects2.defaultInt(spec, "replicas", 1);
        applySpecDefaults(spec);
        PodTemplates.applyTemplateDefaults(Objects2.objectAt(spec, "template"));
    }

    @Override
    public final void prepareForCreate(ObjectNode obj) {
        WorkloadSpecs.resetStatus(obj);
    }

    @Override
    public final List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode spec = obj.path("spec");
        WorkloadSpecs.nonNegative(spec, "replicas", "spec.replicas", errors);
        validateSpec(spec, kind, errors);
        if (old != null) {
            WorkloadSpecs.selectorImmutable(spec, old.path("spec"), errors);
        }
        return errors;
    }

    @Override
    public final List<FieldError> validateStatus(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        WorkloadSpecs.validateReplicaCounts(obj.path("status"), statusCounters, notAboveReplicas, errors);
        return errors;
    }
}
