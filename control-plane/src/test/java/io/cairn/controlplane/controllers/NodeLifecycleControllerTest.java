package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeLifecycleControllerTest extends CtrlTestSupport.EnvTest {
    private final AtomicBoolean renewing = new AtomicBoolean(true);
    private Thread renewer;
    private final AtomicBoolean armed = new AtomicBoolean();

    @AfterEach // before EnvTest's closeEnv: the renewer stops before the server does
    void stopRenewer() throws InterruptedException {
        renewing.set(false);
        if (renewer != null) {
            renewer.interrupt();
            renewer.join(5000);
        }
    }

    private static final NodeLifecycleController.Config FAST = NodeLifecycleController.Config.defaults()
            .withNodeMonitorGracePeriod(Duration.ofSeconds(2)).withMonitorPeriod(Duration.ofMillis(200));

    private ApiClient.ResourceClient leases() {
        return env.client.resource("coordination.k8s.io/v1", "leases").namespace("kube-node-lease");
    }

    private void createNode(String name) {
        ObjectNode node = env.client.resource("v1", "nodes").create(parse("{'metadata':{'name':'" + name + "'}}"));
        node.set("status", parse("{'conditions':[{'type':'Ready','status':'True','reason':'KubeletReady',"
                + "'message':'kubelet is posting ready status','lastHeartbeatTime':'" + CtrlTestSupport.now()
                + "','lastTransitionTime':'" + CtrlTestSupport.now() + "'}]}"));
        env.client.resource("v1", "nodes").updateStatus(node);
    }

    private void startRenewing(String node) {
        try {
            env.createNamespace("kube-node-lease");
        } catch (ApiException e) {
            // there already
        }
        leases().create(parse("{'metadata':{'name':'" + node + "'},'spec':{'holderIdentity':'" + node
                + "','leaseDurationSeconds':40,'renewTime':'" + micro() + "'}}"));
        renewer = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(200);
                    if (renewing.get()) {
                        leases().patch(node, ApiClient.MERGE_PATCH, "{\"spec\":{\"renewTime\":\"" + micro() + "\"}}");
                    }
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the server is closing
                }
            }
        });
        renewer.setDaemon(true);
        renewer.start();
    }

    private static String micro() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS).toString();
    }

    private JsonNode node(String name) {
        return env.client.resource("v1", "nodes").get(name);
    }

    private static boolean hasTaint(JsonNode node, String key, String effect) {
        for (JsonNode t : node.path("spec").path("taints")) {
            if (key.equals(t.path("key").asText()) && effect.equals(t.path("effect").asText())) {
                return true;
            }
        }
        return false;
    }

    private boolean deletingOrGone(String pod) {
        try {
            return env.pods("default").get(pod).path("metadata").has("deletionTimestamp");
        } catch (ApiException e) {
            return e.code() == 404;
        }
    }

    @Test
    void aNodeThatStopsRenewingItsLeaseIsTaintedItsPodsEvictedAfterTheirTolerationThenUntainted() throws Exception {
        env = new CtrlTestSupport(dir, (m, p) -> armed.get() && m.equals("PUT") && p.equals("/api/v1/nodes/n1/status"));
        env.startInformers();
        createNode("n1");
        startRenewing("n1");
        env.createPod("default", "patient", Map.of(), "n1"); // the server's 300 s default tolerations
        env.setPodStatus("default", "patient", "Running", true, "10.1.0.1");
        ObjectNode quick = parse("{'metadata':{'name':'quick'},'spec':{'containers':[{'name':'c','image':'busybox'}],"
                + "'nodeName':'n1','tolerations':[{'key':'node.kubernetes.io/unreachable','operator':'Exists',"
                + "'effect':'NoExecute','tolerationSeconds':2}]}}");
        env.pods("default").create(quick);
        try (NodeLifecycleController c = new NodeLifecycleController(env.client, env.informers, FAST)) {
            c.start(2);
            Thread.sleep(2500); // renewing: nothing happens
            assertThat(hasTaint(node("n1"), NodeLifecycleController.UNREACHABLE, "NoExecute")).isFalse();
            assertThat(CtrlUtil.conditionTrue(node("n1").path("status").path("conditions"), "Ready")).isTrue();

            armed.set(true); // the controller's first status write meets a 409
            renewing.set(false);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    hasTaint(node("n1"), NodeLifecycleController.UNREACHABLE, "NoExecute")
                            && hasTaint(node("n1"), NodeLifecycleController.UNREACHABLE, "NoSchedule"));
            JsonNode ready = CtrlUtil.condition(node("n1").path("status").path("conditions"), "Ready");
            assertThat(ready.path("status").asText()).isEqualTo("Unknown");
            assertThat(ready.path("reason").asText()).isEqualTo("NodeStatusUnknown");
            assertThat(env.conflict.conflicts.get()).as("a write met a 409").isEqualTo(1);
            assertThat(ready.path("message").asText()).isEqualTo("Kubelet stopped posting node status.");
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    !CtrlUtil.podReady(env.pods("default").get("patient")));
            await().atMost(Duration.ofSeconds(20)).until(() -> deletingOrGone("quick"));
            assertThat(deletingOrGone("patient")).isFalse();
            // the event follows the deletion
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    env.eventReasons("default", "quick").contains("TaintManagerEviction"));

            renewing.set(true);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    !hasTaint(node("n1"), NodeLifecycleController.UNREACHABLE, "NoExecute")
                            && !hasTaint(node("n1"), NodeLifecycleController.UNREACHABLE, "NoSchedule"));
            Thread.sleep(500);
            assertThat(deletingOrGone("patient")).isFalse();
        }
    }

    @Test
    void aNoExecuteTaintEvictsIntolerantPodsAtOnceAcrossARestart() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        createNode("n2");
        startRenewing("n2");
        env.createPod("default", "intolerant", Map.of(), "n2");
        env.pods("default").create(parse("{'metadata':{'name':'tolerant'},'spec':{'containers':[{'name':'c',"
                + "'image':'busybox'}],'nodeName':'n2','tolerations':[{'key':'example.com/drain','operator':'Exists'}]}}"));
        try (NodeLifecycleController first = new NodeLifecycleController(env.client, env.informers, FAST)) {
            first.start(1);
            Thread.sleep(300);
        }
        env.client.resource("v1", "nodes").patch("n2", ApiClient.MERGE_PATCH,
                "{\"spec\":{\"taints\":[{\"key\":\"example.com/drain\",\"effect\":\"NoExecute\"}]}}");
        try (NodeLifecycleController second = new NodeLifecycleController(env.client, env.informers, FAST)) {
            second.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> deletingOrGone("intolerant"));
            Thread.sleep(500);
            assertThat(deletingOrGone("tolerant")).isFalse();
            assertThat(hasTaint(node("n2"), "example.com/drain", "NoExecute")).isTrue();
            assertThat(hasTaint(node("n2"), NodeLifecycleController.UNREACHABLE, "NoExecute")).isFalse();
        }
    }

    @Test
    void aNodeReportingNotReadyIsTaintedNotReady() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        createNode("n3");
        startRenewing("n3");
        try (NodeLifecycleController c = new NodeLifecycleController(env.client, env.informers, FAST)) {
            c.start(1);
            ObjectNode n = env.client.resource("v1", "nodes").get("n3");
            CtrlUtil.setCondition(n.withObjectProperty("status"), "Ready", "False", "KubeletNotReady", "runtime down", false);
            env.client.resource("v1", "nodes").updateStatus(n);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    hasTaint(node("n3"), NodeLifecycleController.NOT_READY, "NoExecute"));
            ObjectNode back = env.client.resource("v1", "nodes").get("n3");
            CtrlUtil.setCondition(back.withObjectProperty("status"), "Ready", "True", "KubeletReady", "ok", false);
            env.client.resource("v1", "nodes").updateStatus(back);
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    !hasTaint(node("n3"), NodeLifecycleController.NOT_READY, "NoExecute"));
        }
    }
}
