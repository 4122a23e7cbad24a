package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.LabelSelector;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.List;

/**
 * apps/v1 deployments: {@code SetDefaults_Deployment} (1 replica, RollingUpdate with 25% surge and unavailability,
 * 10 revisions kept, 600 s progress deadline) and the template's pod spec defaults; {@code ValidateDeployment} (selector
 * required, non-empty and matching the template, restartPolicy Always, replicas not negative, a rolling update that
 * can make progress) and, on update, the selector immutable as apps/v1 has it; the columns of
 * {@code kubectl get deployments}. Status is only written through the status subresource.
 */
public final class DeploymentStrategy extends ReplicatedStrategy {

    static final List<TableColumn> COLUMNS = List.of(
            TableColumn.nameColumn(),
            TableColumn.of("Ready", "string", "Number of the pod with ready state"),
            TableColumn.of("Up-to-date", "string", "Total number of non-terminated pods targeted by this deployment "
                    + "that have the desired template spec."),
            TableColumn.of("Available", "string", "Total number of available pods (ready for at least "
                    + "minReadySeconds) targeted by this deployment."),
            TableColumn.ageColumn(),
            WorkloadSpecs.CONTAINERS,
            WorkloadSpecs.IMAGES,
            TableColumn.wide("Selector", "string", "Label selector for pods. Existing ReplicaSets whose pods are "
                    + "selected by this will be the ones affected by this deployment."));

    public DeploymentStrategy() {
        super("Deployment", List.of("replicas", "updatedReplicas", "readyReplicas", "availableReplicas",
                "unavailableReplicas", "collisionCount"),
                List.of("updatedReplicas", "readyReplicas", "availableReplicas"));
    }

    @Override
    void applySpecDefaults(ObjectNode spec) {
        ObjectNode strategy = Objects2.objectAt(spec, "strategy");
        Objects2.defaultText(strategy, "type", "RollingUpdate");
        if (strategy.path("type").asText().equals("RollingUpdate")) {
            ObjectNode rolling = Objects2.objectAt(strategy, "rollingUpdate");
            if (!rolling.hasNonNull("maxUnavailable")) {
                rolling.put("maxUnavailable", "25%");
            }
            if (!rolling.hasNonNull("maxSurge")) {
                rolling.put("maxSurge", "25%");
            }
        }
        Objects2.defaultInt(spec, "revisionHistoryLimit", 10);
        Objects2.defaultInt(spec, "progressDeadlineSeconds", 600);
    }

    @Override
    void validateSpec(JsonNode spec, String kind, List<FieldError> errors) {
        WorkloadSpecs.validateSelectorAndTemplate(spec, kind, errors);
        validateStrategy(spec.path("strategy"), errors);
        WorkloadSpecs.nonNegative(spec, "minReadySeconds", "spec.minReadySeconds", errors);
        WorkloadSpecs.nonNegative(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit", errors);
        JsonNode deadline = spec.get("progressDeadlineSeconds");
        if (deadline != null && deadline.isNumber()) {
            WorkloadSpecs.nonNegative(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", errors);
            if (deadline.asLong() <= spec.path("minReadySeconds").asLong(0)) {
                errors.add(FieldError.invalid("spec.progressDeadlineSeconds", deadline.asLong(),
                        "must be greater than minReadySeconds"));
            }
        }
    }

    /** {@code ValidateDeploymentStrategy} and {@code ValidateRollingUpdateDeployment}. */
    private static void validateStrategy(JsonNode strategy, List<FieldError> errors) {
        String type = strategy.path("type").asText("");
        JsonNode rolling = strategy.get("rollingUpdate");
        switch (type) {
            case "Recreate" -> {
                if (rolling != null && !rolling.isNull()) {
                    errors.add(FieldError.forbidden("spec.strategy.rollingUpdate",
                            "may not be specified when strategy `type` is 'Recreate'"));
                }
            }
            case "RollingUpdate" -> {
                if (rolling == null || !rolling.isObject()) {
                    errors.add(FieldError.required("spec.strategy.rollingUpdate",
                            "this should be defaulted and never be nil"));
                } else {
                    validateRollingUpdate(rolling, errors);
                }
            }
            default -> errors.add(FieldError.notSupported("spec.strategy", type, List.of("Recreate",
                    "RollingUpdate")));
        }
    }

    private static void validateRollingUpdate(JsonNode rolling, List<FieldError> errors) {
        String unavailablePath = "spec.strategy.rollingUpdate.maxUnavailable";
        JsonNode unavailable = rolling.get("maxUnavailable");
        JsonNode surge = rolling.get("maxSurge");
        validateIntOrPercent(unavailable, unavailablePath, errors);
        validateIntOrPercent(surge, "spec.strategy.rollingUpdate.maxSurge", errors);
        if (intOrPercentValue(unavailable) == 0 && intOrPercentValue(surge) == 0) {
            errors.add(FieldError.invalid(unavailablePath, goIntOrString(unavailable),
                    "may not be 0 when `maxSurge` is 0"));
        }
        if (unavailable != null && unavailable.isTextual() && intOrPercentValue(unavailable) > 100) {
            errors.add(FieldError.invalid(unavailablePath, goIntOrString(unavailable),
                    "must not be greater than 100%"));
        }
    }

    private static void validateIntOrPercent(JsonNode v, String path, List<FieldError> errors) {
        if (v == null || v.isNull()) {
            return;
        }
        if (v.isTextual() && !v.asText().matches("[0-9]+%")) {
            errors.add(FieldError.invalid(path, goIntOrString(v), "a valid percent string must be a numeric string "
                    + "followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
        } else if (v.isNumber() && v.asLong() < 0) {
            errors.add(FieldError.invalid(path, v.asLong(), WorkloadSpecs.NOT_NEGATIVE));
        }
    }

    /** The number of an int-or-percent ({@code 25%} is 25), -1 when it is neither. */
    private static long intOrPercentValue(JsonNode v) {
        if (v == null || v.isNull()) {
            return 0;
        }
        if (v.isNumber()) {
            return v.asLong();
        }
        String s = v.asText();
        return s.matches("[0-9]+%") ? Long.parseLong(s.substring(0, s.length() - 1)) : -1;
    }

    /** An int-or-string as kube-apiserver's error prints it ({@code %#v} of {@code intstr.IntOrString}). */
    private static WorkloadSelectors.GoValue goIntOrString(JsonNode v) {
        if (v != null && v.isTextual()) {
            return new WorkloadSelectors.GoValue("intstr.IntOrString{Type:1, IntVal:0, StrVal:\"" + v.asText()
                    + "\"}");
        }
        return new WorkloadSelectors.GoValue("intstr.IntOrString{Type:0, IntVal:" + (v == null ? 0 : v.asInt())
                + ", StrVal:\"\"}");
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
        return List.of(Objects2.name(obj),
                status.path("readyReplicas").asLong(0) + "/" + spec.path("replicas").asLong(0),
                status.path("updatedReplicas").asLong(0), status.path("availableReplicas").asLong(0),
                Objects2.age(obj, now), containers.get(0), containers.get(1),
                LabelSelector.format(spec.get("selector")));
    }
}
