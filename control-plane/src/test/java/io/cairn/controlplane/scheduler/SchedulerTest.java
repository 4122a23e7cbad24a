package io.cairn.controlplane.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.informer.SharedInformerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The scheduler against a real in-process API server, with Nodes created through the client. */
class SchedulerTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final JsonNodeFactory J = JsonNodeFactory.instance;

    @TempDir
    Path dir;
    private ApiServer server;
    private ApiClient client;
    private ApiClient.ResourceClient pods;
    private ApiClient.ResourceClient nodes;
    private SharedInformerFactory informers;
    private Scheduler scheduler;

    @BeforeEach
    void setUp() throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false));
        client = ApiClient.of(Transport.inProcess(server.dispatcher(), "scheduler-test"));
        pods = client.resource("v1", "pods").namespace("default");
        nodes = client.resource("v1", "nodes");
    }

    @AfterEach
    void tearDown() {
        if (scheduler != null) {
            scheduler.close();
        }
        if (informers != null) {
            informers.close();
        }
        server.close();
    }

    private void startScheduler() {
        informers = new SharedInformerFactory(client);
        scheduler = new Scheduler(client, informers,
                Scheduler.Config.defaults().withWorkers(4).withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)));
        scheduler.start();
    }

    static ObjectNode node(String name, String cpu, String memory, int maxPods) {
        ObjectNode n = J.objectNode();
        n.put("apiVersion", "v1").put("kind", "Node");
        n.putObject("metadata").put("name", name).putObject("labels").put("kubernetes.io/hostname", name);
        ObjectNode status = n.putObject("status");
        for (String f : List.of("capacity", "allocatable")) {
            status.putObject(f).put("cpu", cpu).put("memory", memory).put("pods", Integer.toString(maxPods));
        }
        status.putArray("conditions").addObject().put("type", "Ready").put("status", "True").put("reason", "KubeletReady");
        return n;
    }

    private void createNode(ObjectNode n) {
        ObjectNode created = nodes.create(n);
        // status is not written on create by a status-split kind: write it through the status subresource
        if (created.path("status").path("allocatable").isEmpty()) {
            created.set("status", n.path("status").deepCopy());
            nodes.updateStatus(created);
        }
    }

    static ObjectNode pod(String name, String cpu, String memory) {
        ObjectNode p = J.objectNode();
        p.put("apiVersion", "v1").put("kind", "Pod");
        p.putObject("metadata").put("name", name);
        ObjectNode c = p.putObject("spec").putArray("containers").addObject().put("name", "app").put("image", "nginx");
        ObjectNode requests = c.putObject("resources").putObject("requests");
        if (cpu != null) {
            requests.put("cpu", cpu);
        }
        if (memory != null) {
            requests.put("memory", memory);
        }
        return p;
    }

    private String nodeOf(String pod) {
        return pods.get(pod).path("spec").path("nodeName").asText("");
    }

    private void awaitBound(String... names) {
        for (String name : names) {
            await().atMost(WAIT).until(() -> !nodeOf(name).isEmpty());
        }
    }

    @Test
    void aPodGoesToTheNodeWithTheMostFreeResources() {
        createNode(node("small", "2", "4Gi", 110));
        createNode(node("big", "8", "16Gi", 110));
        createNode(node("medium", "4", "8Gi", 110));
        startScheduler();
        pods.create(pod("web", "500m", "512Mi"));
        awaitBound("web");
        assertThat(nodeOf("web")).isEqualTo("big");
        JsonNode scheduled = condition(pods.get("web"), "PodScheduled");
        assertThat(scheduled.path("status").asText()).isEqualTo("True");
        assertThat(scheduler.boundCount()).isEqualTo(1);
    }

    @Test
    void aPodThatFitsNowhereStaysPendingWithAFailedSchedulingEventThenFitsWhenANodeComes() {
        for (String n : List.of("n1", "n2", "n3")) {
            createNode(node(n, "2", "4Gi", 110));
        }
        startScheduler();
        pods.create(pod("huge", "64", "1Gi"));
        String expected = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: "
                + "3 No preemption victims found for incoming pod.";
        await().atMost(WAIT).untilAsserted(() -> {
            JsonNode c = condition(pods.get("huge"), "PodScheduled");
            assertThat(c.path("status").asText()).isEqualTo("False");
            assertThat(c.path("reason").asText()).isEqualTo("Unschedulable");
            assertThat(c.path("message").asText()).isEqualTo(expected);
        });
        await().atMost(WAIT).untilAsserted(() -> {
            List<JsonNode> events = failedScheduling("huge");
            assertThat(events).hasSize(1);
            JsonNode e = events.get(0);
            assertThat(e.path("message").asText()).isEqualTo(expected);
            assertThat(e.path("type").asText()).isEqualTo("Warning");
            assertThat(e.path("source").path("component").asText()).isEqualTo("default-scheduler");
            assertThat(e.path("reportingComponent").asText()).isEqualTo("default-scheduler");
            assertThat(e.path("involvedObject").path("kind").asText()).isEqualTo("Pod");
        });
        assertThat(nodeOf("huge")).isEmpty();

        // a node changes (a label): the pod is retried, fails the same way, and the same event counts it
        ObjectNode n1 = nodes.get("n1");
        ((ObjectNode) n1.path("metadata").path("labels")).put("touched", "yes");
        nodes.update(n1);
        await().atMost(WAIT).untilAsserted(() -> {
            List<JsonNode> events = failedScheduling("huge");
            assertThat(events).hasSize(1);
            assertThat(events.get(0).path("count").asInt()).isGreaterThanOrEqualTo(2);
        });

        // a restarted scheduler continues the same event rather than writing a new one
        scheduler.close();
        informers.close();
        startScheduler();
        int before = failedScheduling("huge").get(0).path("count").asInt();
        ObjectNode n2 = nodes.get("n2");
        ((ObjectNode) n2.path("metadata").path("labels")).put("touched", "yes");
        nodes.update(n2);
        await().atMost(WAIT).untilAsserted(() -> {
            List<JsonNode> events = failedScheduling("huge");
            assertThat(events).hasSize(1);
            assertThat(events.get(0).path("count").asInt()).isGreaterThan(before);
        });

        // a node big enough arrives: the pod is bound there
        createNode(node("giant", "128", "256Gi", 110));
        awaitBound("huge");
        assertThat(nodeOf("huge")).isEqualTo("giant");
    }

    @Test
    void selectorsAffinityAndTaintsAreRespected() {
        ObjectNode ssd = node("ssd", "4", "8Gi", 110);
        ((ObjectNode) ssd.path("metadata").path("labels")).put("disk", "ssd").put("rank", "7");
        createNode(ssd);
        ObjectNode hdd = node("hdd", "8", "16Gi", 110);
        ((ObjectNode) hdd.path("metadata").path("labels")).put("disk", "hdd").put("rank", "3");
        createNode(hdd);
        ObjectNode tainted = node("gpu", "16", "32Gi", 110);
        tainted.putObject("spec").putArray("taints").addObject().put("key", "gpu").put("value", "true")
                .put("effect", "NoSchedule");
        createNode(tainted);
        startScheduler();

        ObjectNode selected = pod("selected", "100m", "64Mi");
        selected.with("spec").putObject("nodeSelector").put("disk", "ssd");
        pods.create(selected);

        ObjectNode affine = pod("affine", "100m", "64Mi");
        ObjectNode expr = affine.with("spec").putObject("affinity").putObject("nodeAffinity")
                .putObject("requiredDuringSchedulingIgnoredDuringExecution").putArray("nodeSelectorTerms")
                .addObject().putArray("matchExpressions").addObject().put("key", "rank").put("operator", "Gt");
        expr.putArray("values").add("5");
        pods.create(affine);

        ObjectNode byName = pod("by-field", "100m", "64Mi");
        ObjectNode field = byName.with("spec").putObject("affinity").putObject("nodeAffinity")
                .putObject("requiredDuringSchedulingIgnoredDuringExecution").putArray("nodeSelectorTerms")
                .addObject().putArray("matchFields").addObject().put("key", "metadata.name").put("operator", "In");
        field.putArray("values").add("hdd");
        pods.create(byName);

        ObjectNode tolerant = pod("tolerant", "100m", "64Mi");
        tolerant.with("spec").putArray("tolerations").addObject().put("key", "gpu").put("operator", "Exists");
        tolerant.with("spec").putObject("nodeSelector").put("kubernetes.io/hostname", "gpu");
        pods.create(tolerant);

        ObjectNode intolerant = pod("intolerant", "100m", "64Mi");
        intolerant.with("spec").putObject("nodeSelector").put("kubernetes.io/hostname", "gpu");
        pods.create(intolerant);

        awaitBound("selected", "affine", "by-field", "tolerant");
        assertThat(nodeOf("selected")).isEqualTo("ssd");
        assertThat(nodeOf("affine")).isEqualTo("ssd");
        assertThat(nodeOf("by-field")).isEqualTo("hdd");
        assertThat(nodeOf("tolerant")).isEqualTo("gpu");
        await().atMost(WAIT).untilAsserted(() -> assertThat(failedScheduling("intolerant")).isNotEmpty());
        assertThat(failedScheduling("intolerant").get(0).path("message").asText()).isEqualTo(
                "0/3 nodes are available: 1 node(s) had untolerated taint {gpu: true}, 2 node(s) didn't match Pod's "
                        + "node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful "
                        + "for scheduling.");
        assertThat(nodeOf("intolerant")).isEmpty();
        // new pods from here on see the tainted node untolerated, and everything else unchanged: and a pod
        // without a selector never lands on the tainted node
        for (int i = 0; i < 6; i++) {
            pods.create(pod("free-" + i, "100m", "64Mi"));
        }
        for (int i = 0; i < 6; i++) {
            awaitBound("free-" + i);
            assertThat(nodeOf("free-" + i)).isNotEqualTo("gpu");
        }
    }

    @Test
    void aDeploymentsPodsSpreadOverTheNodesWhereFreeResourcesAloneWouldNot() {
        createNode(node("big", "64", "256Gi", 110));
        createNode(node("small", "8", "32Gi", 110));
        startScheduler();
        // pods of no set: LeastAllocated alone decides, and the big node always has more free
        for (int i = 0; i < 4; i++) {
            pods.create(pod("loose-" + i, "100m", "16Mi"));
            awaitBound("loose-" + i);
            assertThat(nodeOf("loose-" + i)).isEqualTo("big");
        }
        // a ReplicaSet's pods: PodTopologySpread (hostname, maxSkew 3) outweighs it and alternates the nodes
        for (int i = 0; i < 6; i++) {
            ObjectNode p = pod("web-" + i, "100m", "16Mi");
            p.with("metadata").putArray("ownerReferences").addObject().put("apiVersion", "apps/v1")
                    .put("kind", "ReplicaSet").put("name", "web").put("uid", "rs-uid-1").put("controller", true);
            pods.create(p);
        }
        for (int i = 0; i < 6; i++) {
            awaitBound("web-" + i);
        }
        Map<String, Integer> perNode = new HashMap<>();
        for (int i = 0; i < 6; i++) {
            perNode.merge(nodeOf("web-" + i), 1, Integer::sum);
        }
        assertThat(perNode).containsEntry("big", 3).containsEntry("small", 3);
    }

    @Test
    void theAssumeCacheLetsABurstOf50PodsBePlacedWithoutOvercommittingAnyNode() {
        // 5 nodes × 10 pods of 400m: 50 pods fit exactly; one more does not
        for (int i = 0; i < 5; i++) {
            createNode(node("node-" + i, "4", "8Gi", 110));
        }
        for (int i = 0; i < 51; i++) {
            pods.create(pod("burst-" + i, "400m", "128Mi"));
        }
        startScheduler();
        await().atMost(WAIT).until(() -> scheduler.boundCount() == 50);
        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, Long> perNode = pods.list().path("items").findValues("spec").stream()
                    .map(s -> s.path("nodeName").asText(""))
                    .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
            assertThat(perNode).containsEntry("", 1L);
            for (int i = 0; i < 5; i++) {
                assertThat(perNode).containsEntry("node-" + i, 10L);
            }
        });
        String unplaced = null;
        for (JsonNode p : pods.list().path("items")) {
            if (p.path("spec").path("nodeName").asText("").isEmpty()) {
                unplaced = p.path("metadata").path("name").asText();
            }
        }
        String name = unplaced;
        await().atMost(WAIT).untilAsserted(() -> assertThat(failedScheduling(name)).isNotEmpty());
        assertThat(failedScheduling(name).get(0).path("message").asText()).isEqualTo(
                "0/5 nodes are available: 5 Insufficient cpu. preemption: 0/5 nodes are available: "
                        + "5 No preemption victims found for incoming pod.");
    }

    /** Intercepts binding POSTs: a test hook may act first (bind elsewhere) or fail the call. */
    static final class BindingInterceptor implements Transport {
        final Transport delegate;
        volatile java.util.function.BiFunction<String, JsonNode, Boolean> hook = (path, body) -> true;
        final java.util.concurrent.atomic.AtomicInteger bindings = new java.util.concurrent.atomic.AtomicInteger();

        BindingInterceptor(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public Response call(String method, String path, Map<String, String> query, String contentType, byte[] body) {
            if (method.equals("POST") && path.endsWith("/binding")) {
                bindings.incrementAndGet();
                try {
                    if (!hook.apply(path, new com.fasterxml.jackson.databind.ObjectMapper().readTree(body))) {
                        throw new java.io.UncheckedIOException(new java.io.IOException("connection reset (test)"));
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }
            return delegate.call(method, path, query, contentType, body);
        }

        @Override
        public AutoCloseable stream(String path, Map<String, String> query, java.util.function.Consumer<byte[]> lines,
                Runnable done) {
            return delegate.stream(path, query, lines, done);
        }
    }

    private BindingInterceptor intercept() {
        BindingInterceptor t = new BindingInterceptor(Transport.inProcess(server.dispatcher(), "scheduler-test"));
        client = ApiClient.of(t);
        return t;
    }

    @Test
    void aPodBoundBySomeoneElseFirstIsAConflictThatOnlyForgetsTheAssumption() {
        createNode(node("one", "1", "2Gi", 110));
        createNode(node("two", "1", "2Gi", 110));
        BindingInterceptor t = intercept();
        java.util.concurrent.atomic.AtomicReference<String> targeted = new java.util.concurrent.atomic.AtomicReference<>();
        t.hook = (path, body) -> {
            if (path.endsWith("/contested/binding") && targeted.compareAndSet(null, body.path("target").path("name").asText())) {
                // another scheduler wins the race: the pod is bound to the other node just before our POST → 409
                String other = targeted.get().equals("one") ? "two" : "one";
                ObjectNode b = J.objectNode();
                b.put("apiVersion", "v1").put("kind", "Binding");
                b.putObject("metadata").put("name", "contested");
                b.putObject("target").put("kind", "Node").put("name", other);
                pods.post("contested", "binding", b);
            }
            return true;
        };
        startScheduler();
        pods.create(pod("contested", "600m", "64Mi"));
        awaitBound("contested");
        String other = targeted.get().equals("one") ? "two" : "one";
        assertThat(nodeOf("contested")).isEqualTo(other);
        // the assumption on the targeted node is forgotten: a 600m pod fits there (and only there)
        pods.create(pod("next", "600m", "64Mi"));
        awaitBound("next");
        assertThat(nodeOf("next")).isEqualTo(targeted.get());
        assertThat(scheduler.boundCount()).isEqualTo(1);
        pods.create(pod("third", "600m", "64Mi"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(failedScheduling("third")).isNotEmpty());
        assertThat(nodeOf("third")).isEmpty();
    }

    @Test
    void aBindingThatFailsIsForgottenAndRetried() {
        createNode(node("only", "1", "2Gi", 110));
        BindingInterceptor t = intercept();
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger();
        t.hook = (path, body) -> !path.endsWith("/flaky/binding") || failures.incrementAndGet() > 2;
        startScheduler();
        pods.create(pod("flaky", "600m", "64Mi"));
        awaitBound("flaky");
        assertThat(nodeOf("flaky")).isEqualTo("only");
        assertThat(failures.get()).isEqualTo(3);
        // counted once: another 600m pod does not fit
        pods.create(pod("second", "600m", "64Mi"));
        await().atMost(WAIT).untilAsserted(() -> assertThat(failedScheduling("second")).isNotEmpty());
        assertThat(scheduler.boundCount()).isEqualTo(1);
    }

    @Test
    void aSchedulerRestartedHalfwayFinishesWithoutOvercommitting() {
        for (int i = 0; i < 3; i++) {
            createNode(node("r-" + i, "2", "8Gi", 110));
        }
        for (int i = 0; i < 30; i++) {
            pods.create(pod("p-" + i, "200m", "64Mi"));
        }
        BindingInterceptor t = intercept();
        // slow bindings, so the first scheduler stops with bindings in flight and pods not yet tried
        t.hook = (path, body) -> {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return true;
        };
        startScheduler();
        await().atMost(WAIT).until(() -> scheduler.boundCount() >= 8);
        scheduler.close();
        informers.close();
        t.hook = (path, body) -> true;
        startScheduler();
        await().atMost(WAIT).untilAsserted(() -> {
            Map<String, Long> perNode = pods.list().path("items").findValues("spec").stream()
                    .map(s -> s.path("nodeName").asText(""))
                    .collect(Collectors.groupingBy(s -> s, Collectors.counting()));
            assertThat(perNode).containsOnlyKeys("r-0", "r-1", "r-2");
            assertThat(perNode.values()).allMatch(n -> n == 10);
        });
    }

    @Test
    void aBindingConflictForgetsTheAssumption() {
        // the scheduler assumes "late" on the only node, but the binding finds it already bound (409): the
        // assumption is forgotten so the node's cpu is counted once, by the informer's bound copy
        createNode(node("solo", "1", "2Gi", 110));
        SchedulerCache cache = new SchedulerCache();
        cache.upsertNode(nodes.get("solo"));
        ObjectNode p = pods.create(pod("late", "600m", "64Mi"));
        PodInfo info = new PodInfo(p);
        cache.assume(info, "solo");
        assertThat(cache.node("solo").requested("cpu")).isEqualTo(600);
        ObjectNode bound = p.deepCopy();
        bound.with("spec").put("nodeName", "solo");
        cache.updatePod(bound);
        cache.forget(info.key); // a late 409: nothing to forget, the bound pod stays counted once
        assertThat(cache.node("solo").requested("cpu")).isEqualTo(600);
        cache.assume(new PodInfo(pod("other", "300m", "1Mi")), "solo");
        cache.forget("other");
        assertThat(cache.node("solo").requested("cpu")).isEqualTo(600);
    }

    private List<JsonNode> failedScheduling(String podName) {
        List<JsonNode> out = new java.util.ArrayList<>();
        for (JsonNode e : client.resource("v1", "events").namespace("default").list().path("items")) {
            if (e.path("reason").asText().equals("FailedScheduling")
                    && e.path("involvedObject").path("name").asText().equals(podName)) {
                out.add(e);
            }
        }
        return out;
    }

    private static JsonNode condition(JsonNode pod, String type) {
        for (JsonNode c : pod.path("status").path("conditions")) {
            if (c.path("type").asText().equals(type)) {
                return c;
            }
        }
        return J.objectNode();
    }
}
