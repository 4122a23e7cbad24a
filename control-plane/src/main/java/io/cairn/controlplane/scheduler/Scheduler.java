package io.cairn.controlplane.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.informer.Store;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default scheduler, shaped like kube-scheduler's framework. Informers on nodes and pods feed a
 * {@link SchedulerCache} (nodes with their bound and assumed pods) and a {@link SchedulingQueue} of the pods to
 * place: {@code spec.nodeName} empty, {@code spec.schedulerName} {@value #DEFAULT_SCHEDULER} (or absent), not
 * being deleted.
 *
 * <p>Once the node and pod informers have synced, one scheduling thread takes a pod at a time: every node goes through the Filter plugins (NodeUnschedulable,
 * NodeName, TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit; the first that fails a node decides), the
 * feasible ones through the Score plugins (each normalised to 0..100 and weighted: TaintToleration 3,
 * NodeAffinity 2, NodeResourcesFit's LeastAllocated 1, NodeResourcesBalancedAllocation 1, PodTopologySpread 2); the
 * highest total wins, ties broken round-robin. The pod is then <em>assumed</em> on the node in the cache, so the
 * next pod counts its requests, and bound asynchronously by {@code workers} threads: POST of a {@code Binding} to
 * {@code pods/<name>/binding}. A failed binding forgets the assumption and retries after a backoff; a 409 (the pod
 * is already bound, or going away) only forgets it, the informer brings the truth.
 *
 * <p>A pod that fits nowhere gets its {@code PodScheduled} condition False with reason Unschedulable (status
 * subresource, guarded on resourceVersion) and a FailedScheduling Warning event worded as kube-scheduler 1.32's
 * ({@code 0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption
 * victims found for incoming pod.}); the same failure again bumps the event's count. It waits as unschedulable
 * until a node is added or changes or a bound pod goes away, then retries after its backoff.
 */
public final class Scheduler implements AutoCloseable {
    public static final String DEFAULT_SCHEDULER = "default-scheduler";
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    /**
     * @param workers         threads that bind (and write failure status and events); scheduling itself is one thread
     * @param initialBackoff  first wait of a pod that failed; doubles per attempt
     * @param maxBackoff      the longest such wait
     * @param flushUnschedulable how long a pod stays unschedulable with no cluster event before it is tried again
     */
    public record Config(int workers, Duration initialBackoff, Duration maxBackoff, Duration flushUnschedulable) {
        public Config {
            if (workers < 1) {
                throw new IllegalArgumentException("workers must be at least 1");
            }
            Objects.requireNonNull(initialBackoff);
            Objects.requireNonNull(maxBackoff);
            Objects.requireNonNull(flushUnschedulable);
        }

        /** kube-scheduler's defaults: backoff 1 s to 10 s, unschedulable pods flushed after 5 minutes; 16 binders. */
        public static Config defaults() {
            return new Config(16, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(5));
        }

        public Config withWorkers(int n) {
            return new Config(n, initialBackoff, maxBackoff, flushUnschedulable);
        }

        public Config withBackoff(Duration initial, Duration max) {
            return new Config(workers, initial, max, flushUnschedulable);
        }

        public Config withFlushUnschedulable(Duration d) {
            return new Config(workers, initialBackoff, maxBackoff, d);
        }
    }

    private final ApiClient client;
    private final SharedInformerFactory informers;
    private final Config config;
    private final Informer nodeInformer;
    private final Informer podInformer;
    private final SchedulerCache cache = new SchedulerCache();
    private final SchedulingQueue queue;
    private final List<Plugins.Filter> filters;
    private final List<Plugins.Score> scorers;
    private final AtomicLong bound = new AtomicLong();
    private final AtomicLong attempts = new AtomicLong();
    private final AtomicLong unschedulableCount = new AtomicLong();
    /** Time spent in scheduling cycles and in binding calls, for benchmarks. */
    final AtomicLong cycleNanos = new AtomicLong();
    final AtomicLong bindNanos = new AtomicLong();
    /** Pod key → the last FailedScheduling event written for it (name, message, count). */
    private final Map<String, EventRecord> events = new ConcurrentHashMap<>();
    private final String instance;
    private long tieBreaker;
    /** Where the next cycle starts looking, so that every node gets its turn when not all are looked at. */
    private int nextStartNode;
    private ExecutorService binders;
    private ScheduledExecutorService ticker;
    private Thread loop;
    private volatile boolean running;

    private record EventRecord(String name, String message, int count) {
    }

    public Scheduler(ApiClient client, SharedInformerFactory informers, Config config) {
        this.client = client;
        this.informers = informers;
        this.config = config;
        this.queue = new SchedulingQueue(config.initialBackoff(), config.maxBackoff(), config.flushUnschedulable());
        this.nodeInformer = informers.informerFor("v1", "nodes");
        this.podInformer = informers.informerFor("v1", "pods");
        TaintToleration taints = new TaintToleration();
        NodeAffinity affinity = new NodeAffinity();
        this.filters = List.of(new NodeUnschedulable(), new NodeName(), taints, affinity, new NodePorts(),
                new NodeResourcesFit());
        this.scorers = List.of(taints, affinity, new LeastAllocated(), new BalancedAllocation(), new PodTopologySpread());
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        this.instance = DEFAULT_SCHEDULER + "-" + host;
    }

    /** Adds the handlers, starts the informers (if the factory was not started yet) and the scheduling loop. */
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        binders = Executors.newFixedThreadPool(config.workers(), r -> {
            Thread t = new Thread(r, "scheduler-binder");
            t.setDaemon(true);
            return t;
        });
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "scheduler-queue-ticker");
            t.setDaemon(true);
            return t;
        });
        ticker.scheduleWithFixedDelay(queue::tick, 50, 50, TimeUnit.MILLISECONDS);
        nodeInformer.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode node) {
                cache.upsertNode(node);
                queue.moveAllToActiveOrBackoff();
            }

            @Override
            public void onUpdate(ObjectNode oldNode, ObjectNode node) {
                cache.upsertNode(node);
                if (schedulingRelevantChange(oldNode, node)) {
                    queue.moveAllToActiveOrBackoff();
                }
            }

            @Override
            public void onDelete(ObjectNode node) {
                cache.removeNode(node.path("metadata").path("name").asText());
            }
        });
        podInformer.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode pod) {
                podChanged(null, pod);
            }

            @Override
            public void onUpdate(ObjectNode oldPod, ObjectNode pod) {
                podChanged(oldPod, pod);
            }

            @Override
            public void onDelete(ObjectNode pod) {
                String key = Store.keyOf(pod);
                cache.deletePod(key);
                queue.delete(key);
                events.remove(key);
                if (!pod.path("spec").path("nodeName").asText("").isEmpty()) {
                    queue.moveAllToActiveOrBackoff();
                }
            }
        });
        informers.start();
        loop = new Thread(this::run, "scheduler");
        loop.setDaemon(true);
        loop.start();
    }

    /** Pods bound so far by this scheduler (bindings the API server accepted). */
    public long boundCount() {
        return bound.get();
    }

    /** Scheduling attempts so far (a pod tried several times counts each time). */
    public long attemptCount() {
        return attempts.get();
    }

    /** Attempts that found no node. */
    public long unschedulableCount() {
        return unschedulableCount.get();
    }

    /** Pods waiting in the queue (active, backoff, unschedulable) or being scheduled. */
    public int pendingCount() {
        return queue.pending();
    }

    @Override
    public synchronized void close() {
        if (!running) {
            return;
        }
        running = false;
        queue.close();
        if (loop != null) {
            loop.interrupt();
            try {
                loop.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        ticker.shutdownNow();
        binders.shutdown();
        try {
            binders.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        binders.shutdownNow();
    }

    static boolean isPendingForUs(JsonNode pod) {
        JsonNode spec = pod.path("spec");
        String scheduler = spec.path("schedulerName").asText("");
        String phase = pod.path("status").path("phase").asText("");
        return spec.path("nodeName").asText("").isEmpty()
                && (scheduler.isEmpty() || scheduler.equals(DEFAULT_SCHEDULER))
                && !pod.path("metadata").has("deletionTimestamp")
                && !phase.equals("Succeeded") && !phase.equals("Failed");
    }

    private static boolean schedulingRelevantChange(ObjectNode oldNode, ObjectNode node) {
        return !Objects.equals(oldNode.path("spec"), node.path("spec"))
                || !Objects.equals(oldNode.path("metadata").path("labels"), node.path("metadata").path("labels"))
                || !Objects.equals(oldNode.path("status").path("allocatable"), node.path("status").path("allocatable"));
    }

    private void podChanged(ObjectNode oldPod, ObjectNode pod) {
        String key = Store.keyOf(pod);
        try {
            cache.updatePod(pod);
        } catch (RuntimeException e) { // a request that does not parse: the pod counts as nothing
            log.warn("pod {}: {}", key, e.toString());
        }
        if (isPendingForUs(pod)) {
            if (!cache.isAssumed(key)) {
                queue.add(key);
            }
            return;
        }
        queue.delete(key);
        events.remove(key);
        if (oldPod != null && !oldPod.path("spec").path("nodeName").asText("").isEmpty()) {
            String oldPhase = oldPod.path("status").path("phase").asText("");
            String phase = pod.path("status").path("phase").asText("");
            if (!oldPhase.equals(phase) && (phase.equals("Succeeded") || phase.equals("Failed"))) {
                queue.moveAllToActiveOrBackoff(); // its resources are free
            }
        }
    }

    private void run() {
        // as kube-scheduler: no decision before the caches hold every node and every bound pod
        while (running && !(nodeInformer.hasSynced() && podInformer.hasSynced())) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                return;
            }
        }
        while (running) {
            String key;
            try {
                key = queue.pop();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                scheduleOne(key);
            } catch (RuntimeException e) {
                log.warn("scheduling {} failed: {}", key, e.toString());
                queue.retryAfterBackoff(key);
            }
            cycleNanos.addAndGet(System.nanoTime() - t0);
        }
    }

    private void scheduleOne(String key) {
        ObjectNode pod = podInformer.store().get(key);
        if (pod == null || !isPendingForUs(pod) || cache.isAssumed(key)) {
            queue.done(key);
            return;
        }
        attempts.incrementAndGet();
        PodInfo info = new PodInfo(pod);
        String chosen;
        int nodeCount;
        Map<String, Integer> reasons = new TreeMap<>();
        Map<String, Integer> preemption = new TreeMap<>();
        synchronized (cache.lock()) {
            List<NodeInfo> all = cache.nodesLocked();
            nodeCount = all.size();
            List<NodeInfo> feasible = new ArrayList<>();
            int toFind = feasibleNodesToFind(nodeCount);
            int processed = 0;
            for (int k = 0; k < nodeCount && feasible.size() < toFind; k++) {
                NodeInfo n = all.get((nextStartNode + k) % nodeCount);
                processed++;
                Plugins.Failure failure = null;
                for (Plugins.Filter f : filters) {
                    failure = f.filter(info, n);
                    if (failure != null) {
                        break;
                    }
                }
                if (failure == null) {
                    feasible.add(n);
                } else {
                    for (String r : failure.reasons()) {
                        reasons.merge(r, 1, Integer::sum);
                    }
                    preemption.merge(failure.unresolvable() ? "Preemption is not helpful for scheduling"
                            : "No preemption victims found for incoming pod", 1, Integer::sum);
                }
            }
            if (nodeCount > 0) {
                nextStartNode = (nextStartNode + processed) % nodeCount;
            }
            chosen = feasible.isEmpty() ? null : pick(info, feasible, all);
            if (chosen != null) {
                cache.assume(info, chosen);
            }
        }
        if (chosen == null) {
            unschedulableCount.incrementAndGet();
            queue.unschedulable(key);
            String message = failureMessage(pod, nodeCount, reasons, preemption);
            binders.execute(() -> recordFailure(key, message));
            return;
        }
        queue.done(key);
        String node = chosen;
        binders.execute(() -> bind(info, node));
    }

    /**
     * kube-scheduler's {@code numFeasibleNodesToFind} with the adaptive percentageOfNodesToScore: every node up to
     * 100 nodes; beyond, {@code max(100, nodes × max(5, 50 − nodes/125) / 100)} feasible nodes are enough.
     */
    static int feasibleNodesToFind(int nodes) {
        if (nodes < 100) {
            return nodes;
        }
        int percentage = Math.max(5, 50 - nodes / 125);
        return Math.max(100, nodes * percentage / 100);
    }

    private String pick(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all) {
        if (feasible.size() == 1) {
            return feasible.get(0).name;
        }
        long[] total = new long[feasible.size()];
        long[] scores = new long[feasible.size()];
        for (Plugins.Score s : scorers) {
            java.util.Arrays.fill(scores, 0);
            s.score(pod, feasible, all, scores);
            for (int i = 0; i < total.length; i++) {
                total[i] += scores[i] * s.weight();
            }
        }
        long best = Long.MIN_VALUE;
        List<Integer> ties = new ArrayList<>();
        for (int i = 0; i < total.length; i++) {
            if (total[i] > best) {
                best = total[i];
                ties.clear();
            }
            if (total[i] == best) {
                ties.add(i);
            }
        }
        int index = ties.get((int) (tieBreaker++ % ties.size()));
        return feasible.get(index).name;
    }

    /** kube-scheduler 1.32's FitError wording, with the preemption post-filter's diagnosis. */
    static String failureMessage(JsonNode pod, int nodeCount, Map<String, Integer> reasons, Map<String, Integer> preemption) {
        if (nodeCount == 0) {
            return "no nodes available to schedule pods";
        }
        StringBuilder sb = new StringBuilder("0/").append(nodeCount).append(" nodes are available:");
        List<String> histogram = histogram(reasons);
        if (!histogram.isEmpty()) {
            sb.append(' ').append(String.join(", ", histogram)).append('.');
        }
        if (pod.path("spec").path("preemptionPolicy").asText("").equals("Never")) {
            sb.append(" preemption: not eligible due to preemptionPolicy=Never.");
        } else {
            sb.append(" preemption: 0/").append(nodeCount).append(" nodes are available: ")
                    .append(String.join(", ", histogram(preemption))).append('.');
        }
        return sb.toString();
    }

    private static List<String> histogram(Map<String, Integer> counts) {
        List<String> out = new ArrayList<>();
        counts.forEach((reason, n) -> out.add(n + " " + reason));
        out.sort(null);
        return out;
    }

    private void bind(PodInfo pod, String node) {
        ObjectNode binding = JsonNodeFactory.instance.objectNode();
        binding.put("apiVersion", "v1").put("kind", "Binding");
        binding.putObject("metadata").put("name", pod.name).put("namespace", pod.namespace)
                .put("uid", pod.pod.path("metadata").path("uid").asText(""));
        binding.putObject("target").put("kind", "Node").put("name", node);
        long t0 = System.nanoTime();
        try {
            client.resource("v1", "pods").namespace(pod.namespace).post(pod.name, "binding", binding);
            bound.incrementAndGet();
            bindNanos.addAndGet(System.nanoTime() - t0);
        } catch (ApiException e) {
            cache.forget(pod.key);
            if (e.code() == 409 || e.code() == 404) {
                // already bound by someone else, being deleted or gone: the informer tells the rest
                log.debug("binding {} to {}: {}", pod.key, node, e.getMessage());
                return;
            }
            log.warn("binding {} to {} failed: {}", pod.key, node, e.getMessage());
            queue.retryAfterBackoff(pod.key);
        } catch (RuntimeException e) {
            cache.forget(pod.key);
            log.warn("binding {} to {} failed: {}", pod.key, node, e.toString());
            queue.retryAfterBackoff(pod.key);
        }
    }

    private void recordFailure(String key, String message) {
        try {
            updateCondition(key, message);
        } catch (RuntimeException e) {
            log.debug("status of {}: {}", key, e.toString());
        }
        try {
            recordEvent(key, message);
        } catch (RuntimeException e) {
            log.debug("event for {}: {}", key, e.toString());
        }
    }

    /** PodScheduled=False, reason Unschedulable, guarded on the cached resourceVersion; a 409 waits for the retry. */
    private void updateCondition(String key, String message) {
        ObjectNode cached = podInformer.store().get(key);
        if (cached == null || !isPendingForUs(cached)) {
            return;
        }
        for (JsonNode c : cached.path("status").path("conditions")) {
            if (c.path("type").asText().equals("PodScheduled") && c.path("status").asText().equals("False")
                    && c.path("reason").asText().equals("Unschedulable") && c.path("message").asText().equals(message)) {
                return;
            }
        }
        ObjectNode pod = cached.deepCopy();
        ObjectNode status = pod.with("status");
        ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        ObjectNode cond = null;
        for (JsonNode c : conditions) {
            if (c.path("type").asText().equals("PodScheduled")) {
                cond = (ObjectNode) c;
            }
        }
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        if (cond == null) {
            cond = conditions.addObject().put("type", "PodScheduled");
        }
        if (!cond.path("status").asText().equals("False")) {
            cond.put("lastTransitionTime", now);
        }
        cond.put("status", "False").put("reason", "Unschedulable").put("message", message);
        cond.putNull("lastProbeTime");
        try {
            client.resource("v1", "pods").namespace(Store.namespaceOf(key)).updateStatus(pod);
        } catch (ApiException e) {
            if (e.code() != 409 && e.code() != 404) {
                throw e;
            }
        }
    }

    private static EventRecord existingEvent(ApiClient.ResourceClient eventsApi, String podUid, String message) {
        ObjectNode list = eventsApi.list(Map.of("fieldSelector",
                "involvedObject.uid=" + podUid + ",reason=FailedScheduling"));
        for (JsonNode e : list.path("items")) {
            if (e.path("message").asText().equals(message)) {
                return new EventRecord(e.path("metadata").path("name").asText(), message, e.path("count").asInt(1));
            }
        }
        return null;
    }

    /** A FailedScheduling Warning; the same message again bumps count and lastTimestamp of the last one. */
    private void recordEvent(String key, String message) {
        ObjectNode pod = podInformer.store().get(key);
        if (pod == null || !isPendingForUs(pod)) {
            return;
        }
        String ns = Store.namespaceOf(key);
        ApiClient.ResourceClient eventsApi = client.resource("v1", "events").namespace(ns);
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        EventRecord last = events.get(key);
        String uid = pod.path("metadata").path("uid").asText("");
        if (last == null && !uid.isEmpty()) {
            last = existingEvent(eventsApi, uid, message); // a restarted scheduler continues the same event
        }
        if (last != null && last.message().equals(message)) {
            int count = last.count() + 1;
            try {
                eventsApi.patch(last.name(), ApiClient.MERGE_PATCH,
                        "{\"count\":" + count + ",\"lastTimestamp\":\"" + now + "\"}");
                events.put(key, new EventRecord(last.name(), message, count));
                return;
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
                // the event expired or was deleted: write a new one
            }
        }
        String name = pod.path("metadata").path("name").asText() + "." + Long.toHexString(System.nanoTime());
        ObjectNode event = JsonNodeFactory.instance.objectNode();
        event.put("apiVersion", "v1").put("kind", "Event");
        event.putObject("metadata").put("name", name).put("namespace", ns);
        event.putObject("involvedObject").put("kind", "Pod").put("apiVersion", "v1").put("namespace", ns)
                .put("name", pod.path("metadata").path("name").asText())
                .put("uid", pod.path("metadata").path("uid").asText(""))
                .put("resourceVersion", pod.path("metadata").path("resourceVersion").asText(""));
        event.put("reason", "FailedScheduling").put("message", message).put("type", "Warning");
        event.putObject("source").put("component", DEFAULT_SCHEDULER);
        event.put("reportingComponent", DEFAULT_SCHEDULER).put("reportingInstance", instance);
        event.put("action", "Scheduling");
        event.put("firstTimestamp", now).put("lastTimestamp", now).put("count", 1);
        eventsApi.create(event);
        events.put(key, new EventRecord(name, message, 1));
    }
}
