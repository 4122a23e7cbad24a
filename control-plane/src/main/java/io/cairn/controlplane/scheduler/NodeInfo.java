package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
                a.put(e.getKey(), Quantity.amount(e.getKey(), e.getValue().asText()));
            } catch (RuntimeException ignored) {
                // an unparseable quantity counts as none
            }
        });
        this.allocatable = a;
    }

    long allocatable(String resource) {
        return allocatable.getOrDefault(resource, 0L);
    }

    long requested(String resource) {
        return requested.getOrDefault(resource, 0L);
    }

    Map<String, String> labels() {
        Map<String, String> labels = new HashMap<>();
        if (node != null) {
            node.path("metadata").path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        }
        return labels;
    }

    String label(String key) {
        JsonNode v = node == null ? null : node.path("metadata").path("labels").get(key);
        return v == null ? null : v.asText();
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
