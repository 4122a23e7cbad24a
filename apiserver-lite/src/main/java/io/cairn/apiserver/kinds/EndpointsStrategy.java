package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * core/v1 Endpoints (kube's {@code ValidateEndpoints}): every subset has ready or not-ready addresses, addresses are
 * IP literals outside the special ranges, ports are in range with a protocol (TCP by default) and a name when a subset
 * has several. Table: ENDPOINTS lists {@code ip:port} pairs, three at most, then {@code + N more...}.
 */
public final class EndpointsStrategy implements Strategy {

    @Override
    public void applyDefaults(ObjectNode obj) {
        for (JsonNode subset : Objects2.list(obj, "subsets")) {
            for (JsonNode p : Objects2.list(subset, "ports")) {
                if (p instanceof ObjectNode port && Objects2.text(port, "protocol").isEmpty()) {
                    port.put("protocol", "TCP");
                }
            }
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>();
        List<JsonNode> subsets = Objects2.list(obj, "subsets");
        for (int i = 0; i < subsets.size(); i++) {
            validateSubset(subsets.get(i), "subsets[" + i + "]", errors);
        }
        return errors;
    }

    private static void validateSubset(JsonNode subset, String path, List<FieldError> errors) {
        List<JsonNode> ready = Objects2.list(subset, "addresses");
        List<JsonNode> notReady = Objects2.list(subset, "notReadyAddresses");
        if (ready.isEmpty() && notReady.isEmpty()) {
            errors.add(FieldError.required(path, "must specify `addresses` or `notReadyAddresses`"));
        }
        for (int i = 0; i < ready.size(); i++) {
            validateAddress(ready.get(i), path + ".addresses[" + i + "]", errors);
        }
        for (int i = 0; i < notReady.size(); i++) {
            validateAddress(notReady.get(i), path + ".notReadyAddresses[" + i + "]", errors);
        }
        List<JsonNode> ports = Objects2.list(subset, "ports");
        for (int i = 0; i < ports.size(); i++) {
            validatePort(ports.get(i), ports.size() > 1, path + ".ports[" + i + "]", errors);
        }
    }

    private static void validateAddress(JsonNode address, String path, List<FieldError> errors) {
        String ip = Objects2.text(address, "ip");
        CoreChecks.validIp(ip, path + ".ip", errors);
        String hostname = Objects2.text(address, "hostname");
        if (!hostname.isEmpty()) {
            CoreChecks.dnsLabel(hostname, path + ".hostname", errors);
        }
        if (Objects2.has(address, "nodeName")) {
            CoreChecks.dnsSubdomain(Objects2.text(address, "nodeName"), path + ".nodeName", errors);
        }
        CoreChecks.nonSpecialIp(ip, path + ".ip", errors);
    }

    private static void validatePort(JsonNode port, boolean requireName, String path, List<FieldError> errors) {
        String name = Objects2.text(port, "name");
        if (requireName && name.isEmpty()) {
            errors.add(FieldError.required(path + ".name", ""));
        } else if (!name.isEmpty()) {
            CoreChecks.dnsLabel(name, path + ".name", errors);
        }
        CoreChecks.add(errors, CoreChecks.portNum(path + ".port", port.path("port").asLong()));
        CoreChecks.protocol(Objects2.text(port, "protocol"), path + ".protocol", errors);
        if (Objects2.has(port, "appProtocol")) {
            CoreChecks.qualifiedName(Objects2.text(port, "appProtocol"), path + ".appProtocol", errors);
        }
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Endpoints", "string", "The set of all endpoints is the union of all subsets. "
                        + "Addresses are placed into subsets according to the IPs they share."),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), endpoints(obj), Objects2.age(obj, now));
    }

    /** kubectl's {@code formatEndpoints}: ready addresses with each port, three at most. */
    static String endpoints(ObjectNode obj) {
        List<JsonNode> subsets = Objects2.list(obj, "subsets");
        if (subsets.isEmpty()) {
            return "<none>";
        }
        List<String> list = new ArrayList<>();
        int count = 0;
        for (JsonNode ss : subsets) {
            List<JsonNode> addresses = Objects2.list(ss, "addresses");
            List<JsonNode> ports = Objects2.list(ss, "ports");
            if (ports.isEmpty()) {
                count += addresses.size();
                for (JsonNode a : addresses) {
                    if (list.size() < 3) {
                        list.add(Objects2.text(a, "ip"));
                    }
                }
                continue;
            }
            for (JsonNode p : ports) {
                count += addresses.size();
                for (JsonNode a : addresses) {
                    if (list.size() < 3) {
                        list.add(hostPort(Objects2.text(a, "ip"), p.path("port").asInt()));
                    }
                }
            }
        }
        String shown = String.join(",", list);
        return count > 3 ? shown + " + " + (count - 3) + " more..." : shown;
    }

    /** Go's {@code net.JoinHostPort}: IPv6 hosts in brackets. */
    private static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
