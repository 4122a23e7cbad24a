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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The garbage collector over a set of watched resources (by default pods, replicasets, deployments, jobs, services,
 * endpoints, endpointslices, configmaps and secrets):
 * <ul>
 *   <li>an object whose {@code ownerReferences} all name owners that no longer exist (by uid) is deleted with
 *       propagation Background; references to missing owners next to live ones are removed;</li>
 *   <li>an owner being deleted with the {@code foregroundDeletion} finalizer has its dependents deleted (Foreground,
 *       so chains are emptied from the leaves), and loses the finalizer once none that blocks owner deletion is
 *       left;</li>
 *   <li>an owner being deleted with the {@code orphan} finalizer has its reference removed from every dependent, then
 *       loses the finalizer.</li>
 * </ul>
 * Owners of kinds it does not watch are looked up through the API (their resource found by discovery), and their
 * dependents are looked at again every few rechecks, since such an owner's deletion sends no event here. Keys are
 * {@code apiVersion|plural|namespace/name}.
 */
public final class GarbageCollector implements AutoCloseable {
    public static final List<String> DEFAULT_RESOURCES = List.of("v1/pods", "apps/v1/replicasets",
            "apps/v1/deployments", "batch/v1/jobs", "v1/services", "v1/endpoints",
            "discovery.k8s.io/v1/endpointslices", "v1/configmaps", "v1/secrets");
    static final String FOREGROUND = "foregroundDeletion";
    static final String ORPHAN = "orphan";
    /** A dependent of an owner of an unwatched resource is looked at again every this many {@code recheck}s. */
    static final int UNWATCHED_RECHECKS = 5;

    /** A resource: apiVersion, plural, namespaced. */
    record Res(String apiVersion, String plural, boolean namespaced) {
    }

    private final ApiClient client;
    /** "apiVersion|plural" → informer. */
    private final Map<String, Informer> watched = new LinkedHashMap<>();
    /** "group|Kind" → resource, from discovery. */
    private final Map<String, Res> kinds = new ConcurrentHashMap<>();
    private final Duration recheck;
    private Controller controller;

    public GarbageCollector(ApiClient client, SharedInformerFactory informers) {
        this(client, informers, DEFAULT_RESOURCES, Duration.ofSeconds(1));
    }

    /** @param resources {@code apiVersion/plural} of each resource to collect ({@code "apps/v1/replicasets"}) */
    public GarbageCollector(ApiClient client, SharedInformerFactory informers, List<String> resources,
                            Duration recheck) {
        this.client = client;
        this.recheck = recheck;
        for (String r : resources) {
            int slash = r.lastIndexOf('/');
            String apiVersion = r.substring(0, slash);
            String plural = r.substring(slash + 1);
            watched.put(apiVersion + "|" + plural, informers.informerFor(apiVersion, plural));
        }
    }

    /**
     * A collector over every resource the API's discovery documents list with list, watch and delete (the preferred
     * version of each group); resources added to the API later are not watched.
     */
    public static GarbageCollector discovering(ApiClient client, SharedInformerFactory informers, Duration recheck) {
        List<String> groupVersions = new ArrayList<>();
        groupVersions.add("v1");
        for (JsonNode g : client.raw("/apis").path("groups")) {
            String preferred = g.path("preferredVersion").path("groupVersion").asText("");
            if (!preferred.isEmpty()) {
                groupVersions.add(preferred);
            }
        }
        List<String> resources = new ArrayList<>();
        for (String gv : groupVersions) {
            for (JsonNode r : client.raw(gv.equals("v1") ? "/api/v1" : "/apis/" + gv).path("resources")) {
                String plural = r.path("name").asText();
                List<String> verbs = new ArrayList<>();
                r.path("verbs").forEach(v -> verbs.add(v.asText()));
                if (!plural.contains("/") && verbs.containsAll(List.of("list", "watch", "delete"))) {
                    resources.add(gv + "/" + plural);
                }
            }
        }
        return new GarbageCollector(client, informers, resources, recheck);
    }

    /** The resources it watches, as {@code apiVersion/plural}. */
    public List<String> resources() {
        List<String> out = new ArrayList<>();
        watched.keySet().forEach(k -> out.add(k.replace('|', '/')));
        return out;
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        controller = Controller.of("garbage-collector", this::reconcile, workers);
        watched.forEach((res, informer) -> informer.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode obj) {
                controller.queue().add(res + "|" + Store.keyOf(obj));
            }

            @Override
            public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                controller.queue().add(res + "|" + Store.keyOf(newObj));
                if (!oldObj.path("metadata").path("ownerReferences").equals(newObj.path("metadata").path("ownerReferences"))) {
                    enqueueOwners(oldObj);
                }
            }

