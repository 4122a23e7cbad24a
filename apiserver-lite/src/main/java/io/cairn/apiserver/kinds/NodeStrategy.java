package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * core/v1 Node, cluster-scoped (kube's {@code pkg/registry/core/node} strategy, {@code ValidateNode} and
 * {@code ValidateNodeUpdate}).
 *
 * <p>Defaults {@code status.allocatable} to {@code status.capacity} when it is missing, as v1 defaulting does.
 * Validation covers taints (kube reports them under {@code metadata.taints}, a path kept as kube has it), pod CIDRs and
 * the providerID/podCIDRs that may only be set once. Resource quantities in capacity and allocatable are not checked
 * here (quantity parsing is {@code api.Quantity}'s, written elsewhere).
 *
 * <p>Table: STATUS from the Ready condition ({@code Ready}, {@code NotReady}, {@code Unknown} when absent) followed by
 * {@code SchedulingDisabled} when {@code spec.unschedulable}; ROLES from {@code node-role.kubernetes.io/<role>} and
 * {@code kubernetes.io/role} labels.
 */
public final class NodeStrategy implements Strategy {

    private static final String ROLE_PREFIX = "node-role.kubernetes.io/";
    private static final List<String> TAINT_EFFECTS = List.of("NoSchedule", "PreferNoSchedule", "NoExecute");

    @Override
    public void applyDefaults(ObjectNode obj) {
        if (obj.get("status") instanceof ObjectNode status && !Objects2.has(status, "allocatable") && status.get("capacity") instanceof ObjectNode c) {
            status.set("allocatable", c.deepCopy());
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        validateTaints(Objects2.list(obj.get("spec"), "taints"), errors);
        validatePodCidrs(Objects2.strings(obj.get("spec"), "podCIDRs"), errors);
        if (old != null) {
            validateUpdate(obj, old, errors);
        }
        return errors;
    }

    @Override
    public List<FieldError> validateStatus(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        validateUpdate(obj, old, errors);
        return errors;
    }

    private static void validateUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errors) {
        Set<JsonNode> seen = new HashSet<>();
        List<JsonNode> addresses = Objects2.list(obj.get("status"), "addresses");
        for (int i = 0; i < addresses.size(); i++) {
            if (!seen.add(addresses.get(i))) {
                errors.add(FieldError.duplicate("status.addresses[" + i + "]", addresses.get(i)));
            }
        }
        List<String> oldCidrs = Objects2.strings(old.get("spec"), "podCIDRs");
        if (!oldCidrs.isEmpty() && !oldCidrs.equals(Objects2.strings(obj.get("spec"), "podCIDRs"))) {
            errors.add(FieldError.forbidden("spec.podCIDRs",
                    "node updates may not change podCIDR except from \"\" to valid"));
        }
        String oldProvider = Objects2.text(old.get("spec"), "providerID");
        if (!oldProvider.isEmpty() && !oldProvider.equals(Objects2.text(obj.get("spec"), "providerID"))) {
            errors.add(FieldError.forbidden("spec.providerID",
                    "node updates may not change providerID except from \"\" to valid"));
        }
        if (!Objects2.text(old.get("spec"), "externalID").equals(Objects2.text(obj.get("spec"), "externalID"))) {
            errors.add(FieldError.forbidden("spec.externalID", "may not be updated"));
        }
    }

    /** kube validates spec.taints under the path {@code metadata.taints}; kept so messages match. */
    private static void validateTaints(List<JsonNode> taints, List<FieldError> errors) {
        Map<String, Set<String>> keysByEffect = new HashMap<>();
        for (int i = 0; i < taints.size(); i++) {
            JsonNode t = taints.get(i);
            String path = "metadata.taints[" + i + "]";
            String key = Objects2.text(t, "key");
            CoreChecks.qualifiedName(key, path + ".key", errors);
            String value = Objects2.text(t, "value");
            String v = io.cairn.apiserver.validation.Validators.checkLabelValue(value);
            if (v != null) {
                errors.add(FieldError.invalid(path + ".value", value, v));
            }
            String effect = Objects2.text(t, "effect");
            if (effect.isEmpty()) {
                errors.add(FieldError.required(path + ".effect", ""));
            } else if (!TAINT_EFFECTS.contains(effect)) {
                errors.add(FieldError.notSupported(path + ".effect", effect, TAINT_EFFECTS));
            }
            if (!keysByEffect.computeIfAbsent(effect, e -> new HashSet<>()).add(key)) {
                errors.add(new FieldError(FieldError.Type.DUPLICATE, path, t,
                        "taints must be unique by key and effect pair"));
            }
        }
    }

    private static void validatePodCidrs(List<String> cidrs, List<FieldError> errors) {
        int before = errors.size();
        for (int i = 0; i < cidrs.size(); i++) {
            CoreChecks.cidr(cidrs.get(i), "spec.podCIDRs[" + i + "]", errors);
        }
        if (cidrs.size() > 1 && errors.size() == before) {
            boolean dual = cidrs.size() == 2 && isV4Cidr(cidrs.get(0)) != isV4Cidr(cidrs.get(1));
            if (!dual) {
                errors.add(FieldError.invalid("spec.podCIDRs", CoreGoValue.strings(cidrs),
                        "may specify no more than one CIDR for each IP family"));
            }
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < cidrs.size(); i++) {
                if (!seen.add(cidrs.get(i))) {
                    errors.add(FieldError.duplicate("spec.podCIDRs[" + i + "]", cidrs.get(i)));
                }
            }
        }
    }

    private static boolean isV4Cidr(String cidr) {
        return CoreChecks.isIpv4(cidr.substring(0, cidr.indexOf('/')));
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Status", "string", "The status of the node"),
                TableColumn.of("Roles", "string", "The roles of the node"),
                TableColumn.ageColumn(),
                TableColumn.of("Version", "string", "Kubelet Version reported by the node."),
                TableColumn.wide("Internal-IP", "string", ADDRESSES_DOC),
                TableColumn.wide("External-IP", "string", ADDRESSES_DOC),
                TableColumn.wide("OS-Image", "string",
                        "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy))."),
                TableColumn.wide("Kernel-Version", "string",
                        "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."),
                TableColumn.wide("Container-Runtime", "string",
                        "ContainerRuntime Version reported by the node through runtime remote API (e.g. "
                                + "containerd://1.4.2)."));
    }

    private static final String ADDRESSES_DOC = "List of addresses reachable to the node. Queried from cloud provider, "
            + "if available. More info: https://kubernetes.io/docs/reference/node/node-status/#addresses";

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        JsonNode info = Objects2.at(obj, "status", "nodeInfo");
        return List.of(Objects2.name(obj), status(obj), roles(obj), Objects2.age(obj, now),
                Objects2.text(info, "kubeletVersion"),
                address(obj, "InternalIP"), address(obj, "ExternalIP"),
                orUnknown(Objects2.text(info, "osImage")), orUnknown(Objects2.text(info, "kernelVersion")),
                orUnknown(Objects2.text(info, "containerRuntimeVersion")));
    }

    /** {@code Ready}, {@code NotReady} or {@code Unknown}, then {@code SchedulingDisabled} when cordoned. */
    static String status(ObjectNode node) {
        String status = "Unknown";
        for (JsonNode c : Objects2.list(node.get("status"), "conditions")) {
            if (Objects2.text(c, "type").equals("Ready")) {
                status = Objects2.text(c, "status").equals("True") ? "Ready" : "NotReady";
            }
        }
        JsonNode unschedulable = Objects2.at(node, "spec", "unschedulable");
        return unschedulable != null && unschedulable.asBoolean() ? status + ",SchedulingDisabled" : status;
    }

    /** The sorted roles, comma-separated, or {@code <none>}. */
    static String roles(ObjectNode node) {
        Set<String> roles = new TreeSet<>();
        JsonNode labels = Objects2.at(node, "metadata", "labels");
        if (labels != null && labels.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = labels.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().startsWith(ROLE_PREFIX) && e.getKey().length() > ROLE_PREFIX.length()) {
                    roles.add(e.getKey().substring(ROLE_PREFIX.length()));
                } else if (e.getKey().equals("kubernetes.io/role") && !e.getValue().asText().isEmpty()) {
                    roles.add(e.getValue().asText());
                }
            }
        }
        return roles.isEmpty() ? "<none>" : String.join(",", roles);
    }

    private static String address(ObjectNode node, String type) {
        for (JsonNode a : Objects2.list(node.get("status"), "addresses")) {
            if (Objects2.text(a, "type").equals(type)) {
                return Objects2.text(a, "address");
            }
        }
        return "<none>";
    }

    private static String orUnknown(String s) {
        return s.isEmpty() ? "<unknown>" : s;
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("spec.unschedulable");
    }

    @Override
    public Optional<String> fieldValue(ObjectNode obj, String field) {
        if (!field.equals("spec.unschedulable")) {
            return Optional.empty();
        }
        JsonNode u = Objects2.at(obj, "spec", "unschedulable");
        return Optional.of(String.valueOf(u != null && u.asBoolean()));
    }
}
