package io.cairn.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Objects;

/**
 * JSON merge patch (RFC 7386, {@code application/merge-patch+json}): what kube-apiserver applies for
 * {@code kubectl patch --type=merge}, {@code kubectl scale} (on {@code /scale}) and for custom resources. An object in
 * the patch is merged key by key into the target, {@code null} deletes a key, anything else (a list, a scalar, or an
 * object where the target has none) replaces the target's value.
 *
 * <p>Pure: neither argument is modified; the result shares no nodes with them.
 */
public final class MergePatch {
    private MergePatch() {
    }

    /** The target with the patch applied (RFC 7386 §2, MergePatch(Target, Patch)). */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        Objects.requireNonNull(patch, "patch");
        if (!patch.isObject()) {
            return patch.deepCopy();
        }
        ObjectNode result = target != null && target.isObject() ? ((ObjectNode) target).deepCopy()
                : JsonNodeFactory.instance.objectNode();
        mergeInto(result, (ObjectNode) patch);
        return result;
    }

    /** Merges {@code patch} into {@code owned}, which belongs to the result and may be modified. */
    private static void mergeInto(ObjectNode owned, ObjectNode patch) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode value = e.getValue();
            if (value.isNull()) {
                owned.remove(e.getKey());
            } else if (value.isObject()) {
                JsonNode current = owned.get(e.getKey());
                ObjectNode child = current != null && current.isObject() ? (ObjectNode) current
                        : JsonNodeFactory.instance.objectNode();
                mergeInto(child, (ObjectNode) value);
                owned.set(e.getKey(), child);
            } else {
                owned.set(e.getKey(), value.deepCopy());
            }
        }
    }
}
