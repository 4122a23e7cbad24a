package io.cairn.apiserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.patch.JsonPatch;
import io.cairn.apiserver.patch.MergePatch;
import io.cairn.apiserver.patch.PatchSchemas;
import io.cairn.apiserver.patch.StrategicMergePatch;
import io.cairn.apiserver.registry.Options.PatchType;
import io.cairn.apiserver.registry.ResourceType;

/** The registry's patcher: JSON patch, merge patch, and strategic merge patch where the kind has a patch schema. */
final class PatchApplier {
    private PatchApplier() {
    }

    static ObjectNode apply(ResourceType type, ObjectNode current, PatchType patchType, JsonNode patch) {
        JsonNode out = switch (patchType) {
            case JSON -> JsonPatch.apply(current, patch);
            case MERGE -> MergePatch.apply(current, patch);
            case STRATEGIC -> StrategicMergePatch.apply(current, patch,
                    PatchSchemas.forKind(type.apiVersion(), type.kind()).orElseThrow(() ->
                            ApiException.unsupportedMediaType("strategic merge patch is not supported for "
                                    + type.qualifiedResource() + ": use a JSON merge patch or a JSON patch")));
            case APPLY -> throw ApiException.unsupportedMediaType("server-side apply is not served yet");
        };
        if (!(out instanceof ObjectNode o)) {
            throw new ApiException(422, "Invalid", "the patch did not produce an object", null);
        }
        return o;
    }
}
