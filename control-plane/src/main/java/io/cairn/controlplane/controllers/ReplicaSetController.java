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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ReplicaSet controller: keeps {@code spec.replicas} pods that match the selector and are controlled by the
 * ReplicaSet (adopting orphans, releasing pods that stopped matching), and writes the status through the status
 * subresource. Creations and deletions it issued are remembered ({@link WorkloadExpectations}) until the pod
 * informer shows them, so a lagging cache never makes it create or delete twice.
 */
public final class ReplicaSetController implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);
    static final int BURST = 500;

    private final ApiClient client;
    private final Informer replicaSets;
    private final Informer pods;
    private final WorkloadExpectations expectations = new WorkloadExpectations();
    private Controller controller;

    public ReplicaSetController(ApiClient client, SharedInformerFactory informers) {
        this.client = client;
        this.replicaSets = informers.informerFor("apps/v1", "replicasets");
        this.pods = informers.informerFor("v1", "pods");
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        Controller c = Controller.of("replicaset", this::reconcile, workers);
        controller = c;
        c.watch(replicaSets);
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode pod) {
                JsonNode ref = controllerOf(pod);
                if (ref != null && "ReplicaSet".equals(ref.path("kind").asText())) {
                    String key = text(pod, "metadata", "namespace") + "/" + ref.path("name").asText();
                    expectations.creationObserved(key);
                    c.queue().add(key);
                } else if (ref == null) {
                    queueMatching(c, pod);
                }
            }

            @Override
            public void onUpdate(ObjectNode oldPod, ObjectNode pod) {
                JsonNode oldRef = controllerOf(oldPod);
                JsonNode ref = controllerOf(pod);
                if (deleting(pod)) {
                    expectations.deletionObserved(Store.keyOf(pod));
                }
                queueOwner(c, pod, ref);
                if (oldRef != null && !Objects.equals(oldRef.path("uid"), ref == null ? null : ref.path("uid"))) {
                    queueOwner(c, oldPod, oldRef);
                }
                if (ref == null) {
                    queueMatching(c, pod);
                    if (!Objects.equals(oldPod.path("metadata").path("labels"), pod.path("metadata").path("labels"))) {
                        queueMatching(c, oldPod);
                    }
                }
            }

            @Override
            public void onDelete(ObjectNode pod) {
                expectations.deletionObserved(Store.keyOf(pod));
                queueOwner(c, pod, controllerOf(pod));
            }
        });
        c.start();
    }

    private static void queueOwner(Controller controller, JsonNode pod, JsonNode ref) {
        if (ref != null && "ReplicaSet".equals(ref.path("kind").asText())) {
            controller.queue().add(text(pod, "metadata", "namespace") + "/" + ref.path("name").asText());
        }
    }

    private void queueMatching(Controller controller, JsonNode pod) {
        String ns = text(pod, "metadata", "namespace");
        for (ObjectNode rs : replicaSets.store().byIndex(Store.NAMESPACE_INDEX, ns)) {
            if (workloadSelects(rs.path("spec").path("selector"), pod.path("metadata").path("labels"))) {
                controller.queue().add(Store.keyOf(rs));
            }
        }
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
            controller = null;
        }
    }

    /** One pass over the ReplicaSet at {@code key}. */
    Result reconcile(String key) {
        ObjectNode rs = replicaSets.store().get(key);
        if (rs == null) {
            expectations.forget(key);
            return Result.done();
        }
        String ns = Store.namespaceOf(key);
        JsonNode selector = rs.path("spec").path("selector");
        String rsUid = uid(rs);
        boolean retry = false;
        List<ObjectNode> owned = new ArrayList<>();
        ApiClient.ResourceClient podApi = client.resource("v1", "pods").namespace(ns);
        for (ObjectNode pod : pods.store().byIndex(Store.NAMESPACE_INDEX, ns)) {
            JsonNode ref = controllerOf(pod);
            boolean match = workloadSelects(selector, pod.path("metadata").path("labels"));
            if (ref != null && rsUid.equals(ref.path("uid").asText())) {
                if (match || deleting(pod)) {
                    owned.add(pod);
                } else {
                    retry |= !setOwner(podApi, pod, rs, false);
                }
            } else if (ref == null && match && !deleting(pod) && !deleting(rs) && !podTerminal(pod)) {
                if (setOwner(podApi, pod, rs, true)) {
                    owned.add(pod);
                } else {
                    retry = true;
                }
            }
        }
        List<ObjectNode> active = owned.stream().filter(p -> !deleting(p) && !podTerminal(p)).toList();
        if (!deleting(rs) && expectations.satisfied(key)) {
            int want = intAt(rs, 1, "spec", "replicas");
            int diff = active.size() - want;
            if (diff < 0) {
                retry |= !createPods(key, rs, podApi, Math.min(-diff, BURST));
            } else if (diff > 0) {
                List<ObjectNode> victims = new ArrayList<>(active);
                victims.sort(DELETE_FIRST);
                victims = victims.subList(0, Math.min(diff, BURST));
                expectations.expectDeletions(key, victims.stream().map(Store::keyOf).toList());
                for (ObjectNode p : victims) {
                    try {
                        podApi.delete(name(p));
                    } catch (ApiException e) {
                        expectations.deletionObserved(Store.keyOf(p));
                        if (e.code() != 404) {
                            log.warn("replicaset {}: delete of pod {} failed: {}", key, name(p), e.getMessage());
                            retry = true;
                        }
                    }
                }
            }
        }
        Result status = writeStatus(rs, owned, active);
        if (retry || status.retry()) {
            return Result.requeue();
        }
        return status;
    }

    /** Unscheduled first, then not ready, then ready for less time, then the newest. */
    static final Comparator<ObjectNode> DELETE_FIRST = Comparator
            .comparing((ObjectNode p) -> text(p, "spec", "nodeName") != null)
            .thenComparing(p -> podReady(p))
            .thenComparing(p -> {
                Instant t = readySince(p);
                return t == null ? Instant.MAX : t;
            }, Comparator.reverseOrder())
            .thenComparing(CtrlUtil::created, Comparator.reverseOrder());

    private boolean createPods(String key, ObjectNode rs, ApiClient.ResourceClient podApi, int n) {
        expectations.expectCreations(key, n);
        boolean ok = true;
        for (int i = 0; i < n; i++) {
            ObjectNode pod = JSON.objectNode();
            pod.put("apiVersion", "v1");
            pod.put("kind", "Pod");
            JsonNode template = rs.path("spec").path("template");
            ObjectNode meta = template.path("metadata").isObject()
                    ? ((ObjectNode) template.get("metadata")).deepCopy() : JSON.objectNode();
            meta.remove("name");
            meta.remove("namespace");
            meta.put("generateName", name(rs) + "-");
            meta.putArray("ownerReferences").add(newControllerRef(rs, "apps/v1", "ReplicaSet"));
            pod.set("metadata", meta);
            pod.set("spec", template.path("spec").deepCopy());
            try {
                podApi.create(pod);
            } catch (ApiException e) {
                log.warn("replicaset {}: create of a pod failed: {}", key, e.getMessage());
                // none of the rest are created either: the expectations drop them
                expectations.lowerCreations(key, n - i);
                ok = false;
                break;
            }
        }
        return ok;
    }

    /** Adopts ({@code own}) or releases a pod, guarded on its resourceVersion; false on a conflict. */
    private boolean setOwner(ApiClient.ResourceClient podApi, ObjectNode pod, ObjectNode rs, boolean own) {
        ObjectNode copy = pod.deepCopy();
        ObjectNode meta = (ObjectNode) copy.get("metadata");
        ArrayNode refs = JSON.arrayNode();
        for (JsonNode r : meta.path("ownerReferences")) {
            if (!uid(rs).equals(r.path("uid").asText())) {
                refs.add(r);
            }
        }
        if (own) {
            refs.add(newControllerRef(rs, "apps/v1", "ReplicaSet"));
        }
        if (refs.isEmpty()) {
            meta.remove("ownerReferences");
        } else {
            meta.set("ownerReferences", refs);
        }
        try {
            podApi.update(copy);
            return true;
        } catch (ApiException e) {
            if (e.code() == 404) {
                return true;
            }
            log.debug("replicaset {}: {} of pod {} failed: {}", name(rs), own ? "adoption" : "release", name(pod),
                    e.getMessage());
            return false;
        }
    }

    private Result writeStatus(ObjectNode rs, List<ObjectNode> owned, List<ObjectNode> active) {
        int minReady = intAt(rs, 0, "spec", "minReadySeconds");
        Instant now = Instant.now();
        JsonNode templateLabels = rs.path("spec").path("template").path("metadata").path("labels");
        int fully = 0;
        int ready = 0;
        int available = 0;
        Instant nextAvailable = null;
        for (ObjectNode p : active) {
            boolean all = true;
            var it = templateLabels.fields();
            while (it.hasNext()) {
                var e = it.next();
                if (!e.getValue().asText().equals(text(p, "metadata", "labels", e.getKey()))) {
                    all = false;
                }
            }
            if (all) {
                fully++;
            }
            if (podReady(p)) {
                ready++;
                if (podAvailable(p, minReady, now)) {
                    available++;
                } else {
                    Instant since = readySince(p);
                    Instant at = since == null ? now.plusSeconds(minReady) : since.plusSeconds(minReady);
                    nextAvailable = nextAvailable == null || at.isBefore(nextAvailable) ? at : nextAvailable;
                }
            }
        }
        ObjectNode status = rs.path("status").isObject() ? ((ObjectNode) rs.get("status")).deepCopy() : JSON.objectNode();
        status.put("replicas", active.size());
        status.put("fullyLabeledReplicas", fully);
        status.put("readyReplicas", ready);
        status.put("availableReplicas", available);
        status.put("observedGeneration", rs.path("metadata").path("generation").asLong(0));
        Result after = nextAvailable == null ? Result.done()
                : Result.requeueAfter(Duration.between(now, nextAvailable).plusMillis(50).abs());
        if (status.equals(rs.path("status"))) {
            return after;
        }
        ObjectNode copy = rs.deepCopy();
        copy.set("status", status);
        try {
            client.resource("apps/v1", "replicasets").namespace(text(rs, "metadata", "namespace")).updateStatus(copy);
        } catch (ApiException e) {
            if (e.code() == 404) {
                return Result.done();
            }
            if (isConflict(e)) {
                return Result.requeue();
            }
            throw e;
        }
        return after;
    }
}
