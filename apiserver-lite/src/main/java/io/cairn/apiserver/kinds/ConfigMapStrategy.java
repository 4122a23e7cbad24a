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
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * core/v1 ConfigMap (kube's {@code ValidateConfigMap} and {@code ValidateConfigMapUpdate}): keys of {@code data} and
 * {@code binaryData} are config keys and unique across both maps, the whole holds at most 1 MiB, and once
 * {@code immutable: true} is stored neither the flag nor the data may change. {@code binaryData} values are base64;
 * a value that is not is a 400, as kube-apiserver answers while decoding ({@link CoreBase64}).
 */
public final class ConfigMapStrategy implements Strategy {

    /** {@code MaxSecretSize}, which also bounds a ConfigMap: 1 MiB. */
    static final int MAX_SIZE_BYTES = 1024 * 1024;

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        CoreBase64.requireBase64Values(obj.get("binaryData"), "ConfigMap");
        List<FieldError> errors = new ArrayList<>();
        if (old != null) {
            validateUpdate(obj, old, errors);
        }
        JsonNode data = obj.get("data");
        JsonNode binary = obj.get("binaryData");
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = fields(data); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            checkKey(e.getKey(), "data[" + e.getKey() + "]", errors);
            if (binary != null && binary.has(e.getKey())) {
                errors.add(FieldError.invalid("data[" + e.getKey() + "]", e.getKey(),
                        "duplicate of key present in binaryData"));
            }
            total += e.getValue().asText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = fields(binary); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            checkKey(e.getKey(), "binaryData[" + e.getKey() + "]", errors);
            total += CoreBase64.decodedLength(e.getValue().asText());
        }
        if (total > MAX_SIZE_BYTES) {
            errors.add(FieldError.tooLong("", "", MAX_SIZE_BYTES));
        }
        return errors;
    }

    private static void validateUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errors) {
        JsonNode wasImmutable = old.get("immutable");
        if (wasImmutable == null || !wasImmutable.asBoolean()) {
            return;
        }
        JsonNode immutable = obj.get("immutable");
        if (immutable == null || !immutable.asBoolean()) {
            errors.add(FieldError.forbidden("immutable", CoreChecks.IMMUTABLE_WHEN_SET));
        }
        if (!sameMap(obj.get("data"), old.get("data"))) {
            errors.add(FieldError.forbidden("data", CoreChecks.IMMUTABLE_WHEN_SET));
        }
        if (!sameMap(obj.get("binaryData"), old.get("binaryData"))) {
            errors.add(FieldError.forbidden("binaryData", CoreChecks.IMMUTABLE_WHEN_SET));
        }
    }

    /** Go's {@code reflect.DeepEqual} of two maps as decoded: absent and null are the same, empty is not. */
    static boolean sameMap(JsonNode a, JsonNode b) {
        return Objects2.same(a, b);
    }

    static void checkKey(String key, String path, List<FieldError> errors) {
        String msg = Validators.checkConfigMapKey(key);
        if (msg != null) {
            errors.add(FieldError.invalid(path, key, msg));
        }
    }

    static Iterator<Map.Entry<String, JsonNode>> fields(JsonNode map) {
        return map != null && map.isObject() ? map.fields() : java.util.Collections.emptyIterator();
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Data", "string", "Data contains the configuration data. Each key must consist of "
                        + "alphanumeric characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
                        + "BinaryData field. The keys stored in Data must not overlap with the keys in the BinaryData "
                        + "field, this is enforced during validation process."),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), (long) (Objects2.size(obj, "data") + Objects2.size(obj, "binaryData")),
                Objects2.age(obj, now));
    }
}
