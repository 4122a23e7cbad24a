package io.cairn.apiserver;

import static io.cairn.apiserver.ApiBehaviourTest.failure;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Server-side apply as kube-apiserver does it: an apply creates, merges its manager's fields, removes the fields the
 * manager no longer applies, shares fields set to the same value, refuses to change another manager's fields (409
 * naming them) unless forced, merges keyed lists element by element, and every write records its manager in
 * managedFields.
 */
class ServerSideApplyTest {
    @TempDir
    static Path dir;
    static TestCluster c;
    static ApiClient client;

    @BeforeAll
    static void start() throws Exception {
        c = TestCluster.start(dir);
        client = c.client();
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    static ObjectNode apply(String path, String manager, boolean force, String yaml) {
        Map<String, String> q = new HashMap<>(Map.of("fieldManager", manager));
        if (force) {
            q.put("force", "true");
        }
        Transport.Response r = client.transport().call("PATCH", path, q, "application/apply-patch+yaml",
                yaml.getBytes(StandardCharsets.UTF_8));
        JsonNode body = Json.parse(r.body(), false);
        if (r.code() >= 300) {
            throw new ApiException(r.code(), body.path("reason").asText(), body.path("message").asText(),
                    body.path("details").isObject() ? (ObjectNode) body.get("details") : null);
        }
        return (ObjectNode) body;
    }

    static String configMap(String name, String data) {
        return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: " + name + "}\ndata: " + data + "\n";
    }

    static String managers(ObjectNode obj) {
        StringBuilder b = new StringBuilder();
        for (JsonNode m : obj.path("metadata").path("managedFields")) {
            b.append(m.path("manager").asText()).append('/').append(m.path("operation").asText()).append('=')
                    .append(m.path("fieldsV1")).append(';');
        }
        return b.toString();
    }

    static final String CMS = "/api/v1/namespaces/default/configmaps/";

    @Test
    void applyCreatesMergesRemovesAndRecordsItsManager() {
        ObjectNode created = apply(CMS + "one", "alice", false, configMap("one", "{a: '1', b: '2'}"));
        assertThat(created.path("data").path("a").asText()).isEqualTo("1");
        assertThat(managers(created)).isEqualTo("alice/Apply={\"f:data\":{\"f:a\":{},\"f:b\":{}}};");

        ObjectNode second = apply(CMS + "one", "bob", false, configMap("one", "{c: '3'}"));
        assertThat(second.path("data").toString()).isEqualTo("{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"}");

        ObjectNode dropped = apply(CMS + "one", "alice", false, configMap("one", "{a: '1'}"));
        assertThat(dropped.path("data").has("b")).as("alice no longer applies b, nobody else owns it").isFalse();
        assertThat(dropped.path("data").path("c").asText()).isEqualTo("3");

        ObjectNode same = apply(CMS + "one", "bob", false, configMap("one", "{a: '1', c: '3'}"));
        assertThat(same.path("data").path("a").asText()).as("the same value: shared, no conflict").isEqualTo("1");
        ObjectNode stillThere = apply(CMS + "one", "alice", false, configMap("one", "{}"));
        assertThat(stillThere.path("data").path("a").asText()).as("bob co-owns a: it stays").isEqualTo("1");

        ObjectNode unchanged = apply(CMS + "one", "alice", false, configMap("one", "{}"));
        assertThat(unchanged.path("metadata").path("resourceVersion").asText()).as("an apply that changes nothing")
                .isEqualTo(stillThere.path("metadata").path("resourceVersion").asText());
    }

