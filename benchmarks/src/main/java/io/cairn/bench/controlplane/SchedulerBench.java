package io.cairn.bench.controlplane;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.scheduler.Scheduler;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn bench scheduler}: pods bound per second through the API server and the embedded store, in the manner
 * of kube-scheduler's scheduler_perf: N nodes (32 cpu, 256 GiB, 110 pods each) and P pending pods (100m cpu, 128 MiB
 * each) are created first; the clock runs from the scheduler's start (its informers' lists included) until the API
 * server has accepted every binding. Then every node's bound requests are checked against its allocatable.
 */
public final class SchedulerBench {
    static final long NODE_MILLICPU = 32_000;
    static final long NODE_MEMORY = 256L << 30;
    static final int NODE_PODS = 110;
    static final long POD_MILLICPU = 100;
    static final long POD_MEMORY = 128L << 20;

    private SchedulerBench() {
    }

    /** @param overcommitted nodes whose bound pods ask more than the node has (must be 0) */
    public record Result(double podsPerSecond, int nodes, int pods, long millis, int overcommitted) {
    }

    public static Result run(int nodeCount, int podCount, PrintStream progress) throws Exception {
        Path dir = Files.createTempDirectory("cairn-bench-scheduler");
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false))) {
            ApiClient client = ApiClient.of(Transport.inProcess(server.dispatcher(), "bench"));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                progress.printf("scheduler bench: creating %d nodes ...%n", nodeCount);
                parallel(pool, nodeCount, i -> createNode(client, "node-" + i));
                progress.printf("scheduler bench: creating %d pending pods ...%n", podCount);
                ApiClient.ResourceClient pods = client.resource("v1", "pods").namespace("default");
                parallel(pool, podCount, i -> pods.create(pod("p-" + i)));
            } finally {
                pool.shutdown();
            }
            progress.println("scheduler bench: scheduling ...");
            long elapsed;
            try (SharedInformerFactory informers = new SharedInformerFactory(client);
                    Scheduler scheduler = new Scheduler(client, informers, Scheduler.Config.defaults())) {
                long t0 = System.nanoTime();
                scheduler.start();
                long deadline = t0 + TimeUnit.MINUTES.toNanos(10);
                long lastNote = t0;
                while (scheduler.boundCount() < podCount) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("only " + scheduler.boundCount() + " of " + podCount
                                + " pods bound after 10 minutes");
                    }
                    if (System.nanoTime() - lastNote > TimeUnit.SECONDS.toNanos(2)) {
                        progress.printf("scheduler bench: %d/%d bound%n", scheduler.boundCount(), podCount);
                        lastNote = System.nanoTime();
                    }
                    Thread.sleep(20);
                }
                elapsed = System.nanoTime() - t0;
            }
            int overcommitted = overcommitted(client);
            return new Result(podCount * 1e9 / elapsed, nodeCount, podCount, elapsed / 1_000_000, overcommitted);
        } finally {
            deleteTree(dir);
        }
    }

    private interface Task {
        void run(int i) throws Exception;
    }

    private static void parallel(ExecutorService pool, int count, Task task) throws Exception {
        List<Future<?>> futures = new ArrayList<>();
        int chunks = 8;
        for (int c = 0; c < chunks; c++) {
            int from = c;
            futures.add(pool.submit(() -> {
                for (int i = from; i < count; i += chunks) {
                    task.run(i);
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
    }

    private static void createNode(ApiClient client, String name) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("apiVersion", "v1");
        n.put("kind", "Node");
        n.putObject("metadata").put("name", name).putObject("labels").put("kubernetes.io/hostname", name);
        ObjectNode status = n.putObject("status");
        for (String field : List.of("capacity", "allocatable")) {
            status.putObject(field).put("cpu", Long.toString(NODE_MILLICPU / 1000)).put("memory", "256Gi")
                    .put("pods", Integer.toString(NODE_PODS));
        }
        ObjectNode ready = status.putArray("conditions").addObject();
        ready.put("type", "Ready");
        ready.put("status", "True");
        ApiClient.ResourceClient nodes = client.resource("v1", "nodes");
        ObjectNode created = nodes.create(n);
        created.set("status", status);
        nodes.updateStatus(created);
    }

    private static ObjectNode pod(String name) {
        ObjectNode p = JsonNodeFactory.instance.objectNode();
        p.put("apiVersion", "v1");
        p.put("kind", "Pod");
        p.putObject("metadata").put("name", name);
        ObjectNode c = p.putObject("spec").putArray("containers").addObject();
        c.put("name", "app");
        c.put("image", "registry.k8s.io/pause:3.10");
        c.putObject("resources").putObject("requests").put("cpu", POD_MILLICPU + "m").put("memory", "128Mi");
        return p;
    }

    /** How many nodes hold pods whose requests exceed the node's cpu, memory or pod count. */
    private static int overcommitted(ApiClient client) {
        Map<String, long[]> used = new HashMap<>();
        String token = "";
        do {
            Map<String, String> q = new HashMap<>(Map.of("limit", "1000"));
            if (!token.isEmpty()) {
                q.put("continue", token);
            }
            ObjectNode page = client.resource("v1", "pods").namespace("default").list(q);
            for (JsonNode pod : page.path("items")) {
                String node = pod.path("spec").path("nodeName").asText();
                if (!node.isEmpty()) {
                    long[] u = used.computeIfAbsent(node, k -> new long[3]);
                    u[0] += POD_MILLICPU;
                    u[1] += POD_MEMORY;
                    u[2]++;
                }
            }
            token = page.path("metadata").path("continue").asText();
        } while (!token.isEmpty());
        int over = 0;
        for (long[] u : used.values()) {
            if (u[0] > NODE_MILLICPU || u[1] > NODE_MEMORY || u[2] > NODE_PODS) {
                over++;
            }
        }
        return over;
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary directory
        }
    }

    /** {@code SchedulerBench [nodes] [pods]}: the summary line on standard output, progress on standard error. */
    public static void main(String[] args) throws Exception {
        int nodes = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int pods = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        Result r = run(nodes, pods, System.err);
        System.out.printf("bench scheduler: %d pods/s nodes=%d pods=%d%n", Math.round(r.podsPerSecond()), nodes, pods);
        System.exit(r.overcommitted() == 0 ? 0 : 1);
    }
}
