package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * core/v1 Secret (kube's {@code ValidateSecret} and {@code ValidateSecretUpdate}).
 *
 * <p>{@code stringData} is write-only: as kube's v1 conversion does, its entries are base64-encoded into {@code data}
 * (overwriting the same keys) and the field is dropped before anything is stored. {@code type} defaults to
 * {@code Opaque} and never changes. {@code data} values must be base64: a value that is not is a 400 with
 * kube-apiserver's decode message ({@code Secret in version "v1" cannot be handled as a Secret: illegal base64 data at
 * input byte 4}), thrown from {@link #validate}. Keys are config keys, the data holds at most 1 MiB, and the well-known
 * types require their keys ({@code tls.crt}/{@code tls.key}, {@code .dockerconfigjson}, ...).
 */
public final class SecretStrategy implements Strategy {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SA_NAME_ANNOTATION = "kubernetes.io/service-account.name";

    @Override
    public void applyDefaults(ObjectNode obj) {
        JsonNode stringData = obj.remove("stringData");
        if (stringData != null && stringData.isObject() && !stringData.isEmpty()) {
            ObjectNode data = Objects2.objectAt(obj, "data");
            stringData.fields().forEachRemaining(e -> data.put(e.getKey(),
                    Base64.getEncoder().encodeToString(e.getValue().asText().getBytes(StandardCharsets.UTF_8))));
        }
        if (Objects2.text(obj, "type").isEmpty()) {
            obj.put("type", "Opaque");
        }
    }

    @Override
    public List<FieldError> validate(ObjectNode obj, ObjectNode old) {
        CoreBase64.requireBase64Values(obj.get("data"), "Secret");
        List<FieldError> errors = new ArrayList<>();
        if (old != null) {
            validateUpdate(obj, old, errors);
        }
        JsonNode data = obj.get("data");
        long total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = ConfigMapStrategy.fields(data); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ConfigMapStrategy.checkKey(e.getKey(), "data[" + e.getKey() + "]", errors);
            total += CoreBase64.decodedLength(e.getValue().asText());
        }
        if (total > ConfigMapStrategy.MAX_SIZE_BYTES) {
            errors.add(FieldError.tooLong("data", "", ConfigMapStrategy.MAX_SIZE_BYTES));
        }
        validateType(obj, errors);
        return errors;
    }

    private static void validateUpdate(ObjectNode obj, ObjectNode old, List<FieldError> errors) {
        CoreChecks.immutable(obj.get("type"), old.get("type"), "type", errors);
        JsonNode wasImmutable = old.get("immutable");
        if (wasImmutable != null && wasImmutable.asBoolean()) {
            JsonNode immutable = obj.get("immutable");
            if (immutable == null || !immutable.asBoolean()) {
                errors.add(FieldError.forbidden("immutable", CoreChecks.IMMUTABLE_WHEN_SET));
            }
            if (!ConfigMapStrategy.sameMap(obj.get("data"), old.get("data"))) {
                errors.add(FieldError.forbidden("data", CoreChecks.IMMUTABLE_WHEN_SET));
            }
        }
    }

    /** The keys each well-known secret type requires. */
    private static void validateType(ObjectNode obj, List<FieldError> errors) {
        JsonNode data = obj.get("data");
        switch (Objects2.text(obj, "type")) {
            case "kubernetes.io/service-account-token" -> {
                if (Objects2.text(obj, "metadata", "annotations", SA_NAME_ANNOTATION).isEmpty()) {
                    errors.add(FieldError.required("metadata.annotations[" + SA_NAME_ANNOTATION + "]", ""));
                }
            }
            case "kubernetes.io/dockercfg" -> requireJson(data, ".dockercfg", errors);
            case "kubernetes.io/dockerconfigjson" -> requireJson(data, ".dockerconfigjson", errors);
            case "kubernetes.io/basic-auth" -> {
                if (!has(data, "username") && !has(data, "password")) {
                    errors.add(FieldError.required("data[username]", ""));
                    errors.add(FieldError.required("data[password]", ""));
                }
            }
            case "kubernetes.io/ssh-auth" -> {
                if (!has(data, "ssh-privatekey") || data.get("ssh-privatekey").asText().isEmpty()) {
                    errors.add(FieldError.required("data[ssh-privatekey]", ""));
                }
            }
            case "kubernetes.io/tls" -> {
                if (!has(data, "tls.crt")) {
                    errors.add(FieldError.required("data[tls.crt]", ""));
                }
                if (!has(data, "tls.key")) {
                    errors.add(FieldError.required("data[tls.key]", ""));
                }
            }
            default -> {
            }
        }
    }

    private static boolean has(JsonNode data, String key) {
        return data != null && data.isObject() && data.has(key) && !data.get(key).isNull();
    }

    /** The key must be present and decode to a JSON object (the Docker config formats). */
    private static void requireJson(JsonNode data, String key, List<FieldError> errors) {
        String path = "data[" + key + "]";
        if (!has(data, key)) {
            errors.add(FieldError.required(path, ""));
            return;
        }
        try {
            JsonNode parsed = JSON.readTree(Base64.getMimeDecoder().decode(data.get(key).asText()));
            if (parsed == null || !parsed.isObject()) {
                errors.add(FieldError.invalid(path, "<secret contents redacted>",
                        "json: cannot unmarshal " + (parsed == null ? "empty input" : parsed.getNodeType()
                                .toString().toLowerCase(java.util.Locale.ROOT)) + " into Go value of type "
                                + "map[string]interface {}"));
            }
        } catch (IOException | IllegalArgumentException e) {
            errors.add(FieldError.invalid(path, "<secret contents redacted>", "invalid character in JSON: "
                    + e.getMessage().lines().findFirst().orElse("")));
        }
    }

    @Override
    public List<TableColumn> columns() {
        return List.of(TableColumn.nameColumn(),
                TableColumn.of("Type", "string", "Used to facilitate programmatic handling of secret data. More info: "
                        + "https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"),
                TableColumn.of("Data", "string", "Data contains the secret data. Each key must consist of alphanumeric "
                        + "characters, '-', '_' or '.'. The serialized form of the secret data is a base64 encoded "
                        + "string, representing the arbitrary (possibly non-string) data value here. Described in "
                        + "https://tools.ietf.org/html/rfc4648#section-4"),
                TableColumn.ageColumn());
    }

    @Override
    public List<Object> cells(ObjectNode obj, Instant now) {
        return List.of(Objects2.name(obj), Objects2.text(obj, "type"), (long) Objects2.size(obj, "data"),
                Objects2.age(obj, now));
    }

    @Override
    public Set<String> selectableFields() {
        return Set.of("type");
    }

    @Override
    public Optional<String> fieldValue(ObjectNode obj, String field) {
        return field.equals("type") ? Optional.of(Objects2.text(obj, "type")) : Optional.empty();
    }
}
