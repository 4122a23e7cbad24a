package io.cairn.apiserver.patch;

import static io.cairn.apiserver.patch.Trees.assertApiError;
import static io.cairn.apiserver.patch.Trees.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** JSON patch (RFC 6902) as kube-apiserver applies it, with its 400 / 422 split. */
class JsonPatchTest {

    private static final String POD = """
            {"metadata":{"name":"web","labels":{"app":"web"},"annotations":{"example.com/owner":"team-a"}},
             "spec":{"replicas":2,"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}""";

    static Stream<Arguments> applies() {
        return Stream.of(
                Arguments.of("add a key", """
                        [{"op":"add","path":"/metadata/labels/tier","value":"front"}]""",
                        "/metadata/labels", """
                        {"app":"web","tier":"front"}"""),
                Arguments.of("add into an array at an index", """
                        [{"op":"add","path":"/spec/containers/1","value":{"name":"c"}}]""",
                        "/spec/containers", """
                        [{"name":"a","image":"a:1"},{"name":"c"},{"name":"b","image":"b:1"}]"""),
                Arguments.of("add at - appends", """
                        [{"op":"add","path":"/spec/containers/-","value":{"name":"c"}}]""",
                        "/spec/containers/2", """
                        {"name":"c"}"""),
                Arguments.of("replace a value", """
                        [{"op":"replace","path":"/spec/containers/0/image","value":"a:2"}]""",
                        "/spec/containers/0", """
                        {"name":"a","image":"a:2"}"""),
                Arguments.of("remove an array element", """
                        [{"op":"remove","path":"/spec/containers/0"}]""",
                        "/spec/containers", """
                        [{"name":"b","image":"b:1"}]"""),
                Arguments.of("~1 escapes a slash in an annotation key", """
                        [{"op":"replace","path":"/metadata/annotations/example.com~1owner","value":"team-b"}]""",
                        "/metadata/annotations", """
                        {"example.com/owner":"team-b"}"""),
                Arguments.of("~0 escapes a tilde", """
                        [{"op":"add","path":"/metadata/labels/a~0b","value":"x"}]""",
                        "/metadata/labels", """
                        {"app":"web","a~b":"x"}"""),
                Arguments.of("move a value", """
                        [{"op":"move","from":"/metadata/labels/app","path":"/metadata/labels/name"}]""",
                        "/metadata/labels", """
                        {"name":"web"}"""),
                Arguments.of("copy a value", """
                        [{"op":"copy","from":"/spec/containers/0","path":"/spec/containers/-"},
                         {"op":"replace","path":"/spec/containers/2/name","value":"a2"}]""",
                        "/spec/containers", """
                        [{"name":"a","image":"a:1"},{"name":"b","image":"b:1"},{"name":"a2","image":"a:1"}]"""),
                Arguments.of("a passing test, numbers compared by value, then a change", """
                        [{"op":"test","path":"/spec/replicas","value":2.0},
                         {"op":"replace","path":"/spec/replicas","value":3}]""",
                        "/spec/replicas", "3"),
                Arguments.of("add a null value", """
                        [{"op":"add","path":"/spec/nodeName","value":null}]""",
                        "/spec/nodeName", "null"),
                Arguments.of("replace the root", """
                        [{"op":"replace","path":"","value":{"kind":"Other"}}]""",
                        "", """
                        {"kind":"Other"}"""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void applies(String name, String patch, String pointer, String expected) {
        JsonNode target = json(POD);
        JsonNode patchDoc = json(patch);
        JsonNode targetBefore = target.deepCopy();
        JsonNode patchBefore = patchDoc.deepCopy();

        JsonNode result = JsonPatch.apply(target, patchDoc);

        assertThat(result.at(pointer)).isEqualTo(json(expected));
        assertThat(target).isEqualTo(targetBefore);
        assertThat(patchDoc).isEqualTo(patchBefore);
    }

    @Test
    void theResultSharesNoNodesWithThePatch() {
        JsonNode patch = json("""
                [{"op":"add","path":"/metadata/labels","value":{"a":"1"}}]""");
        JsonNode result = JsonPatch.apply(json(POD), patch);

        ((ObjectNode) result.at("/metadata/labels")).put("b", "2");

        assertThat(patch.at("/0/value")).isEqualTo(json("{\"a\":\"1\"}"));
    }

    @Test
    void aFailingOperationLeavesTheTargetAsItWas() {
        JsonNode target = json(POD);
        JsonNode patch = json("""
                [{"op":"replace","path":"/spec/replicas","value":9},
                 {"op":"test","path":"/metadata/name","value":"other"}]""");

        assertThatThrownBy(() -> JsonPatch.apply(target, patch)).isInstanceOf(ApiException.class);
        assertThat(target.at("/spec/replicas").asInt()).isEqualTo(2);
    }

    static Stream<Arguments> malformed() {
        return Stream.of(
                Arguments.of("an object, not a list", "{\"op\":\"add\"}", "must be a JSON array"),
                Arguments.of("an operation that is not an object", "[\"add\"]", "must be an object"),
                Arguments.of("no op", "[{\"path\":\"/a\"}]", "\"op\" is required"),
                Arguments.of("unknown op", "[{\"op\":\"merge\",\"path\":\"/a\"}]", "unknown operation \"merge\""),
                Arguments.of("no path", "[{\"op\":\"remove\"}]", "\"path\" is required"),
                Arguments.of("a path without a leading slash", "[{\"op\":\"remove\",\"path\":\"a/b\"}]",
                        "must be empty or start with \"/\""),
                Arguments.of("a bad escape", "[{\"op\":\"remove\",\"path\":\"/a~2b\"}]", "not followed by 0 or 1"),
                Arguments.of("add without value", "[{\"op\":\"add\",\"path\":\"/a\"}]", "\"value\" is required"),
                Arguments.of("move without from", "[{\"op\":\"move\",\"path\":\"/a\"}]", "\"from\" is required"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void malformed(String name, String patch, String message) {
        assertApiError(() -> JsonPatch.apply(json(POD), json(patch)), 400, "BadRequest", message);
    }

    static Stream<Arguments> doesNotApply() {
        return Stream.of(
                Arguments.of("remove a missing key", "[{\"op\":\"remove\",\"path\":\"/metadata/labels/nope\"}]",
                        "remove operation does not apply: doc is missing path: \"/metadata/labels/nope\""),
                Arguments.of("replace a missing key", "[{\"op\":\"replace\",\"path\":\"/spec/nope\",\"value\":1}]",
                        "replace operation does not apply"),
                Arguments.of("add under a missing parent", "[{\"op\":\"add\",\"path\":\"/status/phase\",\"value\":1}]",
                        "add operation does not apply: doc is missing path: \"/status/phase\""),
                Arguments.of("add past the end of an array",
                        "[{\"op\":\"add\",\"path\":\"/spec/containers/5\",\"value\":{}}]", "out of bounds"),
                Arguments.of("a leading zero index", "[{\"op\":\"remove\",\"path\":\"/spec/containers/01\"}]",
                        "is not an array index"),
                Arguments.of("remove at -", "[{\"op\":\"remove\",\"path\":\"/spec/containers/-\"}]",
                        "is not an array index"),
                Arguments.of("a failed test", "[{\"op\":\"test\",\"path\":\"/spec/replicas\",\"value\":3}]",
                        "testing value /spec/replicas failed"),
                Arguments.of("a test of a missing path", "[{\"op\":\"test\",\"path\":\"/nope\",\"value\":null}]",
                        "testing value /nope failed"),
                Arguments.of("move from a missing path",
                        "[{\"op\":\"move\",\"from\":\"/nope\",\"path\":\"/spec/x\"}]", "doc is missing from path"),
                Arguments.of("move into itself",
                        "[{\"op\":\"move\",\"from\":\"/spec\",\"path\":\"/spec/containers/0/spec\"}]",
                        "cannot be moved into itself"),
                Arguments.of("remove the root", "[{\"op\":\"remove\",\"path\":\"\"}]", "cannot be removed"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void doesNotApply(String name, String patch, String message) {
        assertApiError(() -> JsonPatch.apply(json(POD), json(patch)), 422, "Invalid", message);
    }

    @Test
    void tooManyOperationsAreRefused() {
        ArrayNode patch = JsonNodeFactory.instance.arrayNode();
        for (int i = 0; i <= JsonPatch.OPERATIONS_MAX; i++) {
            patch.addObject().put("op", "test").put("path", "/spec/replicas").put("value", 2);
        }

        assertThatThrownBy(() -> JsonPatch.apply(json(POD), patch))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(413));
        patch.remove(0);
        assertThat(JsonPatch.apply(json(POD), patch)).isEqualTo(json(POD));
    }
}
