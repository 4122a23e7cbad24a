package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.NameRule;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import io.cairn.apiserver.validation.Validators;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * core/v1 Service: v1 defaulting ({@code SetDefaults_Service}), kube's service strategy (cluster IP normalisation,
 * values kept across updates, fields dropped when the type changes) and {@code ValidateService} /
 * {@code ValidateServiceUpdate}.
 *
 * <p>Allocation is the registry's: this strategy never picks a cluster IP or node port. It only keeps
 * {@code spec.clusterIP} and {@code spec.clusterIPs} in step the way kube does (an old client that sets only the
 * singular field gets the plural one), keeps allocated values an update left out (a {@code kubectl replace} without
 * clusterIP), and refuses a change of an allocated cluster IP: {@code spec.clusterIPs[0]: Invalid value:
 * []string{"10.96.0.99"}: may not change once set}.
 *
 * <p>Cluster IP families: this server is single-stack; a service without {@code ipFamilies} gets the family of its
 * cluster IP (IPv4 when none is set yet) and {@code ipFamilyPolicy: SingleStack}, at create and when an update leaves
 * them out. The registry's allocator may overwrite both.
 */
public final class ServiceStrategy implements Strategy {

    static final String CLUSTER_IP = "ClusterIP";
    static final String NODE_PORT = "NodePort";
    static final String LOAD_BALANCER = "LoadBalancer";
    static final String EXTERNAL_NAME = "ExternalName";

    private static final List<String> TYPES = List.of(CLUSTER_IP, EXTERNAL_NAME, LOAD_BALANCER, NODE_PORT);
    private static final List<String> AFFINITIES = List.of("ClientIP", "None");
    private static final List<String> TRAFFIC_POLICIES = List.of("Cluster", "Local");
    /** {@code DefaultClientIPServiceAffinitySeconds}: three hours. */
    private static final int DEFAULT_AFFINITY_SECONDS = 10800;
    /** {@code MaxClientIPServiceAffinitySeconds}: one day. */
    private static final int MAX_AFFINITY_SECONDS = 86400;

    @Override
    public NameRule nameRule() {
        return NameRule.DNS1035_LABEL;
    }

    // ---- defaults and preparation --------------------------------------------------------------------------------

    @Override
    public void applyDefaults(ObjectNode obj) {
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        if (Objects2.text(spec, "sessionAffinity").isEmpty()) {
            spec.put("sessionAffinity", "None");
        }
        defaultAffinityConfig(spec);
        if (Objects2.text(spec, "type").isEmpty()) {
            spec.put("type", CLUSTER_IP);
        }
        for (JsonNode p : Objects2.list(spec, "ports")) {
            if (p instanceof ObjectNode port) {
                if (Objects2.text(port, "protocol").isEmpty()) {
                    port.put("protocol", "TCP");
                }
                JsonNode target = port.get("targetPort");
                if (target == null || target.isNull() || (target.isNumber() && target.asInt() == 0)
                        || (target.isTextual() && target.asText().isEmpty())) {
                    port.set("targetPort", port.get("port") == null ? port.numberNode(0) : port.get("port"));
                }
            }
        }
        String type = Objects2.text(spec, "type");
        if (externallyAccessible(spec) && Objects2.text(spec, "externalTrafficPolicy").isEmpty()) {
            spec.put("externalTrafficPolicy", "Cluster");
        }
        if (!Objects2.has(spec, "internalTrafficPolicy")
                && (type.equals(CLUSTER_IP) || type.equals(NODE_PORT) || type.equals(LOAD_BALANCER))) {
            spec.put("internalTrafficPolicy", "Cluster");
        }
        if (type.equals(LOAD_BALANCER) && !Objects2.has(spec, "allocateLoadBalancerNodePorts")) {
            spec.put("allocateLoadBalancerNodePorts", true);
        }
    }

    private static void defaultAffinityConfig(ObjectNode spec) {
        String affinity = Objects2.text(spec, "sessionAffinity");
        if (affinity.equals("None")) {
            spec.remove("sessionAffinityConfig");
        } else if (affinity.equals("ClientIP")
                && !Objects2.has(Objects2.at(spec, "sessionAffinityConfig", "clientIP"), "timeoutSeconds")) {
            spec.putObject("sessionAffinityConfig").putObject("clientIP")
                    .put("timeoutSeconds", DEFAULT_AFFINITY_SECONDS);
        }
    }

