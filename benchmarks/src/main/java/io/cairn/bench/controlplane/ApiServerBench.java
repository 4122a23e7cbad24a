package io.cairn.bench.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code cairn bench apiserver}: the API server on its embedded store, driven over HTTP by Cairn's Java client from the
 * same process (the client's cost is on the same 2 cores): creates per second of {@code pods} pods from
 * {@code clients} concurrent clients; the latency of a LIST of all of them (no resourceVersion: a consistent read from
 * the store, as kubectl's); and the delivery latency of ConfigMap events to {@code watchers} HTTP watches, each event
 * timed from just before its create is sent until each watcher has read it.
 */
public final class ApiServerBench {
    private ApiServerBench() {
    }

    public record Result(double createsPerSecond, double listP50Millis, double watchP99Millis, int watchers,
                         int pods, long listBytes) {
    }

    public static Result run(int podCount, int clients, int watcherCount, int events, PrintStream progress)
            throws Exception {
        Path dir = Files.createTempDirectory("cairn-bench-apiserver");
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false)
                .withCompactionMillis(0))) {
            ApiClient client = ApiClient.of(Transport.http(server.url(), null, null));
            ApiClient.ResourceClient pods = client.resource("v1", "pods").namespace("default");
            progress.printf("apiserver bench: warming up ...%n");
            for (int i = 0; i < 500; i++) {
                pods.create(pod("warm-" + i));
            }
            pods.list();
            progress.printf("apiserver bench: creating %d pods from %d clients ...%n", podCount, clients);
            double createsPerSecond = creates(clients, podCount, i -> pods.create(pod("p-" + i)));

            progress.println("apiserver bench: listing ...");
            long[] list = new long[20];
            long bytes = 0;
            for (int i = 0; i < list.length; i++) {
                long t0 = System.nanoTime();
                Transport.Response r = client.transport().call("GET", "/api/v1/namespaces/default/pods", Map.of(),
                        null, null);
                list[i] = System.nanoTime() - t0;
                bytes = r.body().length;
                if (r.code() != 200) {
                    throw new IllegalStateException("LIST answered " + r.code());
                }
            }
            Arrays.sort(list);

            progress.printf("apiserver bench: %d watchers, %d events ...%n", watcherCount, events);
            double watchP99 = watchLatency(client, watcherCount, events);
            return new Result(createsPerSecond, list[list.length / 2] / 1e6, watchP99, watcherCount, podCount, bytes);
        } finally {
            deleteRecursively(dir);
        }
    }

    private interface Op {
        void run(int i) throws Exception;
    }

    private static double creates(int clients, int count, Op op) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                done.add(pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        op.run(i);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return count * 1e9 / (System.nanoTime() - t0);
    }

    private static double watchLatency(ApiClient client, int watcherCount, int events) throws Exception {
        ApiClient.ResourceClient cms = client.resource("v1", "configmaps").namespace("default");
        String rv = cms.list().path("metadata").path("resourceVersion").asText();
        ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        CountDownLatch delivered = new CountDownLatch(watcherCount * events);
        List<AutoCloseable> watches = new ArrayList<>();
        try {
            for (int w = 0; w < watcherCount; w++) {
                watches.add(client.transport().stream("/api/v1/namespaces/default/configmaps",
                        Map.of("watch", "true", "resourceVersion", rv), line -> {
                            long now = System.nanoTime();
                            JsonNode e = Json.parse(line, false);
                            String sent = e.path("object").path("metadata").path("annotations").path("sent").asText("");
                            if (!sent.isEmpty()) {
                                latencies.add(now - Long.parseLong(sent));
                                delivered.countDown();
                            }
                        }, () -> { }));
            }
            Thread.sleep(2_000); // every watch registered before the first event
            for (int i = 0; i < events; i++) {
                ObjectNode cm = JsonNodeFactory.instance.objectNode();
                ObjectNode meta = cm.putObject("metadata");
                meta.put("name", "watched-" + i);
                meta.putObject("annotations").put("sent", Long.toString(System.nanoTime()));
                cms.create(cm);
                Thread.sleep(20);
            }
            if (!delivered.await(60, TimeUnit.SECONDS)) {
                throw new IllegalStateException((watcherCount * events - delivered.getCount()) + " of "
                        + watcherCount * events + " events delivered in 60 s");
            }
        } finally {
            for (AutoCloseable w : watches) {
                w.close();
            }
        }
        long[] all = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        return all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6;
    }

    static ObjectNode pod(String name) {
        ObjectNode pod = JsonNodeFactory.instance.objectNode();
        pod.putObject("metadata").put("name", name).putObject("labels").put("app", "bench");
        ObjectNode c = pod.putObject("spec").putArray("containers").addObject();
        c.put("name", "app");
        c.put("image", "registry.k8s.io/pause:3.10");
        ObjectNode req = c.putObject("resources").putObject("requests");
        req.put("cpu", "100m");
        req.put("memory", "128Mi");
        return pod;
    }

    private static void deleteRecursively(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // a temporary directory: best effort
        }
    }
}
