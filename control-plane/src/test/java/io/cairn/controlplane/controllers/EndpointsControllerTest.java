package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointsControllerTest extends CtrlTestSupport.EnvTest {
    private ApiClient.ResourceClient eps() {
        return env.client.resource("v1", "endpoints").namespace("default");
    }

    private List<JsonNode> slices(String svc) {
        List<JsonNode> out = new ArrayList<>();
        env.client.resource("discovery.k8s.io/v1", "endpointslices").namespace("default")
                .list(Map.of("labelSelector", "kubernetes.io/service-name=" + svc)).path("items").forEach(out::add);
        return out;
    }

    private JsonNode endpointsOrNull(String name) {
        try {
            return eps().get(name);
        } catch (ApiException e) {
            return null;
        }
    }

    private static List<String> ips(JsonNode addresses) {
        List<String> out = new ArrayList<>();
        addresses.forEach(a -> out.add(a.path("ip").asText()));
        return out;
    }

    private void createService() {
        env.client.resource("v1", "services").namespace("default").create(parse("{'metadata':{'name':'web','labels':"
                + "{'tier':'front'}},'spec':{'selector':{'app':'web'},'ports':[{'name':'http','port':80,"
                + "'targetPort':'http'},{'name':'admin','port':81,'targetPort':9090}]}}"));
    }

    @Test
    void endpointsAndSlicesFollowTheServicesReadyAndNotReadyPodsDespiteAConflict() throws Exception {
        env = new CtrlTestSupport(dir, (m, p) -> m.equals("PUT") && p.endsWith("/endpoints/web"));
        env.startInformers();
        env.createPod("default", "a", Map.of("app", "web"), "node-1");
        env.createPod("default", "b", Map.of("app", "web"), "node-2");
        env.createPod("default", "c", Map.of("app", "web"), null);
        env.createPod("default", "other", Map.of("app", "db"), null);
        env.setPodStatus("default", "a", "Running", true, "10.1.0.1");
        env.setPodStatus("default", "b", "Running", false, "10.1.0.2");
        env.setPodStatus("default", "other", "Running", true, "10.1.0.9");
        createService();
        try (EndpointsController c = new EndpointsController(env.client, env.informers)) {
            c.start(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                JsonNode ep = endpointsOrNull("web");
                return ep != null && ep.path("subsets").size() == 1
                        && ips(ep.path("subsets").get(0).path("addresses")).equals(List.of("10.1.0.1"))
                        && ips(ep.path("subsets").get(0).path("notReadyAddresses")).equals(List.of("10.1.0.2"));
            });
            JsonNode subset = eps().get("web").path("subsets").get(0);
            JsonNode a = subset.path("addresses").get(0);
            assertThat(a.path("nodeName").asText()).isEqualTo("node-1");
            assertThat(a.path("targetRef").path("kind").asText()).isEqualTo("Pod");
            assertThat(a.path("targetRef").path("name").asText()).isEqualTo("a");
            assertThat(subset.path("ports").toString()).contains("\"name\":\"http\",\"port\":8080")
                    .contains("\"name\":\"admin\",\"port\":9090");
            assertThat(eps().get("web").path("metadata").path("labels").path("tier").asText()).isEqualTo("front");

            await().atMost(Duration.ofSeconds(20)).until(() -> slices("web").size() == 1
                    && slices("web").get(0).path("endpoints").size() == 2);
            JsonNode slice = slices("web").get(0);
            assertThat(slice.path("metadata").path("name").asText()).startsWith("web-");
            assertThat(slice.path("metadata").path("labels").path("endpointslice.kubernetes.io/managed-by").asText())
                    .isEqualTo("endpointslice-controller.k8s.io");
            assertThat(slice.path("addressType").asText()).isEqualTo("IPv4");
            JsonNode first = slice.path("endpoints").get(0);
            assertThat(first.path("addresses").get(0).asText()).isEqualTo("10.1.0.1");
            assertThat(first.path("conditions").path("ready").asBoolean()).isTrue();
            assertThat(first.path("conditions").path("serving").asBoolean()).isTrue();
            assertThat(first.path("conditions").path("terminating").asBoolean()).isFalse();
            assertThat(first.path("nodeName").asText()).isEqualTo("node-1");
            assertThat(slice.path("endpoints").get(1).path("conditions").path("ready").asBoolean()).isFalse();
            assertThat(slice.path("ports").toString()).contains("8080").contains("9090");
            assertThat(slice.path("metadata").path("ownerReferences").get(0).path("kind").asText()).isEqualTo("Service");

            // b turns ready, c gets an IP, a goes away
            env.setPodStatus("default", "b", "Running", true, "10.1.0.2");
            env.setPodStatus("default", "c", "Running", true, "10.1.0.3");
            env.pods("default").delete("a");
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                JsonNode ep = endpointsOrNull("web");
                return ips(ep.path("subsets").get(0).path("addresses")).equals(List.of("10.1.0.2", "10.1.0.3"))
                        && ep.path("subsets").get(0).path("notReadyAddresses").isMissingNode();
            });
            // a is on a node: it terminates gracefully, and the slice shows it terminating (serving, not ready)
            await().atMost(Duration.ofSeconds(20)).until(() -> slices("web").size() == 1
                    && slices("web").get(0).path("endpoints").size() == 3
                    && slices("web").get(0).path("endpoints").get(0).path("conditions").path("terminating").asBoolean());
            JsonNode term = slices("web").get(0).path("endpoints").get(0).path("conditions");
            assertThat(term.path("ready").asBoolean()).isFalse();
            assertThat(term.path("serving").asBoolean()).isTrue();
            assertThat(env.conflict.conflicts.get()).as("a write met a 409").isEqualTo(1);
            assertThat(slices("web").get(0).path("endpoints").get(1).path("conditions").path("ready").asBoolean()).isTrue();
        }
    }

    @Test
    void aRestartedControllerKeepsOneSliceAndRemovesWhatADeletedServiceLeft() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        env.createPod("default", "a", Map.of("app", "web"), null);
        env.setPodStatus("default", "a", "Running", true, "10.1.0.1");
        createService();
        try (EndpointsController first = new EndpointsController(env.client, env.informers)) {
            first.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> slices("web").size() == 1 && endpointsOrNull("web") != null);
        }
        env.createPod("default", "b", Map.of("app", "web"), null);
        env.setPodStatus("default", "b", "Running", true, "10.1.0.2");
        try (EndpointsController second = new EndpointsController(env.client, env.informers)) {
            second.start(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> slices("web").size() == 1
                    && slices("web").get(0).path("endpoints").size() == 2);
            env.client.resource("v1", "services").namespace("default").delete("web");
            await().atMost(Duration.ofSeconds(20)).until(() -> slices("web").isEmpty() && endpointsOrNull("web") == null);
        }
    }
}