    @Test
    void aConflictNamesTheOtherManagerAndForceTakesTheFieldOver() {
        client.transport().call("POST", "/api/v1/namespaces/default/configmaps", Map.of("fieldManager", "kubectl-create"),
                "application/json", Json.bytes(Json.parseObject(configMap("two", "{a: '1'}")
                        .getBytes(StandardCharsets.UTF_8), true)));
        ApiException conflict = failure(() -> apply(CMS + "two", "alice", false, configMap("two", "{a: '2'}")));
        assertThat(conflict.code()).isEqualTo(409);
        assertThat(conflict.getMessage()).isEqualTo("Apply failed with 1 conflict: conflict with \"kubectl-create\" "
                + "using v1: .data.a");
        assertThat(conflict.details().path("causes").get(0).path("reason").asText()).isEqualTo("FieldManagerConflict");
        assertThat(client.resource("v1", "configmaps").namespace("default").get("two").path("data").path("a").asText())
                .as("nothing of a refused apply is written").isEqualTo("1");

        ObjectNode forced = apply(CMS + "two", "alice", true, configMap("two", "{a: '2'}"));
        assertThat(forced.path("data").path("a").asText()).isEqualTo("2");
        assertThat(managers(forced)).isEqualTo("alice/Apply={\"f:data\":{\"f:a\":{}}};");

        ObjectNode edited = client.resource("v1", "configmaps").namespace("default").patch("two",
                ApiClient.MERGE_PATCH, "{\"data\":{\"a\":\"3\",\"z\":\"9\"}}");
        assertThat(managers(edited)).as("an update takes the fields it changes")
                .isEqualTo("cairn-admin/Update={\"f:data\":{\"f:a\":{},\"f:z\":{}}};");
    }

    @Test
    void keyedListsMergeByElementAndStatusIsItsOwnScope() {
        String deployment = """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web, labels: {team: a}}
                spec:
                  replicas: 1
                  selector: {matchLabels: {app: web}}
                  template:
                    metadata: {labels: {app: web}}
                    spec:
                      containers:
                      - {name: web, image: nginx:1.25}
                """;
        String deployments = "/apis/apps/v1/namespaces/default/deployments/web";
        apply(deployments, "alice", false, deployment);
        ObjectNode withSidecar = apply(deployments, "bob", false, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                spec:
                  template:
                    spec:
                      containers:
                      - {name: sidecar, image: envoy:1}
                """);
        assertThat(withSidecar.path("spec").path("template").path("spec").path("containers"))
                .extracting(n -> n.path("name").asText()).containsExactly("web", "sidecar");
        assertThat(withSidecar.path("metadata").path("labels").path("team").asText()).isEqualTo("a");
        ApiException conflict = failure(() -> apply(deployments, "bob", false, deployment.replace("nginx:1.25",
                "nginx:1.26").replace("replicas: 1", "replicas: 1")));
        assertThat(conflict.getMessage()).contains("conflict with \"alice\" using apps/v1")
                .contains(".spec.template.spec.containers[name=\"web\"].image");
        ObjectNode statusApplied = apply(deployments + "/status", "ctrl", false, """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: web}
                status: {replicas: 1, readyReplicas: 1}
                """);
        assertThat(statusApplied.path("status").path("readyReplicas").asInt()).isEqualTo(1);
        assertThat(statusApplied.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(managers(statusApplied)).contains("ctrl/Apply={\"f:status\":{\"f:readyReplicas\":{},"
                + "\"f:replicas\":{}}}");
    }

    /**
     * A resourceVersion in an apply configuration is a precondition on the object it updates; the apply that creates
     * ignores it (Java Operator SDK creates its dependents with "1", so that it never takes over someone else's).
     */
    @Test
    void aResourceVersionPreconditionsAnUpdateButNotACreate() {
        String withRv = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: five, resourceVersion: '1'}\ndata: {a: '1'}\n";
        ObjectNode created = apply(CMS + "five", "operator", true, withRv);
        assertThat(created.path("data").path("a").asText()).isEqualTo("1");
        ApiException stale = failure(() -> apply(CMS + "five", "operator", true, withRv.replace("'1'}\ndata",
                "'1'}\ndata").replace("a: '1'", "a: '2'")));
        assertThat(stale.code()).isEqualTo(409);
    }

    @Test
    void anApplyMustNameItsManagerAndItsObject() {
        Transport.Response r = client.transport().call("PATCH", CMS + "three", Map.of(),
                "application/apply-patch+yaml", configMap("three", "{}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.code()).isEqualTo(422);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("fieldManager: Required value");
        ApiException other = failure(() -> apply(CMS + "three", "alice", false, configMap("four", "{}")));
        assertThat(other.code()).isEqualTo(400);
    }
}
