package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import java.util.List;

/**
 * The {@code scale} subresource of deployments and replica sets: the autoscaling/v1 {@code Scale} view of an object
 * ({@code spec.replicas}, {@code status.replicas} and the selector as a string, which is what {@code kubectl scale}
 * and the HPA read) and the write back of a Scale's {@code spec.replicas} into the object.
 */
public final class WorkloadScale {
    private WorkloadScale() {
    }

    /** The Scale of {@code obj}: metadata (name, namespace, uid, resourceVersion, creationTimestamp) and replicas. */
    public static ObjectNode toScale(ObjectNode obj) {
        ObjectNode scale = JsonNodeFactory.instance.objectNode();
        scale.put("kind", "Scale");
        scale.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = scale.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            String v = Objects2.text(obj, "metadata", f);
            if (!v.isEmpty()) {
                meta.put(f, v);
            }
        }
        scale.putObject("spec").put("replicas", obj.path("spec").path("replicas").asInt(0));
        ObjectNode status = scale.putObject("status");
        status.put("replicas", obj.path("status").path("replicas").asInt(0));
        status.put("selector", WorkloadSelectors.format(obj.path("spec").get("selector")));
        return scale;
    }

    /**
     * Writes {@code scale.spec.replicas} into {@code obj}.
     *
     * @throws ApiException 422 (kind Scale, group autoscaling) when the replicas are negative or not a number
     */
    public static void applyScale(ObjectNode obj, ObjectNode scale) {
        JsonNode replicas = scale.path("spec").get("replicas");
        long value = replicas == null || replicas.isNull() ? 0 : replicas.asLong();
        if (replicas != null && !replicas.isNull() && (!replicas.isIntegralNumber() || !replicas.canConvertToInt())) {
            throw ApiException.invalid("Scale", "autoscaling", Objects2.name(scale),
                    List.of(FieldError.invalid("spec.replicas", replicas, "must be a 32-bit integer")));
        }
        if (value < 0) {
            throw ApiException.invalid("Scale", "autoscaling", Objects2.name(scale),
                    List.of(FieldError.invalid("spec.replicas", value, WorkloadSpecs.NOT_NEGATIVE)));
        }
        PodTemplates.child(obj, "spec").put("replicas", (int) value);
    }
}
