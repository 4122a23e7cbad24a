package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import io.cairn.apiserver.validation.Validators;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * discovery.k8s.io/v1 EndpointSlice (kube's {@code ValidateEndpointSlice}): {@code addressType} is required, one of
 * IPv4, IPv6, FQDN and never changes; every endpoint has 1–100 addresses of that type; at most 1000 endpoints and 100
 * ports; port names are DNS labels and unique, protocols default to TCP. Table: ADDRESSTYPE, PORTS (numbers, three at
 * most), ENDPOINTS (addresses, three at most).
 */
public final class EndpointSliceStrategy implements Strategy {

    private static final List<String> ADDRESS_TYPES = List.of("FQDN", "IPv4", "IPv6");
    private static final int MAX_ADDRESSES = 100;
    private static final int MAX_PORTS = 100;
    private static final int MAX_ENDPOINTS = 1000;
    private static final int MAX_TOPOLOGY_LABELS = 16;

    @Override
    public void applyDefaults(ObjectNode obj) {
        for (JsonNode p : Objects2.list(obj, "ports")) {
            if (p instanceof ObjectNode port) {
                if (!Objects2.has(port, "name")) {
                    port.put("name", "");
                }
                if (!Objects2.has(port, "protocol")) {
                    port.put("protocol", "TCP");
                }
            }
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        String addressType = Objects2.text(obj, "addressType");
        if (addressType.isEmpty()) {
            errors.add(FieldError.required("addressType", ""));
        } else if (!ADDRESS_TYPES.contains(addressType) && !(old != null && addressType.equals("IP"))) {
            errors.add(FieldError.notSupported("addressType", addressType, ADDRESS_TYPES));
        }
        validateEndpoints(Objects2.list(obj, "endpoints"), addressType, errors);
        validatePorts(Objects2.list(obj, "ports"), errors);
        if (old != null) {
            CoreChecks.immutable(obj.get("addressType"), old.get("addressType"), "addressType", errors);
        }
        return errors;
    }

    private static void validateEndpoints(List<JsonNode> endpoints, String addressType, List<FieldError> errors) {
        if (endpoints.size() > MAX_ENDPOINTS) {
            errors.add(tooMany("endpoints", endpoints.size(), MAX_ENDPOINTS));
            return;
        }
        for (int i = 0; i < endpoints.size(); i++) {
            JsonNode ep = endpoints.get(i);
            String path = "endpoints[" + i + "]";
            List<String> addresses = Objects2.strings(ep, "addresses");
            if (addresses.isEmpty()) {
                errors.add(FieldError.required(path + ".addresses", "must contain at least 1 address"));
            } else if (addresses.size() > MAX_ADDRESSES) {
                errors.add(tooMany(path + ".addresses", addresses.size(), MAX_ADDRESSES));
            }
            for (int j = 0; j < addresses.size(); j++) {
                validateAddress(addresses.get(j), addressType, path + ".addresses[" + j + "]", errors);
            }
            if (Objects2.size(ep, "deprecatedTopology") > MAX_TOPOLOGY_LABELS) {
                errors.add(tooMany(path + ".deprecatedTopology", Objects2.size(ep, "deprecatedTopology"),
                        MAX_TOPOLOGY_LABELS));
            }
            errors.addAll(Validators.labels(ep.get("deprecatedTopology"), path + ".deprecatedTopology"));
            if (Objects2.has(ep, "hostname")) {
                CoreChecks.dnsLabel(Objects2.text(ep, "hostname"), path + ".hostname", errors);
            }
            if (Objects2.has(ep, "nodeName")) {
                CoreChecks.dnsSubdomain(Objects2.text(ep, "nodeName"), path + ".nodeName", errors);
            }
        }
    }

    private static void validateAddress(String address, String addressType, String path, List<FieldError> errors) {
        switch (addressType) {
            case "IPv4" -> {
                if (!CoreChecks.isIpv4(address)) {
                    errors.add(FieldError.invalid(path, address, "must be a valid IPv4 address"));
                }
                CoreChecks.nonSpecialIp(address, path, errors);
            }
            case "IPv6" -> {
                if (!CoreChecks.isIpv6(address)) {
                    errors.add(FieldError.invalid(path, address, "must be a valid IPv6 address"));
                }
                CoreChecks.nonSpecialIp(address, path, errors);
            }
            case "FQDN" -> {
                String msg = Validators.checkDns1123Subdomain(address);
                if (msg != null) {
                    errors.add(FieldError.invalid(path, address, msg));
                } else if (address.split("\\.").length < 2) {
                    errors.add(FieldError.invalid(path, address,
                            "should be a domain with at least two segments separated by dots"));
                }
            }
            default -> {
            }
        }
    }

    private static void validatePorts(List<JsonNode> ports, List<FieldError> errors) {
        if (ports.size() > MAX_PORTS) {
            errors.add(tooMany("ports", ports.size(), MAX_PORTS));
            return;
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < ports.size(); i++) {
            JsonNode port = ports.get(i);
            String path = "ports[" + i + "]";
            String name = Objects2.text(port, "name");
            if (!name.isEmpty()) {
                CoreChecks.dnsLabel(name, path + ".name", errors);
            }
            if (!names.add(name)) {
                errors.add(FieldError.duplicate(path + ".name", name));
            }
            CoreChecks.protocol(Objects2.text(port, "protocol"), path + ".protocol", errors);
            if (Objects2.has(port, "appProtocol")) {
                CoreChecks.qualifiedName(Objects2.text(port, "appProtocol"), path + ".appProtocol", errors);
            }
        }
    }

    private static FieldError tooMany(String path, int count, int max) {
        return new FieldError(FieldError.Type.TOO_MANY, path, count, "must have at most " + max + " items");
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("AddressType", "string", "addressType specifies the type of address carried by this "
                        + "EndpointSlice. All addresses in this slice must be the same type."),
                TableColumn.of("Ports", "string", "ports specifies the list of network ports exposed by each endpoint "
                        + "in this slice."),
                TableColumn.of("Endpoints", "string", "endpoints is a list of unique endpoints in this slice."),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        List<String> ports = new ArrayList<>();
        for (JsonNode p : Objects2.list(obj, "ports")) {
            ports.add(Objects2.has(p, "port") ? String.valueOf(p.get("port").asInt())
                    : Objects2.has(p, "name") ? Objects2.text(p, "name") : "*");
        }
        List<String> addresses = new ArrayList<>();
        for (JsonNode ep : Objects2.list(obj, "endpoints")) {
            addresses.addAll(Objects2.strings(ep, "addresses"));
        }
        return List.of(Objects2.name(obj), Objects2.text(obj, "addressType"), CoreTables.listWithMore(ports),
                CoreTables.listWithMore(addresses), Objects2.age(obj, now));
    }
}
