package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * batch/v1 jobs.
 *
 * <ul>
 *   <li>Defaults ({@code SetDefaults_Job}): completions and parallelism 1 when both are unset (a work-queue job sets
 *       parallelism and leaves completions unset, and keeps it so), backoffLimit 6, completionMode NonIndexed,
 *       suspend false, podReplacementPolicy, the job's labels from its template's when it has none.</li>
 *   <li>Create: unless {@code spec.manualSelector} is true, the selector {@code batch.kubernetes.io/controller-uid=<uid>}
 *       and the template labels {@code controller-uid}, {@code job-name} and their {@code batch.kubernetes.io/}
 *       forms, from {@code metadata.uid} (the registry sets it before calling {@link #prepareForCreate}).</li>
 *   <li>Validation ({@code ValidateJob}): the generated selector, counters not negative, selector matching the
 *       template, restartPolicy OnFailure or Never; on update the selector, the template (but for the scheduling
 *       directives of a job suspended before it ever started), completions and completionMode are immutable.</li>
 *   <li>{@code kubectl get jobs} columns and the {@code status.successful} field selector.</li>
 * </ul>
 */
public final class JobStrategy implements Strategy {

    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    static final String LEGACY_CONTROLLER_UID = "controller-uid";
    static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final String LEGACY_JOB_NAME = "job-name";

    static final List<TableColumn> COLUMNS = List.of(
            TableColumn.nameColumn(),
            TableColumn.of("Status", "string", "Status of the job."),
            TableColumn.of("Completions", "string", "The number of pods which reached phase Succeeded. The value "
                    + "increases monotonically for a given spec. However, it may decrease in reaction to scale down of "
                    + "elastic indexed jobs."),
            TableColumn.of("Duration", "string", "Time required to complete the job."),
            TableColumn.ageColumn(),
            WorkloadSpecs.CONTAINERS,
            WorkloadSpecs.IMAGES,
            TableColumn.wide("Selector", "string", "A label query over pods that should match the pod count. Normally, "
                    + "the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/"
                    + "working-with-objects/labels/#label-selectors"));

    @Override
    public void applyDefaults(ObjectNode job) {
        ObjectNode spec = Objects2.objectAt(job, "spec");
        if (!spec.hasNonNull("completions") && !spec.hasNonNull("parallelism")) {
            spec.put("completions", 1);
            spec.put("parallelism", 1);
        }
        if (!spec.hasNonNull("parallelism")) {
            spec.put("parallelism", 1);
        }
        if (!spec.hasNonNull("backoffLimit")) {
            spec.put("backoffLimit", spec.hasNonNull("backoffLimitPerIndex") ? Integer.MAX_VALUE : 6);
        }
        Objects2.defaultText(spec, "completionMode", "NonIndexed");
        if (!spec.hasNonNull("suspend")) {
            spec.put("suspend", false);
        }
        Objects2.defaultText(spec, "podReplacementPolicy",
                spec.hasNonNull("podFailurePolicy") ? "Failed" : "TerminatingOrFailed");
        ObjectNode template = Objects2.objectAt(spec, "template");
        PodTemplates.applyTemplateDefaults(template);
        labelsFromTemplate(job);
    }

    /** {@code SetDefaults_Job}: a job without labels takes its template's. */
    private static void labelsFromTemplate(ObjectNode job) {
        JsonNode templateLabels = job.path("spec").path("template").path("metadata").get("labels");
        JsonNode labels = job.path("metadata").get("labels");
        if (templateLabels instanceof ObjectNode t && (labels == null || !labels.isObject() || labels.isEmpty())) {
            Objects2.objectAt(job, "metadata").set("labels", t.deepCopy());
        }
    }

    @Override
    public void prepareForCreate(ObjectNode job) {
        ObjectNode spec = Objects2.objectAt(job, "spec");
        if (!spec.path("manualSelector").asBoolean(false)) {
            generateSelector(job, spec);
        }
        WorkloadSpecs.resetStatus(job);
        // kube applies the defaults again when it reads the job back, so the generated labels reach the job too.
        labelsFromTemplate(job);
    }

    /** kube's {@code generateSelector}: labels the user already set are kept (validation rejects a wrong one). */
    private static void generateSelector(ObjectNode job, ObjectNode spec) {
        String uid = Objects2.text(job, "metadata", "uid");
        String name = Objects2.name(job);
        ObjectNode labels = Objects2.objectAt(Objects2.objectAt(Objects2.objectAt(spec, "template"), "metadata"),
                "labels");
        for (String key : List.of(LEGACY_JOB_NAME, JOB_NAME)) {
            if (!labels.has(key)) {
                labels.put(key, name);
            }
        }
        for (String key : List.of(LEGACY_CONTROLLER_UID, CONTROLLER_UID)) {
            if (!labels.has(key)) {
                labels.put(key, uid);
            }
        }
        ObjectNode matchLabels = Objects2.objectAt(Objects2.objectAt(spec, "selector"), "matchLabels");
        if (!matchLabels.has(CONTROLLER_UID)) {
            matchLabels.put(CONTROLLER_UID, uid);
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode job, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        boolean prefixed = old == null || old.path("spec").path("template").path("metadata").path("labels")
                .has(CONTROLLER_UID);
        validateGeneratedSelector(job, prefixed, errors);
        JsonNode spec = job.path("spec");
        for (String counter : List.of("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished")) {
            WorkloadSpecs.nonNegative(spec, counter, "spec." + counter, errors);
        }
        validateCompletionMode(spec, errors);
        validateSelectorAndTemplate(spec, errors);
        if (old != null) {
            JobUpdateRules.validate(spec, old, errors);
        }
        return errors;
    }

    /** {@code validateGeneratedSelector}: a generated selector must be exactly the controller-uid one. */
    private static void validateGeneratedSelector(ObjectNode job, boolean prefixed, List<FieldError> errors) {
        JsonNode spec = job.path("spec");
        if (spec.path("manualSelector").asBoolean(false)) {
            return;
        }
        String uid = Objects2.text(job, "metadata", "uid");
        JsonNode labels = spec.path("template").path("metadata").get("labels");
        hasLabel(labels, LEGACY_CONTROLLER_UID, uid, errors);
        hasLabel(labels, LEGACY_JOB_NAME, Objects2.name(job), errors);
        if (prefixed) {
            hasLabel(labels, CONTROLLER_UID, uid, errors);
            hasLabel(labels, JOB_NAME, Objects2.name(job), errors);
        }
        String key = prefixed ? CONTROLLER_UID : LEGACY_CONTROLLER_UID;
        JsonNode selector = spec.get("selector");
        JsonNode matchLabels = selector == null ? null : selector.get("matchLabels");
        boolean exact = matchLabels != null && matchLabels.size() == 1 && matchLabels.path(key).asText("").equals(uid)
                && selector.path("matchExpressions").size() == 0;
        if (!exact) {
            errors.add(FieldError.invalid("spec.selector", WorkloadSelectors.goSelector(selector),
                    "`selector` not auto-generated"));
        }
    }

    /** {@code ValidateHasLabel}. */
    private static void hasLabel(JsonNode labels, String key, String expected, List<FieldError> errors) {
        String path = "spec.template.metadata.labels[" + key + "]";
        JsonNode v = labels == null ? null : labels.get(key);
        if (v == null) {
            errors.add(FieldError.required(path, expected));
        } else if (!v.asText().equals(expected)) {
            errors.add(FieldError.invalid(path, WorkloadSelectors.goMap(labels), "must be '" + expected + "'"));
        }
    }

    private static void validateCompletionMode(JsonNode spec, List<FieldError> errors) {
        String mode = spec.path("completionMode").asText("");
        if (!mode.isEmpty() && !mode.equals("NonIndexed") && !mode.equals("Indexed")) {
            errors.add(FieldError.notSupported("spec.completionMode", mode, List.of("NonIndexed", "Indexed")));
        }
        if (mode.equals("Indexed") && !spec.hasNonNull("completions")) {
            errors.add(FieldError.required("spec.completions", "when completion mode is Indexed"));
        }
    }

    /** {@code ValidateJobSpec}'s selector, template and restart policy rules. */
    private static void validateSelectorAndTemplate(JsonNode spec, List<FieldError> errors) {
        JsonNode selector = spec.get("selector");
        JsonNode template = spec.path("template");
        if (selector == null || !selector.isObject()) {
            errors.add(FieldError.required("spec.selector", ""));
        } else {
            errors.addAll(WorkloadSelectors.validate(selector, "spec.selector"));
            JsonNode labels = template.path("metadata").get("labels");
            if (!WorkloadSelectors.isEmpty(selector) && !WorkloadSelectors.matches(selector, labels)) {
                errors.add(FieldError.invalid("spec.template.metadata.labels", WorkloadSelectors.goMap(labels),
                        WorkloadSpecs.SELECTOR_MISMATCH));
            }
        }
        PodTemplates.validateTemplate(template, "spec.template", "Job", errors);
        String restart = template.path("spec").path("restartPolicy").asText("");
        if (restart.isEmpty() || restart.equals("Always")) {
            errors.add(FieldError.required("spec.template.spec.restartPolicy",
                    "valid values: \"OnFailure\", \"Never\""));
        } else if (!restart.equals("OnFailure") && !restart.equals("Never")) {
            errors.add(FieldError.notSupported("spec.template.spec.restartPolicy", restart,
                    List.of("OnFailure", "Never")));
        }
    }

    @Override
    public List<FieldError> validateStatus(ObjectNode job, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        for (String counter : List.of("active", "succeeded", "failed", "ready", "terminating")) {
            WorkloadSpecs.nonNegative(job.path("status"), counter, "status." + counter, errors);
        }
        return errors;
    }

    @Override
    public List<TableColumn> columns() {
        return COLUMNS;
    }

    @Override
    public List<Object> cells(ObjectNode job, Instant now) {
        JsonNode spec = job.path("spec");
        JsonNode status = job.path("status");
        long succeeded = status.path("succeeded").asLong(0);
        String completions;
        if (spec.hasNonNull("completions")) {
            completions = succeeded + "/" + spec.path("completions").asLong();
        } else {
            long parallelism = spec.path("parallelism").asLong(0);
            completions = parallelism > 1 ? succeeded + "/1 of " + parallelism : succeeded + "/1";
        }
        Instant start = Objects2.time(status.get("startTime"));
        Instant completion = Objects2.time(status.get("completionTime"));
        String duration = start == null ? ""
                : Objects2.humanDuration(Duration.between(start, completion == null ? now : completion));
        List<String> containers = WorkloadSpecs.containerCells(spec.path("template").path("spec"));
        return List.of(Objects2.name(job), jobStatus(job), completions, duration, Objects2.age(job, now),
                containers.get(0), containers.get(1), WorkloadSelectors.formatOrNone(spec.get("selector")));
    }

    /** kubectl's STATUS: the first of Complete, Failed, Terminating, Suspended, FailureTarget, else Running. */
    static String jobStatus(ObjectNode job) {
        JsonNode conditions = job.path("status").path("conditions");
        if (Objects2.conditionTrue(conditions, "Complete")) {
            return "Complete";
        }
        if (Objects2.conditionTrue(conditions, "Failed")) {
            return "Failed";
        }
        if (!Objects2.text(job, "metadata", "deletionTimestamp").isEmpty()) {
            return "Terminating";
        }
        if (Objects2.conditionTrue(conditions, "Suspended")) {
            return "Suspended";
        }
        if (Objects2.conditionTrue(conditions, "FailureTarget")) {
            return "FailureTarget";
        }
        return "Running";
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("status.successful");
    }

    @Override
    public Optional<String> fieldValue(ObjectNode job, String field) {
        return field.equals("status.successful")
                ? Optional.of(String.valueOf(job.path("status").path("succeeded").asLong(0))) : Optional.empty();
    }
}
