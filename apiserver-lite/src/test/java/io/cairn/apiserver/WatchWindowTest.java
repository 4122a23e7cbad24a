package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A watch cache keeps a bounded window of events: a watch from a version before it gets 410 Expired as an event. */
class WatchWindowTest {
    @TempDir
    Path dir;

    @Test
    void aWatchFromBeforeTheWindowGetsAnErrorEventWith410AndOneInsideReplays() throws Exception {
        ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false).withWatchWindow(20));
        try {
            ApiClient client = ApiClient.of(io.cairn.apiserver.client.Transport.http(server.url(), null, null));
            ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
            ObjectNode cm = JsonNodeFactory.instance.objectNode();
            cm.putObject("metadata").put("name", "busy");
            String first = cms.create(cm).at("/metadata/resourceVersion").asText();
            for (int i = 0; i < 30; i++) {
                cms.patch("busy", ApiClient.MERGE_PATCH, "{\"data\":{\"n\":\"" + i + "\"}}");
            }
            List<ObjectNode> old = new CopyOnWriteArrayList<>();
            try (AutoCloseable w = cms.watch(first, Map.of(), old::add, () -> { })) {
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> !old.isEmpty());
            }
            assertThat(old.get(0).path("type").asText()).isEqualTo("ERROR");
            assertThat(old.get(0).at("/object/code").asInt()).isEqualTo(410);
            assertThat(old.get(0).at("/object/reason").asText()).isEqualTo("Expired");
            assertThat(old.get(0).at("/object/message").asText()).startsWith("too old resource version: " + first);

            String recent = cms.get("busy").at("/metadata/resourceVersion").asText();
            cms.patch("busy", ApiClient.MERGE_PATCH, "{\"data\":{\"n\":\"last\"}}");
            List<ObjectNode> replayed = new CopyOnWriteArrayList<>();
            try (AutoCloseable w = cms.watch(recent, Map.of(), replayed::add, () -> { })) {
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> !replayed.isEmpty());
            }
            assertThat(replayed.get(0).path("type").asText()).isEqualTo("MODIFIED");
            assertThat(replayed.get(0).at("/object/data/n").asText()).isEqualTo("last");
        } finally {
            server.close();
        }
    }

    @Test
    void bookmarksCarryTheResourceVersionAndTimeoutSecondsEndsTheWatch() throws Exception {
        ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false).withBookmarkMillis(300));
        try {
            ApiClient client = ApiClient.of(io.cairn.apiserver.client.Transport.http(server.url(), null, null));
            ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
            ObjectNode cm = JsonNodeFactory.instance.objectNode();
            cm.putObject("metadata").put("name", "marked");
            String rv = cms.create(cm).at("/metadata/resourceVersion").asText();
            List<ObjectNode> events = new CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
            long start = System.nanoTime();
            try (AutoCloseable w = cms.watch(rv, Map.of("allowWatchBookmarks", "true", "timeoutSeconds", "2"),
                    events::add, ended::countDown)) {
                assertThat(ended.await(20, TimeUnit.SECONDS)).as("timeoutSeconds ends the watch").isTrue();
            }
            assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(TimeUnit.SECONDS.toNanos(2));
            assertThat(events).isNotEmpty().allSatisfy(e -> {
                assertThat(e.path("type").asText()).isEqualTo("BOOKMARK");
                assertThat(e.at("/object/kind").asText()).isEqualTo("ConfigMap");
                assertThat(Long.parseLong(e.at("/object/metadata/resourceVersion").asText()))
                        .isGreaterThanOrEqualTo(Long.parseLong(rv));
            });
        } finally {
            server.close();
        }
    }
}
