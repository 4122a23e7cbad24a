package io.cairn.controlplane.nodes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Simulated nodes against a real in-process API server. */
class NodeSimulatorTest extends NodeSimulatorTestSupport {
    private static final JsonNodeFactory F = JsonNodeFactory.instance;

    private static NodeSimulator.Config fast(int count) {
        return NodeSimulator.Config.defaults(count)
                .withLeaseRenew(Duration.ofMillis(200))
                .withStartDelay(Duration.ofMillis(100))
                .withJobRunTime(Duration.ofMillis(300))
                .withFailure(Duration.ofMillis(200), Duration.ofMillis(200));
    }

    private ApiClient.ResourceClient pods() {
        return client.resource("v1", "pods").namespace("default");
    }

    private ObjectNode pod(String name, String restartPolicy, Map<String, String> annotations) {
        ObjectNode p = F.objectNode();
        p.put("apiVersion", "v1").put("kind", "Pod");
        ObjectNode meta = p.putObject("metadata").put("name", name);
        if (!annotations.isEmpty()) {
            ObjectNode a = meta.putObject("annotations");
            annotations.forEach(a::put);
        }
        ObjectNode spec = p.putObject("spec");
        spec.put("restartPolicy", restartPolicy);
        spec.putArray("containers").addObject().put("name", "app").put("image", "registry.example/app:1");
        return (ObjectNode) pods().create(p);
    }

    private void bind(String pod, String node) {
        ObjectNode b = F.objectNode();
        b.put("apiVersion", "v1").put("kind", "Binding");
        b.putObject("metadata").put("name", pod);
        b.putObject("target").put("apiVersion", "v1").put("kind", "Node").put("name", node);
        pods().post(pod, "binding", b);
    }

    private static String condition(JsonNode obj, String type) {
        for (JsonNode c : obj.path("status").path("conditions")) {
            if (type.equals(c.path("type").asText())) {
                return c.path("status").asText();
            }
        }
        return "";
    }

    private JsonNode lease(String node) {
        return client.resource("coordination.k8s.io/v1", "leases").namespace("kube-node-lease").get(node);
    }

    @Test
    void nodesRegisterReadyWithLeases() {
        start(fast(3).withZones(List.of("z1", "z2")));
        List<JsonNode> items = List.copyOf(toList(client.resource("v1", "nodes").list().path("items")));
        assertThat(items).extracting(n -> n.path("metadata").path("name").asText())
                .containsExactlyInAnyOrder("node-1", "node-2", "node-3");
        JsonNode n1 = client.resource("v1", "nodes").get("node-1");
        assertThat(condition(n1, "Ready")).isEqualTo("True");
        assertThat(condition(n1, "MemoryPressure")).isEqualTo("False");
        assertThat(condition(n1, "DiskPressure")).isEqualTo("False");
        assertThat(condition(n1, "PIDPressure")).isEqualTo("False");
        assertThat(n1.path("status").path("capacity").path("cpu").asText()).isEqualTo("32");
        assertThat(n1.path("status").path("allocatable").path("memory").asText()).isEqualTo("256Gi");
        assertThat(n1.path("status").path("allocatable").path("pods").asText()).isEqualTo("110");
        assertThat(n1.path("status").path("nodeInfo").path("kubeletVersion").asText()).isEqualTo("v1.32.0-cairn");
        assertThat(n1.path("status").path("daemonEndpoints").path("kubeletEndpoint").path("Port").asInt())
                .isEqualTo(10250);
        assertThat(n1.path("metadata").path("labels").path("kubernetes.io/hostname").asText()).isEqualTo("node-1");
        assertThat(n1.path("metadata").path("labels").path("topology.kubernetes.io/zone").asText()).isEqualTo("z1");
        assertThat(client.resource("v1", "nodes").get("node-2").path("metadata").path("labels")
                .path("topology.kubernetes.io/zone").asText()).isEqualTo("z2");
        assertThat(client.resource("v1", "nodes").get("node-3").path("metadata").path("labels")
                .path("topology.kubernetes.io/zone").asText()).isEqualTo("z1");
        assertThat(n1.path("spec").path("podCIDR").asText()).isEqualTo("10.244.1.0/24");
        for (String node : sim.nodeNames()) {
            JsonNode lease = lease(node);
            assertThat(lease.path("spec").path("holderIdentity").asText()).isEqualTo(node);
            assertThat(lease.path("spec").path("leaseDurationSeconds").asInt()).isEqualTo(40);
        }
        String first = lease("node-2").path("spec").path("renewTime").asText();
        await().atMost(WAIT).until(() -> !lease("node-2").path("spec").path("renewTime").asText().equals(first));

        // Someone else writes the Lease: the simulator's next renewal meets a 409, re-reads and renews anyway.
        client.resource("coordination.k8s.io/v1", "leases").namespace("kube-node-lease").patch("node-2",
                ApiClient.MERGE_PATCH, "{\"spec\":{\"holderIdentity\":\"intruder\"}}");
        await().atMost(WAIT).until(() -> lease("node-2").path("spec").path("holderIdentity").asText()
                .equals("node-2"));
        // Or deletes it: the next renewal creates it again.
        client.resource("coordination.k8s.io/v1", "leases").namespace("kube-node-lease").delete("node-3");
        await().atMost(WAIT).ignoreExceptions().until(() -> lease("node-3").path("spec").path("holderIdentity")
                .asText().equals("node-3"));
    }

