package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Failures a review found (robustness 52-60): each test fails without its fix. Plain HTTP/1.1 on loopback. */
class ServerRobustnessTest {
    @TempDir
    static Path dir;
    static ApiServer server;
    static ApiClient http;
    static ApiClient local;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir.resolve("data")).withPort(0).withTls(false)
                .withCompactionMillis(500));
        http = ApiClient.of(Transport.http(server.url(), null, null));
        local = ApiClient.of(Transport.inProcess(server.dispatcher(), "tester"));
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ObjectNode configMap(String name, int bytes) {
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.putObject("metadata").put("name", name);
        cm.putObject("data").put("v", "x".repeat(bytes));
        return cm;
    }

    /** Robustness 52: a watcher whose handler throws is ended alone; the cache and every other watcher go on. */
    @Test
    void aWatcherThatThrowsIsEndedAloneAndTheCacheGoesOn() throws Exception {
        ApiClient.ResourceClient cms = local.resource("v1", "configmaps").namespace("default");
        List<String> healthy = new CopyOnWriteArrayList<>();
        try (AutoCloseable a = cms.watch("", Map.of(), e -> healthy.add(e.at("/object/metadata/name").asText()),
                () -> { });
             AutoCloseable b = cms.watch("", Map.of(), e -> {
                 if (e.at("/object/metadata/name").asText().equals("boom")) {
                     throw new IllegalStateException("a buggy handler");
                 }
             }, () -> { })) {
            cms.create(configMap("boom", 1));
            cms.create(configMap("after-boom", 1));
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> healthy.contains("after-boom"));
        }
        long cached = local.resource("v1", "configmaps").namespace("default")
                .list(Map.of("resourceVersion", "0")).get("items").size();
        long stored = cms.list().get("items").size();
        assertThat(cached).isEqualTo(stored);
    }

    /** Robustness 53: a pod terminating on its node can still be updated (by its node) without being deleted. */
    @Test
    void anUpdateDuringGracefulDeletionKeepsThePod() {
        ApiClient.ResourceClient pods = local.resource("v1", "pods").namespace("default");
        ObjectNode pod = ListAndConcurrencyTest.pod("terminating");
        ((ObjectNode) pod.get("spec")).put("nodeName", "n1");
        pods.create(pod);
        pods.delete("terminating");
        pods.patch("terminating", ApiClient.MERGE_PATCH, "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}");
        ObjectNode after = pods.get("terminating");
        assertThat(after.at("/metadata/labels/x").asText()).isEqualTo("y");
        assertThat(after.at("/metadata/deletionGracePeriodSeconds").asInt()).isEqualTo(30);
        pods.delete("terminating", Json.parse("{\"gracePeriodSeconds\":0}".getBytes(StandardCharsets.UTF_8), false));
        assertThatThrownBy(() -> pods.get("terminating")).isInstanceOfSatisfying(ApiException.class,
                e -> assertThat(e.code()).isEqualTo(404));
    }

    /** Robustness 54: a bad watch request is a plain 400, and the connection still answers the next request. */
    @Test
    void aBadWatchIsA400AndTheConnectionStaysInStep() {
        Transport.Response bad = http.transport().call("GET", "/api/v1/namespaces/default/configmaps",
                Map.of("watch", "true", "resourceVersion", "abc"), null, null);
        assertThat(bad.code()).isEqualTo(400);
        assertThat(new String(bad.body(), StandardCharsets.UTF_8)).contains("invalid resource version \\\"abc\\\"");
        Transport.Response badSelector = http.transport().call("GET", "/api/v1/namespaces/default/configmaps",
                Map.of("watch", "true", "fieldSelector", "data.v=1"), null, null);
        assertThat(badSelector.code()).isEqualTo(400);
        assertThat(http.raw("/version").path("minor").asText()).isEqualTo("32");
    }

    /** Robustness 55: a watch from "" starts with every object, however many bytes they take. */
    @Test
    void aWatchFromNothingGetsEveryObjectEvenPastTheLagBound() throws Exception {
        local.resource("v1", "namespaces").create((ObjectNode) Json.parse(
                "{\"metadata\":{\"name\":\"big\"}}".getBytes(StandardCharsets.UTF_8), false));
        ApiClient.ResourceClient cms = local.resource("v1", "configmaps").namespace("big");
        int n = 2_300; // 2,300 x 8 KiB: more than the 16 MiB a live watcher may lag
        for (int i = 0; i < n; i++) {
            cms.create(configMap("c" + i, 8 * 1024));
        }
        Set<String> seen = ConcurrentHashMap.newKeySet();
        try (AutoCloseable w = http.resource("v1", "configmaps").namespace("big").watch("", Map.of(),
                e -> seen.add(e.path("type").asText() + " " + e.at("/object/metadata/name").asText()), () -> { })) {
            Awaitility.await().atMost(60, TimeUnit.SECONDS).until(() -> seen.size() >= n);
        }
        assertThat(seen).hasSize(n).allMatch(s -> s.startsWith("ADDED "));
    }

    /** Robustness 57: a service that changes type gets or gives back its cluster IP in the same write. */
    @Test
    void aServiceChangingTypeGetsOrReleasesItsClusterIp() {
        ApiClient.ResourceClient services = local.resource("v1", "services").namespace("default");
        services.create((ObjectNode) Json.parse(("{\"metadata\":{\"name\":\"ext\"},\"spec\":{\"type\":\"ExternalName\","
                + "\"externalName\":\"example.com\"}}").getBytes(StandardCharsets.UTF_8), false));
        ObjectNode clusterIp = services.patch("ext", ApiClient.MERGE_PATCH,
                "{\"spec\":{\"type\":\"ClusterIP\",\"externalName\":null,\"ports\":[{\"port\":80}]}}");
        String ip = clusterIp.at("/spec/clusterIP").asText();
        assertThat(ip).startsWith("10.");
        services.patch("ext", ApiClient.MERGE_PATCH,
                "{\"spec\":{\"type\":\"ExternalName\",\"externalName\":\"example.com\",\"clusterIP\":null,"
                        + "\"clusterIPs\":null,\"ports\":null}}");
        ObjectNode reuse = (ObjectNode) Json.parse(("{\"metadata\":{\"name\":\"reuse\"},\"spec\":{\"clusterIP\":\"" + ip
                + "\",\"ports\":[{\"port\":80}]}}").getBytes(StandardCharsets.UTF_8), false);
        assertThat(services.create(reuse).at("/spec/clusterIP").asText()).isEqualTo(ip);
    }

    /** Robustness 59: a server that cannot bind its port fails to start and leaves no thread running. */
    @Test
    void aServerThatCannotBindLeavesNoThreadsBehind() throws Exception {
        Set<Thread> before = Set.copyOf(liveNonDaemon());
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            assertThatThrownBy(() -> ApiServer.start(ApiServer.Config.of(dir.resolve("second")).withTls(false)
                    .withPort(taken.getLocalPort()))).isInstanceOf(java.net.BindException.class);
        }
        try {
            Awaitility.await().pollInSameThread().atMost(10, TimeUnit.SECONDS).until(() -> before.containsAll(liveNonDaemon()));
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            List<Thread> left = liveNonDaemon();
            left.removeAll(before);
            throw new AssertionError("threads left running: " + left.stream().map(t -> t.getName() + " "
                    + java.util.Arrays.toString(t.getStackTrace())).toList(), e);
        }
    }

    private static List<Thread> liveNonDaemon() {
        return new java.util.ArrayList<>(Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !t.isDaemon()).toList());
    }

    /** The store's history is compacted every interval, up to the revision seen one interval before. */
    @Test
    void theStoreIsCompactedPeriodically() {
        ApiClient.ResourceClient cms = local.resource("v1", "configmaps").namespace("default");
        cms.create(configMap("compact-me", 1));
        Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> {
            cms.patch("compact-me", ApiClient.MERGE_PATCH, "{\"data\":{\"t\":\"" + System.nanoTime() + "\"}}");
            return server.storage().compactedRevision() > 0;
        });
    }

    /** A resourceVersion the store has not reached is answered 504 "Too large resource version". */
    @Test
    void aResourceVersionFromTheFutureIsA504() {
        long future = server.storage().currentRevision() + 1_000_000;
        assertThatThrownBy(() -> local.resource("v1", "configmaps").namespace("default")
                .list(Map.of("resourceVersion", Long.toString(future), "resourceVersionMatch", "NotOlderThan")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(504);
                    assertThat(e.getMessage()).startsWith("Too large resource version: " + future);
                });
    }

    /** Robustness 63: paths naming resources nobody serves do not grow the metrics (one meter per served resource). */
    @Test
    void unknownResourcesDoNotCreateMetersWithoutBound() {
        for (int i = 0; i < 50; i++) {
            Transport.Response r = http.transport().call("GET", "/api/v1/namespaces/default/widgets-" + i, Map.of(),
                    null, null);
            assertThat(r.code()).isEqualTo(404);
        }
        String metrics = new String(http.transport().call("GET", "/metrics", Map.of(), null, null).body(),
                StandardCharsets.UTF_8);
        assertThat(metrics).doesNotContain("widgets-").contains("resource=\"unknown\"");
    }
}
