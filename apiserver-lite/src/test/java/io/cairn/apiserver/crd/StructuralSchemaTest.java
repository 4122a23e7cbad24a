package io.cairn.apiserver.crd;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pruning, defaulting and validation of objects by a structural schema, and printer-column paths. */
class StructuralSchemaTest {
    static ObjectNode yaml(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8), true);
    }

    static final StructuralSchema SCHEMA = new StructuralSchema(yaml("""
            type: object
            properties:
              spec:
                type: object
                properties:
                  labels: {type: object, additionalProperties: {type: string}}
                  ports:
                    type: array
                    maxItems: 2
                    items:
                      type: object
                      required: [port]
                      properties:
                        port: {type: integer}
                        protocol: {type: string, default: TCP}
                  note: {type: string, nullable: true}
                  count: {type: integer}
                  amount: {x-kubernetes-int-or-string: true}
                  template: {type: object, x-kubernetes-embedded-resource: true, properties: {spec: {type: object}}}
            """));

    @Test
    void pruningKeepsMapsAndEmbeddedResourceFieldsDropsUnknownsAndNonNullableNulls() {
        ObjectNode obj = yaml("""
                apiVersion: example.com/v1
                kind: Thing
                metadata: {name: t, labels: {a: b}}
                spec:
                  labels: {x: y}
                  ports: [{port: 80, junk: 1}, null]
                  note: null
                  count: null
                  template: {apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {}, junk: 1}
                  junk: 1
                junk: 1
                """);
        SCHEMA.prune(obj);
        assertThat(obj.has("junk")).isFalse();
        assertThat(obj.path("metadata").path("labels").path("a").asText()).isEqualTo("b");
        JsonNode spec = obj.get("spec");
        assertThat(spec.has("junk")).isFalse();
        assertThat(spec.path("labels").path("x").asText()).isEqualTo("y");
        assertThat(spec.get("ports")).hasSize(1);
        assertThat(spec.path("ports").get(0).has("junk")).isFalse();
        assertThat(spec.path("ports").get(0).path("protocol").asText()).as("defaulted inside arrays").isEqualTo("TCP");
        assertThat(spec.has("note")).as("nullable keeps its null").isTrue();
        assertThat(spec.has("count")).isFalse();
        assertThat(spec.path("template").path("kind").asText()).isEqualTo("Pod");
        assertThat(spec.path("template").has("junk")).isFalse();
    }

    @Test
    void validationNamesEachBadFieldWithItsPath() {
        ObjectNode obj = yaml("""
                spec:
                  labels: {x: 1}
                  ports: [{protocol: UDP}, {port: 1}, {port: 2}]
                  amount: true
                """);
        List<FieldError> errors = SCHEMA.validate(obj);
        assertThat(errors).extracting(FieldError::toString).containsExactlyInAnyOrder(
                "spec.labels.x: Invalid value: \"integer\": spec.labels.x in body must be of type string: \"integer\"",
                "spec.ports: Too many: must have at most 2 items",
                "spec.ports[0].port: Required value",
                "spec.amount: Invalid value: \"boolean\": spec.amount in body must be of type integer or string: \"boolean\"");
        assertThat(SCHEMA.validate(yaml("spec: {amount: 50%, ports: [{port: 1}]}"))).isEmpty();
    }

    @Test
    void printerColumnPathsSelectFieldsIndexesAndFilters() {
        ObjectNode obj = yaml("""
                status:
                  conditions: [{type: Ready, status: "False"}, {type: Synced, status: "True"}]
                  nodes: [a, b]
                metadata: {labels: {app.kubernetes.io/name: web}}
                """);
        assertThat(ColumnPath.parse(".status.conditions[?(@.type==\"Synced\")].status").first(obj).asText())
                .isEqualTo("True");
        assertThat(ColumnPath.parse(".status.nodes[1]").first(obj).asText()).isEqualTo("b");
        assertThat(ColumnPath.parse(".metadata.labels['app.kubernetes.io/name']").first(obj).asText()).isEqualTo("web");
        assertThat(ColumnPath.parse(".status.missing").first(obj)).isNull();
    }
}