    private String heartbeat(String node) {
        for (JsonNode c : client.resource("v1", "nodes").get(node).path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                return c.path("lastHeartbeatTime").asText();
            }
        }
        return "";
    }

    @Test
    void theReadyHeartbeatIsRefreshedAndANodeMarkedUnknownComesBack() {
        start(fast(1).withHeartbeat(Duration.ofMillis(300)));
        String first = heartbeat("node-1");
        await().atMost(WAIT).until(() -> !heartbeat("node-1").equals(first)); // second precision: ~1 s
        // Someone (the node lifecycle controller) marks the node Unknown; the next heartbeat reports Ready again.
        ObjectNode n = client.resource("v1", "nodes").get("node-1");
        for (JsonNode c : n.path("status").path("conditions")) {
            if ("Ready".equals(c.path("type").asText())) {
                ((ObjectNode) c).put("status", "Unknown").put("reason", "NodeStatusUnknown");
            }
        }
        client.resource("v1", "nodes").updateStatus(n);
        await().atMost(WAIT).until(() -> condition(client.resource("v1", "nodes").get("node-1"), "Ready")
                .equals("True"));
    }

    @Test
    void aRestartedSimulatorAdoptsItsNodes() {
        start(fast(2));
        sim.close();
        start(fast(2));
        assertThat(condition(client.resource("v1", "nodes").get("node-2"), "Ready")).isEqualTo("True");
    }

    @Test
    void aBoundPodRunsWithAnIpFromItsNodesCidr() {
        start(fast(2));
        pod("web", "Always", Map.of());
        bind("web", "node-2");
        await().atMost(WAIT).until(() -> pods().get("web").path("status").path("phase").asText().equals("Running"));
        JsonNode p = pods().get("web");
        JsonNode status = p.path("status");
        assertThat(status.path("podIP").asText()).startsWith("10.244.2.");
        assertThat(status.path("podIPs").get(0).path("ip").asText()).isEqualTo(status.path("podIP").asText());
        assertThat(status.path("hostIP").asText()).isEqualTo(sim.internalIp("node-2"));
        assertThat(status.path("startTime").asText()).isNotEmpty();
        for (String c : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
            assertThat(condition(p, c)).as(c).isEqualTo("True");
        }
        JsonNode cs = status.path("containerStatuses").get(0);
        assertThat(cs.path("name").asText()).isEqualTo("app");
        assertThat(cs.path("ready").asBoolean()).isTrue();
        assertThat(cs.path("started").asBoolean()).isTrue();
        assertThat(cs.path("restartCount").asInt()).isZero();
        assertThat(cs.path("containerID").asText()).startsWith("containerd://");
        assertThat(cs.path("state").path("running").path("startedAt").asText()).isNotEmpty();

        ObjectNode host = F.objectNode();
        host.put("apiVersion", "v1").put("kind", "Pod");
        host.putObject("metadata").put("name", "agent");
        host.putObject("spec").put("hostNetwork", true).putArray("containers").addObject().put("name", "a")
                .put("image", "registry.example/agent:1");
        pods().create(host);
        bind("agent", "node-2");
        await().atMost(WAIT).until(() -> pods().get("agent").path("status").path("phase").asText()
                .equals("Running"));
        assertThat(pods().get("agent").path("status").path("podIP").asText()).isEqualTo(sim.internalIp("node-2"));

        pod("web2", "Always", Map.of());
        bind("web2", "node-2");
        await().atMost(WAIT).until(() -> pods().get("web2").path("status").path("phase").asText().equals("Running"));
        assertThat(pods().get("web2").path("status").path("podIP").asText()).startsWith("10.244.2.")
                .isNotEqualTo(status.path("podIP").asText());
    }

    /** Before the first pods/status PUT goes through, another writer changes the pod: the PUT meets a 409. */
    private static final class ConflictingTransport implements Transport {
        final Transport delegate;
        final AtomicBoolean armed = new AtomicBoolean(true);
        final AtomicInteger conflicts = new AtomicInteger();

        ConflictingTransport(Transport delegate) {
            this.delegate = delegate;
        }

        @Override
        public Response call(String method, String path, Map<String, String> query, String contentType,
                             byte[] body) {
            if (method.equals("PUT") && path.startsWith("/api/v1/namespaces/") && path.endsWith("/status")
                    && path.contains("/pods/") && armed.compareAndSet(true, false)) {
                String podPath = path.substring(0, path.length() - "/status".length());
                delegate.call("PATCH", podPath, Map.of(), ApiClient.MERGE_PATCH,
                        "{\"metadata\":{\"labels\":{\"touched\":\"yes\"}}}".getBytes(StandardCharsets.UTF_8));
            }
            Response r = delegate.call(method, path, query, contentType, body);
            if (r.code() == 409) {
                conflicts.incrementAndGet();
            }
            return r;
        }

        @Override
        public AutoCloseable stream(String path, Map<String, String> query, Consumer<byte[]> lines, Runnable done) {
            return delegate.stream(path, query, lines, done);
        }
    }

    @Test
    void aConflictingStatusWriteIsReReadAndRetried() {
        ConflictingTransport t = new ConflictingTransport(Transport.inProcess(server.dispatcher(), "sim"));
        sim = new NodeSimulator(ApiClient.of(t), fast(1));
        sim.start();
        pod("busy", "Always", Map.of());
        bind("busy", "node-1");
        await().atMost(WAIT).until(() -> pods().get("busy").path("status").path("phase").asText().equals("Running"));
        assertThat(t.conflicts.get()).isGreaterThanOrEqualTo(1);
        assertThat(pods().get("busy").path("metadata").path("labels").path("touched").asText()).isEqualTo("yes");
    }

    @Test
    void aSimulatorRestartedMidJobFinishesIt() {
        start(fast(1).withJobRunTime(Duration.ofMillis(1500)));
        pod("job-2", "OnFailure", Map.of());
        pods().patch("job-2", ApiClient.MERGE_PATCH, "{\"metadata\":{\"ownerReferences\":[{\"apiVersion\":"
                + "\"batch/v1\",\"kind\":\"Job\",\"name\":\"j\",\"uid\":\"0b0e0f00-0000-4000-8000-000000000001\","
                + "\"controller\":true}]}}");
        bind("job-2", "node-1");
        await().atMost(WAIT).until(() -> pods().get("job-2").path("status").path("phase").asText().equals("Running"));
        sim.close();
        assertThat(pods().get("job-2").path("status").path("phase").asText()).isEqualTo("Running");
        start(fast(1).withJobRunTime(Duration.ofMillis(300)));
        await().atMost(WAIT).until(() -> pods().get("job-2").path("status").path("phase").asText()
                .equals("Succeeded"));
    }

    @Test
    void aJobPodWithRestartNeverCompletes() {
        start(fast(1));
        pod("job-1", "Never", Map.of(NodeSimulator.COMPLETE_AFTER, "0.3"));
        bind("job-1", "node-1");
        await().atMost(WAIT).until(() -> pods().get("job-1").path("status").path("phase").asText()
                .equals("Succeeded"));
        JsonNode cs = pods().get("job-1").path("status").path("containerStatuses").get(0);
        assertThat(cs.path("state").path("terminated").path("exitCode").asInt()).isZero();
        assertThat(cs.path("state").path("terminated").path("reason").asText()).isEqualTo("Completed");
    }

    @Test
    void aFailingPodRestartsUnderAlways() {
        start(fast(1));
        pod("crash", "Always", Map.of(NodeSimulator.FAIL, "true"));
        bind("crash", "node-1");
        await().atMost(WAIT).until(() -> pods().get("crash").path("status").path("containerStatuses").path(0)
                .path("restartCount").asInt() >= 2);
        JsonNode p = pods().get("crash");
        assertThat(p.path("status").path("phase").asText()).isEqualTo("Running");
        assertThat(p.path("status").path("containerStatuses").get(0).path("lastState").path("terminated")
                .path("exitCode").asInt()).isEqualTo(1);
    }

    @Test
    void aFailingPodUnderNeverFails() {
        start(fast(1));
        pod("broken", "Never", Map.of(NodeSimulator.FAIL, "true"));
        bind("broken", "node-1");
        await().atMost(WAIT).until(() -> pods().get("broken").path("status").path("phase").asText()
                .equals("Failed"));
        assertThat(pods().get("broken").path("status").path("containerStatuses").get(0).path("state")
                .path("terminated").path("exitCode").asInt()).isEqualTo(1);
    }

    @Test
    void aGracefulDeleteIsFinishedByTheNode() {
        start(fast(1));
        pod("gone", "Always", Map.of());
        bind("gone", "node-1");
        await().atMost(WAIT).until(() -> pods().get("gone").path("status").path("phase").asText().equals("Running"));
        pods().delete("gone"); // default grace 30 s: only the node can finish it sooner
        await().atMost(WAIT).until(() -> {
            try {
                pods().get("gone");
                return false;
            } catch (ApiException e) {
                return e.code() == 404;
            }
        });
    }

    @Test
    void aStoppedNodeStopsRenewingItsLeaseAndItsPods() throws Exception {
        start(fast(2));
        sim.stop("node-1");
        Thread.sleep(300); // a renewal already in flight may still land
        String frozen = lease("node-1").path("spec").path("renewTime").asText();
        String other = lease("node-2").path("spec").path("renewTime").asText();
        await().atMost(WAIT).until(() -> !lease("node-2").path("spec").path("renewTime").asText().equals(other));
        Thread.sleep(600);
        assertThat(lease("node-1").path("spec").path("renewTime").asText()).isEqualTo(frozen);

        pod("idle", "Always", Map.of());
        bind("idle", "node-1");
        Thread.sleep(800);
        assertThat(pods().get("idle").path("status").path("phase").asText()).isEqualTo("Pending");

        sim.start("node-1");
        await().atMost(WAIT).until(() -> !lease("node-1").path("spec").path("renewTime").asText().equals(frozen));
        await().atMost(WAIT).until(() -> pods().get("idle").path("status").path("phase").asText().equals("Running"));
        Instant.parse(lease("node-1").path("spec").path("renewTime").asText());
    }

    @Test
    void manyPodsOnManyNodesAllRunWithDistinctIps() {
        start(fast(20).withNamePrefix("sim-"));
        int n = 120;
        for (int i = 0; i < n; i++) {
            pod("p" + i, "Always", Map.of());
            bind("p" + i, "sim-" + (i % 20 + 1));
        }
        await().atMost(WAIT).until(() -> toList(pods().list().path("items")).stream()
                .filter(p -> p.path("status").path("phase").asText().equals("Running")).count() == n);
        List<JsonNode> all = toList(pods().list().path("items"));
        assertThat(all.stream().map(p -> p.path("status").path("podIP").asText()).distinct().count()).isEqualTo(n);
        for (JsonNode p : all) {
            String node = p.path("spec").path("nodeName").asText();
            String cidr = sim.podCidr(node);
            assertThat(p.path("status").path("podIP").asText()).startsWith(cidr.substring(0, cidr.length() - 4));
        }
    }

    private static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> out = new java.util.ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
