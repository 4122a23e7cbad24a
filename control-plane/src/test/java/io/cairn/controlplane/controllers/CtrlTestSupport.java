package io.cairn.controlplane.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.informer.SharedInformerFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiPredicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/** A real in-process API server, a client, informers, and helpers that play the kubelet for the controllers' tests. */
final class CtrlTestSupport implements AutoCloseable {
    final ApiServer server;
    final ApiClient client;
    final SharedInformerFactory informers;
    /** The conflicting transport, when asked for. */
    final ConflictOnce conflict;

    CtrlTestSupport(Path dir) throws Exception {
        this(dir, null);
    }

    /** With {@code conflictOn}: the first call it accepts (method, path) first sees its object changed by someone else. */
    CtrlTestSupport(Path dir, BiPredicate<String, String> conflictOn) throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false));
        Transport real = Transport.inProcess(server.dispatcher(), "controller-test");
        conflict = conflictOn == null ? null : new ConflictOnce(real, conflictOn);
        client = ApiClient.of(conflict == null ? real : conflict);
        informers = new SharedInformerFactory(client);
    }

    void startInformers() throws InterruptedException {
        informers.start();
        if (!informers.waitForCacheSync(Duration.ofSeconds(20))) {
            throw new IllegalStateException("informers did not sync");
        }
    }

    @Override
    public void close() {
        informers.close();
        server.close();
    }

    ApiClient.ResourceClient pods(String ns) {
        return client.resource("v1", "pods").namespace(ns);
    }

    static ObjectNode obj() {
        return JsonNodeFactory.instance.objectNode();
    }

    static ObjectNode parse(String json) {
        return (ObjectNode) Json.parse(json.replace('\'', '"').getBytes(), false);
    }

    static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    ObjectNode createNamespace(String name) {
        return client.resource("v1", "namespaces").create(parse("{'metadata':{'name':'" + name + "'}}"));
    }

    ObjectNode createPod(String ns, String name, Map<String, String> labels, String nodeName) {
        ObjectNode pod = parse("{'metadata':{'name':'" + name + "'},'spec':{'containers':[{'name':'c','image':'busybox',"
                + "'ports':[{'name':'http','containerPort':8080}]}]}}");
        ObjectNode l = ((ObjectNode) pod.get("metadata")).putObject("labels");
        labels.forEach(l::put);
        if (nodeName != null) {
            ((ObjectNode) pod.get("spec")).put("nodeName", nodeName);
        }
        return pods(ns).create(pod);
    }

    /** Writes a pod's status as a kubelet would: {@code phase}, Ready, and an IP. */
    ObjectNode setPodStatus(String ns, String name, String phase, boolean ready, String ip) {
        for (int attempt = 0; ; attempt++) {
            ObjectNode pod = pods(ns).get(name);
            ObjectNode status = pod.withObjectProperty("status");
            status.put("phase", phase);
            if (ip != null) {
                status.put("podIP", ip);
                status.putArray("podIPs").addObject().put("ip", ip);
                status.put("hostIP", "10.0.0.1");
            }
            status.put("startTime", now());
            var conds = status.putArray("conditions");
            for (String type : new String[] {"Initialized", "PodScheduled", "ContainersReady", "Ready"}) {
                ObjectNode c = conds.addObject();
                c.put("type", type);
                c.put("status", type.equals("Ready") || type.equals("ContainersReady") ? (ready ? "True" : "False") : "True");
                c.put("lastTransitionTime", now());
            }
            try {
                return pods(ns).updateStatus(pod);
            } catch (io.cairn.apiserver.api.ApiException e) {
                if (e.code() != 409 || attempt > 5) {
                    throw e;
                }
            }
        }
    }

    /** The reasons of the events recorded about {@code name} in {@code ns}. */
    java.util.List<String> eventReasons(String ns, String name) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (JsonNode e : client.resource("v1", "events").namespace(ns).list().path("items")) {
            if (name.equals(e.path("involvedObject").path("name").asText())) {
                out.add(e.path("reason").asText());
            }
        }
        return out;
    }

    static String name(JsonNode o) {
        return o.path("metadata").path("name").asText();
    }

    /**
     * A controller test on its own server: {@code env}, made by each test in {@code dir} (with or without a
     * conflicting transport), is closed after it.
     */
    abstract static class EnvTest {
        @TempDir
        Path dir;
        CtrlTestSupport env;

        @AfterEach
        void closeEnv() {
            if (env != null) {
                env.close();
            }
        }
    }

    /** A transport whose first matching write meets a 409: someone touches the object's labels just before. */
    static final class ConflictOnce implements Transport {
        private final Transport delegate;
        private final BiPredicate<String, String> when;
        final AtomicInteger conflicts = new AtomicInteger();

        ConflictOnce(Transport delegate, BiPredicate<String, String> when) {
            this.delegate = delegate;
            this.when = when;
        }

        @Override
        public Response call(String method, String path, Map<String, String> query, String contentType, byte[] body) {
            if (conflicts.get() == 0 && when.test(method, path)) {
                conflicts.incrementAndGet();
                String objPath = path.endsWith("/status") ? path.substring(0, path.length() - "/status".length()) : path;
                delegate.call("PATCH", objPath, Map.of(), ApiClient.MERGE_PATCH,
                        "{\"metadata\":{\"annotations\":{\"touched\":\"by-someone-else\"}}}".getBytes());
            }
            return delegate.call(method, path, query, contentType, body);
        }

        @Override
        public AutoCloseable stream(String path, Map<String, String> query, java.util.function.Consumer<byte[]> lines,
                                    Runnable done) {
            return delegate.stream(path, query, lines, done);
        }
    }
}
