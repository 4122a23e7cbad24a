package io.cairn.apiserver;

import static io.cairn.apiserver.ApiBehaviourTest.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.registry.Objects2;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CustomResourceDefinitions as a user of kube-apiserver meets them: a definition serves its resource (discovery, CRUD,
 * watch, tables) once Established; its schema prunes, defaults and validates; the status and scale subresources;
 * several versions stored in one; deleting the definition deletes its objects; a restarted server serves it at once.
 */
class CustomResourceTest {
    static final String WIDGETS = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata:
              name: widgets.example.com
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wd]}
              versions:
              - name: v1
                served: true
                storage: true
                subresources:
                  status: {}
                  scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.replicas, labelSelectorPath: .status.selector}
                additionalPrinterColumns:
                - {name: Size, type: integer, jsonPath: .spec.size}
                - {name: Ready, type: string, jsonPath: '.status.conditions[?(@.type=="Ready")].status'}
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        required: [size]
                        properties:
                          size: {type: integer, minimum: 1, maximum: 10}
                          color: {type: string, enum: [red, blue], default: red}
                          replicas: {type: integer}
                          name: {type: string, maxLength: 5, pattern: '^[a-z]+$'}
                          extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
                      status:
                        type: object
                        properties:
                          replicas: {type: integer}
                          selector: {type: string}
                          conditions:
                            type: array
                            items:
                              type: object
                              properties:
                                type: {type: string}
                                status: {type: string}
              - name: v1beta1
                served: true
                storage: false
                schema:
                  openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
            """;

    @TempDir
    Path dir;
    TestCluster c;
    ApiClient client;

    @BeforeEach
    void start() throws Exception {
        c = TestCluster.start(dir);
        client = c.client();
    }

    @AfterEach
    void stop() {
        if (c != null) {
            c.close();
        }
    }

    static ObjectNode yaml(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8), true);
    }

    ApiClient.ResourceClient crds() {
        return client.resource("apiextensions.k8s.io/v1", "customresourcedefinitions");
    }

    ApiClient.ResourceClient widgets() {
        return client.resource("example.com/v1", "widgets").namespace("default");
    }

    void createWidgets() {
        crds().create(yaml(WIDGETS));
        awaitEstablished("widgets.example.com");
    }

    void awaitEstablished(String name) {
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() ->
                Objects2.conditionTrue(crds().get(name).path("status").path("conditions"), "Established"));
    }

    static ObjectNode widget(String name, String spec) {
        return yaml("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: " + name + "}\nspec: " + spec + "\n");
    }

    @Test
    void aDefinitionServesItsResourceOnceEstablished() {
        ObjectNode created = crds().create(yaml(WIDGETS));
        assertThat(Objects2.strings(created, "metadata", "finalizers"))
                .containsExactly("customresourcecleanup.apiextensions.k8s.io");
        awaitEstablished("widgets.example.com");
        ObjectNode crd = crds().get("widgets.example.com");
        assertThat(Objects2.conditionTrue(crd.path("status").path("conditions"), "NamesAccepted")).isTrue();
        assertThat(Objects2.text(crd, "status", "acceptedNames", "kind")).isEqualTo("Widget");
        assertThat(Objects2.text(crd, "status", "acceptedNames", "listKind")).isEqualTo("WidgetList");
        assertThat(Objects2.strings(crd, "status", "storedVersions")).containsExactly("v1");

        JsonNode group = client.raw("/apis/example.com");
        assertThat(group.path("preferredVersion").path("version").asText()).isEqualTo("v1");
        JsonNode resources = client.raw("/apis/example.com/v1").path("resources");
        assertThat(resources).extracting(r -> r.path("name").asText())
                .containsExactlyInAnyOrder("widgets", "widgets/status", "widgets/scale");
        assertThat(resources.get(0).path("shortNames").get(0).asText()).isEqualTo("wd");

        ObjectNode w = widgets().create(widget("a", "{size: 3}"));
        assertThat(Objects2.text(w, "apiVersion")).isEqualTo("example.com/v1");
        assertThat(Objects2.text(w, "spec", "color")).as("defaulted from the schema").isEqualTo("red");
        assertThat(w.path("metadata").path("generation").asLong()).isEqualTo(1);
        assertThat(widgets().list().path("items")).hasSize(1);
        assertThat(failure(() -> widgets().create(widget("a", "{size: 3}"))).code()).isEqualTo(409);
        assertThat(failure(() -> client.resource("example.com/v1", "gadgets").namespace("default").list()).code())
                .isEqualTo(404);
    }

    @Test
    void theSchemaValidatesWithACausePerBadFieldAndPrunesUnknownFields() {
        createWidgets();
        ApiException bad = failure(() -> widgets().create(widget("bad",
                "{size: 11, color: pink, name: ABCDEFG}")));
        assertThat(bad.code()).isEqualTo(422);
        assertThat(bad.getMessage()).startsWith("Widget.example.com \"bad\" is invalid")
                .contains("spec.size: Invalid value: 11: spec.size in body should be less than or equal to 10")
                .contains("spec.color: Unsupported value: \"pink\": supported values: \"red\", \"blue\"")
                .contains("spec.name: Too long")
                .contains("spec.name in body should match '^[a-z]+$'");
        assertThat(bad.details().path("causes")).hasSize(4);
        ApiException missing = failure(() -> widgets().create(widget("missing", "{color: red}")));
        assertThat(missing.getMessage()).contains("spec.size: Required value");
        ApiException wrongType = failure(() -> widgets().create(widget("typed", "{size: three}")));
        assertThat(wrongType.getMessage()).contains("spec.size in body must be of type integer: \"string\"");
        assertThat(widgets().list().path("items")).as("nothing of a refused write is stored").isEmpty();

        ObjectNode w = widgets().create(widget("p", "{size: 2, unknown: 1, extra: {anything: {goes: true}}}"));
        assertThat(w.path("spec").has("unknown")).as("pruned").isFalse();
        assertThat(Objects2.text(w, "spec", "extra", "anything", "goes")).as("preserved").isEqualTo("true");
        assertThat(widgets().get("p").path("spec").has("unknown")).isFalse();
    }

    @Test
    void statusAndScaleSubresourcesAndGeneration() {
        createWidgets();
        ObjectNode w = widget("s", "{size: 2, replicas: 1}");
        w.putObject("status").put("replicas", 9);
        ObjectNode created = widgets().create(w);
        assertThat(created.has("status")).as("status is not set on create").isFalse();

        ObjectNode withStatus = created.deepCopy();
        withStatus.putObject("status").put("replicas", 1).put("selector", "app=s");
        ((ObjectNode) withStatus.get("spec")).put("size", 5);
        ObjectNode afterStatus = widgets().updateStatus(withStatus);
        assertThat(afterStatus.path("status").path("replicas").asInt()).isEqualTo(1);
        assertThat(afterStatus.path("spec").path("size").asInt()).as("a status write keeps spec").isEqualTo(2);
        assertThat(afterStatus.path("metadata").path("generation").asLong()).isEqualTo(1);

        ObjectNode spec = afterStatus.deepCopy();
        ((ObjectNode) spec.get("spec")).put("size", 4);
        ((ObjectNode) spec.get("status")).put("replicas", 7);
        ObjectNode afterSpec = widgets().update(spec);
        assertThat(afterSpec.path("status").path("replicas").asInt()).as("an update keeps status").isEqualTo(1);
        assertThat(afterSpec.path("metadata").path("generation").asLong()).isEqualTo(2);

        JsonNode scale = client.raw("/apis/example.com/v1/namespaces/default/widgets/s/scale");
        assertThat(scale.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(scale.path("status").path("selector").asText()).isEqualTo("app=s");
        widgets().patch("s", "scale", ApiClient.MERGE_PATCH, "{\"spec\":{\"replicas\":3}}");
        assertThat(widgets().get("s").path("spec").path("replicas").asInt()).isEqualTo(3);
    }

    @Test
    void versionsShareOneStoredObjectAndWatchesSeeIt() throws Exception {
        createWidgets();
        ApiClient.ResourceClient beta = client.resource("example.com/v1beta1", "widgets").namespace("default");
        List<ObjectNode> events = new CopyOnWriteArrayList<>();
        String rv = Objects2.text(widgets().list(), "metadata", "resourceVersion");
        try (AutoCloseable watch = beta.watch(rv, Map.of(), events::add, () -> { })) {
            ObjectNode viaBeta = beta.create(yaml("apiVersion: example.com/v1beta1\nkind: Widget\nmetadata: {name: b}\n"
                    + "spec: {size: 1}\n"));
            assertThat(Objects2.text(viaBeta, "apiVersion")).isEqualTo("example.com/v1beta1");
            assertThat(Objects2.text(widgets().get("b"), "apiVersion")).isEqualTo("example.com/v1");
            assertThat(Objects2.text(beta.get("b"), "apiVersion")).isEqualTo("example.com/v1beta1");
            Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> !events.isEmpty());
            assertThat(Objects2.text(events.get(0), "object", "apiVersion")).isEqualTo("example.com/v1beta1");
        }
        assertThat(client.raw("/apis/example.com").path("versions")).extracting(v -> v.path("version").asText())
                .containsExactly("v1", "v1beta1");
    }

    @Test
    void deletingTheDefinitionDeletesItsObjectsAndStopsServingIt() {
        createWidgets();
        widgets().create(widget("x", "{size: 1}"));
        ObjectNode held = widget("held", "{size: 1}");
        Objects2.array(Objects2.objectAt(held, "metadata"), "finalizers", List.of("example.com/hold"));
        widgets().create(held);
        crds().delete("widgets.example.com");
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> widgets().list().path("items").size() == 1);
        assertThat(Objects2.conditionTrue(crds().get("widgets.example.com").path("status").path("conditions"),
                "Terminating")).isTrue();
        assertThat(failure(() -> widgets().create(widget("late", "{size: 1}"))).code())
                .as("no creates while terminating").isEqualTo(405);
        ObjectNode release = widgets().get("held");
        ((ObjectNode) release.get("metadata")).putArray("finalizers");
        widgets().update(release);
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> {
            try {
                crds().get("widgets.example.com");
                return false;
            } catch (ApiException e) {
                return e.code() == 404;
            }
        });
        Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> {
            try {
                widgets().list();
                return false;
            } catch (ApiException e) {
                return e.code() == 404;
            }
        });
        assertThat(c.server.storage().currentRevision()).isPositive();
    }

    @Test
    void aRestartedServerServesItsDefinitionsFromTheFirstRequest() throws Exception {
        createWidgets();
        widgets().create(widget("kept", "{size: 2}"));
        c.close();
        c = TestCluster.start(dir);
        client = c.client();
        assertThat(widgets().get("kept").path("spec").path("size").asInt()).isEqualTo(2);
    }

    @Test
    void aSecondDefinitionOfTheSameKindInAGroupIsNotAccepted() {
        createWidgets();
        ObjectNode other = yaml(WIDGETS.replace("widgets.example.com", "gizmos.example.com")
                .replace("plural: widgets, singular: widget", "plural: gizmos, singular: gizmo")
                .replace("shortNames: [wd]", "shortNames: [gz]"));
        crds().create(other);
        Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> "False".equals(condition(
                crds().get("gizmos.example.com"), "NamesAccepted")));
        assertThat(failure(() -> client.resource("example.com/v1", "gizmos").namespace("default").list()).code())
                .isEqualTo(404);
        ApiException invalid = failure(() -> crds().create(yaml("""
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                metadata: {name: wrong.example.com}
                spec:
                  group: example.com
                  scope: Global
                  names: {plural: things, kind: Thing}
                  versions: [{name: v1, served: true, storage: false}]
                """)));
        assertThat(invalid.code()).isEqualTo(422);
        assertThat(invalid.getMessage())
                .contains("metadata.name: Invalid value: \"wrong.example.com\": must be spec.names.plural+\".\"+spec.group")
                .contains("spec.scope: Unsupported value: \"Global\"")
                .contains("spec.versions[0].schema.openAPIV3Schema: Required value")
                .contains("must have exactly one version marked as storage version");
    }

    static String condition(JsonNode obj, String type) {
        for (JsonNode cond : obj.path("status").path("conditions")) {
            if (type.equals(cond.path("type").asText())) {
                return cond.path("status").asText();
            }
        }
        return "";
    }
}
