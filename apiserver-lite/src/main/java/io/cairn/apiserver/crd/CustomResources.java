package io.cairn.apiserver.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Options.DeleteOptions;
import io.cairn.apiserver.registry.Options.ListOptions;
import io.cairn.apiserver.registry.Options.WriteOptions;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.WatchCache;
import io.cairn.apiserver.registry.WatchEvent;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves the custom resources of the stored CustomResourceDefinitions, inside the API server (kube-apiserver's
 * apiextensions controllers, in one): for each definition it registers a {@link ResourceType} per served version in
 * the catalog (discovery, CRUD, watch caches), checks its names against the other definitions of its group, and writes
 * the {@code NamesAccepted} and {@code Established} conditions, {@code acceptedNames} and {@code storedVersions}. A
 * definition being deleted stops taking new objects, has every object of its resource deleted, and loses its cleanup
 * finalizer once none is left; then the resource is no longer served.
 *
 * <p>Definitions are reconciled one at a time on one thread, from a watch on the definitions' cache; the stored
 * definitions are all served before {@link #start} returns, so a restarted server serves their resources from its first
 * request.
 */
public final class CustomResources implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CustomResources.class);
    private static final long RETRY_MILLIS = 500;
    private static final Pattern KUBE_VERSION = Pattern.compile("v(\\d+)(?:(alpha|beta)(\\d+))?");

    private final Registry registry;
    private final ResourceType crds;
    private final Clock clock;
    private final ScheduledExecutorService worker;
    /** Definition names queued for reconciling (at most one entry per definition). */
    private final Set<String> pending = new LinkedHashSet<>();
    /** What each definition serves now, by definition name (touched only on the worker thread). */
    private final Map<String, List<ResourceType>> served = new HashMap<>();
    /** The parts of each definition its served types were built from, to rebuild them only when these change. */
    private final Map<String, JsonNode> servedFrom = new HashMap<>();
    private volatile WatchCache.Watcher watcher;
    private volatile boolean closed;

    public CustomResources(Registry registry, ResourceType crds, Clock clock) {
        this.registry = registry;
        this.crds = crds;
        this.clock = clock;
        this.worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-api-crds");
            t.setDaemon(true);
            return t;
        });
    }

    /** Serves every stored definition, then follows changes. */
    public void start() throws InterruptedException {
        try {
            worker.submit(this::watchAndResync).get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("serving the stored custom resource definitions failed", e.getCause());
        }
    }

    private void watchAndResync() {
        if (closed) {
            return;
        }
        watcher = registry.watch(crds, null, ListOptions.all(), new WatchCache.Sink() {
            @Override
            public boolean offer(WatchEvent e) {
                String name = Objects2.name(e.object());
                if (!name.isEmpty()) {
                    enqueue(name, 0);
                }
                return true;
            }

            @Override
            public void end(String why) {
                if (!closed) {
                    worker.schedule(CustomResources.this::watchAndResync, RETRY_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        });
        Set<String> names = new HashSet<>(served.keySet());
        for (JsonNode crd : registry.list(crds, null, ListOptions.all()).path("items")) {
            names.add(Objects2.name((ObjectNode) crd));
        }
        names.forEach(this::reconcileOrRetry);
    }

    private void enqueue(String name, long delayMillis) {
        synchronized (pending) {
            if (closed || !pending.add(name)) {
                return;
            }
        }
        worker.schedule(() -> {
            synchronized (pending) {
                pending.remove(name);
            }
            reconcileOrRetry(name);
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    private void reconcileOrRetry(String name) {
        try {
            if (!reconcile(name)) {
                enqueue(name, RETRY_MILLIS);
            }
        } catch (RuntimeException e) {
            if (closed) {
                return;
            }
            log.debug("reconciling custom resource definition {} failed (retried): {}", name, e.toString());
            enqueue(name, RETRY_MILLIS);
        }
    }

    /** Brings what is served for the definition in line with it; false when it must be looked at again later. */
    private boolean reconcile(String name) {
        Optional<ObjectNode> found = registry.find(crds, null, name);
        if (found.isEmpty()) {
            unserve(name);
            return true;
        }
        ObjectNode crd = found.get();
        boolean terminating = !Objects2.text(crd, "metadata", "deletionTimestamp").isEmpty();
        String conflict = conflict(crd);
        if (conflict == null) {
            serve(crd, terminating);
        } else if (!terminating) {
            unserve(name);
        }
        if (!writeStatus(crd, conflict, terminating)) {
            return false;
        }
        return !terminating || cleanUp(crd);
    }

    /** Why the definition's names cannot be accepted (another definition of its group has its kind), or null. */
    private String conflict(ObjectNode crd) {
        String group = Objects2.text(crd, "spec", "group");
        String kind = Objects2.text(crd, "spec", "names", "kind");
        String plural = Objects2.text(crd, "spec", "names", "plural");
        for (Map.Entry<String, List<ResourceType>> e : served.entrySet()) {
            if (e.getKey().equals(Objects2.name(crd)) || e.getValue().isEmpty()) {
                continue;
            }
            ResourceType other = e.getValue().get(0);
            if (other.group().equals(group) && other.kind().equals(kind)) {
                return "\"" + kind + "\" is already in use";
            }
        }
        for (ResourceType t : registry.catalog().all()) {
            if (t.group().equals(group) && t.resource().equals(plural) && t.storagePrefix() == null) {
                return "\"" + plural + "\" is already in use";
            }
        }
        return null;
    }

    private void serve(ObjectNode crd, boolean terminating) {
        String name = Objects2.name(crd);
        JsonNode spec = crd.get("spec");
        String group = spec.path("group").asText();
        String plural = Objects2.text(spec, "names", "plural");
        String storage = CrdStrategy.storageVersion(crd);
        List<JsonNode> versions = new ArrayList<>(Objects2.list(spec, "versions"));
        versions.removeIf(v -> !v.path("served").asBoolean());
        versions.sort(Comparator.comparing(v -> v.path("name").asText(), CustomResources::compareVersions));
        List<ResourceType> types = new ArrayList<>();
        for (JsonNode v : versions) {
            Set<String> subresources = new HashSet<>();
            if (Objects2.at(v, "subresources", "status") != null) {
                subresources.add("status");
            }
            if (Objects2.at(v, "subresources", "scale") != null) {
                subresources.add("scale");
            }
            JsonNode names = spec.get("names");
            types.add(new ResourceType(group, v.path("name").asText(), plural, Objects2.text(names, "singular"),
                    Objects2.text(names, "kind"), "Namespaced".equals(spec.path("scope").asText()),
                    Objects2.strings(names, "shortNames"), Objects2.strings(names, "categories"), Set.copyOf(subresources),
                    new CustomResourceStrategy(group, plural, v, storage, terminating),
                    "/registry/" + group + "/" + plural + "/"));
        }
        List<ResourceType> before = served.getOrDefault(name, List.of());
        JsonNode from = servingKey(crd, terminating);
        if (!before.isEmpty() && from.equals(servedFrom.get(name))) {
            return;
        }
        for (ResourceType t : types) {
            registry.catalog().put(t).ifPresent(old -> {
                if (!old.equals(t)) {
                    registry.dropCache(old);
                }
            });
            registry.cache(t);
        }
        for (ResourceType old : before) {
            if (types.stream().noneMatch(t -> t.version().equals(old.version()))) {
                registry.catalog().remove(old);
                registry.dropCache(old);
            }
        }
        served.put(name, types);
        servedFrom.put(name, from);
        log.info("serving {} versions {}", name, types.stream().map(ResourceType::version).toList());
    }

    private static JsonNode servingKey(ObjectNode crd, boolean terminating) {
        ObjectNode key = JsonNodeFactory.instance.objectNode();
        key.set("spec", crd.get("spec"));
        key.put("terminating", terminating);
        return key;
    }

    private void unserve(String name) {
        List<ResourceType> types = served.remove(name);
        servedFrom.remove(name);
        if (types == null) {
            return;
        }
        for (ResourceType t : types) {
            registry.catalog().remove(t);
            registry.dropCache(t);
        }
        log.info("no longer serving {}", name);
        // a definition whose names conflicted with this one may be served now
        for (JsonNode crd : registry.list(crds, null, ListOptions.all()).path("items")) {
            enqueue(Objects2.name((ObjectNode) crd), 0);
        }
    }

    /** Writes the conditions, accepted names and stored versions the definition should show; false on a lost race. */
    private boolean writeStatus(ObjectNode crd, String conflict, boolean terminating) {
        ObjectNode status = crd.has("status") && crd.get("status").isObject() ? crd.get("status").deepCopy()
                : JsonNodeFactory.instance.objectNode();
        JsonNode names = Objects2.at(crd, "spec", "names");
        if (conflict == null) {
            status.set("acceptedNames", names.deepCopy());
        } else if (!status.has("acceptedNames")) {
            status.putObject("acceptedNames").put("plural", "").put("kind", "");
        }
        List<String> stored = new ArrayList<>(Objects2.strings(status, "storedVersions"));
        String storage = CrdStrategy.storageVersion(crd);
        if (storage != null && !stored.contains(storage)) {
            stored.add(storage);
        }
        Objects2.array(status, "storedVersions", stored);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        ArrayNode conditions = status.has("conditions") && status.get("conditions").isArray()
                ? (ArrayNode) status.get("conditions") : status.putArray("conditions");
        if (conflict == null) {
            condition(conditions, "NamesAccepted", "True", "NoConflicts", "no conflicts found", now);
            condition(conditions, "Established", "True", "InitialNamesAccepted", "the initial names have been accepted",
                    now);
        } else {
            condition(conditions, "NamesAccepted", "False", "KindConflict", conflict, now);
            condition(conditions, "Established", "False", "NotAccepted", "not all names are accepted", now);
        }
        if (terminating) {
            condition(conditions, "Terminating", "True", "InstanceDeletionInProgress",
                    "CustomResource deletion is in progress", now);
        }
        if (status.equals(crd.get("status"))) {
            return true;
        }
        ObjectNode next = crd.deepCopy();
        next.set("status", status);
        try {
            registry.update(crds, null, Objects2.name(crd), "status", next, WriteOptions.DEFAULT);
            return true;
        } catch (ApiException e) {
            if (e.code() == 409 || e.code() == 404) {
                return false;
            }
            throw e;
        }
    }

    /** Sets a condition, keeping its lastTransitionTime when its status is unchanged. */
    private static void condition(ArrayNode conditions, String type, String status, String reason, String message,
                                  Instant now) {
        for (JsonNode c : conditions) {
            if (type.equals(c.path("type").asText())) {
                ObjectNode o = (ObjectNode) c;
                if (!status.equals(o.path("status").asText())) {
                    o.put("lastTransitionTime", now.toString());
                }
                o.put("status", status);
                o.put("reason", reason);
                o.put("message", message);
                return;
            }
        }
        ObjectNode c = conditions.addObject();
        c.put("type", type);
        c.put("status", status);
        c.put("lastTransitionTime", now.toString());
        c.put("reason", reason);
        c.put("message", message);
    }

    /**
     * Deletes the objects of a definition being deleted; once none is left (objects with finalizers wait for theirs),
     * removes the cleanup finalizer. False while objects remain.
     */
    private boolean cleanUp(ObjectNode crd) {
        if (!Objects2.strings(crd, "metadata", "finalizers").contains(CrdStrategy.CLEANUP_FINALIZER)) {
            return true;
        }
        List<ResourceType> types = served.getOrDefault(Objects2.name(crd), List.of());
        if (!types.isEmpty()) {
            ResourceType t = types.get(0);
            JsonNode items = registry.list(t, null, ListOptions.all()).path("items");
            if (!items.isEmpty()) {
                for (JsonNode item : items) {
                    ObjectNode o = (ObjectNode) item;
                    if (!Objects2.text(o, "metadata", "deletionTimestamp").isEmpty()) {
                        continue;
                    }
                    try {
                        registry.delete(t, t.namespaced() ? Objects2.namespace(o) : null, Objects2.name(o),
                                DeleteOptions.DEFAULT);
                    } catch (ApiException e) {
                        if (e.code() != 404 && e.code() != 409) {
                            throw e;
                        }
                    }
                }
                return registry.list(t, null, ListOptions.all()).path("items").isEmpty() && removeFinalizer(crd);
            }
        }
        return removeFinalizer(crd);
    }

    private boolean removeFinalizer(ObjectNode crd) {
        ObjectNode next = crd.deepCopy();
        List<String> finalizers = new ArrayList<>(Objects2.strings(crd, "metadata", "finalizers"));
        finalizers.remove(CrdStrategy.CLEANUP_FINALIZER);
        Objects2.array(Objects2.objectAt(next, "metadata"), "finalizers", finalizers);
        try {
            registry.update(crds, null, Objects2.name(crd), null, next, WriteOptions.DEFAULT);
            return true;
        } catch (ApiException e) {
            if (e.code() == 404) {
                return true;
            }
            if (e.code() == 409) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Kubernetes' version priority: GA before beta before alpha, higher numbers first ({@code v2}, {@code v1},
     * {@code v1beta2}, {@code v1beta1}, {@code v1alpha1}), then other names alphabetically.
     */
    static int compareVersions(String a, String b) {
        Matcher ma = KUBE_VERSION.matcher(a);
        Matcher mb = KUBE_VERSION.matcher(b);
        boolean ka = ma.matches();
        boolean kb = mb.matches();
        if (ka != kb) {
            return ka ? -1 : 1;
        }
        if (!ka) {
            return a.compareTo(b);
        }
        int stability = Integer.compare(stability(mb.group(2)), stability(ma.group(2)));
        if (stability != 0) {
            return stability;
        }
        int major = Long.compare(Long.parseLong(mb.group(1)), Long.parseLong(ma.group(1)));
        if (major != 0) {
            return major;
        }
        return ma.group(3) == null ? 0 : Long.compare(Long.parseLong(mb.group(3)), Long.parseLong(ma.group(3)));
    }

    private static int stability(String level) {
        return level == null ? 2 : level.equals("beta") ? 1 : 0;
    }

    @Override
    public void close() {
        closed = true;
        WatchCache.Watcher w = watcher;
        if (w != null) {
            w.close();
        }
        worker.shutdownNow();
    }
}
