package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;
import static io.cairn.controlplane.controllers.WorkloadSupport.*;

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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Deployment controller: one ReplicaSet per pod template (named {@code <deployment>-<pod-template-hash>}), rolled
 * out by the RollingUpdate (maxSurge / maxUnavailable) or Recreate strategy, old ReplicaSets kept up to
 * {@code revisionHistoryLimit}, and the status and conditions {@code kubectl rollout status} reads. Each reconcile
 * takes one step from the caches and writes guarded on resourceVersion, so it can stop and resume anywhere.
 */
public final class DeploymentController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeploymentController.class);

    static final String HASH_LABEL = "pod-template-hash";
    static final String REVISION = "deployment.kubernetes.io/revision";
    static final String DESIRED = "deployment.kubernetes.io/desired-replicas";
    static final String MAX = "deployment.kubernetes.io/max-replicas";

    private final ApiClient client;
    private final Informer deployments;
    private final Informer replicaSets;
    private final Informer pods;
    private Controller controller;

    public DeploymentController(ApiClient client, SharedInformerFactory informers) {
        this.client = client;
        this.deployments = informers.informerFor("apps/v1", "deployments");
        this.replicaSets = informers.informerFor("apps/v1", "replicasets");
        this.pods = informers.informerFor("v1", "pods");
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        Controller c = Controller.of("deployment", this::reconcile, workers);
        controller = c;
        c.watch(deployments);
        replicaSets.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode rs) {
                queueOwner(c, rs);
                if (controllerOf(rs) == null) {
                    String ns = text(rs, "metadata", "namespace");
                    for (ObjectNode d : deployments.store().byIndex(Store.NAMESPACE_INDEX, ns)) {
                        if (workloadSelects(d.path("spec").path("selector"), rs.path("metadata").path("labels"))) {
                            c.queue().add(Store.keyOf(d));
                        }
                    }
                }
            }

            @Override
            public void onUpdate(ObjectNode oldRs, ObjectNode rs) {
                onAdd(rs);
            }

            @Override
            public void onDelete(ObjectNode rs) {
                queueOwner(c, rs);
            }
        });
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onDelete(ObjectNode pod) {
                // Recreate waits for the old pods to go
                JsonNode ref = controllerOf(pod);
                if (ref != null && "ReplicaSet".equals(ref.path("kind").asText())) {
                    ObjectNode rs = replicaSets.store().get(text(pod, "metadata", "namespace"), ref.path("name").asText());
                    if (rs != null) {
                        queueOwner(c, rs);
                    }
                }
            }
        });
        c.start();
    }

    private static void queueOwner(Controller c, JsonNode rs) {
        JsonNode ref = controllerOf(rs);
        if (ref != null && "Deployment".equals(ref.path("kind").asText())) {
            c.queue().add(text(rs, "metadata", "namespace") + "/" + ref.path("name").asText());
        }
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
            controller = null;
        }
    }

    /** A conflict somewhere: the step is retried from fresh caches. */
    private static final class Retry extends RuntimeException {
        Retry() {
            super(null, null, false, false);
        }
    }

    Result reconcile(String key) {
        ObjectNode d = deployments.store().get(key);
        if (d == null || deleting(d)) {
            return Result.done();
        }
        try {
            return sync(d);
        } catch (Retry r) {
            return Result.requeue();
        } catch (ApiException e) {
            if (isConflict(e)) {
                return Result.requeue();
            }
            if (e.code() == 404) {
                return Result.requeue();
            }
            throw e;
        }
    }

    private ApiClient.ResourceClient rsApi(String ns) {
        return client.resource("apps/v1", "replicasets").namespace(ns);
    }

    private Result sync(ObjectNode d) {
        String ns = text(d, "metadata", "namespace");
        String dUid = uid(d);
        List<ObjectNode> all = new ArrayList<>();
        for (ObjectNode rs : replicaSets.store().byIndex(Store.OWNER_UID_INDEX, dUid)) {
            JsonNode ref = controllerOf(rs);
            if (ref != null && dUid.equals(ref.path("uid").asText()) && !deleting(rs)) {
                all.add(rs);
            }
        }
        for (ObjectNode rs : replicaSets.store().byIndex(Store.NAMESPACE_INDEX, ns)) {
            if (controllerOf(rs) == null && !deleting(rs)
                    && workloadSelects(d.path("spec").path("selector"), rs.path("metadata").path("labels"))) {
                all.add(adopt(d, rs)); // an orphan that matches (its Deployment was deleted with orphan propagation)
            }
        }
        all.sort(Comparator.comparing(CtrlUtil::created).thenComparing(CtrlUtil::name));
        JsonNode template = d.path("spec").path("template");
        ObjectNode newRs = null;
        for (ObjectNode rs : all) {
            if (stripHash(rs.path("spec").path("template")).equals(stripHash(template))) {
                newRs = rs;
                break;
            }
        }
        List<ObjectNode> old = new ArrayList<>(all);
        old.remove(newRs);
        boolean paused = d.path("spec").path("paused").asBoolean(false);
        boolean recreate = "Recreate".equals(text(d, "spec", "strategy", "type"));
        int replicas = intAt(d, 1, "spec", "replicas");
        String createdReason = null;

        if (newRs != null) {
            newRs = syncNewAnnotations(d, newRs, old, newRs.path("spec").path("replicas").asInt());
        } else if (!paused && !(recreate && (anyReplicas(old) || oldPodsRunning(ns, old)))) {
            int start = recreate ? 0 : newReplicaCount(d, all, null);
            newRs = createNew(d, old, start);
            all.add(newRs);
            createdReason = "NewReplicaSetCreated";
        }
        syncRevisionOnDeployment(d, newRs);

        if (paused) {
            // no rollout while paused, but a settled Deployment still follows spec.replicas
            if (newRs != null && !anyReplicas(old) && intAt(newRs, 0, "spec", "replicas") != replicas) {
                newRs = scale(d, newRs, replicas);
            }
        } else {
            if (recreate) {
                if (anyReplicas(old)) {
                    for (ObjectNode rs : old) {
                        if (intAt(rs, 0, "spec", "replicas") > 0) {
                            scale(d, rs, 0);
                        }
                    }
                } else if (newRs != null && !oldPodsRunning(ns, old)
                        && intAt(newRs, 0, "spec", "replicas") != replicas) {
                    newRs = scale(d, newRs, replicas);
                }
            } else if (newRs != null) {
                int target = newReplicaCount(d, all, newRs);
                if (target != intAt(newRs, 0, "spec", "replicas")) {
                    newRs = scale(d, newRs, target);
                } else {
                    scaleDownOld(d, newRs, old);
                }
            }
        }
        List<ObjectNode> current = new ArrayList<>(old);
        if (newRs != null) {
            current.add(newRs);
        }
        cleanup(d, newRs, old);
        return writeStatus(d, newRs, current, createdReason);
    }

    private ObjectNode adopt(ObjectNode d, ObjectNode rs) {
        ObjectNode copy = rs.deepCopy();
        ((ObjectNode) copy.get("metadata")).withArrayProperty("ownerReferences").add(newControllerRef(d, "apps/v1", "Deployment"));
        return rsApi(text(rs, "metadata", "namespace")).update(copy);
    }

    private static boolean anyReplicas(List<ObjectNode> rss) {
        return rss.stream().anyMatch(r -> intAt(r, 0, "spec", "replicas") > 0 || intAt(r, 0, "status", "replicas") > 0);
    }

    private boolean oldPodsRunning(String ns, List<ObjectNode> old) {
        for (ObjectNode rs : old) {
            for (ObjectNode p : pods.store().byIndex(Store.OWNER_UID_INDEX, uid(rs))) {
                if (ns.equals(text(p, "metadata", "namespace")) && !podTerminal(p)) {
                    return true;
                }
            }
        }
        return false;
    }

    static int maxRevision(List<ObjectNode> rss) {
        int max = 0;
        for (ObjectNode rs : rss) {
            max = Math.max(max, revision(rs));
        }
        return max;
    }

    static int revision(JsonNode o) {
        try {
            String r = text(o, "metadata", "annotations", REVISION);
            return r == null ? 0 : Integer.parseInt(r);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static int maxSurge(JsonNode d) {
        if ("Recreate".equals(text(d, "spec", "strategy", "type"))) {
            return 0;
        }
        return resolve(d.path("spec").path("strategy").path("rollingUpdate").get("maxSurge"), d, true);
    }

    static int maxUnavailable(JsonNode d) {
        int replicas = intAt(d, 1, "spec", "replicas");
        if ("Recreate".equals(text(d, "spec", "strategy", "type"))) {
            return 0;
        }
        int surge = maxSurge(d);
        int unavailable = resolve(d.path("spec").path("strategy").path("rollingUpdate").get("maxUnavailable"), d, false);
        if (surge == 0 && unavailable == 0) {
            unavailable = 1; // both zero cannot progress (validation refuses it; a rounded-down percentage can)
        }
        return Math.min(unavailable, replicas);
    }

    /** An int or a percentage of replicas (default 25%): surge rounds up, unavailable down. */
    static int resolve(JsonNode v, JsonNode d, boolean roundUp) {
        int replicas = intAt(d, 1, "spec", "replicas");
        String s = v == null || v.isNull() ? "25%" : v.asText();
        if (s.endsWith("%")) {
            int pct = Integer.parseInt(s.substring(0, s.length() - 1).trim());
            long num = (long) pct * replicas;
            return (int) (roundUp ? (num + 99) / 100 : num / 100);
        }
        return Integer.parseInt(s.trim());
    }

    /** kube's NewRSNewReplicas for a rolling update: grow the new ReplicaSet within maxSurge. */
    private static int newReplicaCount(JsonNode d, List<ObjectNode> all, ObjectNode newRs) {
        int replicas = intAt(d, 1, "spec", "replicas");
        int newCount = newRs == null ? 0 : intAt(newRs, 0, "spec", "replicas");
        if ("Recreate".equals(text(d, "spec", "strategy", "type"))) {
            return replicas;
        }
        int total = 0;
        for (ObjectNode rs : all) {
            total += intAt(rs, 0, "spec", "replicas");
        }
        int maxTotal = replicas + maxSurge(d);
        if (newCount > replicas) {
            return replicas;
        }
        if (total >= maxTotal) {
            return newCount;
        }
        return newCount + Math.min(maxTotal - total, replicas - newCount);
    }

    private void scaleDownOld(JsonNode d, ObjectNode newRs, List<ObjectNode> old) {
        int oldCount = 0;
        int all = intAt(newRs, 0, "spec", "replicas");
        for (ObjectNode rs : old) {
            oldCount += intAt(rs, 0, "spec", "replicas");
        }
        all += oldCount;
        if (oldCount == 0) {
            return;
        }
        int replicas = intAt(d, 1, "spec", "replicas");
        int minAvailable = replicas - maxUnavailable(d);
        int newUnavailable = intAt(newRs, 0, "spec", "replicas") - intAt(newRs, 0, "status", "availableReplicas");
        int maxScaledDown = all - minAvailable - Math.max(0, newUnavailable);
        if (maxScaledDown <= 0) {
            return;
        }
        // first the old pods that are not available anyway
        List<ObjectNode> sorted = new ArrayList<>(old);
        sorted.sort(Comparator.comparing(CtrlUtil::created));
        int cleaned = 0;
        List<ObjectNode> after = new ArrayList<>();
        for (ObjectNode rs : sorted) {
            int spec = intAt(rs, 0, "spec", "replicas");
            int unhealthy = spec - intAt(rs, 0, "status", "availableReplicas");
            int down = Math.min(Math.max(0, unhealthy), maxScaledDown - cleaned);
            if (spec > 0 && down > 0) {
                rs = scale(d, rs, spec - down);
                cleaned += down;
            }
            after.add(rs);
        }
        // then available ones, while enough stay available
        int available = intAt(newRs, 0, "status", "availableReplicas");
        for (ObjectNode rs : after) {
            available += intAt(rs, 0, "status", "availableReplicas");
        }
        int canDown = Math.min(available - minAvailable, maxScaledDown - cleaned);
        for (ObjectNode rs : after) {
            if (canDown <= 0) {
                break;
            }
            int spec = intAt(rs, 0, "spec", "replicas");
            int down = Math.min(spec, canDown);
            if (down > 0) {
                scale(d, rs, spec - down);
                canDown -= down;
            }
        }
    }

    private ObjectNode scale(JsonNode d, ObjectNode rs, int n) {
        ObjectNode copy = rs.deepCopy();
        ((ObjectNode) copy.get("spec")).put("replicas", n);
        setReplicaAnnotations(d, copy);
        return rsApi(text(rs, "metadata", "namespace")).update(copy);
    }

    private static void setReplicaAnnotations(JsonNode d, ObjectNode rs) {
        ObjectNode ann = ((ObjectNode) rs.get("metadata")).withObjectProperty("annotations");
        int replicas = intAt(d, 1, "spec", "replicas");
        ann.put(DESIRED, Integer.toString(replicas));
        ann.put(MAX, Integer.toString(replicas + maxSurge(d)));
    }

    /** The new ReplicaSet's revision (max of the old + 1) and replica annotations, updated when they differ. */
    private ObjectNode syncNewAnnotations(JsonNode d, ObjectNode newRs, List<ObjectNode> old, int replicasNow) {
        int want = maxRevision(old) + 1;
        ObjectNode copy = newRs.deepCopy();
        if (revision(newRs) < want) {
            ((ObjectNode) copy.get("metadata")).withObjectProperty("annotations").put(REVISION, Integer.toString(want));
        }
        setReplicaAnnotations(d, copy);
        ((ObjectNode) copy.get("spec")).put("minReadySeconds", intAt(d, 0, "spec", "minReadySeconds"));
        if (copy.equals(newRs)) {
            return newRs;
        }
        return rsApi(text(newRs, "metadata", "namespace")).update(copy);
    }

    private ObjectNode createNew(ObjectNode d, List<ObjectNode> old, int replicas) {
        String ns = text(d, "metadata", "namespace");
        int collisions = intAt(d, 0, "status", "collisionCount");
        String hash = templateHash(d.path("spec").path("template"), collisions);
        ObjectNode template = stripHash(d.path("spec").path("template"));
        template.withObjectProperty("metadata").withObjectProperty("labels").put(HASH_LABEL, hash);
        ObjectNode selector = d.path("spec").path("selector").deepCopy();
        selector.withObjectProperty("matchLabels").put(HASH_LABEL, hash);
        ObjectNode rs = JSON.objectNode();
        rs.put("apiVersion", "apps/v1");
        rs.put("kind", "ReplicaSet");
        ObjectNode meta = rs.putObject("metadata");
        meta.put("name", name(d) + "-" + hash);
        meta.put("namespace", ns);
        meta.set("labels", template.path("metadata").path("labels").deepCopy());
        meta.putObject("annotations").put(REVISION, Integer.toString(maxRevision(old) + 1));
        meta.putArray("ownerReferences").add(newControllerRef(d, "apps/v1", "Deployment"));
        ObjectNode spec = rs.putObject("spec");
        spec.put("replicas", replicas);
        spec.put("minReadySeconds", intAt(d, 0, "spec", "minReadySeconds"));
        spec.set("selector", selector);
        spec.set("template", template);
        setReplicaAnnotations(d, rs);
        try {
            return rsApi(ns).create(rs);
        } catch (ApiException e) {
            if (e.code() != 409) {
                throw e;
            }
        }
        // a ReplicaSet with that name exists: ours and the same template (a stale cache), or a hash collision
        ObjectNode existing = rsApi(ns).get(name(d) + "-" + hash);
        JsonNode ref = controllerOf(existing);
        if ((ref == null || uid(d).equals(ref.path("uid").asText()))
                && stripHash(existing.path("spec").path("template")).equals(stripHash(d.path("spec").path("template")))) {
            throw new Retry(); // the informer will show it (an orphan: to adopt)
        }
        ObjectNode copy = d.deepCopy();
        copy.withObjectProperty("status").put("collisionCount", collisions + 1);
        client.resource("apps/v1", "deployments").namespace(ns).updateStatus(copy);
        throw new Retry();
    }

    private void syncRevisionOnDeployment(ObjectNode d, ObjectNode newRs) {
        if (newRs == null) {
            return;
        }
        String rev = text(newRs, "metadata", "annotations", REVISION);
        if (rev == null || rev.equals(text(d, "metadata", "annotations", REVISION))) {
            return;
        }
        ObjectNode copy = d.deepCopy();
        ((ObjectNode) copy.get("metadata")).withObjectProperty("annotations").put(REVISION, rev);
        client.resource("apps/v1", "deployments").namespace(text(d, "metadata", "namespace")).update(copy);
        throw new Retry(); // continue from the updated object
    }

    /** Deletes the oldest scaled-down old ReplicaSets beyond revisionHistoryLimit. */
    private void cleanup(JsonNode d, ObjectNode newRs, List<ObjectNode> old) {
        int limit = intAt(d, 10, "spec", "revisionHistoryLimit");
        List<ObjectNode> idle = new ArrayList<>();
        for (ObjectNode rs : old) {
            if (intAt(rs, 0, "spec", "replicas") == 0 && intAt(rs, 0, "status", "replicas") == 0
                    && rs.path("status").path("observedGeneration").asLong(0)
                    >= rs.path("metadata").path("generation").asLong(0)) {
                idle.add(rs);
            }
        }
        if (idle.size() <= limit) {
            return;
        }
        idle.sort(Comparator.comparingInt(DeploymentController::revision).thenComparing(CtrlUtil::created));
        for (ObjectNode rs : idle.subList(0, idle.size() - limit)) {
            try {
                rsApi(text(rs, "metadata", "namespace")).delete(name(rs));
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
    }

    private Result writeStatus(ObjectNode d, ObjectNode newRs, List<ObjectNode> rss, String createdReason) {
        int replicas = intAt(d, 1, "spec", "replicas");
        int statusReplicas = 0;
        int specTotal = 0;
        int ready = 0;
        int available = 0;
        for (ObjectNode rs : rss) {
            statusReplicas += intAt(rs, 0, "status", "replicas");
            specTotal += intAt(rs, 0, "spec", "replicas");
            ready += intAt(rs, 0, "status", "readyReplicas");
            available += intAt(rs, 0, "status", "availableReplicas");
        }
        int updated = newRs == null ? 0 : intAt(newRs, 0, "status", "replicas");
        JsonNode oldStatus = d.path("status");
        ObjectNode status = oldStatus.isObject() ? ((ObjectNode) oldStatus).deepCopy() : JSON.objectNode();
        status.put("observedGeneration", d.path("metadata").path("generation").asLong(0));
        status.put("replicas", statusReplicas);
        status.put("updatedReplicas", updated);
        status.put("readyReplicas", ready);
        status.put("availableReplicas", available);
        status.put("unavailableReplicas", Math.max(0, specTotal - available));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        if (available >= replicas - maxUnavailable(d)) {
            setCondition(status, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now);
        } else {
            setCondition(status, "Available", "False", "MinimumReplicasUnavailable",
                    "Deployment does not have minimum availability.", now);
        }
        Result after = Result.done();
        String rsName = newRs == null ? null : name(newRs);
        boolean paused = d.path("spec").path("paused").asBoolean(false);
        JsonNode progressing = condition(status.path("conditions"), "Progressing");
        String progReason = progressing == null ? null : progressing.path("reason").asText();
        boolean complete = newRs != null && updated == replicas && statusReplicas == replicas && available == replicas
                && intAt(newRs, 0, "spec", "replicas") == replicas;
        if (paused) {
            if (!"DeploymentPaused".equals(progReason)) {
                setCondition(status, "Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now);
            }
        } else if (complete) {
            setCondition(status, "Progressing", "True", "NewReplicaSetAvailable",
                    "ReplicaSet \"" + rsName + "\" has successfully progressed.", now);
        } else if (createdReason != null) {
            setCondition(status, "Progressing", "True", createdReason, "Created new replica set \"" + rsName + "\"", now);
        } else if ("DeploymentPaused".equals(progReason)) {
            setCondition(status, "Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", now);
        } else if (newRs != null && progressing == null) {
            setCondition(status, "Progressing", "True", "FoundNewReplicaSet", "Found new replica set \"" + rsName + "\"", now);
        } else if (newRs != null && progressed(oldStatus, status)) {
            setCondition(status, "Progressing", "True", "ReplicaSetUpdated",
                    "ReplicaSet \"" + rsName + "\" is progressing.", now, true);
        } else if (newRs != null && d.path("spec").has("progressDeadlineSeconds")
                && intAt(d, 600, "spec", "progressDeadlineSeconds") != Integer.MAX_VALUE && progressing != null
                && !"ProgressDeadlineExceeded".equals(progReason)) {
            int deadline = intAt(d, 600, "spec", "progressDeadlineSeconds");
            Instant last = time(progressing.get("lastUpdateTime"));
            if (last != null) {
                Instant due = last.plusSeconds(deadline);
                if (!due.isAfter(Instant.now())) {
                    setCondition(status, "Progressing", "False", "ProgressDeadlineExceeded",
                            "ReplicaSet \"" + rsName + "\" has timed out progressing.", now);
                } else {
                    after = Result.requeueAfter(Duration.between(Instant.now(), due).plusMillis(500));
                }
            }
        }
        if (!status.equals(oldStatus)) {
            ObjectNode copy = d.deepCopy();
            copy.set("status", status);
            client.resource("apps/v1", "deployments").namespace(text(d, "metadata", "namespace")).updateStatus(copy);
        }
        return after;
    }

    private static boolean progressed(JsonNode before, JsonNode after) {
        return after.path("updatedReplicas").asInt() > before.path("updatedReplicas").asInt()
                || after.path("replicas").asInt() < before.path("replicas").asInt()
                || after.path("readyReplicas").asInt() > before.path("readyReplicas").asInt()
                || after.path("availableReplicas").asInt() > before.path("availableReplicas").asInt();
    }

    /** Sets a condition; lastTransitionTime moves only when the status does, lastUpdateTime when anything does. */
    private static void setCondition(ObjectNode status, String type, String value, String reason, String message,
            Instant now) {
        setCondition(status, type, value, reason, message, now, false);
    }

    private static void setCondition(ObjectNode status, String type, String value, String reason, String message,
            Instant now, boolean touch) {
        ArrayNode conds = status.withArrayProperty("conditions");
        ObjectNode existing = null;
        for (JsonNode c : conds) {
            if (type.equals(c.path("type").asText())) {
                existing = (ObjectNode) c;
            }
        }
        if (existing != null && value.equals(existing.path("status").asText())
                && reason.equals(existing.path("reason").asText()) && message.equals(existing.path("message").asText())
                && (!touch || now.toString().equals(existing.path("lastUpdateTime").asText()))) {
            return;
        }
        String ts = now.toString();
        ObjectNode c = JSON.objectNode();
        c.put("type", type);
        c.put("status", value);
        c.put("lastUpdateTime", ts);
        c.put("lastTransitionTime", existing != null && value.equals(existing.path("status").asText())
                ? existing.path("lastTransitionTime").asText(ts) : ts);
        c.put("reason", reason);
        c.put("message", message);
        if (existing != null) {
            for (int i = 0; i < conds.size(); i++) {
                if (conds.get(i) == existing) {
                    conds.set(i, c);
                }
            }
        } else {
            conds.add(c);
        }
    }
}
