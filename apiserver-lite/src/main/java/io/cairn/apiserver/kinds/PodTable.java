package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A pod's row in {@code kubectl get pods}, computed as kube-apiserver's printer ({@code printPod} in
 * {@code pkg/printers/internalversion}) computes it: READY counts ready containers (and started restartable init
 * containers), STATUS is the phase overridden by the pod's reason, a scheduling gate, an init container's progress
 * ({@code Init:0/2}, {@code Init:CrashLoopBackOff}), a container's waiting or terminated reason, and
 * {@code Terminating} once deletion began; RESTARTS adds {@code (5m ago)} after a restart. The server fills the wide
 * cells too; kubectl hides them without {@code -o wide}.
 */
final class PodTable {
    private PodTable() {
    }

    static final List<TableColumn> COLUMNS = List.of(
            TableColumn.nameColumn(),
            TableColumn.of("Ready", "string", "The aggregate readiness state of this pod for accepting traffic."),
            TableColumn.of("Status", "string", "The aggregate status of the containers in this pod."),
            TableColumn.of("Restarts", "string", "The number of times the containers in this pod have been restarted "
                    + "and when the last container in this pod has restarted."),
            TableColumn.ageColumn(),
            TableColumn.wide("IP", "string", "podIP address allocated to the pod. Routable at least within the "
                    + "cluster. Empty if not yet allocated."),
            TableColumn.wide("Node", "string", "NodeName indicates in which node this pod is scheduled. If empty, "
                    + "this pod is a candidate for scheduling by the scheduler defined in schedulerName. Once this "
                    + "field is set, the kubelet for this node becomes responsible for the lifecycle of this pod. This "
                    + "field should not be used to express a desire for the pod to be scheduled on a specific node. "
                    + "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"),
            TableColumn.wide("Nominated Node", "string", "nominatedNodeName is set only when this pod preempts other "
                    + "pods on the node, but it cannot be scheduled right away as preemption victims receive their "
                    + "graceful termination periods. This field does not guarantee that the pod will be scheduled on "
                    + "this node. Scheduler may decide to place the pod elsewhere if other nodes become available "
                    + "sooner. Scheduler may also decide to give the resources on this node to a higher priority pod "
                    + "that is created after preemption. As a result, this field may be different than "
                    + "PodSpec.nodeName when the pod is scheduled."),
            TableColumn.wide("Readiness Gates", "string", "If specified, all readiness gates will be evaluated for pod "
                    + "readiness. A pod is ready when all its containers are ready AND all conditions specified in the "
                    + "readiness gates have status equal to \"True\" More info: "
                    + "https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"));

    /** The running tally while the container statuses are read. */
    private static final class Tally {
        String reason;
        int restarts;
        int ready;
        Instant lastRestart;
        int initRestarts;
        Instant lastInitRestart;
    }

    static List<Object> cells(ObjectNode pod, Instant now) {
        JsonNode spec = pod.path("spec");
        JsonNode status = pod.path("status");
        String phase = status.path("phase").asText("");
        Tally t = new Tally();
        t.reason = status.path("reason").asText("").isEmpty() ? phase : status.path("reason").asText();
        for (JsonNode c : status.path("conditions")) {
            if (c.path("type").asText().equals("PodScheduled") && c.path("reason").asText().equals("SchedulingGated")) {
                t.reason = "SchedulingGated";
            }
        }
        Map<String, JsonNode> inits = new HashMap<>();
        int total = spec.path("containers").size();
        for (JsonNode c : spec.path("initContainers")) {
            inits.put(c.path("name").asText(), c);
            total += restartable(c) ? 1 : 0;
        }
        boolean initializing = readInitStatuses(status.path("initContainerStatuses"), inits,
                spec.path("initContainers").size(), t);
        if (!initializing || Objects2.conditionTrue(status.path("conditions"), "Initialized")) {
            readContainerStatuses(status, t);
        }
        boolean deleting = !Objects2.text(pod, "metadata", "deletionTimestamp").isEmpty();
        if (deleting && status.path("reason").asText("").equals("NodeLost")) {
            t.reason = "Unknown";
        } else if (deleting && !phase.equals("Succeeded") && !phase.equals("Failed")) {
            t.reason = "Terminating";
        }
        String restarts = String.valueOf(t.restarts);
        if (t.restarts != 0 && t.lastRestart != null) {
            restarts += " (" + Objects2.humanDuration(Duration.between(t.lastRestart, now)) + " ago)";
        }
        return List.of(Objects2.name(pod), t.ready + "/" + total, t.reason, restarts, Objects2.age(pod, now),
                orNone(PodStrategy.podIP(status)), orNone(spec.path("nodeName").asText("")),
                orNone(status.path("nominatedNodeName").asText("")), readinessGates(spec, status));
    }

