package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.NameRule;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * core/v1 Event (kube's event strategy and {@code legacyValidateEvent}, the only validation the core/v1 API applies,
 * on create and update alike).
 *
 * <p>The name only has to be a path segment: kube's v1 event validation skips the name syntax and the generic store
 * checks path segments. An event without {@code eventTime} (the style of client-go's record package) must have
 * {@code involvedObject.namespace} equal to its own namespace (or be in {@code default} with an empty one); an event
 * with {@code eventTime} (events.k8s.io style) needs {@code reportingController}, {@code reportingInstance},
 * {@code action} and {@code reason}, within their length limits.
 *
 * <p>Table: LAST SEEN (series, last, first timestamp or event time), TYPE, REASON, OBJECT ({@code kind/name} in lower
 * case), MESSAGE; wide: SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME. Unlike other kinds the name is the last column.
 */
public final class EventStrategy implements Strategy {

    private static final int REPORTING_INSTANCE_MAX = 128;
    private static final int ACTION_MAX = 128;
    private static final int REASON_MAX = 128;
    private static final int NOTE_MAX = 1024;

    private static final Set<String> FIELDS = Set.of("involvedObject.kind", "involvedObject.namespace",
            "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
            "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type");

    @Override
    public NameRule nameRule() {
        return NameRule.PATH_SEGMENT;
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        String namespace = Objects2.namespace(obj);
        String involvedNamespace = Objects2.text(obj, "involvedObject", "namespace");
        if (Objects2.text(obj, "eventTime").isEmpty()) {
            boolean mismatch = involvedNamespace.isEmpty()
                    ? !namespace.isEmpty() && !namespace.equals("default")
                    : !namespace.equals(involvedNamespace);
            if (mismatch) {
                errors.add(FieldError.invalid("involvedObject.namespace", involvedNamespace,
                        "does not match event.namespace"));
            }
        } else {
            validateReported(obj, namespace, involvedNamespace, errors);
        }
        String nsProblem = io.cairn.apiserver.validation.Validators.checkDns1123Subdomain(namespace);
        if (nsProblem != null) {
            errors.add(FieldError.invalid("namespace", namespace, nsProblem));
        }
        return errors;
    }

    /** The rules of an event that carries {@code eventTime}. */
    private static void validateReported(ObjectNode obj, String namespace, String involvedNamespace,
                                         List<FieldError> errors) {
        if (involvedNamespace.isEmpty() && !namespace.equals("default") && !namespace.equals("kube-system")) {
            errors.add(FieldError.invalid("involvedObject.namespace", involvedNamespace,
                    "does not match event.namespace"));
        }
        String controller = Objects2.text(obj, "reportingComponent");
        if (controller.isEmpty()) {
            errors.add(FieldError.required("reportingController", ""));
        }
        CoreChecks.qualifiedName(controller, "reportingController", errors);
        String instance = Objects2.text(obj, "reportingInstance");
        requiredWithin(instance, "reportingInstance", REPORTING_INSTANCE_MAX, errors);
        requiredWithin(Objects2.text(obj, "action"), "action", ACTION_MAX, errors);
        requiredWithin(Objects2.text(obj, "reason"), "reason", REASON_MAX, errors);
        if (Objects2.text(obj, "message").length() > NOTE_MAX) {
            errors.add(FieldError.invalid("message", "", "can have at most " + NOTE_MAX + " characters"));
        }
    }

    private static void requiredWithin(String value, String path, int max, List<FieldError> errors) {
        if (value.isEmpty()) {
            errors.add(FieldError.required(path, ""));
        }
        if (value.length() > max) {
            errors.add(FieldError.invalid(path, "", "can have at most " + max + " characters"));
        }
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(
                TableColumn.of("Last Seen", "string",
                        "The time at which the most recent occurrence of this event was recorded."),
                TableColumn.of("Type", "string", "Type of this event (Normal, Warning), new types could be added in "
                        + "the future"),
                TableColumn.of("Reason", "string", "This should be a short, machine understandable string that gives "
                        + "the reason for the transition into the object's current status."),
                TableColumn.of("Object", "string", "The object that this event is about."),
                TableColumn.wide("Subobject", "string", "If referring to a piece of an object instead of an entire "
                        + "object, this string should contain a valid JSON/Go field access statement, such as "
                        + "desiredState.manifest.containers[2]."),
                TableColumn.wide("Source", "string", "The component reporting this event. Should be a short machine "
                        + "understandable string."),
                TableColumn.of("Message", "string", "A human-readable description of the status of this operation."),
                TableColumn.wide("First Seen", "string",
                        "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)"),
                TableColumn.wide("Count", "string", "The number of times this event has occurred."),
                new TableColumn("Name", "string", "name", TableColumn.nameColumn().description(), 1));
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        String first = Objects2.text(obj, "firstTimestamp").isEmpty()
                ? Objects2.since(Objects2.text(obj, "eventTime"), now)
                : Objects2.since(Objects2.text(obj, "firstTimestamp"), now);
        String last = Objects2.text(obj, "lastTimestamp").isEmpty() ? first
                : Objects2.since(Objects2.text(obj, "lastTimestamp"), now);
        long count = obj.path("count").asLong();
        JsonNode series = obj.get("series");
        if (series != null && series.isObject()) {
            last = Objects2.since(Objects2.text(series, "lastObservedTime"), now);
            count = series.path("count").asLong();
        } else if (count == 0) {
            count = 1;
        }
        JsonNode involved = obj.path("involvedObject");
        String kind = Objects2.text(involved, "kind").toLowerCase(Locale.ROOT);
        String name = Objects2.text(involved, "name");
        String target = name.isEmpty() ? kind : kind + "/" + name;
        return List.of(last, Objects2.text(obj, "type"), Objects2.text(obj, "reason"), target,
                Objects2.text(involved, "fieldPath"), source(obj), Objects2.text(obj, "message").strip(), first, count,
                Objects2.name(obj));
    }

    /** {@code component, host}, with the reporting controller and instance standing in for missing parts. */
    static String source(ObjectNode obj) {
        String component = Objects2.text(obj, "source", "component");
        String host = Objects2.text(obj, "source", "host");
        component = component.isEmpty() ? Objects2.text(obj, "reportingComponent") : component;
        host = host.isEmpty() ? Objects2.text(obj, "reportingInstance") : host;
        return host.isEmpty() ? component : component + ", " + host;
    }

    @Override
    public Set<String> selectableFields() {
        return FIELDS;
    }

    @Override
    public Optional<String> fieldValue(ObjectNode obj, String field) {
        if (!FIELDS.contains(field)) {
            return Optional.empty();
        }
        if (field.startsWith("involvedObject.")) {
            return Optional.of(Objects2.text(obj, "involvedObject", field.substring("involvedObject.".length())));
        }
        return Optional.of(switch (field) {
            case "source" -> {
                String component = Objects2.text(obj, "source", "component");
                yield component.isEmpty() ? Objects2.text(obj, "reportingComponent") : component;
            }
            default -> Objects2.text(obj, field);
        });
    }
}
