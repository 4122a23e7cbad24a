package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry's rules as a client sees them, through the in-process path and over HTTPS. */
class ApiBehaviourTest {
    @TempDir
    static Path dir;
    static TestCluster c;
    static ApiClient client;
    static ApiClient http;

    @BeforeAll
    static void start() throws Exception {
        c = TestCluster.start(dir);
        client = c.client();
        http = ApiClient.of(Transport.http(c.server.url(), c.server.pki().adminSslContext(), null));
        ObjectNode ns = JsonNodeFactory.instance.objectNode();
        ns.putObject("metadata").put("name", "t");
        client.resource("v1", "namespaces").create(ns);
    }

    @AfterAll
    static void stop() {
        if (c != null) {
            c.close();
        }
    }

    static ObjectNode configMap(String name) {
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.put("apiVersion", "v1");
        cm.put("kind", "ConfigMap");
        cm.putObject("metadata").put("name", name);
        cm.putObject("data").put("k", "v");
        return cm;
    }

    static ApiClient.ResourceClient cms() {
        return client.resource("v1", "configmaps").namespace("t");
    }

    /** Aggregated discovery (apidiscovery.k8s.io/v2), as kubectl asks for it first: every group in one document. */
    private static void readyzAndAggregatedDiscovery() throws Exception {
        java.net.http.HttpClient h = java.net.http.HttpClient.newBuilder().sslContext(c.server.pki().adminSslContext())
                .build();
        java.net.http.HttpResponse<byte[]> r = h.send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(c.server.url() + "/apis")).header("Accept",
                "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
                        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json")
                .build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.headers().firstValue("content-type").orElse(""))
                .isEqualTo("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList");
        JsonNode list = Json.parse(r.body(), false);
        assertThat(list.path("kind").asText()).isEqualTo("APIGroupDiscoveryList");
        JsonNode apps = null;
        for (JsonNode g : list.path("items")) {
            if (g.path("metadata").path("name").asText().equals("apps")) {
                apps = g;
            }
        }
        assertThat(apps).isNotNull();
        JsonNode deployments = null;
        for (JsonNode res : apps.path("versions").get(0).path("resources")) {
            if (res.path("resource").asText().equals("deployments")) {
                deployments = res;
            }
        }
        assertThat(deployments.path("scope").asText()).isEqualTo("Namespaced");
        assertThat(deployments.path("shortNames").get(0).asText()).isEqualTo("deploy");
        assertThat(deployments.path("subresources")).extracting(x -> x.path("subresource").asText())
                .contains("scale", "status");
    }

    /** An unknown field of a built-in kind that validation lets through is dropped, at any depth, as kube drops it. */
    @Test
    void unknownFieldsOfABuiltInKindAreDroppedUnlessStrictRefusesThem() {
        byte[] body = ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"extra\":1,\"metadata\":{\"name\":\"pruned\","
                + "\"labelz\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}").getBytes(StandardCharsets.UTF_8);
        for (String mode : List.of("Warn", "Ignore")) {
            java.net.http.HttpResponse<byte[]> r = post("/api/v1/namespaces/t/configmaps?fieldValidation=" + mode, body);
            assertThat(r.statusCode()).as(mode).isEqualTo(201);
            ObjectNode stored = cms().get("pruned");
            assertThat(stored.has("extra")).as(mode).isFalse();
            assertThat(stored.path("metadata").has("labelz")).as(mode).isFalse();
            assertThat(stored.path("data").path("k").asText()).isEqualTo("v");
            assertThat(r.headers().allValues("warning")).as(mode).hasSize(mode.equals("Warn") ? 2 : 0);
            cms().delete("pruned");
        }
        assertThat(post("/api/v1/namespaces/t/configmaps?fieldValidation=Strict", body).statusCode()).isEqualTo(400);
    }

    /** A JSON POST over HTTPS as the admin, for what the client library does not show (headers). */
    private static java.net.http.HttpResponse<byte[]> post(String pathAndQuery, byte[] json) {
        try {
            return java.net.http.HttpClient.newBuilder().sslContext(c.server.pki().adminSslContext()).build()
                    .send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(c.server.url() + pathAndQuery))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(json)).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static ApiException failure(Runnable r) {
        try {
            r.run();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("expected a failure");
    }

    /**
     * A key given twice in a body: refused under Strict (kube's strict decoding error); otherwise the last value is kept,
     * with a warning under Warn and silently under Ignore, for JSON and YAML bodies alike.
     */
    @Test
    void aDuplicateFieldIsRefusedUnderStrictValidation() {
        byte[] twice = ("{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"dup\"},"
                + "\"data\":{\"a\":\"1\",\"a\":\"2\"}}").getBytes(StandardCharsets.UTF_8);
        Transport.Response strict = http.transport().call("POST", "/api/v1/namespaces/t/configmaps",
                Map.of("fieldValidation", "Strict"), "application/json", twice);
        assertThat(strict.code()).isEqualTo(400);
        assertThat(Json.parse(strict.body(), false).path("message").asText())
                .isEqualTo("strict decoding error: duplicate field \"data.a\"");
        assertThat(failure(() -> cms().get("dup")).code()).as("nothing stored").isEqualTo(404);
        java.net.http.HttpResponse<byte[]> jsonWarned = post("/api/v1/namespaces/t/configmaps?fieldValidation=Warn",
                twice);
        assertThat(jsonWarned.statusCode()).isEqualTo(201);
        assertThat(jsonWarned.headers().allValues("warning")).as("kube's Warning header")
                .containsExactly("299 - \"duplicate field \\\"data.a\\\"\"");
        assertThat(cms().get("dup").path("data").path("a").asText()).as("the last value").isEqualTo("2");
        cms().delete("dup");
        java.net.http.HttpResponse<byte[]> ignored = post("/api/v1/namespaces/t/configmaps?fieldValidation=Ignore",
                twice);
        assertThat(ignored.statusCode()).isEqualTo(201);
        assertThat(ignored.headers().allValues("warning")).isEmpty();
        assertThat(cms().get("dup").path("data").path("a").asText()).isEqualTo("2");
        cms().delete("dup");
        byte[] yamlTwice = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dup}\ndata:\n  a: '1'\n  a: '2'\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(http.transport().call("POST", "/api/v1/namespaces/t/configmaps", Map.of("fieldValidation", "Strict"),
                "application/yaml", yamlTwice).code()).isEqualTo(400);
        Transport.Response warned = http.transport().call("POST", "/api/v1/namespaces/t/configmaps",
                Map.of("fieldValidation", "Warn"), "application/yaml", yamlTwice);
        assertThat(warned.code()).isEqualTo(201);
        assertThat(cms().get("dup").path("data").path("a").asText()).isEqualTo("2");
    }

    @Test
    void createSetsServerOwnedMetadataAndAnUnchangedUpdateWritesNothing() {
        ObjectNode created = cms().create(configMap("meta"));
        assertThat(created.at("/metadata/uid").asText()).hasSize(36);
        assertThat(created.at("/metadata/creationTimestamp").asText()).endsWith("Z");
        assertThat(created.at("/metadata/namespace").asText()).isEqualTo("t");
        String rv = created.at("/metadata/resourceVersion").asText();
        ObjectNode same = cms().update(created);
        assertThat(same.at("/metadata/resourceVersion").asText()).isEqualTo(rv);
        assertThat(c.server.storage().currentRevision()).isGreaterThanOrEqualTo(Long.parseLong(rv));
        long before = c.server.storage().currentRevision();
        cms().update(created);
        assertThat(c.server.storage().currentRevision()).isEqualTo(before);
        ObjectNode changed = created.deepCopy();
        ((ObjectNode) changed.get("metadata")).put("uid", "forged");
        ((ObjectNode) changed.get("data")).put("k", "w");
        ObjectNode written = cms().update(changed);
        assertThat(written.at("/metadata/uid").asText()).isEqualTo(created.at("/metadata/uid").asText());
        assertThat(written.at("/data/k").asText()).isEqualTo("w");
    }

    @Test
    void generateNameGivesAUniqueName() {
        ObjectNode cm = configMap("");
        ((ObjectNode) cm.get("metadata")).remove("name");
        ((ObjectNode) cm.get("metadata")).put("generateName", "gen-");
        String a = cms().create(cm).at("/metadata/name").asText();
        String b = cms().create(cm).at("/metadata/name").asText();
        assertThat(a).startsWith("gen-").hasSize(9).isNotEqualTo(b);
    }

    @Test
    void generationMovesOnSpecChangesOnlyAndStatusGoesThroughItsSubresource() {
        ApiClient.ResourceClient deployments = client.resource("apps/v1", "deployments").namespace("t");
        ObjectNode d = (ObjectNode) Json.parse("""
                {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"gen"},
                 "spec":{"selector":{"matchLabels":{"app":"gen"}},
                         "template":{"metadata":{"labels":{"app":"gen"}},
                                     "spec":{"containers":[{"name":"c","image":"nginx"}]}}},
                 "status":{"replicas":7}}""".getBytes(StandardCharsets.UTF_8), false);
        ObjectNode created = deployments.create(d);
        assertThat(created.at("/metadata/generation").asInt()).isEqualTo(1);
        assertThat(created.at("/status/replicas").isMissingNode() || created.at("/status/replicas").asInt() == 0)
                .as("status sent on create is dropped").isTrue();
        ObjectNode labelled = deployments.patch("gen", ApiClient.MERGE_PATCH, "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
        assertThat(labelled.at("/metadata/generation").asInt()).isEqualTo(1);
        ObjectNode scaled = deployments.patch("gen", ApiClient.MERGE_PATCH, "{\"spec\":{\"replicas\":3}}");
        assertThat(scaled.at("/metadata/generation").asInt()).isEqualTo(2);
        ObjectNode withStatus = deployments.patch("gen", ApiClient.MERGE_PATCH, "{\"status\":{\"replicas\":3}}");
        assertThat(withStatus.at("/status/replicas").asInt(0)).as("the main resource never writes status").isZero();
        ObjectNode status = deployments.patch("gen", "status", ApiClient.MERGE_PATCH,
                "{\"status\":{\"replicas\":3},\"spec\":{\"replicas\":9}}");
        assertThat(status.at("/status/replicas").asInt()).isEqualTo(3);
        assertThat(status.at("/spec/replicas").asInt()).as("status writes only status").isEqualTo(3);
        assertThat(status.at("/metadata/generation").asInt()).isEqualTo(2);
        ObjectNode scale = deployments.patch("gen", "scale", ApiClient.MERGE_PATCH, "{\"spec\":{\"replicas\":5}}");
        assertThat(scale.path("kind").asText()).isEqualTo("Scale");
        assertThat(scale.at("/spec/replicas").asInt()).isEqualTo(5);
        assertThat(scale.at("/status/selector").asText()).isEqualTo("app=gen");
        assertThat(deployments.get("gen").at("/spec/replicas").asInt()).isEqualTo(5);
    }

    @Test
    void finalizersHoldADeletedObjectUntilTheyAreRemoved() {
        ObjectNode cm = configMap("held");
        ((ObjectNode) cm.get("metadata")).putArray("finalizers").add("example.com/hold");
        cms().create(cm);
        cms().delete("held");
        ObjectNode deleting = cms().get("held");
        assertThat(deleting.at("/metadata/deletionTimestamp").asText()).isNotEmpty();
        ApiException noNew = failure(() -> cms().patch("held", ApiClient.JSON_PATCH,
                "[{\"op\":\"add\",\"path\":\"/metadata/finalizers/-\",\"value\":\"example.com/other\"}]"));
        assertThat(noNew.code()).isEqualTo(422);
        cms().patch("held", ApiClient.MERGE_PATCH, "{\"metadata\":{\"finalizers\":null}}");
        assertThat(failure(() -> cms().get("held")).code()).isEqualTo(404);
    }

    @Test
    void aPodOnANodeIsDeletedGracefullyAndAnUnscheduledOneAtOnce() {
        ApiClient.ResourceClient pods = client.resource("v1", "pods").namespace("t");
        pods.create(ListAndConcurrencyTest.pod("unscheduled"));
        pods.delete("unscheduled");
        assertThat(failure(() -> pods.get("unscheduled")).code()).isEqualTo(404);
        pods.create(ListAndConcurrencyTest.pod("bound"));
        ObjectNode binding = (ObjectNode) Json.parse(("{\"apiVersion\":\"v1\",\"kind\":\"Binding\",\"metadata\":"
                + "{\"name\":\"bound\"},\"target\":{\"kind\":\"Node\",\"name\":\"node-1\"}}")
                .getBytes(StandardCharsets.UTF_8), false);
        pods.post("bound", "binding", binding);
        ObjectNode bound = pods.get("bound");
        assertThat(bound.at("/spec/nodeName").asText()).isEqualTo("node-1");
        assertThat(failure(() -> pods.post("bound", "binding", binding)).code()).isEqualTo(409);
        pods.delete("bound", Json.parse("{\"gracePeriodSeconds\":1}".getBytes(StandardCharsets.UTF_8), false));
        assertThat(pods.get("bound").at("/metadata/deletionTimestamp").asText()).isNotEmpty();
        Awaitility.await().atMost(15, TimeUnit.SECONDS).until(() -> {
            try {
                pods.get("bound");
                return false;
            } catch (ApiException e) {
                return e.code() == 404;
            }
        });
    }

    @Test
    void aTerminatingNamespaceTakesNoNewContentAndAMissingOneIs404() {
        ObjectNode ns = JsonNodeFactory.instance.objectNode();
        ns.putObject("metadata").put("name", "closing");
        client.resource("v1", "namespaces").create(ns);
        client.resource("v1", "namespaces").delete("closing");
        ObjectNode terminating = client.resource("v1", "namespaces").get("closing");
        assertThat(terminating.at("/status/phase").asText()).isEqualTo("Terminating");
        ApiException refused = failure(() -> client.resource("v1", "configmaps").namespace("closing")
                .create(configMap("late")));
        assertThat(refused.code()).isEqualTo(403);
        assertThat(refused.getMessage()).contains("because it is being terminated");
        ApiException missing = failure(() -> client.resource("v1", "configmaps").namespace("nowhere")
                .create(configMap("x")));
        assertThat(missing.code()).isEqualTo(404);
        assertThat(missing.getMessage()).isEqualTo("namespaces \"nowhere\" not found");
        ObjectNode finalize = terminating.deepCopy();
        ((ObjectNode) finalize.get("spec")).putArray("finalizers");
        client.transport().call("PUT", "/api/v1/namespaces/closing/finalize", Map.of(), "application/json",
                Json.bytes(finalize));
        assertThat(failure(() -> client.resource("v1", "namespaces").get("closing")).code()).isEqualTo(404);
    }

    @Test
    void dryRunValidatesWithoutWriting() {
        Transport.Response r = client.transport().call("POST", "/api/v1/namespaces/t/configmaps",
                Map.of("dryRun", "All"), "application/json", Json.bytes(configMap("dry")));
        assertThat(r.code()).isEqualTo(201);
        assertThat(failure(() -> cms().get("dry")).code()).isEqualTo(404);
    }

    @Test
    void badInputGetsAStatusAndWritesNothing() {
        Transport.Response malformed = http.transport().call("POST", "/api/v1/namespaces/t/configmaps", Map.of(),
                "application/json", "{\"metadata\":".getBytes(StandardCharsets.UTF_8));
        assertThat(malformed.code()).isEqualTo(400);
        assertThat(Json.parse(malformed.body(), false).path("kind").asText()).isEqualTo("Status");
        Transport.Response badYaml = http.transport().call("POST", "/api/v1/namespaces/t/configmaps", Map.of(),
                "application/yaml", "metadata: [unclosed".getBytes(StandardCharsets.UTF_8));
        assertThat(badYaml.code()).isEqualTo(400);
        byte[] huge = new byte[3 * 1024 * 1024 + 10];
        java.util.Arrays.fill(huge, (byte) 'a');
        Transport.Response tooBig = http.transport().call("POST", "/api/v1/namespaces/t/configmaps", Map.of(),
                "application/json", huge);
        assertThat(tooBig.code()).isEqualTo(413);
        Transport.Response unknown = http.transport().call("GET", "/api/v1/namespaces/t/widgets", Map.of(), null, null);
        assertThat(unknown.code()).isEqualTo(404);
        assertThat(Json.parse(unknown.body(), false).path("reason").asText()).isEqualTo("NotFound");
        ObjectNode wrongKind = configMap("wrong");
        wrongKind.put("kind", "Secret");
        ApiException kind = failure(() -> cms().create(wrongKind));
        assertThat(kind.code()).isEqualTo(400);
        ObjectNode wrongVersion = configMap("wrong");
        wrongVersion.put("apiVersion", "apps/v1");
        assertThat(failure(() -> cms().create(wrongVersion)).code()).isEqualTo(400);
        assertThat(failure(() -> cms().get("wrong")).code()).isEqualTo(404);
        Transport.Response noCert = ApiClient.of(Transport.http(c.server.url(), trustOnly(), null)).transport()
                .call("GET", "/api/v1/namespaces", Map.of(), null, null);
        assertThat(noCert.code()).isEqualTo(401);
    }

    private static javax.net.ssl.SSLContext trustOnly() {
        try {
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("ca", c.server.pki().ca().certificate());
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance("PKIX");
            tmf.init(ks);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void watchesFilterBySelectorAndATooOldVersionGetsAnErrorEvent() throws Exception {
        List<ObjectNode> events = new CopyOnWriteArrayList<>();
        ObjectNode labelled = configMap("watched");
        ((ObjectNode) labelled.get("metadata")).putObject("labels").put("watch", "me");
        String rv = cms().list().at("/metadata/resourceVersion").asText();
        try (AutoCloseable w = http.resource("v1", "configmaps").namespace("t")
                .watch(rv, Map.of("labelSelector", "watch=me"), events::add, () -> { })) {
            cms().create(configMap("ignored"));
            cms().create(labelled);
            cms().patch("watched", ApiClient.MERGE_PATCH, "{\"metadata\":{\"labels\":{\"watch\":\"not-me\"}}}");
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> events.size() >= 2);
        }
        assertThat(events).extracting(e -> e.path("type").asText()).containsExactly("ADDED", "DELETED");
        assertThat(events).extracting(e -> e.at("/object/metadata/name").asText()).containsOnly("watched");

    }

    @Test
    void discoveryVersionHealthAndMetricsAnswer() throws Exception {
        JsonNode version = http.raw("/version");
        assertThat(version.path("minor").asText()).isEqualTo("32");
        JsonNode core = http.raw("/api/v1");
        assertThat(core.path("resources").findValuesAsText("name")).contains("pods", "pods/status", "pods/binding",
                "namespaces/finalize", "services", "configmaps");
        JsonNode apps = http.raw("/apis/apps/v1");
        JsonNode scale = null;
        for (JsonNode r : apps.path("resources")) {
            if (r.path("name").asText().equals("deployments/scale")) {
                scale = r;
            }
        }
        assertThat(scale).isNotNull();
        assertThat(scale.path("group").asText()).isEqualTo("autoscaling");
        assertThat(scale.path("kind").asText()).isEqualTo("Scale");
        assertThat(http.raw("/apis").path("groups").findValuesAsText("name"))
                .containsExactly("apps", "authentication.k8s.io", "authorization.k8s.io", "batch",
                        "rbac.authorization.k8s.io", "apiextensions.k8s.io", "coordination.k8s.io", "discovery.k8s.io");
        Transport.Response aggregated = http.transport().call("GET", "/apis", Map.of(), null, null);
        assertThat(aggregated.contentType()).as("plain discovery unless asked").doesNotContain("apidiscovery");
        readyzAndAggregatedDiscovery();
        Transport.Response readyz = http.transport().call("GET", "/readyz", Map.of(), null, null);
        assertThat(readyz.code()).isEqualTo(200);
        Transport.Response openapi = http.transport().call("GET", "/openapi/v3", Map.of(), null, null);
        assertThat(openapi.code()).isEqualTo(404);
        cms().list(Map.of("resourceVersion", "0"));
        String metrics = new String(http.transport().call("GET", "/metrics", Map.of(), null, null).body(),
                StandardCharsets.UTF_8);
        assertThat(metrics).contains("apiserver_request_total").containsPattern("cairn_apiserver_store_watches\\S* [1-9]");
    }

    @Test
    void servicesGetClusterIpsFromTheRangeAndNeverTheSameOne() {
        ApiClient.ResourceClient services = client.resource("v1", "services").namespace("t");
        ObjectNode a = (ObjectNode) Json.parse("{\"metadata\":{\"name\":\"a\"},\"spec\":{\"ports\":[{\"port\":80}]}}"
                .getBytes(StandardCharsets.UTF_8), false);
        ObjectNode b = a.deepCopy();
        ((ObjectNode) b.get("metadata")).put("name", "b");
        String ipA = services.create(a).at("/spec/clusterIP").asText();
        String ipB = services.create(b).at("/spec/clusterIP").asText();
        assertThat(ipA).startsWith("10.").isNotEqualTo(ipB);
        ObjectNode c2 = a.deepCopy();
        ((ObjectNode) c2.get("metadata")).put("name", "c");
        ((ObjectNode) c2.get("spec")).put("clusterIP", ipA);
        assertThat(failure(() -> services.create(c2)).code()).isEqualTo(409);
        services.delete("a");
        assertThat(services.create(c2).at("/spec/clusterIP").asText()).isEqualTo(ipA);
    }

    /** A user's own types, as a controller would declare them: only the fields it needs. */
    record Meta(String name, String namespace, String resourceVersion, Map<String, String> labels) {
    }

    record Settings(String apiVersion, String kind, Meta metadata, Map<String, String> data) {
    }

    @Test
    void theClientMapsObjectsToTheCallersOwnTypes() {
        ApiClient.ResourceClient typed = cms();
        Settings created = typed.create(new Settings("v1", "ConfigMap", new Meta("typed", null, null,
                Map.of("app", "typed")), Map.of("mode", "fast")));
        assertThat(created.metadata().namespace()).isEqualTo("t");
        assertThat(created.metadata().resourceVersion()).isNotEmpty();
        Settings changed = new Settings(created.apiVersion(), created.kind(), created.metadata(), Map.of("mode", "safe"));
        Settings updated = typed.update(changed);
        assertThat(updated.data()).containsEntry("mode", "safe");
        assertThat(typed.list(Map.of("labelSelector", "app=typed"), Settings.class))
                .extracting(s -> s.metadata().name()).containsExactly("typed");
        ApiException stale = failure(() -> typed.update(changed));
        assertThat(stale.code()).isEqualTo(409);
    }
}
