package io.cairn.controlplane.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.Store;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A controller (informer → queue → reconciler) against a real in-process API server. */
class ControllerTest {
    @TempDir
    Path dir;
    private ApiServer server;
    private ApiClient client;
    private ApiClient.ResourceClient cms;

    @BeforeEach
    void setUp() throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false));
        client = ApiClient.of(Transport.inProcess(server.dispatcher(), "controller-test"));
        cms = client.resource("v1", "configmaps").namespace("default");
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    private static ObjectNode configMap(String name, String value) {
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        cm.putObject("metadata").put("name", name);
        cm.putObject("data").put("v", value);
        return cm;
    }

    @Test
    void aReconcilerThatThrowsIsRetriedWithGrowingBackoffThenForgotten() throws Exception {
        cms.create(configMap("flaky", "1"));
        List<Long> attempts = new CopyOnWriteArrayList<>();
        Reconciler flaky = key -> {
            attempts.add(System.nanoTime());
            if (attempts.size() <= 3) {
                // a real failure: an update guarded on a resourceVersion that is stale by now → 409 Conflict
                ObjectNode stale = cms.get(Store.nameOf(key));
                cms.patch(Store.nameOf(key), ApiClient.MERGE_PATCH,
                        "{\"data\":{\"v\":\"moved-" + attempts.size() + "\"}}");
                stale.withObjectProperty("data").put("v", "mine");
                cms.update(stale);
            }
            return Result.done();
        };
        WorkQueue<String> queue = new WorkQueue<>("flaky",
                new ExponentialBackoffRateLimiter<>(Duration.ofMillis(50), Duration.ofSeconds(10)));
        try (Controller c = new Controller("flaky", queue, flaky, 2)) {
            c.start();
            queue.add("default/flaky");
            await().atMost(Duration.ofSeconds(10)).until(() -> attempts.size() == 4);
            await().atMost(Duration.ofSeconds(5)).until(() -> queue.numRequeues("default/flaky") == 0);
        }
        assertThat(attempts).hasSize(4);
        for (int i = 1; i < 4; i++) {
            long gapMillis = (attempts.get(i) - attempts.get(i - 1)) / 1_000_000;
            assertThat(gapMillis).as("retry %d waits its backoff of %d ms", i, 50 << (i - 1))
                    .isGreaterThanOrEqualTo(50L << (i - 1));
        }
        assertThat(cms.get("flaky").path("data").path("v").asText()).isEqualTo("moved-3");
    }

    @Test
    void anInformerDrivenControllerReconcilesEachObjectToItsDesiredStateAndResultsSteerTheQueue() throws Exception {
        // desired state: every ConfigMap labelled role=source has a ConfigMap "<name>-copy" with the same data
        Informer sources = new Informer(client, "v1", "configmaps", "default", "role=source", Informer.Options.defaults());
        AtomicInteger requeuedOnce = new AtomicInteger();
        AtomicInteger later = new AtomicInteger();
        Reconciler copier = key -> {
            ObjectNode src = sources.store().get(key);
            if (src == null) {
                return Result.done();
            }
            if (src.path("data").path("v").asText().equals("wait") && requeuedOnce.getAndIncrement() == 0) {
                return Result.requeue();
            }
            if (src.path("data").path("v").asText().equals("later") && later.getAndIncrement() == 0) {
                return Result.requeueAfter(Duration.ofMillis(100));
            }
            ObjectNode copy = configMap(Store.nameOf(key) + "-copy", src.path("data").path("v").asText());
            try {
                cms.create(copy);
            } catch (ApiException e) {
                if (e.code() != 409) {
                    throw e;
                }
                cms.patch(Store.nameOf(key) + "-copy", ApiClient.MERGE_PATCH,
                        "{\"data\":{\"v\":\"" + src.path("data").path("v").asText() + "\"}}");
            }
            return Result.done();
        };
        try (sources; Controller c = Controller.of("copier", copier, 2).watch(sources)) {
            sources.start();
            await().atMost(Duration.ofSeconds(10)).until(sources::hasSynced);
            c.start();
            for (String[] nv : new String[][] {{"a", "1"}, {"b", "wait"}, {"c", "later"}}) {
                ObjectNode cm = configMap(nv[0], nv[1]);
                cm.withObjectProperty("metadata").putObject("labels").put("role", "source");
                cms.create(cm);
            }
            cms.patch("a", ApiClient.MERGE_PATCH, "{\"data\":{\"v\":\"2\"}}");
            // a copy not made yet is a 404 from get: wait on, the copies come
            await().atMost(Duration.ofSeconds(10)).ignoreExceptionsInstanceOf(ApiException.class).untilAsserted(() -> {
                assertThat(cms.get("a-copy").path("data").path("v").asText()).isEqualTo("2");
                assertThat(cms.get("b-copy").path("data").path("v").asText()).isEqualTo("wait");
                assertThat(cms.get("c-copy").path("data").path("v").asText()).isEqualTo("later");
            });
            assertThat(requeuedOnce.get()).isGreaterThanOrEqualTo(2);
            assertThat(later.get()).isGreaterThanOrEqualTo(2);
        }
    }
}
