package io.cairn.controlplane.controllers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** A real API server, a transport with test hooks for the controllers, and pod helpers (no nodes run here). */
final class WorkloadTestSupport implements AutoCloseable {
    static final JsonNodeFactory F = JsonNodeFactory.instance;

    final ApiServer server;
    /** The tests' own client: not delayed, not counted. */
    final ApiClient admin;
    final HookTransport transport;
    /** The controllers' client. */
    final ApiClient client;

    WorkloadTestSupport(Path dir) throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false));
        admin = ApiClient.of(Transport.inProcess(server.dispatcher(), "workload-test"));
        transport = new HookTransport(Transport.inProcess(server.dispatcher(), "workload-controllers"));
        client = ApiClient.of(transport);
    }

    @Override
    public void close() {
        server.close();
    }

    ApiClient.ResourceClient pods() {
        return admin.resource("v1", "pods").namespace("default");
    }

    ApiClient.ResourceClient replicaSets() {
        return admin.resource("apps/v1", "replicasets").namespace("default");
    }

    ApiClient.ResourceClient deployments() {
        return admin.resource("apps/v1", "deployments").namespace("default");
    }

    List<ObjectNode> items(ApiClient.ResourceClient r) {
        List<ObjectNode> out = new ArrayList<>();
        r.list().path("items").forEach(i -> out.add((ObjectNode) i));
        return out;
    }

    static ObjectNode template(Map<String, String> labels, String image) {
        ObjectNode t = F.objectNode();
        ObjectNode l = t.putObject("metadata").putObject("labels");
        labels.forEach(l::put);
        ObjectNode c = t.putObject("spec").putArray("containers").addObject();
        c.put("name", "app");
        c.put("image", image);
        return t;
    }

    /**
     * An apps/v1 {@code kind} (ReplicaSet, Deployment) named {@code name}: {@code replicas} pods of {@code image}
     * labelled and selected by {@code labels}.
     */
    static ObjectNode workload(String kind, String name, int replicas, Map<String, String> labels, String image) {
        ObjectNode w = F.objectNode();
        w.put("apiVersion", "apps/v1");
        w.put("kind", kind);
        w.putObject("metadata").put("name", name);
        ObjectNode spec = w.putObject("spec");
        spec.put("replicas", replicas);
        spec.set("selector", selector(labels));
        spec.set("template", template(labels, image));
        return w;
    }

    static ObjectNode selector(Map<String, String> labels) {
        ObjectNode s = F.objectNode();
        ObjectNode ml = s.putObject("matchLabels");
        labels.forEach(ml::put);
        return s;
    }

    /** Marks every pod Running and Ready through the status subresource (what a node would do). */
    void markAllReady() {
        String now = Instant.now().toString();
        for (ObjectNode p : items(pods())) {
            if (p.path("metadata").has("deletionTimestamp") || CtrlUtil.podReady(p)) {
                continue;
            }
            ObjectNode status = p.withObjectProperty("status");
            status.put("phase", "Running");
            var conds = status.putArray("conditions");
            for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
                ObjectNode c = conds.addObject();
                c.put("type", type);
                c.put("status", "True");
                c.put("lastTransitionTime", now);
            }
            try {
                pods().updateStatus(p);
            } catch (ApiException e) {
                // gone or changed meanwhile: the next round marks it
            }
        }
    }

    static int spec(JsonNode o) {
        return o.path("spec").path("replicas").asInt();
    }

    static String annotation(JsonNode o, String key) {
        return o.path("metadata").path("annotations").path(key).asText(null);
    }

    /**
     * A real transport the tests can hold back and poke: {@link #holdPodWatch} keeps pod watch lines until released
     * (a lagging informer); {@link #beforeStatusWrite} runs once before the next status PUT matching a path.
     */
    static final class HookTransport implements Transport {
        private final Transport delegate;
        final AtomicBoolean holdPodWatch = new AtomicBoolean();
        private final List<Runnable> held = new ArrayList<>();
        final AtomicInteger statusWrites = new AtomicInteger();
        final AtomicInteger conflicts = new AtomicInteger();
        private volatile Predicate<String> statusHookPath;
        private volatile Runnable statusHook;

        HookTransport(Transport delegate) {
            this.delegate = delegate;
        }

        void beforeStatusWrite(Predicate<String> path, Runnable hook) {
            statusHookPath = path;
            statusHook = hook;
        }

        void releasePodWatch() {
            synchronized (held) { // in order: a new line waits for the held ones
                holdPodWatch.set(false);
                held.forEach(Runnable::run);
                held.clear();
            }
        }

        @Override
        public Response call(String method, String path, Map<String, String> query, String contentType, byte[] body) {
            if (method.equals("PUT") && path.endsWith("/status")) {
                statusWrites.incrementAndGet();
                Runnable hook = statusHook;
                if (hook != null && statusHookPath.test(path)) {
                    statusHook = null;
                    hook.run();
                }
            }
            Response r = delegate.call(method, path, query, contentType, body);
            if (r.code() == 409) {
                conflicts.incrementAndGet();
            }
            return r;
        }

        @Override
        public AutoCloseable stream(String path, Map<String, String> query, Consumer<byte[]> lines, Runnable done) {
            if (!path.endsWith("/pods")) {
                return delegate.stream(path, query, lines, done);
            }
            return delegate.stream(path, query, line -> {
                synchronized (held) {
                    if (holdPodWatch.get()) {
                        held.add(() -> lines.accept(line));
                        return;
                    }
                }
                lines.accept(line);
            }, done);
        }
    }

    static Duration timeout() {
        return Duration.ofSeconds(20);
    }
}