    @Override
    public void prepareForCreate(ObjectNode obj) {
        obj.putObject("status").putObject("loadBalancer");
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        normalizeClusterIps(spec, null);
        defaultIpFamilies(spec, null);
    }

    @Override
    public void prepareForUpdate(ObjectNode obj, ObjectNode old) {
        ObjectNode spec = Objects2.objectAt(obj, "spec");
        ObjectNode oldSpec = Objects2.objectAt(old.deepCopy(), "spec");
        patchAllocatedValues(spec, oldSpec);
        normalizeClusterIps(spec, oldSpec);
        dropTypeDependentFields(obj, spec, oldSpec);
        defaultIpFamilies(spec, oldSpec);
    }

    /** Keeps {@code clusterIP} and {@code clusterIPs} in step, as kube's {@code NormalizeClusterIPs}. */
    static void normalizeClusterIps(ObjectNode spec, ObjectNode oldSpec) {
        String ip = Objects2.text(spec, "clusterIP");
        List<String> ips = Objects2.strings(spec, "clusterIPs");
        if (oldSpec == null) {
            if (!ip.isEmpty() && ips.isEmpty()) {
                Objects2.array(spec, "clusterIPs", List.of(ip));
            }
            return;
        }
        String oldIp = Objects2.text(oldSpec, "clusterIP");
        List<String> oldIps = Objects2.strings(oldSpec, "clusterIPs");
        if (!oldIps.isEmpty() && ips.isEmpty() && oldIp.equals(ip)) {
            Objects2.array(spec, "clusterIPs", oldIps);
            ips = oldIps;
        }
        if (!oldIp.equals(ip) && ips.equals(oldIps)) {
            if (!oldIp.isEmpty() && ip.isEmpty()) {
                spec.remove("clusterIPs");
            } else {
                Objects2.array(spec, "clusterIPs", List.of(ip));
            }
        }
    }

    /** Values the registry allocated that an update left out are kept ({@code patchAllocatedValues}). */
    private static void patchAllocatedValues(ObjectNode spec, ObjectNode oldSpec) {
        if (needsClusterIp(oldSpec) && needsClusterIp(spec)) {
            if (Objects2.text(spec, "clusterIP").isEmpty() && !Objects2.text(oldSpec, "clusterIP").isEmpty()) {
                spec.put("clusterIP", Objects2.text(oldSpec, "clusterIP"));
            }
            if (Objects2.strings(spec, "clusterIPs").isEmpty() && !Objects2.strings(oldSpec, "clusterIPs").isEmpty()) {
                Objects2.array(spec, "clusterIPs", Objects2.strings(oldSpec, "clusterIPs"));
            }
        }
        if (needsNodePort(oldSpec) && needsNodePort(spec)) {
            Set<Integer> usedNew = nodePorts(spec);
            Map<String, Integer> byPort = new HashMap<>();
            for (JsonNode p : Objects2.list(oldSpec, "ports")) {
                byPort.put(portKey(p), p.path("nodePort").asInt());
            }
            for (JsonNode p : Objects2.list(spec, "ports")) {
                Integer np = byPort.get(portKey(p));
                if (p instanceof ObjectNode port && port.path("nodePort").asInt() == 0 && np != null && np != 0
                        && !usedNew.contains(np)) {
                    port.put("nodePort", np);
                }
            }
        }
        if (needsHealthCheck(oldSpec) && needsHealthCheck(spec) && spec.path("healthCheckNodePort").asInt() == 0
                && oldSpec.path("healthCheckNodePort").asInt() != 0) {
            spec.put("healthCheckNodePort", oldSpec.path("healthCheckNodePort").asInt());
        }
    }

    private static String portKey(JsonNode p) {
        String protocol = Objects2.text(p, "protocol");
        return p.path("port").asInt() + "/" + (protocol.isEmpty() ? "TCP" : protocol);
    }

