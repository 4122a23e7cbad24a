package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.DeploymentController.REVISION;
import static io.cairn.controlplane.controllers.WorkloadTestSupport.annotation;
import static io.cairn.controlplane.controllers.WorkloadTestSupport.spec;
import static io.cairn.controlplane.controllers.WorkloadTestSupport.workload;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.SharedInformerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Deployment controller (with the ReplicaSet controller making the pods) against a real in-process API server. */
class DeploymentControllerTest {
    @TempDir
    Path dir;
    private WorkloadTestSupport t;
    private SharedInformerFactory factory;
    private ReplicaSetController rsc;
    private DeploymentController dc;

    private static final Map<String, String> LABELS = Map.of("app", "web");

    @BeforeEach
    void setUp() throws Exception {
        t = new WorkloadTestSupport(dir);
        factory = new SharedInformerFactory(t.client);
        rsc = new ReplicaSetController(t.client, factory);
        dc = new DeploymentController(t.client, factory);
        factory.start();
        assertThat(factory.waitForCacheSync(Duration.ofSeconds(10))).isTrue();
        rsc.start(2);
        dc.start(2);
    }

    @AfterEach
    void tearDown() {
        dc.close();
        rsc.close();
        factory.close();
        t.close();
    }

    private ObjectNode deployment(String name, int replicas, String strategy) {
        ObjectNode d = workload("Deployment", name, replicas, LABELS, "nginx:1");
        ObjectNode s = d.withObjectProperty("spec").putObject("strategy");
        s.put("type", strategy);
        if (strategy.equals("RollingUpdate")) {
            s.putObject("rollingUpdate").put("maxSurge", 1).put("maxUnavailable", 1);
        }
        return t.deployments().create(d);
    }

    private void setImage(String name, String image) {
        t.deployments().patch(name, ApiClient.MERGE_PATCH,
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"app\",\"image\":\"" + image + "\"}]}}}}");
    }

    private List<ObjectNode> replicaSets() {
        return t.items(t.replicaSets());
    }

    private static String image(JsonNode rs) {
        return rs.path("spec").path("template").path("spec").path("containers").path(0).path("image").asText();
    }

    private ObjectNode rsWithImage(String image) {
        return replicaSets().stream().filter(r -> image(r).equals(image)).findFirst().orElse(null);
    }