            @Override
            public void onDelete(ObjectNode obj) {
                enqueueOwners(obj);
                enqueueDependents(uid(obj));
            }
        }));
        controller.start();
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
        }
    }

    private void enqueueDependents(String ownerUid) {
        watched.forEach((res, informer) -> {
            for (ObjectNode d : informer.store().byIndex(Store.OWNER_UID_INDEX, ownerUid)) {
                controller.queue().add(res + "|" + Store.keyOf(d));
            }
        });
    }

    private void enqueueOwners(ObjectNode obj) {
        for (JsonNode ref : obj.path("metadata").path("ownerReferences")) {
            Res r = resolve(ref.path("apiVersion").asText(), ref.path("kind").asText());
            if (r != null && watched.containsKey(r.apiVersion() + "|" + r.plural())) {
                String ns = r.namespaced() ? namespace(obj) : "";
                controller.queue().add(r.apiVersion() + "|" + r.plural() + "|"
                        + (ns.isEmpty() ? "" : ns + "/") + ref.path("name").asText());
            }
        }
    }

    /** The resource of {@code kind} in {@code apiVersion}'s group, from discovery (null if the API has none). */
    Res resolve(String apiVersion, String kind) {
        String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
        Res r = kinds.get(group + "|" + kind);
        if (r == null) {
            try {
                JsonNode list = client.raw(apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion);
                for (JsonNode res : list.path("resources")) {
                    String plural = res.path("name").asText();
                    if (!plural.contains("/")) {
                        kinds.putIfAbsent(group + "|" + res.path("kind").asText(),
                                new Res(apiVersion, plural, res.path("namespaced").asBoolean()));
                    }
                }
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
            r = kinds.get(group + "|" + kind);
        }
        return r;
    }

    /** Whether the owner {@code ref} of an object in {@code namespace} exists with its uid (cache, then the API). */
    private boolean ownerExists(JsonNode ref, String namespace) {
        Res r = resolve(ref.path("apiVersion").asText(), ref.path("kind").asText());
        if (r == null) {
            return true; // a kind the API does not serve (yet): never delete on a guess
        }
        String name = ref.path("name").asText();
        String uid = ref.path("uid").asText();
        String ns = r.namespaced() ? namespace : "";
        Informer informer = watched.get(r.apiVersion() + "|" + r.plural());
        if (informer != null) {
            ObjectNode cached = informer.store().get(ns, name);
            if (cached != null && uid.equals(uid(cached))) {
                return true;
            }
        }
        try { // the cache may be behind: ask the API before deleting anything
            ApiClient.ResourceClient rc = client.resource(r.apiVersion(), r.plural());
            ObjectNode live = (ns.isEmpty() ? rc : rc.namespace(ns)).get(name);
            return uid.equals(uid(live));
        } catch (ApiException e) {
            if (e.code() == 404) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Every object that names {@code owner} as an owner, read from the API (a list of each watched resource in the
     * owner's namespace), not from the caches: a dependent created a moment before the owner's deletion may not be
     * cached yet, and orphaning without it, or ending a foreground deletion before it, would leave it pointing at an
     * owner that is gone, to be collected as garbage.
     */
    private List<Map.Entry<String, ObjectNode>> dependents(ObjectNode owner) {
        String ownerUid = uid(owner);
        String ns = namespace(owner);
        List<Map.Entry<String, ObjectNode>> out = new ArrayList<>();
        for (String res : watched.keySet()) {
            String[] parts = res.split("\\|");
            ApiClient.ResourceClient rc = client.resource(parts[0], parts[1]);
            String token = "";
            do {
                Map<String, String> q = new java.util.HashMap<>(Map.of("limit", "500"));
                if (!token.isEmpty()) {
                    q.put("continue", token);
                }
                ObjectNode page;
                try {
                    page = (ns.isEmpty() ? rc : rc.namespace(ns)).list(q);
                } catch (ApiException e) {
                    if (e.code() == 404) {
                        break; // a cluster-scoped resource: it holds no dependents of a namespaced owner
                    }
                    throw e;
                }
                for (JsonNode d : page.path("items")) {
                    for (JsonNode ref : d.path("metadata").path("ownerReferences")) {
                        if (ownerUid.equals(ref.path("uid").asText())) {
                            out.add(Map.entry(res, (ObjectNode) d));
                            break;
                        }
                    }
                }
                token = page.path("metadata").path("continue").asText();
            } while (!token.isEmpty());
        }
        return out;
    }

    private ApiClient.ResourceClient clientFor(String res, JsonNode obj) {
        String[] parts = res.split("\\|");
        ApiClient.ResourceClient rc = client.resource(parts[0], parts[1]);
        String ns = namespace(obj);
        return ns.isEmpty() ? rc : rc.namespace(ns);
    }

    Result reconcile(String key) {
        String[] parts = key.split("\\|", 3);
        String res = parts[0] + "|" + parts[1];
        Informer informer = watched.get(res);
        ObjectNode obj = informer == null ? null : informer.store().get(parts[2]);
        if (obj == null) {
            return Result.done();
        }
        List<String> finalizers = new ArrayList<>();
        obj.path("metadata").path("finalizers").forEach(f -> finalizers.add(f.asText()));
        if (deleting(obj) && finalizers.contains(ORPHAN)) {
            return orphanDependents(res, obj);
        }
        if (deleting(obj) && finalizers.contains(FOREGROUND)) {
            return deleteDependentsFirst(res, obj);
        }
        return collectIfOrphaned(res, obj);
    }

    private Result orphanDependents(String res, ObjectNode owner) {
        String ownerUid = uid(owner);
        for (Map.Entry<String, ObjectNode> d : dependents(owner)) {
            ObjectNode copy = d.getValue().deepCopy();
            ArrayNode refs = (ArrayNode) copy.path("metadata").path("ownerReferences");
            for (int i = refs.size() - 1; i >= 0; i--) {
                if (ownerUid.equals(refs.get(i).path("uid").asText())) {
                    refs.remove(i);
                }
            }
            if (refs.isEmpty()) {
                ((ObjectNode) copy.get("metadata")).remove("ownerReferences");
            }
            try {
                clientFor(d.getKey(), copy).update(copy); // guarded on its resourceVersion: a 409 is retried
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        removeFinalizer(res, owner, ORPHAN);
        return Result.done();
    }

    private Result deleteDependentsFirst(String res, ObjectNode owner) {
        boolean blocking = false;
        for (Map.Entry<String, ObjectNode> d : dependents(owner)) {
            ObjectNode dep = d.getValue();
            boolean blocks = false;
            for (JsonNode ref : dep.path("metadata").path("ownerReferences")) {
                if (uid(owner).equals(ref.path("uid").asText()) && ref.path("blockOwnerDeletion").asBoolean(false)) {
                    blocks = true;
                }
            }
            blocking |= blocks;
            if (!deleting(dep)) {
                delete(d.getKey(), dep, blocks ? "Foreground" : "Background");
            }
        }
        if (blocking) {
            return Result.requeueAfter(recheck); // a dependent's deletion queues the owner too
        }
        removeFinalizer(res, owner, FOREGROUND);
        return Result.done();
    }

    private Result collectIfOrphaned(String res, ObjectNode obj) {
        JsonNode refs = obj.path("metadata").path("ownerReferences");
        if (refs.isEmpty() || deleting(obj)) {
            return Result.done();
        }
        List<String> missing = new ArrayList<>();
        for (JsonNode ref : refs) {
            if (!ownerExists(ref, namespace(obj))) {
                missing.add(ref.path("uid").asText());
            }
        }
        if (missing.isEmpty()) {
            // the deletion of an owner whose resource is not watched (a custom resource, say) sends no event here:
            // look again later
            return ownersWatched(refs) ? Result.done() : Result.requeueAfter(recheck.multipliedBy(UNWATCHED_RECHECKS));
        }
        if (missing.size() == refs.size()) {
            delete(res, obj, "Background");
            return Result.done();
        }
        ObjectNode copy = obj.deepCopy();
        ArrayNode left = (ArrayNode) copy.path("metadata").path("ownerReferences");
        for (int i = left.size() - 1; i >= 0; i--) {
            if (missing.contains(left.get(i).path("uid").asText())) {
                left.remove(i);
            }
        }
        clientFor(res, copy).update(copy);
        return Result.done();
    }

    private boolean ownersWatched(JsonNode refs) {
        for (JsonNode ref : refs) {
            Res r = resolve(ref.path("apiVersion").asText(), ref.path("kind").asText());
            if (r == null || !watched.containsKey(r.apiVersion() + "|" + r.plural())) {
                return false;
            }
        }
        return true;
    }

    private void delete(String res, ObjectNode obj, String propagation) {
        ObjectNode opts = obj();
        opts.put("kind", "DeleteOptions");
        opts.put("apiVersion", "v1");
        opts.put("propagationPolicy", propagation);
        opts.putObject("preconditions").put("uid", uid(obj));
        try {
            clientFor(res, obj).delete(name(obj), opts);
        } catch (ApiException e) {
            if (e.code() != 404 && e.code() != 409) { // gone, or another object by that name now
                throw e;
            }
        }
    }

    private void removeFinalizer(String res, ObjectNode obj, String finalizer) {
        ObjectNode copy = obj.deepCopy();
        ArrayNode f = (ArrayNode) copy.path("metadata").path("finalizers");
        for (int i = f.size() - 1; i >= 0; i--) {
            if (finalizer.equals(f.get(i).asText())) {
                f.remove(i);
            }
        }
        try {
            clientFor(res, copy).update(copy); // guarded on its resourceVersion: a 409 is retried
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
        }
    }
}
