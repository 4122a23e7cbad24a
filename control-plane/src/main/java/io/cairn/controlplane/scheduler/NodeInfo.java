package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.Quantity;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A node and the pods the scheduler counts on it (bound ones and assumed ones), with their sums: kube-scheduler's
 * {@code NodeInfo}. Changed only under the {@link SchedulerCache}'s lock.
 */
final class NodeInfo {
    final String name;
    ObjectNode node;
    /** Allocatable (capacity when absent): cpu in millicores, others in base units. */
    Map<String, Long> allocatable = Map.of();
    private Map<String, String> labels = Map.of();
    final Map<String, PodInfo> pods = new LinkedHashMap<>();
    final Map<String, Long> requested = new HashMap<>();
    long nonZeroCpu;
    long nonZeroMemory;

    NodeInfo(String name) {
        this.name = name;
    }

    void setNode(ObjectNode node) {
        this.node = node;
        JsonNode alloc = node.path("status").path("allocatable");
        if (alloc.isEmpty()) {
            alloc = node.path("status").path("capacity");
        }
        Map<String, Long> a = new HashMap<>();
        alloc.fields().forEachRemaining(e -> {
            try {
                a.put(e.getKey(), Quantity.of(e.getValue()).amountFor(e.getKey()));
            } catch (RuntimeException ignored) {
                // an unparseable quantity counts as none
            }
        });
        this.allocatable = a;
        Map<String, String> l = new HashMap<>();
        node.path("metadata").path("labels").fields().forEachRemaining(e -> l.put(e.getKey(), e.getValue().asText()));
        this.labels = java.util.Collections.unmodifiableMap(l);
    }

    long allocatable(String resource) {
        return allocatable.getOrDefault(resource, 0L);
    }

    long requested(String resource) {
        return requested.getOrDefault(resource, 0L);
    }

    /** The node's labels (read-only). */
    Map<String, String> labels() {
        return labels;
    }

    String label(String key) {
        return labels.get(key);
    }

    void add(PodInfo p) {
        if (pods.put(p.key, p) != null) {
            throw new IllegalStateException("pod counted twice on " + name + ": " + p.key);
        }
        p.requests.forEach((r, v) -> requested.merge(r, v, Long::sum));
        nonZeroCpu += p.nonZeroCpu;
        nonZeroMemory += p.nonZeroMemory;
    }

    void remove(String podKey) {
        PodInfo p = pods.remove(podKey);
        if (p != null) {
            p.requests.forEach((r, v) -> requested.merge(r, -v, Long::sum));
            nonZeroCpu -= p.nonZeroCpu;
            nonZeroMemory -= p.nonZeroMemory;
        }
    }
}
