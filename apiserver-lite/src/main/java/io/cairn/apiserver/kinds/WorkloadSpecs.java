package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.TableColumn;
import java.util.List;

/**
 * What deployments, replica sets and jobs share: the selector-and-template rules of a controller's spec
 * ({@code ValidatePodTemplateSpecForReplicaSet}), non-negative counters, the status counters' rules, immutable
 * fields in kube's words, and the CONTAINERS / IMAGES / SELECTOR wide columns.
 */
final class WorkloadSpecs {
    private WorkloadSpecs() {
    }

    static final String NOT_NEGATIVE = "must be greater than or equal to 0";
    static final String IMMUTABLE = "field is immutable";
    static final String SELECTOR_MISMATCH = "`selector` does not match template `labels`";

    static final TableColumn CONTAINERS = TableColumn.wide("Containers", "string",
            "Names of each container in the template.");
    static final TableColumn IMAGES = TableColumn.wide("Images", "string",
            "Images referenced by each container in the template.");

    /**
     * A replicated controller's selector and template (deployments, replica sets): the selector is required and
     * non-empty, selects the template's labels, and the template's pods restart Always and have no deadline.
     */
    static void validateSelectorAndTemplate(JsonNode spec, String kind, List<FieldError> errors) {
        JsonNode selector = spec.get("selector");
        boolean hasSelector = selector != null && selector.isObject();
        if (!hasSelector) {
            errors.add(FieldError.required("spec.selector", ""));
        } else {
            errors.addAll(WorkloadSelectors.validate(selector, "spec.selector"));
            if (WorkloadSelectors.isEmpty(selector)) {
                errors.add(FieldError.invalid("spec.selector", WorkloadSelectors.goSelector(selector),
                        "empty selector is invalid for deployment"));
            }
        }
        JsonNode template = spec.path("template");
        // An absent selector selects nothing, so kube reports the mismatch as well as the missing selector.
        if (!hasSelector || !WorkloadSelectors.isEmpty(selector)) {
            JsonNode labels = template.path("metadata").get("labels");
            if (!hasSelector || !WorkloadSelectors.matches(selector, labels)) {
                errors.add(FieldError.invalid("spec.template.metadata.labels", WorkloadSelectors.goMap(labels),
                        SELECTOR_MISMATCH));
            }
        }
        PodTemplates.validateTemplate(template.isObject() ? template : JsonNodeFactory.instance.objectNode(),
                "spec.template", kind, errors);
        String restart = template.path("spec").path("restartPolicy").asText("");
        if (!restart.equals("Always")) {
            errors.add(FieldError.notSupported("spec.template.spec.restartPolicy", restart, List.of("Always")));
        }
        JsonNode deadline = template.path("spec").get("activeDeadlineSeconds");
        if (deadline != null && !deadline.isNull()) {
            errors.add(FieldError.invalid("spec.template.spec.activeDeadlineSeconds", deadline.asLong(),
                    "activeDeadlineSeconds in ReplicaSet is not Supported"));
        }
    }

    /** {@code ValidateNonnegativeField} on {@code obj.<path>} when it is set. */
    static void nonNegative(JsonNode parent, String field, String path, List<FieldError> errors) {
        JsonNode v = parent.get(field);
        if (v != null && v.isNumber() && v.asLong() < 0) {
            errors.add(FieldError.invalid(path, v.asLong(), NOT_NEGATIVE));
        }
    }

    /** The selector may not change after create ({@code ValidateImmutableField} in apps/v1 and batch/v1). */
    static void selectorImmutable(JsonNode spec, JsonNode oldSpec, List<FieldError> errors) {
        if (!Objects2.sameByValue(spec.get("selector"), oldSpec.get("selector"))) {
            errors.add(FieldError.invalid("spec.selector", WorkloadSelectors.goSelector(spec.get("selector")),
                    IMMUTABLE));
        }
    }

    /**
     * A controller's status counters: each non-negative, none above {@code status.replicas}, and available not above
     * ready ({@code ValidateReplicaSetStatus}, {@code ValidateDeploymentStatus}).
     */
    static void validateReplicaCounts(JsonNode status, List<String> counters, List<String> notAboveReplicas,
                                      List<FieldError> errors) {
        nonNegative(status, "observedGeneration", "status.observedGeneration", errors);
        for (String c : counters) {
            nonNegative(status, c, "status." + c, errors);
        }
        long replicas = status.path("replicas").asLong(0);
        for (String c : notAboveReplicas) {
            if (status.path(c).asLong(0) > replicas) {
                errors.add(FieldError.invalid("status." + c, status.path(c).asLong(), "cannot be greater than "
                        + "status.replicas"));
            }
        }
        if (status.path("availableReplicas").asLong(0) > status.path("readyReplicas").asLong(0)) {
            errors.add(FieldError.invalid("status.availableReplicas", status.path("availableReplicas").asLong(),
                    "cannot be greater than readyReplicas"));
        }
    }

    /** The status a client sent on create is dropped: it is written through the status subresource. */
    static void resetStatus(ObjectNode obj) {
        obj.putObject("status");
    }

    /** kubectl's CONTAINERS and IMAGES cells: the template's container names and images, comma-separated. */
    static List<String> containerCells(JsonNode podSpec) {
        StringBuilder names = new StringBuilder();
        StringBuilder images = new StringBuilder();
        JsonNode containers = podSpec.path("containers");
        for (int i = 0; i < containers.size(); i++) {
            if (i > 0) {
                names.append(',');
                images.append(',');
            }
            names.append(containers.get(i).path("name").asText(""));
            images.append(containers.get(i).path("image").asText(""));
        }
        return List.of(names.toString(), images.toString());
    }
}
