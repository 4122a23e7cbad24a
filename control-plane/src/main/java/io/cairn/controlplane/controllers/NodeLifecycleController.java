package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.informer.Store;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node lifecycle controller with its taint-based eviction:
 * <ul>
 *   <li>a node whose Lease ({@code kube-node-lease/<node>}) and Ready heartbeat have not changed for
 *       {@code nodeMonitorGracePeriod} (measured on this controller's clock, from when it saw them change) gets its
 *       conditions set to Unknown (reason {@code NodeStatusUnknown}, "Kubelet stopped posting node status.") and the
 *       taints {@code node.kubernetes.io/unreachable} NoExecute and NoSchedule; its pods get Ready=False;</li>
 *   <li>a node that reports Ready=False gets the {@code node.kubernetes.io/not-ready} taints, and its pods
 *       Ready=False;</li>
 *   <li>the taints come off once the lease is renewed again (unreachable) or Ready is no longer False
 *       (not-ready);</li>
 *   <li>a pod on a node with a NoExecute taint it does not tolerate is deleted at once; one that tolerates it for
 *       {@code tolerationSeconds} is deleted that long after the taint was added (the API server gives every pod
 *       300 s tolerations of the not-ready and unreachable taints).</li>
 * </ul>
 */
public final class NodeLifecycleController implements AutoCloseable {
    static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    static final String NOT_READY = "node.kubernetes.io/not-ready";
    static final String LEASE_NAMESPACE = "kube-node-lease";
    private static final String NODE_INDEX = "ctrl.nodeName";

    /**
     * @param nodeMonitorGracePeriod  how long a node may go without a heartbeat before it is unreachable (kube: 40 s)
     * @param monitorPeriod           how often every node is looked at (kube: 5 s)
     * @param defaultTolerationSeconds the toleration the API server gives pods (kube: 300 s); a pod with no
     *                                toleration at all for the unreachable or not-ready taint gets this one assumed only
     *                                if {@code assumeDefaultToleration} is set, else it is evicted at once as in kube
     */
    public record Config(Duration nodeMonitorGracePeriod, Duration monitorPeriod, Duration defaultTolerationSeconds,
                         boolean assumeDefaultToleration) {
        public static Config defaults() {
            return new Config(Duration.ofSeconds(40), Duration.ofSeconds(5), Duration.ofSeconds(300), false);
        }

        public Config withNodeMonitorGracePeriod(Duration d) {
            return new Config(d, monitorPeriod, defaultTolerationSeconds, assumeDefaultToleration);
        }

        public Config withMonitorPeriod(Duration d) {
            return new Config(nodeMonitorGracePeriod, d, defaultTolerationSeconds, assumeDefaultToleration);
        }
    }

    /** The last heartbeat seen of a node and when (this process's clock). */
    private record Heartbeat(String value, long seenNanos) {
    }

    private final ApiClient client;
    private final Config config;
    private final Informer nodes;
    private final Informer leases;
    private final Informer pods;
    private final Map<String, Heartbeat> heartbeats = new ConcurrentHashMap<>();
    private final CtrlEvents events;
    private Controller controller;

    public NodeLifecycleController(ApiClient client, SharedInformerFactory informers) {
        this(client, informers, Config.defaults());
    }

    public NodeLifecycleController(ApiClient client, SharedInformerFactory informers, Config config) {
        this.client = client;
        this.config = config;
        this.nodes = informers.informerFor("v1", "nodes");
        this.leases = informers.informerFor("coordination.k8s.io/v1", "leases", LEASE_NAMESPACE, null);
        this.pods = informers.informerFor("v1", "pods");
        this.events = new CtrlEvents(client, "node-controller");
        try {
            pods.addIndex(NODE_INDEX, p -> {
                String n = p.path("spec").path("nodeName").asText("");
                return n.isEmpty() ? List.of() : List.of(n);
            });
        } catch (IllegalArgumentException alreadyThere) {
            // another instance on the same informers added it
        }
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        controller = Controller.of("node-lifecycle", this::reconcile, workers).watch(nodes);
        leases.addHandler(Informer.Handler.onKey(key -> controller.queue().add(Store.nameOf(key))));
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode obj) {
                enqueueNode(obj);
            }

            @Override
            public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                enqueueNode(newObj);
            }
        });
        controller.start();
    }

    private void enqueueNode(ObjectNode pod) {
        String n = pod.path("spec").path("nodeName").asText("");
        if (!n.isEmpty()) {
            controller.queue().add(n);
        }
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
        }
    }

    /** Whether the node has shown a heartbeat within the grace period; remembers when it last saw one change. */
    private boolean healthy(ObjectNode node) {
        String name = name(node);
        ObjectNode lease = leases.store().get(LEASE_NAMESPACE, name);
        ObjectNode ready = condition(node.path("status").path("conditions"), "Ready");
        String value = (lease == null ? "" : lease.path("spec").path("renewTime").asText(""))
                + "|" + (ready == null ? "" : ready.path("lastHeartbeatTime").asText(""));
        long now = System.nanoTime();
        Heartbeat hb = heartbeats.compute(name, (k, old) ->
                old == null || !old.value().equals(value) ? new Heartbeat(value, now) : old);
        return now - hb.seenNanos() <= config.nodeMonitorGracePeriod().toNanos();
    }

    Result reconcile(String name) {
        ObjectNode node = nodes.store().get(name);
        if (node == null) {
            heartbeats.remove(name);
            return Result.done();
        }
        boolean healthy = healthy(node);
        ApiClient.ResourceClient nodeClient = client.resource("v1", "nodes");
        if (!healthy) {
            ObjectNode status = node.path("status") instanceof ObjectNode s ? s.deepCopy() : obj();
            boolean changed = false;
            if (condition(status.path("conditions"), "Ready") == null) {
                changed |= setUnknown(status, "Ready");
            }
            for (JsonNode c : status.path("conditions")) {
                changed |= setUnknown(status, c.path("type").asText());
            }
            if (changed) {
                ObjectNode update = node.deepCopy();
                update.set("status", status);
                node = nodeClient.updateStatus(update); // 409 → retried
                events.normal(node, "v1", "Node", "NodeNotReady", "Node " + name + " status is now: NodeNotReady");
            }
        }
        JsonNode readyCond = condition(node.path("status").path("conditions"), "Ready");
        String readyStatus = readyCond == null ? "Unknown" : readyCond.path("status").asText();
        String wantTaint = !healthy ? UNREACHABLE : "False".equals(readyStatus) ? NOT_READY : null;
        node = writeTaints(nodeClient, node, wantTaint);
        if (wantTaint != null) {
            markPodsNotReady(name);
        }
        Duration next = evict(node);
        Duration monitor = config.monitorPeriod();
        if (healthy) { // look again when the grace period would run out
            Heartbeat hb = heartbeats.get(name);
            long left = hb.seenNanos() + config.nodeMonitorGracePeriod().toNanos() - System.nanoTime();
            monitor = Duration.ofNanos(Math.max(Math.min(left + 50_000_000L, monitor.toNanos()), 10_000_000L));
        }
        return Result.requeueAfter(next != null && next.compareTo(monitor) < 0 ? next : monitor);
    }

    private static boolean setUnknown(ObjectNode status, String type) {
        ObjectNode c = condition(status.path("conditions"), type);
        if (c != null && "Unknown".equals(c.path("status").asText())) {
            return false;
        }
        // lastHeartbeatTime stays: it is the kubelet's last word
        return setCondition(status, type, "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.",
                false);
    }

    /** Puts {@code key}'s NoExecute and NoSchedule taints on the node (null: neither of ours), others unchanged. */
    private ObjectNode writeTaints(ApiClient.ResourceClient nodeClient, ObjectNode node, String key) {
        JsonNode taints = node.path("spec").path("taints");
        ArrayNode want = JSON.arrayNode();
        boolean haveExec = false;
        boolean haveSched = false;
        for (JsonNode t : taints) {
            String k = t.path("key").asText();
            if (k.equals(UNREACHABLE) || k.equals(NOT_READY)) {
                if (!k.equals(key)) {
                    continue;
                }
                if ("NoExecute".equals(t.path("effect").asText())) {
                    haveExec = true;
                } else if ("NoSchedule".equals(t.path("effect").asText())) {
                    haveSched = true;
                }
            }
            want.add(t);
        }
        if (key != null && !haveSched) {
            ObjectNode t = want.addObject();
            t.put("key", key);
            t.put("effect", "NoSchedule");
            t.put("timeAdded", now());
        }
        if (key != null && !haveExec) {
            ObjectNode t = want.addObject();
            t.put("key", key);
            t.put("effect", "NoExecute");
            t.put("timeAdded", now());
        }
        if (want.equals(taints.isArray() ? taints : JSON.arrayNode())) {
            return node;
        }
        ObjectNode update = node.deepCopy();
        if (want.isEmpty()) {
            update.withObjectProperty("spec").remove("taints");
        } else {
            update.withObjectProperty("spec").set("taints", want);
        }
        return nodeClient.update(update); // 409 → retried
    }

    private void markPodsNotReady(String nodeName) {
        for (ObjectNode pod : pods.store().byIndex(NODE_INDEX, nodeName)) {
            String phase = phase(pod);
            if (phase.equals("Succeeded") || phase.equals("Failed") || !podReady(pod)) {
                continue;
            }
            ObjectNode update = pod.deepCopy();
            ObjectNode status = update.withObjectProperty("status");
            setCondition(status, "Ready", "False", null, null, false);
            try {
                client.resource("v1", "pods").namespace(namespace(pod)).updateStatus(update);
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e; // a 409: the node's key is retried, reading the pod again
                }
            }
        }
    }

    /** Deletes the pods that do not tolerate the node's NoExecute taints (now or by now); answers the next deadline. */
    private Duration evict(ObjectNode node) {
        List<JsonNode> noExecute = new ArrayList<>();
        for (JsonNode t : node.path("spec").path("taints")) {
            if ("NoExecute".equals(t.path("effect").asText())) {
                noExecute.add(t);
            }
        }
        if (noExecute.isEmpty()) {
            return null;
        }
        Instant now = Instant.now();
        Duration next = null;
        for (ObjectNode pod : pods.store().byIndex(NODE_INDEX, name(node))) {
            String phase = phase(pod);
            if (deleting(pod) || phase.equals("Succeeded") || phase.equals("Failed")) {
                continue;
            }
            Instant deadline = null; // when the first toleration runs out; null: tolerated forever
            boolean evictNow = false;
            for (JsonNode taint : noExecute) {
                Long seconds = null;
                boolean tolerated = false;
                for (JsonNode tol : pod.path("spec").path("tolerations")) {
                    if (tolerates(tol, taint)) {
                        Long s = tol.hasNonNull("tolerationSeconds") ? tol.path("tolerationSeconds").asLong() : null;
                        if (!tolerated || (seconds != null && (s == null || s > seconds))) {
                            seconds = s; // the most lenient matching toleration wins for this taint
                        }
                        tolerated = true;
                    }
                }
                if (!tolerated && config.assumeDefaultToleration()
                        && (taint.path("key").asText().equals(UNREACHABLE) || taint.path("key").asText().equals(NOT_READY))) {
                    tolerated = true;
                    seconds = config.defaultTolerationSeconds().toSeconds();
                }
                if (!tolerated) {
                    evictNow = true;
                    break;
                }
                if (seconds != null) {
                    Instant added = time(taint.get("timeAdded"));
                    Instant d = (added == null ? now : added).plusSeconds(Math.max(seconds, 0));
                    deadline = deadline == null || d.isBefore(deadline) ? d : deadline;
                }
            }
            if (evictNow || (deadline != null && !deadline.isAfter(now))) {
                try {
                    ObjectNode opts = obj();
                    opts.put("kind", "DeleteOptions");
                    opts.put("apiVersion", "v1");
                    opts.putObject("preconditions").put("uid", uid(pod));
                    client.resource("v1", "pods").namespace(namespace(pod)).delete(name(pod), opts);
                    events.normal(pod, "v1", "Pod", "TaintManagerEviction",
                            "Marking for deletion Pod " + namespace(pod) + "/" + name(pod));
                } catch (ApiException e) {
                    if (e.code() != 404 && e.code() != 409) {
                        throw e;
                    }
                }
            } else if (deadline != null) {
                Duration left = Duration.between(now, deadline).plusMillis(50);
                next = next == null || left.compareTo(next) < 0 ? left : next;
            }
        }
        return next;
    }

    /** kube's {@code ToleratesTaint}. */
    static boolean tolerates(JsonNode tol, JsonNode taint) {
        String effect = tol.path("effect").asText("");
        if (!effect.isEmpty() && !effect.equals(taint.path("effect").asText())) {
            return false;
        }
        String key = tol.path("key").asText("");
        if (!key.isEmpty() && !key.equals(taint.path("key").asText())) {
            return false;
        }
        String op = tol.path("operator").asText("Equal");
        if (op.equals("Exists")) {
            return true;
        }
        return !key.isEmpty() && tol.path("value").asText("").equals(taint.path("value").asText(""));
    }
}
