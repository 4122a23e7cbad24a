package io.cairn.apiserver.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;

/** The one JSON and YAML codec of the API server: objects as trees, bodies as bytes. */
public final class Json {
    private Json() {
    }

    /**
     * JSON as kube-apiserver's decoder reads it: a key given twice in one object keeps its last value (the request's
     * fieldValidation decides whether that is refused or warned of: see the dispatcher).
     */
    public static final ObjectMapper JSON = new ObjectMapper();
    public static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build())
            .build());

    /** A request body as a tree: JSON, or YAML when {@code yaml}; a syntax error is a 400. */
    public static JsonNode parse(byte[] body, boolean yaml) {
        try {
            JsonNode n = (yaml ? YAML : JSON).readTree(body);
            if (n == null || n.isMissingNode()) {
                throw ApiException.badRequest("the request body is empty");
            }
            return n;
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("the body of the request was in an unknown format - accepted media types "
                    + "include: application/json, application/yaml; " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /** A request body that must be one object. */
    public static ObjectNode parseObject(byte[] body, boolean yaml) {
        JsonNode n = parse(body, yaml);
        if (!(n instanceof ObjectNode o)) {
            throw ApiException.badRequest("the request body must be an object, not " + n.getNodeType());
        }
        return o;
    }

    /** A stored value (written by this server: JSON). */
    public static ObjectNode readStored(byte[] value) {
        try {
            return (ObjectNode) JSON.readTree(value);
        } catch (IOException | ClassCastException e) {
            throw new UncheckedIOException(new IOException("a stored object is not a JSON object", e));
        }
    }

    public static byte[] bytes(JsonNode n) {
        try {
            return JSON.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] yamlBytes(JsonNode n) {
        try {
            return YAML.writeValueAsBytes(n);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
