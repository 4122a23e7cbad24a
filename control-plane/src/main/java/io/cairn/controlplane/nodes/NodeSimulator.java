package io.cairn.controlplane.nodes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.Store;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated nodes in the manner of KWOK: one object runs {@code count} Nodes without a kubelet behind them. It
 * registers each Node (capacity, labels, Ready and the pressure conditions, addresses, nodeInfo), keeps its Lease in
 * {@code kube-node-lease} renewed, refreshes the Ready heartbeat now and then, and plays the kubelet for the pods bound
 * to its nodes: Pending pods become Running after {@link Config#startDelay()} (conditions, hostIP, a podIP from the
 * node's {@code 10.244.<n>.0/24}, containerStatuses); Job pods (restartPolicy Never/OnFailure, owned by a Job or
 * annotated {@value #COMPLETE_AFTER}) complete; pods annotated {@value #FAIL} crash (restart with CrashLoopBackOff, or
 * end Failed under restartPolicy Never); pods being deleted gracefully have their containers stopped and are then
 * deleted with grace 0 (precondition on uid).
 *
 * <p>The pod side is a level-triggered reconciler over an informer of all pods: it derives the next state from the
 * cached pod and the time its current state began (remembered in memory; after a restart the wait starts over), and
 * writes it through {@code pods/status} guarded on resourceVersion (409: re-read, retry). {@link #stop(String)} makes a
 * node go silent (no Lease renewals, no status heartbeats, pods untouched) until {@link #start(String)}.
 *
 * <p>From outside the process (kubectl), the annotation {@value #SIMULATED_STATE} on a Node does the same:
 * {@code kubectl annotate node node-2 cairn.io/simulated-state=stopped} stops it, and
 * {@code kubectl annotate node node-2 cairn.io/simulated-state-} (removing it) or {@code =running} starts it again.
 * The simulator watches its Nodes and acts when the annotation's value changes, or when it first sees a Node
 * annotated {@code stopped} (so a restarted simulator keeps the node stopped); a node stopped through
 * {@link #stop(String)} is not started again by Node updates that leave the annotation as it was.
 */
public final class NodeSimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(NodeSimulator.class);

    /** Annotation (tests): the pod is a batch pod that completes after this many seconds (may be fractional). */
    public static final String COMPLETE_AFTER = "cairn.io/complete-after-seconds";
    /** Annotation: {@code "true"} makes the pod's containers fail after they have run. */
    public static final String FAIL = "cairn.io/fail";
    public static final String LEASE_NAMESPACE = "kube-node-lease";
    /** Annotation on a Node: {@code stopped} stops the simulated node, {@code running} (or none) runs it. */
    public static final String SIMULATED_STATE = "cairn.io/simulated-state";
    public static final String KUBELET_VERSION = "v1.32.0-cairn";
    static final String NODE_INDEX = "nodeName";

    /**
     * What the simulator runs: {@code count} nodes named {@code namePrefix + i} (i from 1), each with {@code capacity}
     * (also its allocatable), zones assigned round-robin from {@code zones}; Leases renewed every {@code leaseRenew};
     * the Ready heartbeat refreshed every {@code heartbeat}; bound pods start after {@code startDelay}; batch pods run
     * {@code jobRunTime}; failing pods fail after {@code failAfter} and wait {@code crashBackoff} before a restart.
     */
    public record Config(int count, String namePrefix, Map<String, String> capacity, List<String> zones,
                         String instanceType, Duration leaseRenew, Duration heartbeat, Duration startDelay,
                         Duration jobRunTime, Duration failAfter, Duration crashBackoff, int workers) {
        public Config {
            if (count < 0 || count > 65_000) {
                throw new IllegalArgumentException("count: " + count);
            }
            capacity = Map.copyOf(capacity);
            zones = List.copyOf(zones);
            if (zones.isEmpty()) {
                throw new IllegalArgumentException("zones: empty");
            }
            if (workers <= 0) {
                throw new IllegalArgumentException("workers: " + workers);
            }
        }

        /** {@code count} nodes {@code node-1..}: cpu 32, memory 256Gi, pods 110; three zones; Lease every 10 s; start 1 s. */
        public static Config defaults(int count) {
            return new Config(count, "node-", Map.of("cpu", "32", "memory", "256Gi", "pods", "110",
                    "ephemeral-storage", "100Gi"), List.of("zone-a", "zone-b", "zone-c"), "cairn.sim.large",
                    Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(5),
                    Duration.ofSeconds(2), Duration.ofSeconds(10), 2);
        }

        public Config withNamePrefix(String p) {
            return new Config(count, p, capacity, zones, instanceType, leaseRenew, heartbeat, startDelay, jobRunTime,
                    failAfter, crashBackoff, workers);
        }

        public Config withCapacity(Map<String, String> c) {
            return new Config(count, namePrefix, c, zones, instanceType, leaseRenew, heartbeat, startDelay, jobRunTime,
                    failAfter, crashBackoff, workers);
        }

        public Config withZones(List<String> z) {
            return new Config(count, namePrefix, capacity, z, instanceType, leaseRenew, heartbeat, startDelay,
                    jobRunTime, failAfter, crashBackoff, workers);
        }

        public Config withLeaseRenew(Duration d) {
            return new Config(count, namePrefix, capacity, zones, instanceType, d, heartbeat, startDelay, jobRunTime,
                    failAfter, crashBackoff, workers);
        }

        public Config withHeartbeat(Duration d) {
            return new Config(count, namePrefix, capacity, zones, instanceType, leaseRenew, d, startDelay, jobRunTime,
                    failAfter, crashBackoff, workers);
        }

        public Config withStartDelay(Duration d) {
            return new Config(count, namePrefix, capacity, zones, instanceType, leaseRenew, heartbeat, d, jobRunTime,
                    failAfter, crashBackoff, workers);
        }

        public Config withJobRunTime(Duration d) {
            return new Config(count, namePrefix, capacity, zones, instanceType, leaseRenew, heartbeat, startDelay, d,
                    failAfter, crashBackoff, workers);
        }

        public Config withFailure(Duration failAfter, Duration crashBackoff) {
            return new Config(count, namePrefix, capacity, zones, instanceType, leaseRenew, heartbeat, startDelay,
                    jobRunTime, failAfter, crashBackoff, workers);
        }

        public Config withWorkers(int n) {
            return new Config(count, namePrefix, capacity, zones, instanceType, leaseRenew, heartbeat, startDelay,
                    jobRunTime, failAfter, crashBackoff, n);
        }
    }

    private static final JsonNodeFactory F = JsonNodeFactory.instance;
    private static final DateTimeFormatter MICRO = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'")
            .withZone(java.time.ZoneOffset.UTC);

    private final ApiClient client;
    private final Config config;
    /** node name → its index (1-based). */
    private final Map<String, Integer> nodes = new LinkedHashMap<>();
    private final Set<String> stopped = ConcurrentHashMap.newKeySet();
    /** pod uid → when its current simulated state began (container started, crashed, ...). */
    private final Map<String, Instant> since = new ConcurrentHashMap<>();
    /** node → pod key → IP handed out but maybe not yet seen in the cache. */
    private final Map<String, Map<String, String>> reserved = new ConcurrentHashMap<>();
    /** node → the Lease as last written (its resourceVersion guards the next renewal; a 409 or 404 re-reads). */
    private final Map<String, ObjectNode> lastLease = new ConcurrentHashMap<>();
    private final Informer pods;
    private final Informer nodeInformer;
    private final Controller controller;
    private final ScheduledExecutorService timer;
    private volatile boolean started;

    public NodeSimulator(ApiClient client, Config config) {
        this.client = client;
        this.config = config;
        for (int i = 1; i <= config.count(); i++) {
            nodes.put(config.namePrefix() + i, i);
        }
        this.pods = Informer.of(client, "v1", "pods");
        pods.addIndex(NODE_INDEX, o -> {
            String n = o.path("spec").path("nodeName").asText("");
            return n.isEmpty() ? List.of() : List.of(n);
        });
        this.controller = Controller.of("node-simulator", this::reconcile, config.workers());
        pods.addHandler(Informer.Handler.onObject(this::offer));
        this.nodeInformer = Informer.of(client, "v1", "nodes");
        nodeInformer.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode obj) {
                if (simulatedState(obj).equals("stopped")) {
                    applySimulatedState(obj);
                }
            }

            @Override
            public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                if (!simulatedState(oldObj).equals(simulatedState(newObj))) {
                    applySimulatedState(newObj);
                }
            }

            @Override
            public void onDelete(ObjectNode obj) {
            }
        });
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "node-simulator-timer");
            t.setDaemon(true);
            return t;
        });
    }

    public NodeSimulator(ApiClient client, int count) {
        this(client, Config.defaults(count));
    }

    public Config config() {
        return config;
    }

    /** The names of the simulated nodes, in order. */
    public List<String> nodeNames() {
        return List.copyOf(nodes.keySet());
    }

    /** The pod CIDR of a simulated node ({@code 10.244.<n>.0/24}, continuing into 10.245... past 255). */
    public String podCidr(String node) {
        int n = index(node);
        return "10." + (244 + n / 256) + "." + (n % 256) + ".0/24";
    }

    /** The node's InternalIP (from 172.16.0.0/12). */
    public String internalIp(String node) {
        int n = index(node);
        return "172." + (16 + n / 65_536) + "." + (n / 256 % 256) + "." + (n % 256);
    }

    private int index(String node) {
        Integer n = nodes.get(node);
        if (n == null) {
            throw new IllegalArgumentException("not a simulated node: " + node);
        }
        return n;
    }

    private void offer(ObjectNode pod) {
        String n = pod.path("spec").path("nodeName").asText("");
        if (nodes.containsKey(n)) {
            controller.queue().add(Store.keyOf(pod));
        }
    }

    /** Registers the nodes and their Leases, then starts the pod informer, the workers and the timers. */
    public synchronized void start() {
        if (started) {
            return;
        }
        started = true;
        for (String node : nodes.keySet()) {
            registerWithRetry(node);
        }
        pods.start();
        nodeInformer.start();
        controller.start();
        long renew = Math.max(1, config.leaseRenew().toMillis());
        timer.scheduleWithFixedDelay(this::renewLeases, renew, renew, TimeUnit.MILLISECONDS);
        long beat = Math.max(1, config.heartbeat().toMillis());
        timer.scheduleWithFixedDelay(this::heartbeats, beat, beat, TimeUnit.MILLISECONDS);
    }

    /** The node goes silent: its Lease is no longer renewed, its pods are left as they are. */
    public void stop(String node) {
        index(node);
        stopped.add(node);
    }

    /** The node comes back: renews its Lease, reports Ready and picks its pods up again. */
    public void start(String node) {
        index(node);
        if (stopped.remove(node) && started) {
            timer.execute(() -> {
                try {
                    renewLease(node);
                    heartbeat(node);
                } catch (RuntimeException e) {
                    log.warn("node {}: coming back failed: {}", node, e.toString());
                }
            });
            for (ObjectNode p : pods.store().byIndex(NODE_INDEX, node)) {
                controller.queue().add(Store.keyOf(p));
            }
        }
    }

    private static String simulatedState(ObjectNode node) {
        return node.path("metadata").path("annotations").path(SIMULATED_STATE).asText("");
    }

    /** {@link #SIMULATED_STATE} says what the node should be: {@code stopped} stops it, anything else starts it. */
    private void applySimulatedState(ObjectNode node) {
        String name = node.path("metadata").path("name").asText("");
        if (!nodes.containsKey(name)) {
            return;
        }
        if (simulatedState(node).equals("stopped")) {
            if (!stopped.contains(name)) {
                log.info("node {}: stopped ({}=stopped)", name, SIMULATED_STATE);
            }
            stop(name);
        } else if (stopped.contains(name)) {
            log.info("node {}: running again ({} is now \"{}\")", name, SIMULATED_STATE, simulatedState(node));
            start(name);
        }
    }

    public boolean isStopped(String node) {
        return stopped.contains(node);
    }

    @Override
    public synchronized void close() {
        timer.shutdownNow();
        controller.close();
        nodeInformer.close();
        pods.close();
    }

    // ---------------------------------------------------------------- nodes and leases

    private void registerWithRetry(String node) {
        for (int attempt = 0; ; attempt++) {
            try {
                register(node);
                return;
            } catch (ApiException e) {
                if (e.code() != 409 || attempt >= 10) {
                    throw e;
                }
            }
        }
    }

    private void register(String node) {
        ApiClient.ResourceClient nodesApi = client.resource("v1", "nodes");
        ObjectNode current;
        try {
            current = nodesApi.create(nodeObject(node));
        } catch (ApiException e) {
            if (e.code() != 409) {
                throw e;
            }
            current = nodesApi.get(node);
        }
        nodesApi.updateStatus(withStatus(current, node, true));
        renewLease(node);
    }

    private ObjectNode nodeObject(String node) {
        int n = index(node);
        ObjectNode obj = F.objectNode();
        obj.put("apiVersion", "v1").put("kind", "Node");
        ObjectNode meta = obj.putObject("metadata");
        meta.put("name", node);
        ObjectNode labels = meta.putObject("labels");
        labels.put("kubernetes.io/hostname", node);
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", "amd64");
        labels.put("beta.kubernetes.io/os", "linux");
        labels.put("beta.kubernetes.io/arch", "amd64");
        labels.put("node.kubernetes.io/instance-type", config.instanceType());
        labels.put("topology.kubernetes.io/zone", zone(node));
        labels.put("type", "kwok");
        meta.putObject("annotations").put("node.alpha.kubernetes.io/ttl", "0")
                .put("kwok.x-k8s.io/node", "fake");
        ObjectNode spec = obj.putObject("spec");
        spec.put("podCIDR", podCidr(node));
        spec.putArray("podCIDRs").add(podCidr(node));
        spec.put("providerID", "cairn://" + node);
        obj.putObject("status");
        return obj;
    }

    /** The zone a node is in (round-robin over {@link Config#zones()}). */
    public String zone(String node) {
        return config.zones().get((index(node) - 1) % config.zones().size());
    }

    /** {@code current} with the kubelet's status: capacity, conditions (Ready heartbeat now), addresses, nodeInfo. */
    private ObjectNode withStatus(ObjectNode current, String node, boolean full) {
        ObjectNode next = current.deepCopy();
        ObjectNode status = child(next, "status");
        String now = Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
        if (full || !status.has("capacity")) {
            ObjectNode cap = status.putObject("capacity");
            config.capacity().forEach(cap::put);
            status.set("allocatable", cap.deepCopy());
            ArrayNode addresses = status.putArray("addresses");
            addresses.addObject().put("type", "InternalIP").put("address", internalIp(node));
            addresses.addObject().put("type", "Hostname").put("address", node);
            ObjectNode info = status.putObject("nodeInfo");
            info.put("machineID", hex(node + "/machine").substring(0, 32));
            info.put("systemUUID", uuid(node));
            info.put("bootID", uuid(node + "/boot"));
            info.put("kernelVersion", "6.8.0-cairn");
            info.put("osImage", "Cairn Simulated Linux");
            info.put("containerRuntimeVersion", "containerd://1.7.24-cairn");
            info.put("kubeletVersion", KUBELET_VERSION);
            info.put("kubeProxyVersion", KUBELET_VERSION);
            info.put("operatingSystem", "linux");
            info.put("architecture", "amd64");
            status.putObject("daemonEndpoints").putObject("kubeletEndpoint").put("Port", 10250);
            status.put("phase", "Running");
        }
        ArrayNode old = status.get("conditions") instanceof ArrayNode a ? a : F.arrayNode();
        ArrayNode conditions = status.putArray("conditions");
        conditions.add(nodeCondition(old, "MemoryPressure", "False", "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available", now));
        conditions.add(nodeCondition(old, "DiskPressure", "False", "KubeletHasNoDiskPressure",
                "kubelet has no disk pressure", now));
        conditions.add(nodeCondition(old, "PIDPressure", "False", "KubeletHasSufficientPID",
                "kubelet has sufficient PID available", now));
        conditions.add(nodeCondition(old, "Ready", "True", "KubeletReady", "kubelet is posting ready status", now));
        return next;
    }

    private static ObjectNode nodeCondition(ArrayNode old, String type, String value, String reason, String message,
                                            String now) {
        ObjectNode c = F.objectNode();
        c.put("type", type).put("status", value).put("lastHeartbeatTime", now);
        String transition = now;
        for (JsonNode o : old) {
            if (type.equals(o.path("type").asText()) && value.equals(o.path("status").asText())
                    && o.hasNonNull("lastTransitionTime")) {
                transition = o.path("lastTransitionTime").asText();
            }
        }
        c.put("lastTransitionTime", transition).put("reason", reason).put("message", message);
        return c;
    }

    private void renewLeases() {
        forEachRunningNode("lease renewal", this::renewLease);
    }

    /** {@code action} for every node that is not stopped; a failure is logged and the other nodes go on. */
    private void forEachRunningNode(String what, Consumer<String> action) {
        for (String node : nodes.keySet()) {
            if (stopped.contains(node)) {
                continue;
            }
            try {
                action.accept(node);
            } catch (RuntimeException e) {
                log.debug("node {}: {} failed: {}", node, what, e.toString());
            }
        }
    }

    private void renewLease(String node) {
        ApiClient.ResourceClient leases = client.resource("coordination.k8s.io/v1", "leases")
                .namespace(LEASE_NAMESPACE);
        String now = MICRO.format(Instant.now());
        for (int attempt = 0; attempt < 5; attempt++) {
            ObjectNode current = attempt == 0 ? lastLease.get(node) : null; // what we wrote last, if anything
            if (current == null) {
                try {
                    current = leases.get(node);
                } catch (ApiException e) {
                    if (e.code() != 404) {
                        throw e;
                    }
                }
            }
            try {
                if (current == null) {
                    ObjectNode lease = F.objectNode();
                    lease.put("apiVersion", "coordination.k8s.io/v1").put("kind", "Lease");
                    ObjectNode meta = lease.putObject("metadata").put("name", node);
                    ObjectNode node0 = nodeOwner(node);
                    if (node0 != null) {
                        meta.putArray("ownerReferences").add(node0);
                    }
                    lease.putObject("spec").put("holderIdentity", node).put("leaseDurationSeconds", 40)
                            .put("renewTime", now);
                    lastLease.put(node, leases.create(lease));
                } else {
                    ObjectNode next = current.deepCopy();
                    child(next, "spec").put("holderIdentity", node).put("leaseDurationSeconds", 40)
                            .put("renewTime", now);
                    lastLease.put(node, leases.update(next)); // guarded on the resourceVersion we last saw
                }
                return;
            } catch (ApiException e) {
                lastLease.remove(node);
                if (e.code() != 409 && e.code() != 404) {
                    throw e;
                }
            }
        }
    }

    private ObjectNode nodeOwner(String node) {
        try {
            ObjectNode n = client.resource("v1", "nodes").get(node);
            ObjectNode ref = F.objectNode();
            ref.put("apiVersion", "v1").put("kind", "Node").put("name", node)
                    .put("uid", n.path("metadata").path("uid").asText());
            return ref;
        } catch (ApiException e) {
            return null;
        }
    }

    private void heartbeats() {
        forEachRunningNode("heartbeat", this::heartbeat);
    }

    /** Posts the node's status with a fresh Ready heartbeat (a 409 re-reads and retries; a deleted node re-registers). */
    private void heartbeat(String node) {
        ApiClient.ResourceClient nodesApi = client.resource("v1", "nodes");
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                nodesApi.updateStatus(withStatus(nodesApi.get(node), node, false));
                return;
            } catch (ApiException e) {
                if (e.code() == 404) {
                    register(node);
                    return;
                }
                if (e.code() != 409) {
                    throw e;
                }
            }
        }
    }

    // ---------------------------------------------------------------- pods

    /** Brings the pod at {@code key} one step toward what its node would make of it. */
    Result reconcile(String key) {
        ObjectNode pod = pods.store().get(key);
        if (pod == null) {
            reserved.values().forEach(m -> m.remove(key));
            return Result.done();
        }
        String node = pod.path("spec").path("nodeName").asText("");
        if (!nodes.containsKey(node) || stopped.contains(node)) {
            return Result.done();
        }
        String uid = pod.path("metadata").path("uid").asText();
        try {
            if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
                return finishDeletion(pod, key, uid);
            }
            String phase = pod.path("status").path("phase").asText("Pending");
            if (phase.equals("Succeeded") || phase.equals("Failed")) {
                since.remove(uid);
                return Result.done();
            }
            Instant began = since.computeIfAbsent(uid, u -> Instant.now());
            if (!phase.equals("Running")) {
                Duration left = Duration.between(Instant.now(), began.plus(config.startDelay()));
                if (!left.isNegative() && !left.isZero()) {
                    return Result.requeueAfter(left);
                }
                writeStatus(pod, running(pod, node, key));
                since.put(uid, Instant.now());
                return Result.done();
            }
            return advanceRunning(pod, uid, began);
        } catch (ApiException e) {
            if (e.code() == 409 || e.code() == 404) {
                return e.code() == 409 ? Result.requeue() : Result.done(); // the cache brings the newer pod
            }
            throw e;
        }
    }

    private Result advanceRunning(ObjectNode pod, String uid, Instant began) {
        String restartPolicy = pod.path("spec").path("restartPolicy").asText("Always");
        boolean fails = "true".equals(annotation(pod, FAIL));
        boolean waiting = anyContainer(pod, "waiting");
        Instant now = Instant.now();
        if (fails) {
            if (waiting) { // CrashLoopBackOff: start again after the backoff
                Duration left = Duration.between(now, began.plus(crashBackoff(pod)));
                if (left.compareTo(Duration.ZERO) > 0) {
                    return Result.requeueAfter(left);
                }
                writeStatus(pod, restarted(pod));
                since.put(uid, Instant.now());
                return Result.done();
            }
            Duration left = Duration.between(now, began.plus(config.failAfter()));
            if (left.compareTo(Duration.ZERO) > 0) {
                return Result.requeueAfter(left);
            }
            writeStatus(pod, "Never".equals(restartPolicy) ? terminal(pod, "Failed", 1, "Error")
                    : crashed(pod));
            since.put(uid, Instant.now());
            return Result.done();
        }
        if (!restartPolicy.equals("Always") && isBatch(pod)) {
            Duration left = Duration.between(now, began.plus(runTime(pod)));
            if (left.compareTo(Duration.ZERO) > 0) {
                return Result.requeueAfter(left);
            }
            writeStatus(pod, terminal(pod, "Succeeded", 0, "Completed"));
            since.remove(uid);
        }
        return Result.done();
    }

    /** The kubelet's restart backoff: the configured base doubling with each restart, at most five minutes. */
    private Duration crashBackoff(ObjectNode pod) {
        int restarts = 0;
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            restarts = Math.max(restarts, cs.path("restartCount").asInt());
        }
        Duration d = config.crashBackoff().multipliedBy(1L << Math.min(Math.max(restarts - 1, 0), 20));
        Duration max = Duration.ofMinutes(5);
        return d.compareTo(max) > 0 ? max : d;
    }

    private boolean isBatch(ObjectNode pod) {
        if (!annotation(pod, COMPLETE_AFTER).isEmpty()) {
            return true;
        }
        for (JsonNode ref : pod.path("metadata").path("ownerReferences")) {
            if ("Job".equals(ref.path("kind").asText())) {
                return true;
            }
        }
        return false;
    }

    private Duration runTime(ObjectNode pod) {
        String a = annotation(pod, COMPLETE_AFTER);
        if (!a.isEmpty()) {
            try {
                return Duration.ofMillis(Math.round(Double.parseDouble(a) * 1000));
            } catch (NumberFormatException ignored) {
                // fall back to the configured run time
            }
        }
        return config.jobRunTime();
    }

    private static String annotation(JsonNode pod, String key) {
        return pod.path("metadata").path("annotations").path(key).asText("");
    }

    private static boolean anyContainer(JsonNode pod, String state) {
        for (JsonNode cs : pod.path("status").path("containerStatuses")) {
            if (cs.path("state").has(state)) {
                return true;
            }
        }
        return false;
    }

    private Result finishDeletion(ObjectNode pod, String key, String uid) {
        JsonNode statuses = pod.path("status").path("containerStatuses");
        boolean allStopped = true;
        for (JsonNode cs : statuses) {
            allStopped &= cs.path("state").has("terminated");
        }
        if (!allStopped) {
            ObjectNode next = pod.deepCopy();
            ObjectNode status = child(next, "status");
            String now = now();
            for (JsonNode cs : status.path("containerStatuses")) {
                ObjectNode c = (ObjectNode) cs;
                if (!c.path("state").has("terminated")) {
                    String startedAt = c.path("state").path("running").path("startedAt").asText(now);
                    c.putObject("state").putObject("terminated").put("exitCode", 0).put("reason", "Completed")
                            .put("startedAt", startedAt).put("finishedAt", now)
                            .put("containerID", c.path("containerID").asText(""));
                    c.put("ready", false).put("started", false);
                }
            }
            setCondition(status, "ContainersReady", "False", now);
            setCondition(status, "Ready", "False", now);
            writeStatus(pod, next);
        }
        JsonNode opts = F.objectNode().put("apiVersion", "v1").put("kind", "DeleteOptions")
                .put("gracePeriodSeconds", 0).set("preconditions", F.objectNode().put("uid", uid));
        try {
            client.resource("v1", "pods").namespace(Store.namespaceOf(key)).delete(Store.nameOf(key), opts);
        } catch (ApiException e) {
            if (e.code() != 404 && e.code() != 409) {
                throw e;
            }
            if (e.code() == 409) { // a new pod of the same name, or our status write raced: look again
                return Result.requeue();
            }
        }
        since.remove(uid);
        return Result.done();
    }

    private void writeStatus(ObjectNode pod, ObjectNode next) {
        String ns = pod.path("metadata").path("namespace").asText();
        client.resource("v1", "pods").namespace(ns).updateStatus(next); // guarded on next's resourceVersion
    }

    /** The pod as its node reports it once every container runs. */
    private ObjectNode running(ObjectNode pod, String node, String key) {
        ObjectNode next = pod.deepCopy();
        ObjectNode status = child(next, "status");
        String now = now();
        status.put("phase", "Running");
        status.put("hostIP", internalIp(node));
        status.putArray("hostIPs").addObject().put("ip", internalIp(node));
        String ip = status.path("podIP").asText("");
        if (ip.isEmpty()) {
            ip = pod.path("spec").path("hostNetwork").asBoolean(false) ? internalIp(node) : allocateIp(node, key);
        }
        status.put("podIP", ip);
        status.putArray("podIPs").addObject().put("ip", ip);
        if (!status.hasNonNull("startTime")) {
            status.put("startTime", now);
        }
        setCondition(status, "PodReadyToStartContainers", "True", now);
        setCondition(status, "PodScheduled", "True", now);
        setCondition(status, "Initialized", "True", now);
        setCondition(status, "ContainersReady", "True", now);
        setCondition(status, "Ready", "True", now);
        String uid = pod.path("metadata").path("uid").asText();
        ArrayNode inits = F.arrayNode();
        for (JsonNode c : pod.path("spec").path("initContainers")) {
            ObjectNode cs = containerStatus(c, uid, false, false, 0);
            cs.putObject("state").putObject("terminated").put("exitCode", 0).put("reason", "Completed")
                    .put("startedAt", now).put("finishedAt", now).put("containerID", cs.path("containerID").asText());
            inits.add(cs);
        }
        if (!inits.isEmpty()) {
            status.set("initContainerStatuses", inits);
        }
        ArrayNode statuses = status.putArray("containerStatuses");
        for (JsonNode c : pod.path("spec").path("containers")) {
            ObjectNode cs = containerStatus(c, uid, true, true, 0);
            cs.putObject("state").putObject("running").put("startedAt", now);
            statuses.add(cs);
        }
        return next;
    }

    private static ObjectNode containerStatus(JsonNode container, String uid, boolean ready, boolean started,
                                              int restarts) {
        String name = container.path("name").asText();
        String image = container.path("image").asText();
        ObjectNode cs = F.objectNode();
        cs.put("name", name).put("image", image)
                .put("imageID", image + "@sha256:" + hex("image/" + image))
                .put("containerID", "containerd://" + hex(uid + "/" + name + "/" + restarts))
                .put("ready", ready).put("started", started).put("restartCount", restarts);
        return cs;
    }

    /** Every container ended: phase {@code phase}, terminated with {@code exitCode}. */
    private ObjectNode terminal(ObjectNode pod, String phase, int exitCode, String reason) {
        ObjectNode next = pod.deepCopy();
        ObjectNode status = child(next, "status");
        String now = now();
        status.put("phase", phase);
        for (JsonNode n : status.path("containerStatuses")) {
            ObjectNode cs = (ObjectNode) n;
            ObjectNode terminated = terminated(cs, exitCode, reason, now);
            cs.putObject("state").set("terminated", terminated);
            cs.put("ready", false).put("started", false);
        }
        setCondition(status, "ContainersReady", "False", now, "PodCompleted");
        setCondition(status, "Ready", "False", now, "PodCompleted");
        return next;
    }

    /** A terminated state for container status {@code cs}, ended {@code now}, started when its running state says. */
    private static ObjectNode terminated(JsonNode cs, int exitCode, String reason, String now) {
        String startedAt = cs.path("state").path("running").path("startedAt").asText(now);
        return F.objectNode().put("exitCode", exitCode).put("reason", reason)
                .put("startedAt", startedAt).put("finishedAt", now)
                .put("containerID", cs.path("containerID").asText(""));
    }

    /** The containers crashed and wait to restart: lastState terminated, state waiting CrashLoopBackOff. */
    private ObjectNode crashed(ObjectNode pod) {
        ObjectNode next = pod.deepCopy();
        ObjectNode status = child(next, "status");
        String now = now();
        for (JsonNode n : status.path("containerStatuses")) {
            ObjectNode cs = (ObjectNode) n;
            cs.putObject("lastState").set("terminated", terminated(cs, 1, "Error", now));
            cs.put("restartCount", cs.path("restartCount").asInt() + 1);
            cs.putObject("state").putObject("waiting").put("reason", "CrashLoopBackOff")
                    .put("message", "back-off restarting failed container " + cs.path("name").asText()
                            + " in pod " + pod.path("metadata").path("name").asText());
            cs.put("ready", false).put("started", false);
        }
        setCondition(status, "ContainersReady", "False", now, "ContainersNotReady");
        setCondition(status, "Ready", "False", now, "ContainersNotReady");
        return next;
    }

    /** The crashed containers run again. */
    private ObjectNode restarted(ObjectNode pod) {
        ObjectNode next = pod.deepCopy();
        ObjectNode status = child(next, "status");
        String now = now();
        String uid = pod.path("metadata").path("uid").asText();
        for (JsonNode n : status.path("containerStatuses")) {
            ObjectNode cs = (ObjectNode) n;
            cs.put("containerID", "containerd://" + hex(uid + "/" + cs.path("name").asText() + "/"
                    + cs.path("restartCount").asInt()));
            cs.putObject("state").putObject("running").put("startedAt", now);
            cs.put("ready", true).put("started", true);
        }
        setCondition(status, "ContainersReady", "True", now);
        setCondition(status, "Ready", "True", now);
        return next;
    }

    private static void setCondition(ObjectNode status, String type, String value, String now) {
        setCondition(status, type, value, now, null);
    }

    private static void setCondition(ObjectNode status, String type, String value, String now, String reason) {
        ArrayNode conditions = status.get("conditions") instanceof ArrayNode a ? a : status.putArray("conditions");
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asText())) {
                ObjectNode o = (ObjectNode) c;
                if (!value.equals(o.path("status").asText())) {
                    o.put("status", value).put("lastTransitionTime", now);
                    if (reason == null) {
                        o.remove("reason");
                        o.remove("message");
                    } else {
                        o.put("reason", reason);
                    }
                }
                o.putNull("lastProbeTime");
                return;
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type).put("status", value).putNull("lastProbeTime").put("lastTransitionTime", now);
        if (reason != null) {
            c.put("reason", reason);
        }
    }

    /** The lowest free address of the node's /24 (.2 to .254) not used by a cached pod nor handed out already. */
    private synchronized String allocateIp(String node, String key) {
        Map<String, String> mine = reserved.computeIfAbsent(node, n -> new ConcurrentHashMap<>());
        String have = mine.get(key);
        if (have != null) {
            return have;
        }
        Set<String> used = new HashSet<>(mine.values());
        for (ObjectNode p : pods.store().byIndex(NODE_INDEX, node)) {
            String ip = p.path("status").path("podIP").asText("");
            if (!ip.isEmpty() && !p.path("spec").path("hostNetwork").asBoolean(false)) {
                used.add(ip);
            }
        }
        String cidr = podCidr(node);
        String prefix = cidr.substring(0, cidr.length() - "0/24".length());
        for (int host = 2; host < 255; host++) {
            String ip = prefix + host;
            if (!used.contains(ip)) {
                mine.put(key, ip);
                return ip;
            }
        }
        throw new IllegalStateException("node " + node + ": no free pod IP in " + cidr);
    }

    /** The object at {@code parent.field}, put there if missing. */
    private static ObjectNode child(ObjectNode parent, String field) {
        return parent.get(field) instanceof ObjectNode o ? o : parent.putObject(field);
    }

    private static String now() {
        return Instant.now().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    private static String hex(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String uuid(String s) {
        String h = hex(s);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20, 32);
    }

    /** For tests and tools: the node names currently stopped. */
    public List<String> stoppedNodes() {
        return new ArrayList<>(stopped);
    }
}