    private static Set<Integer> nodePorts(ObjectNode spec) {
        Set<Integer> out = new HashSet<>();
        for (JsonNode p : Objects2.list(spec, "ports")) {
            if (p.path("nodePort").asInt() != 0) {
                out.add(p.path("nodePort").asInt());
            }
        }
        return out;
    }

    /** Fields a type change makes meaningless are dropped when the update did not touch them. */
    private static void dropTypeDependentFields(ObjectNode obj, ObjectNode spec, ObjectNode oldSpec) {
        if (needsClusterIp(oldSpec) && !needsClusterIp(spec)) {
            if (Objects2.same(spec.get("clusterIPs"), oldSpec.get("clusterIPs"))) {
                spec.remove("clusterIP");
                spec.remove("clusterIPs");
            }
            if (Objects2.same(spec.get("ipFamilies"), oldSpec.get("ipFamilies"))) {
                spec.remove("ipFamilies");
            }
            if (Objects2.same(spec.get("ipFamilyPolicy"), oldSpec.get("ipFamilyPolicy"))) {
                spec.remove("ipFamilyPolicy");
            }
        }
        if (needsNodePort(oldSpec) && !needsNodePort(spec) && nodePorts(spec).equals(nodePorts(oldSpec))) {
            Objects2.list(spec, "ports").forEach(p -> ((ObjectNode) p).remove("nodePort"));
        }
        if (needsHealthCheck(oldSpec) && !needsHealthCheck(spec)
                && Objects2.same(spec.get("healthCheckNodePort"), oldSpec.get("healthCheckNodePort"))) {
            spec.remove("healthCheckNodePort");
        }
        boolean wasLb = Objects2.text(oldSpec, "type").equals(LOAD_BALANCER);
        boolean isLb = Objects2.text(spec, "type").equals(LOAD_BALANCER);
        if (wasLb && !isLb) {
            if (Objects2.same(spec.get("allocateLoadBalancerNodePorts"), oldSpec.get("allocateLoadBalancerNodePorts"))) {
                spec.remove("allocateLoadBalancerNodePorts");
            }
            if (Objects2.same(spec.get("loadBalancerClass"), oldSpec.get("loadBalancerClass"))) {
                spec.remove("loadBalancerClass");
            }
        }
        if (externallyAccessible(oldSpec) && !externallyAccessible(spec)
                && Objects2.same(spec.get("externalTrafficPolicy"), oldSpec.get("externalTrafficPolicy"))) {
            spec.remove("externalTrafficPolicy");
        }
        if (!isLb && obj.get("status") instanceof ObjectNode status) {
            status.putObject("loadBalancer");
        }
    }

    /** A single-stack family and policy for every service that has a cluster IP (or will get one). */
    private static void defaultIpFamilies(ObjectNode spec, ObjectNode oldSpec) {
        if (!needsClusterIp(spec)) {
            return;
        }
        if (Objects2.strings(spec, "ipFamilies").isEmpty()) {
            List<String> old = oldSpec == null || !needsClusterIp(oldSpec) ? List.of()
                    : Objects2.strings(oldSpec, "ipFamilies");
            String ip = Objects2.text(spec, "clusterIP");
            Objects2.array(spec, "ipFamilies", !old.isEmpty() ? old
                    : List.of(CoreChecks.isIpv6(ip) ? "IPv6" : "IPv4"));
        }
        if (Objects2.text(spec, "ipFamilyPolicy").isEmpty()) {
            String old = oldSpec == null || !needsClusterIp(oldSpec) ? "" : Objects2.text(oldSpec, "ipFamilyPolicy");
            spec.put("ipFamilyPolicy", old.isEmpty() ? "SingleStack" : old);
        }
    }

    static boolean needsClusterIp(JsonNode spec) {
        String type = Objects2.text(spec, "type");
        return type.equals(CLUSTER_IP) || type.equals(NODE_PORT) || type.equals(LOAD_BALANCER);
    }

    static boolean needsNodePort(JsonNode spec) {
        String type = Objects2.text(spec, "type");
        return type.equals(NODE_PORT) || type.equals(LOAD_BALANCER);
    }

    static boolean externallyAccessible(JsonNode spec) {
        String type = Objects2.text(spec, "type");
        return type.equals(LOAD_BALANCER) || type.equals(NODE_PORT)
                || (type.equals(CLUSTER_IP) && Objects2.size(spec, "externalIPs") > 0);
    }

