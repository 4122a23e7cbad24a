package io.cairn.apiserver.patch;

import static io.cairn.apiserver.patch.Trees.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** JSON merge patch (RFC 7386): the examples of its appendix A, and what kubectl sends with it. */
class MergePatchTest {

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
                Arguments.of("{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}"),
                Arguments.of("{\"a\":\"b\"}", "{\"a\":null}", "{}"),
                Arguments.of("{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}"),
                Arguments.of("{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}"),
                Arguments.of("{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}"),
                Arguments.of("{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}", "{\"a\":{\"b\":\"d\"}}"),
                Arguments.of("{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}"),
                Arguments.of("[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]"),
                Arguments.of("{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]"),
                Arguments.of("{\"a\":\"foo\"}", "null", "null"),
                Arguments.of("{\"a\":\"foo\"}", "\"bar\"", "\"bar\""),
                Arguments.of("{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}"),
                Arguments.of("[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}"),
                Arguments.of("{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}"),
                // kubectl scale on /scale, and a list (containers) replaced whole: no strategic merge here
                Arguments.of("{\"spec\":{\"replicas\":1},\"status\":{\"replicas\":1}}", "{\"spec\":{\"replicas\":4}}",
                        "{\"spec\":{\"replicas\":4},\"status\":{\"replicas\":1}}"),
                Arguments.of("{\"spec\":{\"containers\":[{\"name\":\"a\"},{\"name\":\"b\"}]}}",
                        "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"}]}}",
                        "{\"spec\":{\"containers\":[{\"name\":\"b\",\"image\":\"x\"}]}}"));
    }

    @ParameterizedTest(name = "{0} + {1}")
    @MethodSource("cases")
    void appliesAsRfc7386Says(String target, String patch, String expected) {
        JsonNode targetDoc = json(target);
        JsonNode patchDoc = json(patch);

        JsonNode result = MergePatch.apply(targetDoc, patchDoc);

        assertThat(result).isEqualTo(json(expected));
        assertThat(targetDoc).isEqualTo(json(target));
        assertThat(patchDoc).isEqualTo(json(patch));
    }
}