    /** Reads init container statuses; true while initialisation is still under way or failed. */
    private static boolean readInitStatuses(JsonNode statuses, Map<String, JsonNode> inits, int initCount, Tally t) {
        for (int i = 0; i < statuses.size(); i++) {
            JsonNode cs = statuses.get(i);
            boolean restartable = restartable(inits.get(cs.path("name").asText()));
            int count = cs.path("restartCount").asInt(0);
            Instant finished = Objects2.time(cs.path("lastState").path("terminated").get("finishedAt"));
            t.restarts += count;
            t.lastRestart = later(t.lastRestart, finished);
            if (restartable) {
                t.initRestarts += count;
                t.lastInitRestart = later(t.lastInitRestart, finished);
            }
            JsonNode terminated = cs.path("state").get("terminated");
            JsonNode waiting = cs.path("state").get("waiting");
            if (isSet(terminated) && terminated.path("exitCode").asInt(0) == 0) {
                continue;
            }
            if (restartable && cs.path("started").asBoolean(false)) {
                t.ready += cs.path("ready").asBoolean(false) ? 1 : 0;
                continue;
            }
            if (isSet(terminated)) {
                String r = terminated.path("reason").asText("");
                int signal = terminated.path("signal").asInt(0);
                t.reason = !r.isEmpty() ? "Init:" + r
                        : signal != 0 ? "Init:Signal:" + signal : "Init:ExitCode:" + terminated.path("exitCode").asInt();
            } else if (isSet(waiting) && !waiting.path("reason").asText("").isEmpty()
                    && !waiting.path("reason").asText().equals("PodInitializing")) {
                t.reason = "Init:" + waiting.path("reason").asText();
            } else {
                t.reason = "Init:" + i + "/" + initCount;
            }
            return true;
        }
        return false;
    }

    private static void readContainerStatuses(JsonNode status, Tally t) {
        t.restarts = t.initRestarts;
        t.lastRestart = t.lastInitRestart;
        boolean hasRunning = false;
        JsonNode statuses = status.path("containerStatuses");
        for (int i = statuses.size() - 1; i >= 0; i--) {
            JsonNode cs = statuses.get(i);
            t.restarts += cs.path("restartCount").asInt(0);
            t.lastRestart = later(t.lastRestart,
                    Objects2.time(cs.path("lastState").path("terminated").get("finishedAt")));
            JsonNode waiting = cs.path("state").get("waiting");
            JsonNode terminated = cs.path("state").get("terminated");
            if (isSet(waiting) && !waiting.path("reason").asText("").isEmpty()) {
                t.reason = waiting.path("reason").asText();
            } else if (isSet(terminated) && !terminated.path("reason").asText("").isEmpty()) {
                t.reason = terminated.path("reason").asText();
            } else if (isSet(terminated)) {
                int signal = terminated.path("signal").asInt(0);
                t.reason = signal != 0 ? "Signal:" + signal : "ExitCode:" + terminated.path("exitCode").asInt(0);
            } else if (cs.path("ready").asBoolean(false) && isSet(cs.path("state").get("running"))) {
                hasRunning = true;
                t.ready++;
            }
        }
        if (t.reason.equals("Completed") && hasRunning) {
            t.reason = Objects2.conditionTrue(status.path("conditions"), "Ready") ? "Running" : "NotReady";
        }
    }

    private static String readinessGates(JsonNode spec, JsonNode status) {
        JsonNode gates = spec.path("readinessGates");
        if (gates.size() == 0) {
            return "<none>";
        }
        int trueCount = 0;
        for (JsonNode g : gates) {
            trueCount += Objects2.conditionTrue(status.path("conditions"), g.path("conditionType").asText()) ? 1 : 0;
        }
        return trueCount + "/" + gates.size();
    }

    /** An init container with {@code restartPolicy: Always} is a sidecar: it counts as a container of the pod. */
    private static boolean restartable(JsonNode initContainer) {
        return initContainer != null && initContainer.path("restartPolicy").asText("").equals("Always");
    }

    private static boolean isSet(JsonNode n) {
        return n != null && n.isObject();
    }

    private static Instant later(Instant a, Instant b) {
        return a == null ? b : b == null || a.isAfter(b) ? a : b;
    }

    private static String orNone(String s) {
        return s.isEmpty() ? "<none>" : s;
    }
}
