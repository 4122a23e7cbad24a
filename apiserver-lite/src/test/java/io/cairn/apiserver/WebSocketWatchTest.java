package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.auth.User;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch over WebSocket, as fabric8 opens it: an HTTP/1.1 upgrade of the watch's GET, then one text frame per event
 * (the same JSON as a chunked watch), ended by the server with a close frame at the watch's timeout; anything but a
 * watch is refused before the upgrade.
 */
class WebSocketWatchTest {
    @TempDir
    Path dir;

    @Test
    void eachEventIsATextFrameAndTheWatchTimeoutClosesTheSocket() throws Exception {
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false))) {
            ApiClient client = ApiClient.of(Transport.inProcess(server.dispatcher(), User.ADMIN.name()));
            List<JsonNode> frames = new CopyOnWriteArrayList<>();
            CompletableFuture<Integer> closed = new CompletableFuture<>();
            String ws = server.url().replace("http://", "ws://");
            WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(URI.create(ws
                    + "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=2"), new WebSocket.Listener() {
                        private final StringBuilder partial = new StringBuilder();

                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            partial.append(data);
                            if (last) {
                                frames.add(Json.parse(partial.toString().getBytes(StandardCharsets.UTF_8), false));
                                partial.setLength(0);
                            }
                            w.request(1);
                            return null;
                        }

                        @Override
                        public CompletionStage<?> onClose(WebSocket w, int status, String reason) {
                            closed.complete(status);
                            return null;
                        }
                    }).get(10, TimeUnit.SECONDS);
            client.resource("v1", "configmaps").namespace("default").create(ApiBehaviourTest.configMap("over-ws"));
            Awaitility.await().atMost(5, TimeUnit.SECONDS).until(() -> !frames.isEmpty());
            assertThat(frames.get(0).path("type").asText()).isEqualTo("ADDED");
            assertThat(frames.get(0).path("object").path("metadata").path("name").asText()).isEqualTo("over-ws");
            assertThat(closed.get(10, TimeUnit.SECONDS)).as("closed normally at the timeout").isEqualTo(1000);
            socket.abort();

            CompletableFuture<WebSocket> refused = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(
                    URI.create(ws + "/api/v1/namespaces/default/configmaps"), new WebSocket.Listener() { });
            assertThat(refused).failsWithin(10, TimeUnit.SECONDS);
        }
    }
}
