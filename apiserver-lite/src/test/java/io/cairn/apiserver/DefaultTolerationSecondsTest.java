package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ApiServer.Config#withDefaultTolerationSeconds}: the DefaultTolerationSeconds admission's value. */
class DefaultTolerationSecondsTest {
    @TempDir
    Path dir;

    @Test
    void podsGetTheConfiguredTolerationSecondsAndKeepTheirOwn() throws Exception {
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false)
                .withDefaultTolerationSeconds(7))) {
            ApiClient.ResourceClient pods = ApiClient.of(Transport.inProcess(server.dispatcher(), "test"))
                    .resource("v1", "pods").namespace("default");
            ObjectMapper m = new ObjectMapper();
            ObjectNode plain = pods.create(m.readTree("""
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"plain"},
                     "spec":{"containers":[{"name":"c","image":"busybox"}]}}"""));
            JsonNode t = plain.path("spec").path("tolerations");
            assertThat(t).hasSize(2);
            assertThat(t.findValuesAsText("key")).containsExactly("node.kubernetes.io/not-ready",
                    "node.kubernetes.io/unreachable");
            t.forEach(tol -> assertThat(tol.path("tolerationSeconds").asLong()).isEqualTo(7));

            ObjectNode own = pods.create(m.readTree("""
                    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"own"},
                     "spec":{"containers":[{"name":"c","image":"busybox"}],"tolerations":[{"key":
                     "node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":600}]}}"""));
            assertThat(own.path("spec").path("tolerations").findValuesAsText("tolerationSeconds"))
                    .containsExactly("600", "7");
        }
    }
}
