package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.Strategy;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/** Objects from YAML, and the registry's create / update sequence as the strategies see it. */
final class WorkloadTestSupport {
    private WorkloadTestSupport() {
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    /** The clock of every table test. */
    static final Instant NOW = Instant.parse("2024-05-01T12:00:00Z");

    static ObjectNode yaml(String text) {
        try {
            return (ObjectNode) YAML.readTree(text);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the registry does on create: defaults, then the create preparation (uid already set in the YAML). */
    static ObjectNode created(Strategy s, String text) {
        ObjectNode obj = yaml(text);
        s.applyDefaults(obj);
        s.prepareForCreate(obj);
        return obj;
    }

    /** The messages of {@code errors} as kube-apiserver lists them ({@code field: message}). */
    static List<String> messages(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).toList();
    }

    /** An RFC 3339 time {@code seconds} before {@link #NOW}. */
    static String ago(long seconds) {
        return NOW.minusSeconds(seconds).toString();
    }
}
