package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.ApiException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NamespaceControllerTest extends CtrlTestSupport.EnvTest {
    private boolean gone(String ns) {
        try {
            env.client.resource("v1", "namespaces").get(ns);
            return false;
        } catch (ApiException e) {
            return e.code() == 404;
        }
    }

    @Test
    void discoversNamespacedResourcesWithDelete() throws Exception {
        env = new CtrlTestSupport(dir);
        var resources = new NamespaceController(env.client, env.informers).discover();
        assertThat(resources).contains(new NamespaceController.Resource("v1", "pods"),
                new NamespaceController.Resource("v1", "configmaps"),
                new NamespaceController.Resource("apps/v1", "deployments"),
                new NamespaceController.Resource("batch/v1", "jobs"));
        assertThat(resources).noneMatch(r -> r.plural().contains("/") || r.plural().equals("nodes")
                || r.plural().equals("namespaces"));
    }

    @Test
    void aDeletedNamespaceLosesItsContentWaitsForFinalizersThenGoes() throws Exception {
        env = new CtrlTestSupport(dir, (m, p) -> m.equals("PUT") && p.equals("/api/v1/namespaces/doomed/status"));
        env.startInformers();
        env.createNamespace("doomed");
        env.createNamespace("kept");
        env.createPod("doomed", "p1", Map.of("app", "x"), null);
        env.createPod("kept", "p1", Map.of("app", "x"), null);
        env.client.resource("v1", "configmaps").namespace("doomed")
                .create(parse("{'metadata':{'name':'held','finalizers':['example.com/hold']},'data':{'a':'b'}}"));
        env.client.resource("v1", "services").namespace("doomed")
                .create(parse("{'metadata':{'name':'svc'},'spec':{'selector':{'app':'x'},'ports':[{'port':80}]}}"));
        env.client.resource("apps/v1", "deployments").namespace("doomed").create(parse(
                "{'metadata':{'name':'web'},'spec':{'selector':{'matchLabels':{'app':'web'}},'template':{'metadata':"
                        + "{'labels':{'app':'web'}},'spec':{'containers':[{'name':'c','image':'nginx'}]}}}}"));
        try (NamespaceController c = new NamespaceController(env.client, env.informers, Duration.ofMillis(200))) {
            c.start(1);
            env.client.resource("v1", "namespaces").delete("doomed");
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                JsonNode ns = env.client.resource("v1", "namespaces").get("doomed");
                return CtrlUtil.conditionTrue(ns.path("status").path("conditions"), "NamespaceFinalizersRemaining")
                        && env.pods("doomed").list().path("items").isEmpty();
            });
            JsonNode ns = env.client.resource("v1", "namespaces").get("doomed");
            assertThat(ns.path("status").path("phase").asText()).isEqualTo("Terminating");
            JsonNode content = CtrlUtil.condition(ns.path("status").path("conditions"), "NamespaceContentRemaining");
            assertThat(content.path("status").asText()).isEqualTo("True");
            assertThat(content.path("message").asText()).contains("configmaps. has 1 resource instances");
            assertThat(env.client.resource("apps/v1", "deployments").namespace("doomed").list().path("items")).isEmpty();
            assertThat(env.client.resource("v1", "services").namespace("doomed").list().path("items")).isEmpty();
            // the holder lets go
            env.client.resource("v1", "configmaps").namespace("doomed").patch("held", "application/merge-patch+json",
                    "{\"metadata\":{\"finalizers\":null}}");
            await().atMost(Duration.ofSeconds(20)).until(() -> gone("doomed"));
            assertThat(env.pods("kept").list().path("items")).hasSize(1);
            assertThat(env.conflict.conflicts.get()).as("a write met a 409").isEqualTo(1);
            assertThat(gone("kept")).isFalse();
        }
    }

    @Test
    void aRestartedControllerFinishesTheJob() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        env.createNamespace("half");
        env.client.resource("v1", "configmaps").namespace("half")
                .create(parse("{'metadata':{'name':'held','finalizers':['example.com/hold']}}"));
        env.createPod("half", "p", Map.of(), null);
        try (NamespaceController first = new NamespaceController(env.client, env.informers, Duration.ofMillis(200))) {
            first.start(1);
            env.client.resource("v1", "namespaces").delete("half");
            await().atMost(Duration.ofSeconds(20)).until(() -> env.pods("half").list().path("items").isEmpty());
        }
        env.client.resource("v1", "configmaps").namespace("half").patch("held", "application/merge-patch+json",
                "{\"metadata\":{\"finalizers\":null}}");
        try (NamespaceController second = new NamespaceController(env.client, env.informers, Duration.ofMillis(200))) {
            second.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> gone("half"));
        }
    }
}
