package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import java.util.List;

/**
 * What an update of a job may not change ({@code validateJobSpecUpdate}): the selector, the pod template, the
 * completion mode, the pod failure policy and backoff limit per index, and completions unless the job is an elastic
 * indexed one. A job that is suspended and never started may still change its template's scheduling directives
 * (node selector, affinity, tolerations, scheduling gates, labels and annotations), so that a queueing controller can
 * place it before it starts.
 */
final class JobUpdateRules {
    private JobUpdateRules() {
    }

    static void validate(JsonNode spec, ObjectNode old, List<FieldError> errors) {
        JsonNode oldSpec = old.path("spec");
        boolean elastic = spec.path("completionMode").asText("").equals("Indexed")
                && spec.path("completions").asLong(-1) == spec.path("parallelism").asLong(-2);
        if (!elastic) {
            immutable(spec, oldSpec, "completions", errors);
        }
        WorkloadSpecs.selectorImmutable(spec, oldSpec, errors);
        boolean mutableScheduling = oldSpec.path("suspend").asBoolean(false)
                && !old.path("status").hasNonNull("startTime");
        JsonNode template = spec.path("template");
        JsonNode oldTemplate = oldSpec.path("template");
        if (mutableScheduling && oldTemplate instanceof ObjectNode o && template.isObject()) {
            ObjectNode allowed = o.deepCopy();
            copy(template.path("metadata"), Objects2.objectAt(allowed, "metadata"), List.of("labels", "annotations"));
            copy(template.path("spec"), Objects2.objectAt(allowed, "spec"),
                    List.of("nodeSelector", "affinity", "tolerations", "schedulingGates"));
            oldTemplate = allowed;
        }
        if (!Objects2.sameByValue(template, oldTemplate)) {
            errors.add(FieldError.invalid("spec.template", template, WorkloadSpecs.IMMUTABLE));
        }
        for (String field : List.of("completionMode", "podFailurePolicy", "backoffLimitPerIndex")) {
            immutable(spec, oldSpec, field, errors);
        }
    }

    private static void immutable(JsonNode spec, JsonNode oldSpec, String field, List<FieldError> errors) {
        if (!Objects2.sameByValue(spec.get(field), oldSpec.get(field))) {
            JsonNode v = spec.get(field);
            Object shown = v == null || v.isNull() ? null : v.isNumber() ? (Object) v.asLong() : v;
            errors.add(FieldError.invalid("spec." + field, shown, WorkloadSpecs.IMMUTABLE));
        }
    }

    private static void copy(JsonNode from, ObjectNode to, List<String> fields) {
        for (String f : fields) {
            JsonNode v = from.get(f);
            if (v == null) {
                to.remove(f);
            } else {
                to.set(f, v.deepCopy());
            }
        }
    }
}
