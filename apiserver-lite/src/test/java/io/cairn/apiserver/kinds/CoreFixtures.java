package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import java.time.Instant;
import java.util.List;

/** Test fixtures shared by the core kinds' tests: a fixed clock, JSON literals, error lists as kube prints them. */
final class CoreFixtures {
    private CoreFixtures() {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /** The "now" of every table test; objects below are created five minutes earlier. */
    static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    static final String CREATED = "2025-03-01T11:55:00Z";

    /** Parses a JSON literal written with single quotes (for readability in Java strings). */
    static ObjectNode json(String singleQuoted) {
        try {
            return (ObjectNode) JSON.readTree(singleQuoted.replace('\'', '"'));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** {@code field: message} of each error, the form a Status message lists them in. */
    static List<String> printed(List<FieldError> errors) {
        return errors.stream().map(FieldError::toString).toList();
    }
}
