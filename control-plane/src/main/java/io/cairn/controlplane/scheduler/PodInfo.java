package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.Quantity;
import io.cairn.controlplane.informer.Store;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the scheduler needs of a pod, computed once: its requests, host ports and controller.
 *
 * <p>Requests (kube-scheduler's {@code computePodResourceRequest}): per resource,
 * {@code max(sum over containers, max over init containers) + overhead}; restartable init containers (sidecars)
 * are not treated specially. For scoring, a container without a cpu or memory request counts as 100m cpu and
 * 200Mi memory ({@code GetNonzeroRequests}).
 */
final class PodInfo {
    static final long DEFAULT_MILLI_CPU = 100;
    static final long DEFAULT_MEMORY = 200L * 1024 * 1024;

    /** A host port: protocol, host IP (0.0.0.0 when empty) and port. */
    record HostPort(String protocol, String ip, int port) {
        boolean conflicts(HostPort o) {
            return port == o.port && protocol.equals(o.protocol)
                    && (ip.equals(o.ip) || ip.equals("0.0.0.0") || o.ip.equals("0.0.0.0"));
        }
    }

    final ObjectNode pod;
    final String key;
    final String namespace;
    final String name;
    final Map<String, Long> requests;
    final long nonZeroCpu;
    final long nonZeroMemory;
    final List<HostPort> hostPorts;
    /** The uid of the controlling owner, or null. */
    final String controllerUid;

    PodInfo(ObjectNode pod) {
        this.pod = pod;
        this.key = Store.keyOf(pod);
        this.namespace = pod.path("metadata").path("namespace").asText("");
        this.name = pod.path("metadata").path("name").asText("");
        JsonNode spec = pod.path("spec");
        Map<String, Long> sum = new HashMap<>();
        long nzCpu = 0;
        long nzMem = 0;
        List<HostPort> ports = new ArrayList<>();
        for (JsonNode c : spec.path("containers")) {
            JsonNode req = c.path("resources").path("requests");
            req.fields().forEachRemaining(e -> sum.merge(e.getKey(), Quantity.of(e.getValue()).amountFor(e.getKey()), Long::sum));
            nzCpu += req.has("cpu") ? Quantity.of(req.get("cpu")).amountFor("cpu") : DEFAULT_MILLI_CPU;
            nzMem += req.has("memory") ? Quantity.of(req.get("memory")).amountFor("memory") : DEFAULT_MEMORY;
            for (JsonNode p : c.path("ports")) {
                int hp = p.path("hostPort").asInt(0);
                if (hp > 0) {
                    String ip = p.path("hostIP").asText("");
                    ports.add(new HostPort(p.path("protocol").asText("TCP"), ip.isEmpty() ? "0.0.0.0" : ip, hp));
                }
            }
        }
        long initNzCpu = 0;
        long initNzMem = 0;
        for (JsonNode c : spec.path("initContainers")) {
            JsonNode req = c.path("resources").path("requests");
            req.fields().forEachRemaining(e -> sum.merge(e.getKey(), Quantity.of(e.getValue()).amountFor(e.getKey()), Math::max));
            initNzCpu = Math.max(initNzCpu, req.has("cpu") ? Quantity.of(req.get("cpu")).amountFor("cpu") : 0);
            initNzMem = Math.max(initNzMem, req.has("memory") ? Quantity.of(req.get("memory")).amountFor("memory") : 0);
        }
        nzCpu = Math.max(nzCpu, initNzCpu);
        nzMem = Math.max(nzMem, initNzMem);
        JsonNode overhead = spec.path("overhead");
        overhead.fields().forEachRemaining(e -> sum.merge(e.getKey(), Quantity.of(e.getValue()).amountFor(e.getKey()), Long::sum));
        if (overhead.has("cpu")) {
            nzCpu += Quantity.of(overhead.get("cpu")).amountFor("cpu");
        }
        if (overhead.has("memory")) {
            nzMem += Quantity.of(overhead.get("memory")).amountFor("memory");
        }
        // kube-scheduler's order: cpu, memory, ephemeral-storage, then the others by name
        Map<String, Long> ordered = new java.util.LinkedHashMap<>();
        for (String r : List.of("cpu", "memory", "ephemeral-storage")) {
            if (sum.containsKey(r)) {
                ordered.put(r, sum.remove(r));
            }
        }
        new java.util.TreeMap<>(sum).forEach(ordered::put);
        this.requests = java.util.Collections.unmodifiableMap(ordered);
        this.nonZeroCpu = nzCpu;
        this.nonZeroMemory = nzMem;
        this.hostPorts = List.copyOf(ports);
        String owner = null;
        for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
            if (ref.path("controller").asBoolean(false)) {
                owner = ref.path("uid").asText(null);
            }
        }
        this.controllerUid = owner;
    }

    JsonNode spec() {
        return pod.path("spec");
    }

    long request(String resource) {
        return requests.getOrDefault(resource, 0L);
    }
}
