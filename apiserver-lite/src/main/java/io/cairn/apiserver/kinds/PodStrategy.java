package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.api.Quantity;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import io.cairn.apiserver.validation.Validators;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * core/v1 pods: what kube-apiserver's pod strategy, the v1 defaulting functions and the admission plugins a default
 * cluster runs do to a pod.
 *
 * <ul>
 *   <li>Defaults (on create and update): the pod spec's ({@link PodTemplates}), and what only Pod objects get —
 *       {@code enableServiceLinks: true}, requests copied from limits, host ports on the host network, and the
 *       DefaultTolerationSeconds admission's {@code not-ready} / {@code unreachable} NoExecute tolerations of 300 s.</li>
 *   <li>Create: status starts as {@code Pending} with its QoS class; ServiceAccount admission names
 *       {@code default}; Priority admission sets {@code priority} and {@code preemptionPolicy}; a gated pod gets its
 *       {@code PodScheduled=False/SchedulingGated} condition.</li>
 *   <li>Validation: the spec, and on update {@link PodUpdateRules} (a pod's spec is nearly immutable).</li>
 *   <li>{@code kubectl get pods} columns ({@link PodTable}), and the field selectors kube offers for pods.</li>
 * </ul>
 * The binding subresource's change is {@link #bind}, for the registry to call inside its read-modify-write.
 */
public final class PodStrategy implements Strategy {

    /** The seconds the DefaultTolerationSeconds admission lets a pod stay on a not-ready or unreachable node. */
    public static final int DEFAULT_TOLERATION_SECONDS = 300;
    static final String NOT_READY_TAINT = "node.kubernetes.io/not-ready";
    static final String UNREACHABLE_TAINT = "node.kubernetes.io/unreachable";
    /** The built-in priority classes kube-apiserver creates at start-up, with their values. */
    private static final Map<String, Integer> SYSTEM_PRIORITY_CLASSES = Map.of(
            "system-node-critical", 2000001000, "system-cluster-critical", 2000000000);
    private static final Set<String> FIELDS = Set.of("spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
            "spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName");

    private final long defaultTolerationSeconds;

    public PodStrategy() {
        this(DEFAULT_TOLERATION_SECONDS);
    }

    /**
     * @param defaultTolerationSeconds the tolerationSeconds of the not-ready and unreachable tolerations given to pods
     *                                 (kube-apiserver's {@code --default-not-ready-toleration-seconds} and
     *                                 {@code --default-unreachable-toleration-seconds})
     */
    public PodStrategy(long defaultTolerationSeconds) {
        if (defaultTolerationSeconds < 0) {
            throw new IllegalArgumentException("defaultTolerationSeconds < 0: " + defaultTolerationSeconds);
        }
        this.defaultTolerationSeconds = defaultTolerationSeconds;
    }

    @Override
    public void applyDefaults(ObjectNode pod) {
        ObjectNode spec = Objects2.objectAt(pod, "spec");
        PodTemplates.applySpecDefaults(spec);
        if (!spec.hasNonNull("enableServiceLinks")) {
            spec.put("enableServiceLinks", true);
        }
        for (String list : List.of("containers", "initContainers")) {
            for (JsonNode c : spec.path(list)) {
                if (c instanceof ObjectNode container) {
                    defaultRequestsFromLimits(container);
                    if (spec.path("hostNetwork").asBoolean(false)) {
                        defaultHostPorts(container);
                    }
                }
            }
        }
        addDefaultTolerations(spec, defaultTolerationSeconds);
        if (pod.get("status") instanceof ObjectNode status) {
            syncIps(status, "podIP", "podIPs");
            syncIps(status, "hostIP", "hostIPs");
        }
    }

    /** {@code SetDefaults_Pod}: a resource with a limit and no request requests its limit. */
    private static void defaultRequestsFromLimits(ObjectNode c) {
        JsonNode limits = c.path("resources").path("limits");
        if (!limits.isObject() || limits.isEmpty()) {
            return;
        }
        ObjectNode requests = Objects2.objectAt(Objects2.objectAt(c, "resources"), "requests");
        for (Iterator<Map.Entry<String, JsonNode>> it = limits.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!requests.has(e.getKey())) {
                requests.set(e.getKey(), e.getValue().deepCopy());
            }
        }
    }

    private static void defaultHostPorts(ObjectNode c) {
        for (JsonNode p : c.path("ports")) {
            if (p instanceof ObjectNode port && port.path("hostPort").asLong(0) == 0 && port.has("containerPort")) {
                port.set("hostPort", port.get("containerPort"));
            }
        }
    }

    /** DefaultTolerationSeconds admission: only when no toleration already covers the taint's key and NoExecute. */
    static void addDefaultTolerations(ObjectNode spec, long seconds) {
        boolean notReady = false;
        boolean unreachable = false;
        for (JsonNode t : spec.path("tolerations")) {
            String key = t.path("key").asText("");
            String effect = t.path("effect").asText("");
            boolean noExecute = effect.isEmpty() || effect.equals("NoExecute");
            notReady |= noExecute && (key.isEmpty() || key.equals(NOT_READY_TAINT));
            unreachable |= noExecute && (key.isEmpty() || key.equals(UNREACHABLE_TAINT));
        }
        if (notReady && unreachable) {
            return;
        }
        ArrayNode list = spec.get("tolerations") instanceof ArrayNode a ? a : spec.putArray("tolerations");
        if (!notReady) {
            addToleration(list, NOT_READY_TAINT, seconds);
        }
        if (!unreachable) {
            addToleration(list, UNREACHABLE_TAINT, seconds);
        }
    }

    private static void addToleration(ArrayNode list, String key, long seconds) {
        ObjectNode t = list.addObject();
        t.put("key", key);
        t.put("operator", "Exists");
        t.put("effect", "NoExecute");
        if (seconds == (int) seconds) {
            t.put("tolerationSeconds", (int) seconds); // an int node, as the value reads back from JSON
        } else {
            t.put("tolerationSeconds", seconds);
        }
    }

    /** The v1 conversion fills the plural field from the singular one and back. */
    private static void syncIps(ObjectNode status, String single, String plural) {
        String ip = status.path(single).asText("");
        JsonNode ips = status.path(plural);
        if (ips.size() == 0 && !ip.isEmpty()) {
            status.putArray(plural).addObject().put("ip", ip);
        } else if (ips.size() > 0 && ip.isEmpty()) {
            status.put(single, ips.get(0).path("ip").asText());
        }
    }

    @Override
    public void prepareForCreate(ObjectNode pod) {
        ObjectNode spec = Objects2.objectAt(pod, "spec");
        ObjectNode status = JsonNodeFactory.instance.objectNode();
        status.put("phase", "Pending");
        status.put("qosClass", qosClass(spec));
        pod.set("status", status);
        if (spec.path("serviceAccountName").asText("").isEmpty()) {
            spec.put("serviceAccountName", spec.path("serviceAccount").asText("").isEmpty() ? "default"
                    : spec.path("serviceAccount").asText());
        }
        spec.put("serviceAccount", spec.path("serviceAccountName").asText());
        admitPriority(pod, spec);
        if (spec.path("schedulingGates").size() > 0) {
            ObjectNode c = status.putArray("conditions").addObject();
            c.put("type", "PodScheduled");
            c.put("status", "False");
            c.putNull("lastProbeTime");
            c.putNull("lastTransitionTime");
            c.put("reason", "SchedulingGated");
            c.put("message", "Scheduling is blocked due to non-empty scheduling gates");
        }
    }

    /**
     * Priority admission: no class gives priority 0; the two system classes give theirs. A pod that states a different
     * integer is refused with kube's 403. A class this strategy cannot see (a user's PriorityClass) is left alone.
     */
    private static void admitPriority(ObjectNode pod, ObjectNode spec) {
        String className = spec.path("priorityClassName").asText("");
        Integer priority = className.isEmpty() ? Integer.valueOf(0) : SYSTEM_PRIORITY_CLASSES.get(className);
        if (priority == null) {
            return;
        }
        JsonNode given = spec.get("priority");
        if (given != null && !given.isNull() && given.asLong() != priority) {
            throw ApiException.forbidden("pods \"" + Objects2.name(pod) + "\" is forbidden: the integer value of "
                    + "priority (" + given.asLong() + ") must not be provided in pod spec; priority admission "
                    + "controller computed " + priority + " from the given PriorityClass name");
        }
        spec.put("priority", priority);
        Objects2.defaultText(spec, "preemptionPolicy", "PreemptLowerPriority");
    }

    /**
     * Kubernetes' {@code ComputePodQOS}: BestEffort without any CPU or memory request or limit; Guaranteed when every
     * container limits both and requests equal limits; else Burstable. A request left out counts as its limit.
     */
    public static String qosClass(JsonNode spec) {
        Map<String, Quantity> requests = new HashMap<>();
        Map<String, Quantity> limits = new HashMap<>();
        boolean guaranteed = true;
        List<JsonNode> all = new ArrayList<>();
        spec.path("containers").forEach(all::add);
        spec.path("initContainers").forEach(all::add);
        for (JsonNode c : all) {
            JsonNode res = c.path("resources");
            int limited = 0;
            for (String name : List.of("cpu", "memory")) {
                Quantity limit = positive(res.path("limits").get(name));
                Quantity request = res.path("requests").has(name) ? positive(res.path("requests").get(name)) : limit;
                if (request != null) {
                    requests.merge(name, request, Quantity::plus);
                }
                if (limit != null) {
                    limits.merge(name, limit, Quantity::plus);
                    limited++;
                }
            }
            guaranteed &= limited == 2;
        }
        if (requests.isEmpty() && limits.isEmpty()) {
            return "BestEffort";
        }
        for (Map.Entry<String, Quantity> e : requests.entrySet()) {
            Quantity limit = limits.get(e.getKey());
            guaranteed &= limit != null && limit.compareTo(e.getValue()) == 0;
        }
        return guaranteed && requests.size() == limits.size() ? "Guaranteed" : "Burstable";
    }

    private static Quantity positive(JsonNode n) {
        Quantity q = n == null ? null : Quantity.orNull(n);
        return q != null && q.signum() > 0 ? q : null;
    }

    /**
     * {@inheritDoc}
     *
     * @throws ApiException 400 when a resource quantity does not parse, as kube-apiserver refuses such a body
     */
    @Override
    public List<FieldError> validate(ObjectNode pod, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        PodTemplates.validateSpec(pod.path("spec"), "spec", "Pod", errors);
        if (old == null && pod.path("spec").path("ephemeralContainers").size() > 0) {
            errors.add(FieldError.forbidden("spec.ephemeralContainers", "cannot be set on create"));
        }
        if (old != null) {
            errors.addAll(PodUpdateRules.validate(pod.path("spec"), old.path("spec")));
        }
        return errors;
    }

    /** {@code ValidatePodStatusUpdate}'s checks on the fields modelled here. */
    @Override
    public List<FieldError> validateStatus(ObjectNode pod, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        String nominated = pod.path("status").path("nominatedNodeName").asText("");
        if (!nominated.isEmpty()) {
            String e = Validators.checkDns1123Subdomain(nominated);
            if (e != null) {
                errors.add(FieldError.invalid("status.nominatedNodeName", nominated, e));
            }
        }
        String qos = pod.path("status").path("qosClass").asText("");
        if (!qos.equals(old.path("status").path("qosClass").asText(""))) {
            errors.add(FieldError.invalid("status.qosClass", qos, "field is immutable"));
        }
        return errors;
    }

    @Override
    public List<TableColumn> columns() {
        return PodTable.COLUMNS;
    }

    @Override
    public List<Object> cells(ObjectNode pod, Instant now) {
        return PodTable.cells(pod, now);
    }

    @Override
    public Set<String> selectableFields() {
        return FIELDS;
    }

    @Override
    public Optional<String> fieldValue(ObjectNode pod, String field) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        return switch (field) {
            case "spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName" ->
                    Optional.of(spec.path(field.substring(5)).asText(""));
            case "spec.hostNetwork" -> Optional.of(String.valueOf(spec.path("hostNetwork").asBoolean(false)));
            case "status.phase", "status.nominatedNodeName" -> Optional.of(status.path(field.substring(7)).asText(""));
            case "status.podIP" -> Optional.of(podIP(status));
            default -> Optional.empty();
        };
    }

    /** The pod's first IP ({@code status.podIPs[0].ip}, else {@code status.podIP}), "" when it has none. */
    static String podIP(JsonNode status) {
        JsonNode ips = status.path("podIPs");
        return ips.size() > 0 ? ips.get(0).path("ip").asText("") : status.path("podIP").asText("");
    }

    /**
     * The binding subresource: assigns {@code pod} to the node {@code binding} (a v1 {@code Binding}) targets, copies
     * the binding's annotations and sets {@code PodScheduled=True}, as kube's {@code BindingREST} does.
     *
     * @throws ApiException 422 for a binding without a node name or to something else than a Node; 409 when the pod
     *                      is being deleted, already bound, or still gated
     */
    public static void bind(ObjectNode pod, ObjectNode binding, Instant now) {
        List<FieldError> errors = new ArrayList<>();
        String kind = binding.path("target").path("kind").asText("");
        if (!kind.isEmpty() && !kind.equals("Node")) {
            errors.add(FieldError.notSupported("target.kind", kind, List.of("Node", "<empty>")));
        }
        String node = binding.path("target").path("name").asText("");
        if (node.isEmpty()) {
            errors.add(FieldError.required("target.name", ""));
        }
        String name = Objects2.name(pod);
        if (!errors.isEmpty()) {
            throw ApiException.invalid("Binding", "", Objects2.name(binding), errors);
        }
        ObjectNode spec = Objects2.objectAt(pod, "spec");
        if (!Objects2.text(pod, "metadata", "deletionTimestamp").isEmpty()) {
            throw ApiException.conflict("pods/binding", "", name,
                    "pod " + name + " is being deleted, cannot be assigned to a host");
        }
        if (!spec.path("nodeName").asText("").isEmpty()) {
            throw ApiException.conflict("pods/binding", "", name,
                    "pod " + name + " is already assigned to node \"" + spec.path("nodeName").asText() + "\"");
        }
        if (spec.path("schedulingGates").size() > 0) {
            throw ApiException.conflict("pods/binding", "", name,
                    "pod " + name + " has non-empty .spec.schedulingGates");
        }
        spec.put("nodeName", node);
        if (binding.path("metadata").path("annotations") instanceof ObjectNode annotations && !annotations.isEmpty()) {
            Objects2.objectAt(pod, "metadata", "annotations").setAll(annotations.deepCopy());
        }
        setScheduled(Objects2.objectAt(pod, "status"), now);
    }

    private static void setScheduled(ObjectNode status, Instant now) {
        ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
        for (JsonNode c : conditions) {
            if (c.path("type").asText().equals("PodScheduled") && c instanceof ObjectNode cond) {
                if (!cond.path("status").asText().equals("True")) {
                    cond.put("status", "True");
                    cond.put("lastTransitionTime", now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
                    cond.remove("reason");
                    cond.remove("message");
                }
                return;
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", "PodScheduled");
        c.put("status", "True");
        c.putNull("lastProbeTime");
        c.put("lastTransitionTime", now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
    }
}
