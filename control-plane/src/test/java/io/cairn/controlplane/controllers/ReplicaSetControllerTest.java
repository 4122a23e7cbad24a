package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.WorkloadTestSupport.template;
import static io.cairn.controlplane.controllers.WorkloadTestSupport.workload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.controlplane.informer.SharedInformerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ReplicaSet controller against a real in-process API server. */
class ReplicaSetControllerTest {
    @TempDir
    Path dir;
    private WorkloadTestSupport t;
    private SharedInformerFactory factory;
    private ReplicaSetController rsc;

    @BeforeEach
    void setUp() throws Exception {
        t = new WorkloadTestSupport(dir);
        factory = new SharedInformerFactory(t.client);
        rsc = new ReplicaSetController(t.client, factory);
        factory.start();
        assertThat(factory.waitForCacheSync(Duration.ofSeconds(10))).isTrue();
        rsc.start(2);
    }

    @AfterEach
    void tearDown() {
        rsc.close();
        factory.close();
        t.close();
    }

    private static final Map<String, String> LABELS = Map.of("app", "web");

    private ObjectNode replicaSet(String name, int replicas) {
        return t.replicaSets().create(workload("ReplicaSet", name, replicas, LABELS, "nginx:1"));
    }

    private List<ObjectNode> pods() {
        return t.items(t.pods());
    }

    private void scale(String name, int n) {
        t.replicaSets().patch(name, io.cairn.apiserver.client.ApiClient.MERGE_PATCH,
                "{\"spec\":{\"replicas\":" + n + "}}");
    }

    @Test
    void createsOwnedPodsAndScalesUpAndDown() {
        ObjectNode rs = replicaSet("web", 3);
        String uid = rs.path("metadata").path("uid").asText();
        await().atMost(WorkloadTestSupport.timeout()).until(() -> pods().size() == 3);
        for (ObjectNode p : pods()) {
            assertThat(p.path("metadata").path("name").asText()).startsWith("web-");
            assertThat(p.path("metadata").path("labels").path("app").asText()).isEqualTo("web");
            JsonNode ref = p.path("metadata").path("ownerReferences").get(0);
            assertThat(ref.path("uid").asText()).isEqualTo(uid);
            assertThat(ref.path("kind").asText()).isEqualTo("ReplicaSet");
            assertThat(ref.path("controller").asBoolean()).isTrue();
            assertThat(ref.path("blockOwnerDeletion").asBoolean()).isTrue();
        }
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            t.markAllReady();
            JsonNode s = t.replicaSets().get("web").path("status");
            return s.path("replicas").asInt() == 3 && s.path("readyReplicas").asInt() == 3
                    && s.path("availableReplicas").asInt() == 3 && s.path("fullyLabeledReplicas").asInt() == 3
                    && s.path("observedGeneration").asInt() == 1;
        });

        scale("web", 5);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> pods().size() == 5);
        scale("web", 1);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            JsonNode s = t.replicaSets().get("web").path("status");
            return pods().size() == 1 && s.path("replicas").asInt() == 1 && s.path("observedGeneration").asInt() == 3;
        });
    }

    @Test
    void scaleDownPrefersPodsThatAreNotReady() {
        replicaSet("web", 3);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            t.markAllReady();
            return t.replicaSets().get("web").path("status").path("readyReplicas").asInt() == 3;
        });
        scale("web", 4);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> pods().size() == 4);
        String unready = pods().stream().filter(p -> !CtrlUtil.podReady(p)).findFirst().orElseThrow()
                .path("metadata").path("name").asText();
        scale("web", 3);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> pods().size() == 3);
        assertThat(pods()).noneMatch(p -> p.path("metadata").path("name").asText().equals(unready));
    }

    @Test
    void adoptsAnOrphanAndReleasesAPodThatStopsMatching() {
        ObjectNode orphan = WorkloadTestSupport.F.objectNode();
        orphan.putObject("metadata").put("name", "stray").putObject("labels").put("app", "web");
        orphan.set("spec", template(LABELS, "nginx:1").get("spec"));
        t.pods().create(orphan);
        ObjectNode rs = replicaSet("web", 2);
        String uid = rs.path("metadata").path("uid").asText();
        await().atMost(WorkloadTestSupport.timeout()).until(() -> pods().size() == 2
                && pods().stream().allMatch(p -> uid.equals(
                        p.path("metadata").path("ownerReferences").path(0).path("uid").asText())));
        assertThat(pods()).anyMatch(p -> p.path("metadata").path("name").asText().equals("stray"));

        t.pods().patch("stray", io.cairn.apiserver.client.ApiClient.MERGE_PATCH,
                "{\"metadata\":{\"labels\":{\"app\":\"other\"}}}");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            List<ObjectNode> all = pods();
            ObjectNode stray = t.pods().get("stray");
            return all.size() == 3 && !stray.path("metadata").has("ownerReferences")
                    || all.size() == 3 && stray.path("metadata").path("ownerReferences").isEmpty();
        });
    }

    /**
     * The pod informer is held back (its watch lines queued in the transport) while the ReplicaSet is poked again
     * and again: without expectations each pass would see 0 pods and create 3 more (20 pods when tried).
     */
    @Test
    void doesNotOvershootWhenThePodInformerLags() throws Exception {
        t.transport.holdPodWatch.set(true);
        replicaSet("web", 3);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> pods().size() == 3);
        // more events for the ReplicaSet while its pod cache is still empty
        for (int i = 0; i < 5; i++) {
            t.replicaSets().patch("web", io.cairn.apiserver.client.ApiClient.MERGE_PATCH,
                    "{\"metadata\":{\"annotations\":{\"poke\":\"" + i + "\"}}}");
            Thread.sleep(100);
        }
        assertThat(pods()).hasSize(3);
        t.transport.releasePodWatch();
        await().atMost(WorkloadTestSupport.timeout()).until(
                () -> t.replicaSets().get("web").path("status").path("replicas").asInt() == 3);
        Thread.sleep(300);
        assertThat(pods()).hasSize(3);
    }

    @Test
    void podsBecomeAvailableAfterMinReadySeconds() {
        ObjectNode rs = workload("ReplicaSet", "slow", 2, LABELS, "nginx:1");
        rs.withObjectProperty("spec").put("minReadySeconds", 1);
        t.replicaSets().create(rs);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            t.markAllReady();
            return t.replicaSets().get("slow").path("status").path("readyReplicas").asInt() == 2;
        });
        // nothing else happens to the ReplicaSet: the controller looks again once minReadySeconds have passed
        await().atMost(WorkloadTestSupport.timeout()).until(
                () -> t.replicaSets().get("slow").path("status").path("availableReplicas").asInt() == 2);
    }

    @Test
    void aConflictOnTheStatusWriteIsRetried() {
        int conflictsBefore = t.transport.conflicts.get();
        t.transport.beforeStatusWrite(p -> p.contains("/replicasets/web/"), () ->
                // someone else changes the ReplicaSet between the controller's read and its write: a real 409
                t.replicaSets().patch("web", io.cairn.apiserver.client.ApiClient.MERGE_PATCH,
                        "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}"));
        replicaSet("web", 2);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            t.markAllReady();
            return t.replicaSets().get("web").path("status").path("readyReplicas").asInt() == 2;
        });
        assertThat(t.transport.conflicts.get()).isGreaterThan(conflictsBefore);
        assertThat(pods()).hasSize(2);
    }
}
