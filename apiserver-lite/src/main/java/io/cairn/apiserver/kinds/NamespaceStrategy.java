package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.NameRule;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import io.cairn.apiserver.validation.Validators;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * core/v1 Namespace (kube's {@code pkg/registry/core/namespace} strategy with v1 defaulting).
 *
 * <p>Defaults: the {@code kubernetes.io/metadata.name} label always equals the name (so label selectors can pick
 * namespaces by name), and an empty {@code status.phase} reads Active. At create the status is Active and the
 * {@code kubernetes} finalizer is added to {@code spec.finalizers}; it is added only then, never by defaulting, since
 * the namespace controller removes it when it has emptied a terminating namespace.
 *
 * <p>{@code spec.finalizers} belongs to the {@code /finalize} subresource: an update of the main resource keeps the
 * stored finalizers ({@link #prepareForUpdate}); {@link #prepareForFinalize} is what a finalize write applies.
 */
public final class NamespaceStrategy implements Strategy {

    /** The label every namespace carries with its own name. */
    public static final String NAME_LABEL = "kubernetes.io/metadata.name";
    /** The finalizer the namespace controller owns. */
    public static final String KUBERNETES_FINALIZER = "kubernetes";

    private static final Set<String> STANDARD_FINALIZERS = Set.of("kubernetes", "orphan", "foregroundDeletion");

    @Override
    public NameRule nameRule() {
        return NameRule.DNS_LABEL;
    }

    @Override
    public void applyDefaults(ObjectNode obj) {
        String name = Objects2.name(obj);
        if (!name.isEmpty()) {
            Objects2.objectAt(obj, "metadata", "labels").put(NAME_LABEL, name);
        }
        ObjectNode status = Objects2.objectAt(obj, "status");
        if (Objects2.text(status, "phase").isEmpty()) {
            status.put("phase", "Active");
        }
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        obj.putObject("status").put("phase", "Active");
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        if (!Objects2.strings(spec, "finalizers").contains(KUBERNETES_FINALIZER)) {
            JsonNode f = spec.get("finalizers");
            ArrayNode list = f instanceof ArrayNode a ? a : spec.putArray("finalizers");
            list.add(KUBERNETES_FINALIZER);
        }
    }

    @Override
    public void prepareForUpdate(ObjectNode obj, ObjectNode old) {
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        JsonNode oldFinalizers = Objects2.at(old, "spec", "finalizers");
        if (oldFinalizers == null || oldFinalizers.isNull()) {
            spec.remove("finalizers");
        } else {
            spec.set("finalizers", oldFinalizers.deepCopy());
        }
    }

    /**
     * What a write to {@code namespaces/<name>/finalize} keeps: everything of {@code old} except
     * {@code spec.finalizers}, which comes from {@code obj}.
     */
    public static void prepareForFinalize(ObjectNode obj, ObjectNode old) {
        JsonNode finalizers = Objects2.at(obj, "spec", "finalizers");
        ObjectNode spec = obj.putObject("spec");
        old.path("spec").fields().forEachRemaining(e -> spec.set(e.getKey(), e.getValue().deepCopy()));
        if (finalizers == null || finalizers.isNull()) {
            spec.remove("finalizers");
        } else {
            spec.set("finalizers", finalizers);
        }
        JsonNode status = old.get("status");
        if (status != null) {
            obj.set("status", status.deepCopy());
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        for (String f : Objects2.strings(obj.get("spec"), "finalizers")) {
            validateFinalizerName(f, "spec.finalizers", errors);
        }
        return errors;
    }

    @Override
    public List<FieldError> validateStatus(ObjectNode obj, ObjectNode old) {
        return validate(obj, old);
    }

    /** A finalizer is a qualified name; without a "/" it must be one of the standard finalizers. */
    static void validateFinalizerName(String name, String path, List<FieldError> errors) {
        String msg = Validators.checkQualifiedName(name);
        if (msg != null) {
            errors.add(FieldError.invalid(path, name, msg));
        }
        if (!name.contains("/") && !STANDARD_FINALIZERS.contains(name)) {
            errors.add(FieldError.invalid(path, name, "name is neither a standard finalizer name nor is it fully "
                    + "qualified"));
        }
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Status", "string", "The status of the namespace"),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), Objects2.text(obj, "status", "phase"), Objects2.age(obj, now));
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("status.phase");
    }

    @Override
    public Optional<String> fieldValue(ObjectNode obj, String field) {
        return field.equals("status.phase") ? Optional.of(Objects2.text(obj, "status", "phase")) : Optional.empty();
    }
}
