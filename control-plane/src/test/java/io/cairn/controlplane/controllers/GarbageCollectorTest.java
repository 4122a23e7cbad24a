package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GarbageCollectorTest extends CtrlTestSupport.EnvTest {
    private ApiClient.ResourceClient rs() {
        return env.client.resource("apps/v1", "replicasets").namespace("default");
    }

    private ApiClient.ResourceClient deployments() {
        return env.client.resource("apps/v1", "deployments").namespace("default");
    }

    private static String ref(JsonNode owner, String apiVersion, String kind) {
        return "[{'apiVersion':'" + apiVersion + "','kind':'" + kind + "','name':'" + CtrlTestSupport.name(owner)
                + "','uid':'" + owner.path("metadata").path("uid").asText() + "','controller':true,"
                + "'blockOwnerDeletion':true}]";
    }

    private static final String TEMPLATE = "'template':{'metadata':{'labels':{'app':'web'}},'spec':{'containers':"
            + "[{'name':'c','image':'nginx'}]}}";

    /** A deployment, its replicaset and {@code pods} pods, owned as the controllers would. */
    private ObjectNode chain(String name, int pods, String extraPodFinalizer) {
        ObjectNode d = deployments().create(parse("{'metadata':{'name':'" + name + "'},'spec':{'replicas':" + pods
                + ",'selector':{'matchLabels':{'app':'web'}}," + TEMPLATE + "}}"));
        ObjectNode r = rs().create(parse("{'metadata':{'name':'" + name + "-rs','ownerReferences':"
                + ref(d, "apps/v1", "Deployment") + "},'spec':{'replicas':" + pods + ",'selector':{'matchLabels':"
                + "{'app':'web'}}," + TEMPLATE + "}}"));
        for (int i = 0; i < pods; i++) {
            String fin = i == 0 && extraPodFinalizer != null ? ",'finalizers':['" + extraPodFinalizer + "']" : "";
            env.pods("default").create(parse("{'metadata':{'name':'" + name + "-rs-" + i + "','labels':{'app':'web'},"
                    + "'ownerReferences':" + ref(r, "apps/v1", "ReplicaSet") + fin + "},'spec':{'containers':"
                    + "[{'name':'c','image':'nginx'}]}}"));
        }
        return d;
    }

    private static boolean gone(ApiClient.ResourceClient rc, String name) {
        try {
            rc.get(name);
            return false;
        } catch (ApiException e) {
            return e.code() == 404;
        }
    }

    private int podCount() {
        return env.pods("default").list().path("items").size();
    }

    private void delete(ApiClient.ResourceClient rc, String name, String propagation) {
        rc.delete(name, parse("{'kind':'DeleteOptions','apiVersion':'v1','propagationPolicy':'" + propagation + "'}"));
    }

    @Test
    void deletingADeploymentCollectsItsReplicaSetAndPodsAndJobsTheirPods() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        chain("web", 3, null);
        ObjectNode job = env.client.resource("batch/v1", "jobs").namespace("default").create(parse(
                "{'metadata':{'name':'once'},'spec':{'template':{'spec':{'restartPolicy':'Never','containers':"
                        + "[{'name':'c','image':'busybox'}]}}}}"));
        env.pods("default").create(parse("{'metadata':{'name':'once-x','ownerReferences':" + ref(job, "batch/v1", "Job")
                + "},'spec':{'containers':[{'name':'c','image':'busybox'}]}}"));
        env.createPod("default", "loner", Map.of(), null);
        try (GarbageCollector gc = new GarbageCollector(env.client, env.informers)) {
            gc.start(2);
            Thread.sleep(300);
            assertThat(podCount()).isEqualTo(5); // nothing is collected while the owners live
            delete(deployments(), "web", "Background");
            delete(env.client.resource("batch/v1", "jobs").namespace("default"), "once", "Background");
            await().atMost(Duration.ofSeconds(20)).until(() -> gone(rs(), "web-rs") && podCount() == 1);
            assertThat(gone(env.pods("default"), "loner")).isFalse();
        }
    }

    @Test
    void foregroundDeletionRemovesDependentsFirstDespiteAConflict() throws Exception {
        env = new CtrlTestSupport(dir, (m, p) -> m.equals("PUT") && p.endsWith("/replicasets/fg-rs"));
        env.startInformers();
        chain("fg", 2, "example.com/hold");
        try (GarbageCollector gc = new GarbageCollector(env.client, env.informers)) {
            gc.start(2);
            delete(rs(), "fg-rs", "Foreground");
            await().atMost(Duration.ofSeconds(20)).until(() -> podCount() == 1);
            JsonNode held = env.pods("default").get("fg-rs-0");
            assertThat(held.path("metadata").has("deletionTimestamp")).isTrue();
            Thread.sleep(300);
            JsonNode owner = rs().get("fg-rs");
            assertThat(owner.path("metadata").path("finalizers").toString()).contains("foregroundDeletion");
            env.pods("default").patch("fg-rs-0", ApiClient.JSON_PATCH,
                    "[{\"op\":\"remove\",\"path\":\"/metadata/finalizers/0\"}]");
            await().atMost(Duration.ofSeconds(20)).until(() -> gone(rs(), "fg-rs") && podCount() == 0);
            assertThat(env.conflict.conflicts.get()).as("a write met a 409").isEqualTo(1);
            assertThat(gone(deployments(), "fg")).isFalse();
        }
    }

    @Test
    void orphanDeletionKeepsDependentsWithoutTheReference() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        chain("or", 2, null);
        try (GarbageCollector gc = new GarbageCollector(env.client, env.informers)) {
            gc.start(1);
            delete(rs(), "or-rs", "Orphan");
            await().atMost(Duration.ofSeconds(20)).until(() -> gone(rs(), "or-rs"));
            Thread.sleep(300);
            assertThat(podCount()).isEqualTo(2);
            for (JsonNode p : env.pods("default").list().path("items")) {
                assertThat(p.path("metadata").path("ownerReferences").isEmpty()).isTrue();
            }
        }
    }

    @Test
    void aRestartedCollectorFindsOrphansLeftWhileItWasDown() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        chain("down", 2, null);
        delete(deployments(), "down", "Background"); // nobody collects yet
        try (GarbageCollector gc = new GarbageCollector(env.client, env.informers)) {
            gc.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> gone(rs(), "down-rs") && podCount() == 0);
        }
    }

    @Test
    void aDiscoveringCollectorWatchesEveryDeletableResourceAndCollectsAnyKind() throws Exception {
        env = new CtrlTestSupport(dir);
        ObjectNode owner = env.client.resource("v1", "configmaps").namespace("default")
                .create(parse("{'metadata':{'name':'owner'}}"));
        env.client.resource("v1", "secrets").namespace("default").create(parse("{'metadata':{'name':'dep',"
                + "'ownerReferences':" + ref(owner, "v1", "ConfigMap") + "}}"));
        env.client.resource("v1", "serviceaccounts").namespace("default").create(parse("{'metadata':{'name':'sa',"
                + "'ownerReferences':" + ref(owner, "v1", "ConfigMap") + "}}"));
        try (GarbageCollector gc = GarbageCollector.discovering(env.client, env.informers, Duration.ofMillis(200))) {
            assertThat(gc.resources()).contains("v1/pods", "v1/serviceaccounts", "apps/v1/replicasets",
                    "batch/v1/jobs", "coordination.k8s.io/v1/leases").noneMatch(r -> r.contains("/status"));
            env.startInformers();
            gc.start(2);
            env.client.resource("v1", "configmaps").namespace("default").delete("owner");
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    gone(env.client.resource("v1", "secrets").namespace("default"), "dep")
                            && gone(env.client.resource("v1", "serviceaccounts").namespace("default"), "sa"));
        }
    }

    @Test
    void anOwnerOfAKindTheApiDoesNotServeIsNotTakenForGone() throws Exception {
        env = new CtrlTestSupport(dir);
        env.client.resource("v1", "configmaps").namespace("default").create(parse("{'metadata':{'name':'kept',"
                + "'ownerReferences':[{'apiVersion':'example.com/v1','kind':'Widget','name':'w','uid':'1234'}]}}"));
        env.client.resource("v1", "configmaps").namespace("default").create(parse("{'metadata':{'name':'dropped',"
                + "'ownerReferences':[{'apiVersion':'v1','kind':'Secret','name':'s','uid':'5678'}]}}"));
        try (GarbageCollector gc = new GarbageCollector(env.client, env.informers)) {
            env.startInformers();
            gc.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    gone(env.client.resource("v1", "configmaps").namespace("default"), "dropped"));
            Thread.sleep(300);
            assertThat(gone(env.client.resource("v1", "configmaps").namespace("default"), "kept")).isFalse();
        }
    }
}