    static boolean needsHealthCheck(JsonNode spec) {
        return Objects2.text(spec, "type").equals(LOAD_BALANCER)
                && Objects2.text(spec, "externalTrafficPolicy").equals("Local");
    }

    static boolean isHeadless(JsonNode spec) {
        return Objects2.strings(spec, "clusterIPs").equals(List.of("None"));
    }

    // ---- validation ----------------------------------------------------------------------------------------------

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        ObjectNode spec = Objects2.objectAt(obj.deepCopy(), "spec");
        if (old != null) {
            ObjectNode oldSpec = Objects2.objectAt(old.deepCopy(), "spec");
            CoreServiceIpRules.validate(spec, oldSpec, errors);
        }
        validateTypeAndPorts(spec, errors);
        validateAffinity(spec, errors);
        CoreServiceIpRules.validateClusterIps(spec, errors);
        List<String> externalIps = Objects2.strings(spec, "externalIPs");
        for (int i = 0; i < externalIps.size(); i++) {
            String path = "spec.externalIPs[" + i + "]";
            if (CoreChecks.validIp(externalIps.get(i), path, errors)) {
                CoreChecks.nonSpecialIp(externalIps.get(i), path, errors);
            }
        }
        validateTypeDependent(obj, spec, errors);
        validateTrafficPolicies(spec, errors);
        return errors;
    }

    private static void validateTypeAndPorts(ObjectNode spec, List<FieldError> errors) {
        String type = Objects2.text(spec, "type");
        List<JsonNode> ports = Objects2.list(spec, "ports");
        if (ports.isEmpty() && !isHeadless(spec) && !type.equals(EXTERNAL_NAME)) {
            errors.add(FieldError.required("spec.ports", ""));
        }
        List<String> clusterIps = Objects2.strings(spec, "clusterIPs");
        if ((type.equals(LOAD_BALANCER) || type.equals(NODE_PORT)) && isHeadless(spec)) {
            errors.add(FieldError.invalid("spec.clusterIPs[0]", clusterIps.get(0),
                    "may not be set to 'None' for " + type + " services"));
        } else if (type.equals(EXTERNAL_NAME)) {
            if (!clusterIps.isEmpty()) {
                errors.add(FieldError.forbidden("spec.clusterIPs", "may not be set for ExternalName services"));
            }
            if (Objects2.size(spec, "ipFamilies") > 0) {
                errors.add(FieldError.forbidden("spec.ipFamilies", "may not be set for ExternalName services"));
            }
            if (Objects2.has(spec, "ipFamilyPolicy")) {
                errors.add(FieldError.forbidden("spec.ipFamilyPolicy", "may not be set for ExternalName services"));
            }
            String cname = Objects2.text(spec, "externalName");
            cname = cname.endsWith(".") ? cname.substring(0, cname.length() - 1) : cname;
            if (cname.isEmpty()) {
                errors.add(FieldError.required("spec.externalName", ""));
            } else {
                CoreChecks.dnsSubdomain(cname, "spec.externalName", errors);
            }
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            validatePort(ports.get(i), ports.size() > 1, names, "spec.ports[" + i + "]", errors);
        }
        if (spec.has("selector")) {
            errors.addAll(Validators.labels(spec.get("selector"), "spec.selector"));
        }
    }

    private static void validatePort(JsonNode port, boolean requireName, Set<String> names, String path,
                                     List<FieldError> errors) {
        String name = Objects2.text(port, "name");
        if (requireName && name.isEmpty()) {
            errors.add(FieldError.required(path + ".name", ""));
        } else if (!name.isEmpty()) {
            CoreChecks.dnsLabel(name, path + ".name", errors);
            if (!names.add(name)) {
                errors.add(FieldError.duplicate(path + ".name", name));
            }
        }
        CoreChecks.add(errors, CoreChecks.portNum(path + ".port", port.path("port").asLong()));
        CoreChecks.protocol(Objects2.text(port, "protocol"), path + ".protocol", errors);
        CoreChecks.portNumOrName(port.get("targetPort"), path + ".targetPort", errors);
        if (Objects2.has(port, "appProtocol")) {
            CoreChecks.qualifiedName(Objects2.text(port, "appProtocol"), path + ".appProtocol", errors);
        }
    }

    private static void validateAffinity(ObjectNode spec, List<FieldError> errors) {
        String affinity = Objects2.text(spec, "sessionAffinity");
        if (affinity.isEmpty()) {
            errors.add(FieldError.required("spec.sessionAffinity", ""));
        } else if (!AFFINITIES.contains(affinity)) {
            errors.add(FieldError.notSupported("spec.sessionAffinity", affinity, AFFINITIES));
        }
        JsonNode config = spec.get("sessionAffinityConfig");
        if (affinity.equals("ClientIP")) {
            JsonNode clientIp = config == null ? null : config.get("clientIP");
            JsonNode timeout = clientIp == null ? null : clientIp.get("timeoutSeconds");
            if (config == null || config.isNull()) {
                errors.add(FieldError.required("spec.sessionAffinityConfig", "when session affinity type is ClientIP"));
            } else if (clientIp == null || clientIp.isNull()) {
                errors.add(FieldError.required("spec.sessionAffinityConfig.clientIP",
                        "when session affinity type is ClientIP"));
            } else if (timeout == null || timeout.isNull()) {
                errors.add(FieldError.required("spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                        "when session affinity type is ClientIP"));
            } else if (timeout.asLong() <= 0 || timeout.asLong() > MAX_AFFINITY_SECONDS) {
                errors.add(FieldError.invalid("spec.sessionAffinityConfig.clientIP.timeoutSeconds", timeout.asLong(),
                        "must be greater than 0 and less than " + MAX_AFFINITY_SECONDS));
            }
        } else if (affinity.equals("None") && config != null && !config.isNull()) {
            errors.add(FieldError.forbidden("spec.sessionAffinityConfig",
                    "must not be set when session affinity is None"));
        }
    }

    private static void validateTypeDependent(ObjectNode obj, ObjectNode spec, List<FieldError> errors) {
        String type = Objects2.text(spec, "type");
        if (type.isEmpty()) {
            errors.add(FieldError.required("spec.type", ""));
        } else if (!TYPES.contains(type)) {
            errors.add(FieldError.notSupported("spec.type", type, TYPES));
        }
        List<JsonNode> ports = Objects2.list(spec, "ports");
        if (type.equals(CLUSTER_IP)) {
            for (int i = 0; i < ports.size(); i++) {
                if (ports.get(i).path("nodePort").asInt() != 0) {
                    errors.add(FieldError.forbidden("spec.ports[" + i + "].nodePort",
                            "may not be used when `type` is 'ClusterIP'"));
                }
            }
        }
        Set<String> nodePorts = new HashSet<>();
        Set<String> servicePorts = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            JsonNode p = ports.get(i);
            String protocol = Objects2.text(p, "protocol");
            int nodePort = p.path("nodePort").asInt();
            if (nodePort != 0 && !nodePorts.add(protocol + "/" + nodePort)) {
                errors.add(FieldError.duplicate("spec.ports[" + i + "].nodePort", nodePort));
            }
            int port = p.path("port").asInt();
            if (!servicePorts.add(protocol + "/" + port)) {
                errors.add(FieldError.duplicate("spec.ports[" + i + "]", new CoreGoValue("core.ServicePort{Name:\"\", "
                        + "Protocol:" + CoreGoValue.quote(protocol) + ", AppProtocol:(*string)(nil), Port:" + port
                        + ", TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:\"\"}, NodePort:0}")));
            }
        }
        validateLoadBalancerFields(obj, spec, type, errors);
    }

    private static void validateLoadBalancerFields(ObjectNode obj, ObjectNode spec, String type,
                                                   List<FieldError> errors) {
        boolean lb = type.equals(LOAD_BALANCER);
        List<String> ranges = Objects2.strings(spec, "loadBalancerSourceRanges");
        String rangesAnnotation = "service.beta.kubernetes.io/load-balancer-source-ranges";
        JsonNode annotation = Objects2.at(obj, "metadata", "annotations", rangesAnnotation);
        if (!ranges.isEmpty()) {
            // kube reports this field with a capital L; kept so that messages match.
            if (!lb) {
                errors.add(FieldError.forbidden("spec.LoadBalancerSourceRanges",
                        "may only be used when `type` is 'LoadBalancer'"));
            }
            for (int i = 0; i < ranges.size(); i++) {
                CoreChecks.cidr(ranges.get(i).trim(), "spec.LoadBalancerSourceRanges[" + i + "]", errors);
            }
        } else if (annotation != null && !annotation.isNull()) {
            String path = "metadata.annotations[" + rangesAnnotation + "]";
            if (!lb) {
                errors.add(FieldError.forbidden(path, "may only be used when `type` is 'LoadBalancer'"));
            }
            String val = annotation.asText().trim();
            if (!val.isEmpty()) {
                for (String cidr : val.split(",")) {
                    CoreChecks.cidr(cidr.trim(), path, errors);
                }
            }
        }
        if (Objects2.has(spec, "allocateLoadBalancerNodePorts") && !lb) {
            errors.add(FieldError.forbidden("spec.allocateLoadBalancerNodePorts",
                    "may only be used when `type` is 'LoadBalancer'"));
        }
        if (lb && !Objects2.has(spec, "allocateLoadBalancerNodePorts")) {
            // kube names this field from the root; kept so that messages match.
            errors.add(FieldError.required("allocateLoadBalancerNodePorts", ""));
        }
        if (Objects2.has(spec, "loadBalancerClass")) {
            if (lb) {
                CoreChecks.qualifiedName(Objects2.text(spec, "loadBalancerClass"), "spec.loadBalancerClass", errors);
            } else {
                errors.add(FieldError.forbidden("spec.loadBalancerClass",
                        "may only be used when `type` is 'LoadBalancer'"));
            }
        }
    }

    private static void validateTrafficPolicies(ObjectNode spec, List<FieldError> errors) {
        String etp = Objects2.text(spec, "externalTrafficPolicy");
        if (!externallyAccessible(spec)) {
            if (!etp.isEmpty()) {
                errors.add(FieldError.invalid("spec.externalTrafficPolicy", etp,
                        "may only be set for externally-accessible services"));
            }
        } else if (etp.isEmpty()) {
            errors.add(FieldError.required("spec.externalTrafficPolicy", ""));
        } else if (!TRAFFIC_POLICIES.contains(etp)) {
            errors.add(FieldError.notSupported("spec.externalTrafficPolicy", etp, TRAFFIC_POLICIES));
        }
        int hc = spec.path("healthCheckNodePort").asInt();
        if (!needsHealthCheck(spec) && hc != 0) {
            errors.add(FieldError.invalid("spec.healthCheckNodePort", hc,
                    "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"));
        } else if (hc != 0) {
            CoreChecks.add(errors, CoreChecks.portNum("spec.healthCheckNodePort", hc));
        }
        String itp = Objects2.text(spec, "internalTrafficPolicy");
        if (itp.isEmpty() && needsClusterIp(spec)) {
            errors.add(FieldError.required("spec.internalTrafficPolicy", ""));
        } else if (!itp.isEmpty() && !TRAFFIC_POLICIES.contains(itp)) {
            errors.add(FieldError.notSupported("spec.internalTrafficPolicy", itp, TRAFFIC_POLICIES));
        }
        if (Objects2.has(spec, "trafficDistribution")
                && !Objects2.text(spec, "trafficDistribution").equals("PreferClose")) {
            errors.add(FieldError.notSupported("spec.trafficDistribution", Objects2.text(spec, "trafficDistribution"),
                    List.of("PreferClose")));
        }
    }

    @Override
    public List<FieldError> validateStatus(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        List<JsonNode> ingress = Objects2.list(Objects2.at(obj, "status", "loadBalancer"), "ingress");
        for (int i = 0; i < ingress.size(); i++) {
            String path = "status.loadBalancer.ingress[" + i + "]";
            String ip = Objects2.text(ingress.get(i), "ip");
            if (!ip.isEmpty() && CoreChecks.parseIp(ip) == null) {
                errors.add(FieldError.invalid(path + ".ip", ip, "must be a valid IP address"));
            }
            String host = Objects2.text(ingress.get(i), "hostname");
            if (!host.isEmpty()) {
                CoreChecks.dnsSubdomain(host, path + ".hostname", errors);
                if (CoreChecks.parseIp(host) != null) {
                    errors.add(FieldError.invalid(path + ".hostname", host, "must be a DNS name, not an IP address"));
                }
            }
        }
        return errors;
    }

    // ---- table and field selectors -------------------------------------------------------------------------------

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Type", "string", "type determines how the Service is exposed. Defaults to ClusterIP. "
                        + "Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
                TableColumn.of("Cluster-IP", "string", "clusterIP is the IP address of the service and is usually "
                        + "assigned randomly."),
                TableColumn.of("External-IP", "string", "externalIPs is a list of IP addresses for which nodes in the "
                        + "cluster will also accept traffic for this service."),
                TableColumn.of("Port(s)", "string", "The list of ports that are exposed by this service."),
                TableColumn.ageColumn(),
                TableColumn.wide("Selector", "string", "Route service traffic to pods with label keys and values "
                        + "matching this selector."));
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        JsonNode spec = obj.path("spec");
        List<String> clusterIps = Objects2.strings(spec, "clusterIPs");
        String ports = portString(Objects2.list(spec, "ports"));
        return List.of(Objects2.name(obj), Objects2.text(spec, "type"),
                clusterIps.isEmpty() ? "<none>" : clusterIps.get(0), externalIp(obj),
                ports.isEmpty() ? "<none>" : ports, Objects2.age(obj, now), selector(spec.get("selector")));
    }

    /** {@code 80/TCP}, {@code 80:30080/TCP}, comma-separated. */
    static String portString(List<JsonNode> ports) {
        List<String> pieces = new ArrayList<>();
        for (JsonNode p : ports) {
            int nodePort = p.path("nodePort").asInt();
            pieces.add(p.path("port").asInt() + (nodePort > 0 ? ":" + nodePort : "") + "/"
                    + Objects2.text(p, "protocol"));
        }
        return String.join(",", pieces);
    }

    /** The EXTERNAL-IP cell: external IPs, the load balancer's ingress, {@code <pending>}, or the external name. */
    static String externalIp(ObjectNode svc) {
        JsonNode spec = svc.path("spec");
        List<String> external = Objects2.strings(spec, "externalIPs");
        switch (Objects2.text(spec, "type")) {
            case CLUSTER_IP, NODE_PORT -> {
                return external.isEmpty() ? "<none>" : String.join(",", external);
            }
            case LOAD_BALANCER -> {
                Set<String> lb = new TreeSet<>();
                for (JsonNode in : Objects2.list(Objects2.at(svc, "status", "loadBalancer"), "ingress")) {
                    String ip = Objects2.text(in, "ip");
                    String host = Objects2.text(in, "hostname");
                    if (!ip.isEmpty()) {
                        lb.add(ip);
                    } else if (!host.isEmpty()) {
                        lb.add(host);
                    }
                }
                List<String> all = new ArrayList<>(lb);
                all.addAll(external);
                return all.isEmpty() ? "<pending>" : String.join(",", all);
            }
            case EXTERNAL_NAME -> {
                return Objects2.text(spec, "externalName");
            }
            default -> {
                return "<unknown>";
            }
        }
    }

    /** {@code labels.FormatLabels}: sorted {@code k=v} pairs, {@code <none>} when empty. */
    static String selector(JsonNode selector) {
        if (selector == null || !selector.isObject() || selector.isEmpty()) {
            return "<none>";
        }
        Map<String, String> sorted = new TreeMap<>();
        selector.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue().asText()));
        List<String> pairs = new ArrayList<>();
        sorted.forEach((k, v) -> pairs.add(k + "=" + v));
        return String.join(",", pairs);
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("spec.clusterIP", "spec.type");
    }

    @Override
    public Optional<String> fieldValue(ObjectNode obj, String field) {
        return switch (field) {
            case "spec.clusterIP" -> Optional.of(Objects2.text(obj, "spec", "clusterIP"));
            case "spec.type" -> Optional.of(Objects2.text(obj, "spec", "type"));
            default -> Optional.empty();
        };
    }
}
