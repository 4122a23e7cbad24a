package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.ApiException;
import java.util.Arrays;
import java.util.List;

/**
 * Where a kind's {@code scale} subresource (autoscaling/v1 Scale) finds its numbers: the desired replicas (written by a
 * scale), the observed replicas, and the label selector (a selector object, as a Deployment's {@code spec.selector}, or
 * a string in label-selector syntax, as a custom resource's {@code labelSelectorPath} names). Paths are field names
 * from the object's root; an empty selector path means the Scale has none.
 */
public record ScalePaths(List<String> specReplicas, List<String> statusReplicas, List<String> selector) {
    /** Deployments, ReplicaSets and StatefulSets. */
    public static final ScalePaths WORKLOADS = new ScalePaths(List.of("spec", "replicas"), List.of("status", "replicas"),
            List.of("spec", "selector"));

    /**
     * From a CustomResourceDefinition's {@code .spec.replicas}-style paths; {@code selectorPath} may be null or
     * empty.
     */
    public static ScalePaths of(String specReplicasPath, String statusReplicasPath, String selectorPath) {
        return new ScalePaths(segments(specReplicasPath), segments(statusReplicasPath),
                selectorPath == null || selectorPath.isEmpty() ? List.of() : segments(selectorPath));
    }

    /** {@code .spec.replicas} → [spec, replicas]; only simple field paths are allowed, as kube-apiserver requires. */
    public static List<String> segments(String path) {
        if (path == null || !path.matches("(\\.[A-Za-z0-9_-]+)+")) {
            throw ApiException.badRequest("not a simple field path: " + path);
        }
        return Arrays.asList(path.substring(1).split("\\."));
    }

    /** The replicas at {@code path} of {@code obj}, 0 when absent. */
    public static long replicas(JsonNode obj, List<String> path) {
        JsonNode n = Objects2.at(obj, path.toArray(String[]::new));
        return n == null || !n.canConvertToLong() ? 0 : n.asLong();
    }

    /** The selector as a Scale's {@code status.selector} string ("" when there is none). */
    public String selectorOf(JsonNode obj) {
        if (selector.isEmpty()) {
            return "";
        }
        JsonNode n = Objects2.at(obj, selector.toArray(String[]::new));
        if (n == null || n.isNull()) {
            return "";
        }
        return n.isTextual() ? n.asText() : LabelSelector.format(n);
    }
}