    private static JsonNode condition(JsonNode d, String type) {
        for (JsonNode c : d.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c;
            }
        }
        return null;
    }

    /** What {@code kubectl rollout status} waits for. */
    private boolean rolledOut(String name) {
        t.markAllReady();
        ObjectNode d = t.deployments().get(name);
        JsonNode s = d.path("status");
        int replicas = d.path("spec").path("replicas").asInt();
        JsonNode p = condition(d, "Progressing");
        return s.path("observedGeneration").asLong() >= d.path("metadata").path("generation").asLong()
                && s.path("updatedReplicas").asInt() == replicas && s.path("replicas").asInt() == replicas
                && s.path("availableReplicas").asInt() == replicas
                && p != null && "NewReplicaSetAvailable".equals(p.path("reason").asText())
                && t.items(t.pods()).size() == replicas;
    }

    @Test
    void createsAReplicaSetWithTheTemplateHashAndRevisionOne() {
        deployment("web", 2, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        List<ObjectNode> rss = replicaSets();
        assertThat(rss).hasSize(1);
        ObjectNode rs = rss.get(0);
        String hash = rs.path("metadata").path("labels").path("pod-template-hash").asText();
        assertThat(hash).matches("[a-z0-9]{1,10}");
        assertThat(rs.path("metadata").path("name").asText()).isEqualTo("web-" + hash);
        assertThat(rs.path("spec").path("selector").path("matchLabels").path("pod-template-hash").asText()).isEqualTo(hash);
        assertThat(rs.path("spec").path("template").path("metadata").path("labels").path("pod-template-hash").asText())
                .isEqualTo(hash);
        assertThat(annotation(rs, REVISION)).isEqualTo("1");
        assertThat(annotation(rs, DeploymentController.DESIRED)).isEqualTo("2");
        assertThat(annotation(rs, DeploymentController.MAX)).isEqualTo("3");
        assertThat(rs.path("metadata").path("ownerReferences").path(0).path("kind").asText()).isEqualTo("Deployment");
        ObjectNode d = t.deployments().get("web");
        assertThat(annotation(d, REVISION)).isEqualTo("1");
        assertThat(condition(d, "Available").path("reason").asText()).isEqualTo("MinimumReplicasAvailable");
        assertThat(t.items(t.pods())).allMatch(
                p -> hash.equals(p.path("metadata").path("labels").path("pod-template-hash").asText()));
        // the hash is stable: the same template hashes the same
        assertThat(WorkloadSupport.templateHash(d.path("spec").path("template"), 0)).isEqualTo(hash);
    }

    @Test
    void aNewImageRollsOutWithinSurgeAndUnavailableThenRollbackReusesTheOldReplicaSet() {
        deployment("web", 4, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        String firstName = replicaSets().get(0).path("metadata").path("name").asText();
        List<Integer> totals = new CopyOnWriteArrayList<>();
        setImage("web", "nginx:2");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            totals.add(replicaSets().stream().mapToInt(WorkloadTestSupport::spec).sum());
            return rolledOut("web") && rsWithImage("nginx:2") != null;
        });
        assertThat(totals).allMatch(n -> n >= 3 && n <= 5); // 4 - maxUnavailable .. 4 + maxSurge
        ObjectNode v2 = rsWithImage("nginx:2");
        ObjectNode v1 = rsWithImage("nginx:1");
        assertThat(spec(v2)).isEqualTo(4);
        assertThat(spec(v1)).isZero();
        assertThat(annotation(v2, REVISION)).isEqualTo("2");
        assertThat(t.items(t.pods())).allMatch(p -> p.path("spec").path("containers").path(0).path("image").asText()
                .equals("nginx:2"));

        // kubectl rollout undo puts the old template back: the old ReplicaSet comes back with revision 3
        setImage("web", "nginx:1");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web")
                && spec(rsWithImage("nginx:1")) == 4);
        assertThat(replicaSets()).hasSize(2);
        ObjectNode back = rsWithImage("nginx:1");
        assertThat(back.path("metadata").path("name").asText()).isEqualTo(firstName);
        assertThat(annotation(back, REVISION)).isEqualTo("3");
        assertThat(spec(rsWithImage("nginx:2"))).isZero();
        assertThat(annotation(t.deployments().get("web"), REVISION)).isEqualTo("3");
    }

    @Test
    void recreateScalesTheOldDownBeforeTheNewComesUp() {
        deployment("web", 3, "Recreate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        List<String> overlaps = new CopyOnWriteArrayList<>();
        setImage("web", "nginx:2");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            List<ObjectNode> pods = t.items(t.pods());
            long images = pods.stream().map(p -> p.path("spec").path("containers").path(0).path("image").asText())
                    .distinct().count();
            if (images > 1) {
                overlaps.add(pods.toString());
            }
            return rolledOut("web") && rsWithImage("nginx:2") != null;
        });
        assertThat(overlaps).isEmpty();
        assertThat(spec(rsWithImage("nginx:1"))).isZero();
        assertThat(spec(rsWithImage("nginx:2"))).isEqualTo(3);
    }

    @Test
    void aPausedDeploymentDoesNotRollOut() throws Exception {
        deployment("web", 2, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        t.deployments().patch("web", ApiClient.MERGE_PATCH, "{\"spec\":{\"paused\":true}}");
        setImage("web", "nginx:2");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            JsonNode p = condition(t.deployments().get("web"), "Progressing");
            return p != null && "DeploymentPaused".equals(p.path("reason").asText());
        });
        Thread.sleep(300);
        assertThat(replicaSets()).hasSize(1);
        assertThat(rsWithImage("nginx:2")).isNull();

        t.deployments().patch("web", ApiClient.MERGE_PATCH, "{\"spec\":{\"paused\":false}}");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web") && rsWithImage("nginx:2") != null
                && spec(rsWithImage("nginx:2")) == 2);
    }

    @Test
    void aRestartedControllerFinishesTheRollout() {
        deployment("web", 4, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        setImage("web", "nginx:2");
        // halfway: the new ReplicaSet exists and has pods, the old one still has some
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            ObjectNode v2 = rsWithImage("nginx:2");
            return v2 != null && spec(v2) > 0;
        });
        dc.close();
        t.markAllReady();
        assertThat(spec(rsWithImage("nginx:1"))).isPositive();
        dc = new DeploymentController(t.client, factory);
        dc.start(2);
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web")
                && spec(rsWithImage("nginx:2")) == 4 && spec(rsWithImage("nginx:1")) == 0);
    }

    @Test
    void aConflictOnTheStatusWriteIsRetried() {
        int before = t.transport.conflicts.get();
        t.transport.beforeStatusWrite(p -> p.contains("/deployments/web/"), () ->
                t.deployments().patch("web", ApiClient.MERGE_PATCH,
                        "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}"));
        deployment("web", 2, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        assertThat(t.transport.conflicts.get()).isGreaterThan(before);
    }

    @Test
    void oldReplicaSetsBeyondTheHistoryLimitAreDeleted() {
        ObjectNode d = deployment("web", 1, "RollingUpdate");
        t.deployments().patch("web", ApiClient.MERGE_PATCH, "{\"spec\":{\"revisionHistoryLimit\":1}}");
        for (int i = 2; i <= 4; i++) {
            setImage("web", "nginx:" + i);
            int v = i;
            await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web") && rsWithImage("nginx:" + v) != null);
        }
        await().atMost(WorkloadTestSupport.timeout()).until(() -> replicaSets().size() == 2);
        assertThat(rsWithImage("nginx:4")).isNotNull();
        assertThat(rsWithImage("nginx:3")).isNotNull();
        assertThat(d).isNotNull();
    }

    @Test
    void aRolloutThatMakesNoProgressExceedsItsDeadline() {
        ObjectNode d = workload("Deployment", "stuck", 2, LABELS, "nginx:1");
        d.withObjectProperty("spec").put("progressDeadlineSeconds", 1);
        t.deployments().create(d);
        // no pod ever becomes ready
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            JsonNode p = condition(t.deployments().get("stuck"), "Progressing");
            return p != null && "ProgressDeadlineExceeded".equals(p.path("reason").asText())
                    && "False".equals(p.path("status").asText());
        });
        JsonNode a = condition(t.deployments().get("stuck"), "Available");
        assertThat(a.path("status").asText()).isEqualTo("False");
        assertThat(a.path("reason").asText()).isEqualTo("MinimumReplicasUnavailable");
        assertThat(t.deployments().get("stuck").path("status").path("unavailableReplicas").asInt()).isEqualTo(2);
    }

    @Test
    void aPausedDeploymentStillScales() {
        deployment("web", 2, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        t.deployments().patch("web", ApiClient.MERGE_PATCH, "{\"spec\":{\"paused\":true,\"replicas\":3}}");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> {
            t.markAllReady();
            ObjectNode d = t.deployments().get("web");
            return d.path("status").path("availableReplicas").asInt() == 3 && replicaSets().size() == 1;
        });
    }

    /**
     * Regression: when the new Deployment's reconcile ran before the ReplicaSet informer showed the orphaning, the
     * create of {@code <name>-<hash>} met the orphan (AlreadyExists, no controller) and was taken for a hash
     * collision: collisionCount went up and a second ReplicaSet with the same template appeared. Invariant: one
     * ReplicaSet per template. An orphan with the same template now means "wait for the cache, then adopt".
     */
    @Test
    void adoptsAnOrphanedReplicaSetWithTheSameTemplate() {
        deployment("web", 2, "RollingUpdate");
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web"));
        String rsName = replicaSets().get(0).path("metadata").path("name").asText();
        // delete the Deployment but orphan its ReplicaSet (no garbage collector here: just drop the reference)
        dc.close();
        t.deployments().delete("web");
        ObjectNode rs = t.replicaSets().get(rsName);
        ((ObjectNode) rs.get("metadata")).remove("ownerReferences");
        t.replicaSets().update(rs);
        dc = new DeploymentController(t.client, factory);
        dc.start(2);
        ObjectNode d = deployment("web", 2, "RollingUpdate");
        String uid = d.path("metadata").path("uid").asText();
        await().atMost(WorkloadTestSupport.timeout()).until(() -> rolledOut("web")
                && uid.equals(t.replicaSets().get(rsName).path("metadata").path("ownerReferences").path(0)
                        .path("uid").asText()));
        assertThat(replicaSets()).hasSize(1);
        assertThat(t.deployments().get("web").path("status").path("collisionCount").asInt()).isZero();
    }

    @Test
    void percentagesRoundSurgeUpAndUnavailableDown() {
        ObjectNode d = WorkloadTestSupport.F.objectNode();
        d.putObject("spec").put("replicas", 10).putObject("strategy").put("type", "RollingUpdate")
                .putObject("rollingUpdate").put("maxSurge", "25%").put("maxUnavailable", "25%");
        assertThat(DeploymentController.maxSurge(d)).isEqualTo(3);
        assertThat(DeploymentController.maxUnavailable(d)).isEqualTo(2);
        ((ObjectNode) d.path("spec").path("strategy").path("rollingUpdate")).put("maxSurge", 0).put("maxUnavailable", "5%");
        assertThat(DeploymentController.maxUnavailable(d)).isEqualTo(1); // both 0 cannot progress
    }
}
