package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What an update of a pod may change in its spec ({@code ValidatePodUpdate}): container and init container images,
 * {@code activeDeadlineSeconds} (set, or lowered), tolerations (only added, or their {@code tolerationSeconds}),
 * scheduling gates (only removed) and {@code terminationGracePeriodSeconds} (from a negative value to 1). Anything
 * else, {@code spec.nodeName} included (that is the binding subresource's job), is refused with kube's Forbidden
 * message, followed by the differing fields.
 */
final class PodUpdateRules {
    private PodUpdateRules() {
    }

    /** kube-apiserver's list of what may change, word for word. */
    static final String UPDATABLE = "pod updates may not change fields other than `spec.containers[*].image`,"
            + "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
            + "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
            + "previously negative)";
    /** The diff after the message is cut after this many lines. */
    private static final int DIFF_LINES_MAX = 20;

    static List<FieldError> validate(JsonNode spec, JsonNode oldSpec) {
        List<FieldError> errors = new ArrayList<>();
        for (String list : List.of("containers", "initContainers")) {
            if (spec.path(list).size() != oldSpec.path(list).size()) {
                errors.add(FieldError.forbidden("spec." + list, "pod updates may not add or remove containers"));
                return errors;
            }
        }
        if (!validateDeadline(spec.get("activeDeadlineSeconds"), oldSpec.get("activeDeadlineSeconds"), errors)) {
            return errors;
        }
        validateTolerations(spec.path("tolerations"), oldSpec.path("tolerations"), errors);
        validateSchedulingGates(spec.path("schedulingGates"), oldSpec.path("schedulingGates"), errors);
        if (Objects2.sameByValue(spec, oldSpec)) {
            return errors;
        }
        ObjectNode munged = munge(spec, oldSpec);
        if (!Objects2.sameByValue(munged, oldSpec)) {
            errors.add(FieldError.forbidden("spec", UPDATABLE + "\n" + Objects2.diff(oldSpec, munged,
                    DIFF_LINES_MAX)));
        }
        return errors;
    }

    /** False when the deadline error stops the validation, as it does in kube. */
    private static boolean validateDeadline(JsonNode now, JsonNode before, List<FieldError> errors) {
        boolean has = now != null && !now.isNull();
        boolean had = before != null && !before.isNull();
        if (has) {
            long v = now.asLong();
            if (v < 0 || v > Integer.MAX_VALUE) {
                errors.add(FieldError.invalid("spec.activeDeadlineSeconds", v,
                        "must be between 0 and " + Integer.MAX_VALUE + ", inclusive"));
                return false;
            }
            if (had && before.asLong() < v) {
                errors.add(FieldError.invalid("spec.activeDeadlineSeconds", v,
                        "must be less than or equal to previous value"));
                return false;
            }
        } else if (had) {
            errors.add(FieldError.invalid("spec.activeDeadlineSeconds", null,
                    "must not update from a positive integer to nil value"));
        }
        return true;
    }

    /** {@code validateOnlyAddedTolerations}: every old toleration is still there, but for its tolerationSeconds. */
    private static void validateTolerations(JsonNode now, JsonNode before, List<FieldError> errors) {
        for (JsonNode old : before) {
            boolean found = false;
            for (JsonNode t : now) {
                found |= sameButSeconds(old, t);
            }
            if (!found) {
                errors.add(FieldError.forbidden("spec.tolerations",
                        "existing toleration can not be modified except its tolerationSeconds"));
                return;
            }
        }
    }

    private static boolean sameButSeconds(JsonNode a, JsonNode b) {
        for (String f : List.of("key", "operator", "value", "effect")) {
            if (!a.path(f).asText("").equals(b.path(f).asText(""))) {
                return false;
            }
        }
        return true;
    }

    private static void validateSchedulingGates(JsonNode now, JsonNode before, List<FieldError> errors) {
        Set<String> old = new HashSet<>();
        before.forEach(g -> old.add(g.path("name").asText()));
        for (int i = 0; i < now.size(); i++) {
            String name = now.get(i).path("name").asText();
            if (!old.contains(name)) {
                errors.add(FieldError.forbidden("spec.schedulingGates[" + i + "].name",
                        "only deletion is allowed, but found new scheduling gate '" + name + "'"));
            }
        }
    }

    /** The new spec with every field an update may change put back to its old value. */
    private static ObjectNode munge(JsonNode spec, JsonNode oldSpec) {
        ObjectNode munged = ((ObjectNode) spec).deepCopy();
        for (String list : List.of("containers", "initContainers")) {
            JsonNode cs = munged.path(list);
            for (int i = 0; i < cs.size(); i++) {
                if (cs.get(i) instanceof ObjectNode c) {
                    copyField(c, oldSpec.path(list).get(i), "image");
                }
            }
        }
        for (String f : List.of("activeDeadlineSeconds", "schedulingGates", "tolerations")) {
            copyField(munged, oldSpec, f);
        }
        JsonNode grace = oldSpec.get("terminationGracePeriodSeconds");
        if (grace != null && grace.asLong() < 0 && munged.path("terminationGracePeriodSeconds").asLong() == 1) {
            munged.set("terminationGracePeriodSeconds", grace);
        }
        return munged;
    }

    private static void copyField(ObjectNode to, JsonNode from, String field) {
        JsonNode v = from == null ? null : from.get(field);
        if (v == null) {
            to.remove(field);
        } else {
            to.set(field, v.deepCopy());
        }
    }
}
