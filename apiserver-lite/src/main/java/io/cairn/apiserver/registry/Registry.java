package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.registry.Options.DeleteOptions;
import io.cairn.apiserver.registry.Options.ListOptions;
import io.cairn.apiserver.registry.Options.PatchType;
import io.cairn.apiserver.registry.Options.WriteOptions;
import io.cairn.apiserver.storage.Storage;
import io.cairn.apiserver.storage.StorageException;
import io.cairn.apiserver.validation.Validators;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.UnaryOperator;

/**
 * The one storage path of every kind (kube-apiserver's generic {@code registry.Store}): keys
 * {@code /registry/<resource>/<namespace>/<name>}, JSON values, resourceVersion = the store's mod revision, creates
 * guarded on absence, updates on the read mod revision (409 when stale), no write for an update that changes nothing,
 * metadata the server owns (uid, creationTimestamp, generation, deletionTimestamp), status and scale subresources,
 * finalizers and graceful deletion, lists from the store (paged) or the watch cache, watches from the cache.
 * A kind contributes only its {@link Strategy}.
 *
 * <p>Calls block the calling thread on the store (with a timeout): run them off any event loop.
 */
public final class Registry implements AutoCloseable {
    /** How many times an update without a client precondition retries after losing a race. */
    private static final int UPDATE_ATTEMPTS = 16;
    private static final long STORE_TIMEOUT_SECONDS = 30;
    private static final String GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

    /** Applies a patch of one type to an object; the API server wires the patch library in. */
    public interface Patcher {
        ObjectNode apply(ResourceType type, ObjectNode current, PatchType patchType, JsonNode patch);
    }

    /** Extra writes that go with a create or a delete in the same transaction (a service's cluster IP claim). */
    public interface Allocator {
        /** Fills what {@code obj} needs and returns the keys to create with it (each must be absent). */
        Map<String, byte[]> allocate(ResourceType type, ObjectNode obj);

        /** The keys to delete with {@code obj}. */
        List<String> release(ResourceType type, ObjectNode obj);
    }

    /** Records field ownership ({@code metadata.managedFields}) and applies server-side apply configurations. */
    public interface FieldManager {
        /** Gives {@code manager} the fields {@code next} changes from {@code old} (null on create), in next's managedFields. */
        void recordUpdate(ResourceType type, ObjectNode old, ObjectNode next, String manager, String subresource,
                          Instant now);

        /**
         * The object after {@code manager} applies {@code config} to {@code live} (null: the object is created), with
         * its managedFields; 409 for fields other managers own unless {@code force}.
         */
        ObjectNode apply(ResourceType type, ObjectNode live, ObjectNode config, String manager, boolean force,
                         String subresource, Instant now);
    }

    /**
     * A check of a write before it is stored, with who asks (kube-apiserver's validating admission): throws to refuse.
     * {@code old} is null on create.
     */
    public interface Admission {
        void admit(ResourceType type, ObjectNode old, ObjectNode next, WriteOptions w);
    }

    private final Storage storage;
    private final FieldManager fields;
    private volatile Admission admission = (type, old, next, w) -> { };
    private final Catalog catalog;
    private final Clock clock;
    private final Patcher patcher;
    private final Allocator allocator;
    private final int windowCapacity;
    private final Map<ResourceType, WatchCache> caches = new ConcurrentHashMap<>();
    private final SecureRandom random = new SecureRandom();
    private final java.util.concurrent.atomic.AtomicInteger storeWatches = new java.util.concurrent.atomic.AtomicInteger();

    public Registry(Storage storage, Catalog catalog, Clock clock, Patcher patcher, FieldManager fields,
                    Allocator allocator, int windowCapacity) {
        this.storage = storage;
        this.fields = fields;
        this.catalog = catalog;
        this.clock = clock;
        this.patcher = patcher;
        this.allocator = allocator;
        this.windowCapacity = windowCapacity;
    }

    public Catalog catalog() {
        return catalog;
    }

    /** Sets the admission check every create and update goes through. */
    public void admission(Admission a) {
        this.admission = a;
    }

    public Storage storage() {
        return storage;
    }

    /** How many store watches the watch caches hold open (one per resource in use). */
    public int storeWatches() {
        int n = 0;
        for (WatchCache c : caches.values()) {
            n += c.watching() ? 1 : 0;
        }
        return n;
    }

    /** The resource's watch cache, started on first use. */
    public WatchCache cache(ResourceType type) {
        WatchCache c = caches.get(type);
        if (c != null) {
            return c;
        }
        synchronized (caches) {
            c = caches.get(type);
            if (c == null) {
                WatchCache created = new WatchCache(type, storage, windowCapacity, storeWatches::incrementAndGet);
                try {
                    created.start();
                } catch (StorageException e) {
                    throw storageError(e);
                }
                caches.put(type, created);
                c = created;
            }
            return c;
        }
    }

    /** Stops the resource's watch cache, ending its watchers (a custom resource no longer served in this form). */
    public void dropCache(ResourceType type) {
        WatchCache c;
        synchronized (caches) {
            c = caches.remove(type);
        }
        if (c != null) {
            c.close();
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Reads

    public static String key(ResourceType type, String namespace, String name) {
        return type.namespaced() ? type.keyPrefix() + namespace + "/" + name : type.keyPrefix() + name;
    }

    /** The object now (a linearizable read), or 404. */
    public ObjectNode get(ResourceType type, String namespace, String name) {
        return find(type, namespace, name).orElseThrow(() -> ApiException.notFound(type.resource(), type.group(), name));
    }

    public Optional<ObjectNode> find(ResourceType type, String namespace, String name) {
        return join(storage.get(key(type, namespace, name))).map(WatchCache::decode);
    }

    /**
     * A list ({@code <Kind>List}): from the watch cache at resourceVersion "0" (all of it, paging ignored, as
     * kube-apiserver does), else from the store at the latest revision, an exact one or a continue token's, paged
     * by {@code limit}.
     */
    public ObjectNode list(ResourceType type, String namespace, ListOptions o) {
        Filter filter = filter(type, namespace, o);
        String prefix = namespace == null || namespace.isEmpty() || !type.namespaced() ? type.keyPrefix()
                : type.keyPrefix() + namespace + "/";
        ObjectNode list = JsonNodeFactory.instance.objectNode();
        list.put("kind", type.kind() + "List");
        list.put("apiVersion", type.apiVersion());
        ObjectNode meta = list.putObject("metadata");
        ArrayNode items = JsonNodeFactory.instance.arrayNode();
        if (!o.resourceVersion().isEmpty() && !"0".equals(o.resourceVersion())) {
            awaitRevision(type, parseRv(o.resourceVersion()));
        }
        boolean fromCache = o.continueToken().isEmpty() && cache(type).ready()
                && ("0".equals(o.resourceVersion()) || (!o.resourceVersion().isEmpty()
                && "NotOlderThan".equals(o.resourceVersionMatch()) && cache(type).revision() >= parseRv(o.resourceVersion())));
        if (fromCache) {
            WatchCache.Snapshot snap = cache(type).list(obj -> (namespace == null || namespace.isEmpty()
                    || !type.namespaced() || namespace.equals(Objects2.namespace(obj))) && filter.test(obj));
            snap.objects().forEach(items::add);
            meta.put("resourceVersion", Long.toString(snap.revision()));
            list.set("items", items);
            return list;
        }
        long revision = 0;
        String start = null;
        if (!o.continueToken().isEmpty()) {
            Continue c = Continue.decode(o.continueToken());
            revision = c.revision;
            start = prefix + c.start;
            if (!start.startsWith(prefix)) {
                throw ApiException.badRequest("continue key is not valid: the token does not belong to this list");
            }
            if (revision <= storage.compactedRevision()) {
                throw ApiException.expired("The provided continue parameter is too old to display a consistent list "
                        + "result. You can start a new list without the continue parameter, or use the continue token in "
                        + "this response to retrieve the remainder of the results. Continuing with the provided token "
                        + "results in an inconsistent list - objects that were created, modified, or deleted between the "
                        + "time the first chunk was returned and now may show up in the list.");
            }
        } else if (!o.resourceVersion().isEmpty() && !"0".equals(o.resourceVersion())) {
            long rv = parseRv(o.resourceVersion());
            if ("Exact".equals(o.resourceVersionMatch())) {
                revision = rv;
            }
        }
        long limit = o.limit();
        String lastKey = null;
        boolean more = false;
        long remaining = 0;
        boolean selective = !o.labels().isEmpty() || !o.fields().isEmpty();
        int count = 0;
        while (true) {
            int pageSize = limit > 0 ? (int) Math.min(Math.max(limit - count, selective ? 100 : 1), 10_000) : 0;
            Storage.Page page;
            try {
                page = join(storage.list(prefix, start, revision, pageSize));
            } catch (ApiException e) {
                if (e.code() == 410) {
                    throw ApiException.expired("too old resource version: " + revision + " ("
                            + storage.compactedRevision() + ")");
                }
                throw e;
            }
            revision = page.revision();
            boolean stopped = false;
            for (Iterator<Storage.Item> it = page.items().iterator(); it.hasNext(); ) {
                Storage.Item item = it.next();
                lastKey = item.key();
                ObjectNode obj = WatchCache.decode(item);
                if (filter.test(obj)) {
                    items.add(obj);
                    count++;
                }
                if (limit > 0 && count >= limit) {
                    more = it.hasNext() || page.more();
                    remaining = page.remaining() + countRest(it);
                    stopped = true;
                    break;
                }
            }
            if (stopped || !page.more() || page.items().isEmpty()) {
                break;
            }
            start = lastKey + "\0";
        }
        meta.put("resourceVersion", Long.toString(revision));
        if (more) {
            meta.put("continue", new Continue(revision, lastKey.substring(prefix.length()) + "\0").encode());
            if (!selective) {
                meta.put("remainingItemCount", remaining);
            }
        }
        list.set("items", items);
        return list;
    }

    private static long countRest(Iterator<Storage.Item> it) {
        long n = 0;
        while (it.hasNext()) {
            it.next();
            n++;
        }
        return n;
    }

    /** Registers a watcher on the resource's cache (see {@link WatchCache#watch}). */
    public WatchCache.Watcher watch(ResourceType type, String namespace, ListOptions o, WatchCache.Sink sink) {
        Filter filter = filter(type, namespace, o);
        boolean fromNow = o.resourceVersion().isEmpty() || "0".equals(o.resourceVersion());
        long rv = fromNow ? 0 : parseRv(o.resourceVersion());
        if (!fromNow) {
            awaitRevision(type, rv);
        }
        return cache(type).watch(rv, fromNow, obj -> (namespace == null || namespace.isEmpty() || !type.namespaced()
                || namespace.equals(Objects2.namespace(obj))) && filter.test(obj), sink);
    }

    /**
     * A resourceVersion the store has not reached is waited for a little (a client may have it from another API
     * server), then answered 504 "Too large resource version", as kube-apiserver does.
     */
    private void awaitRevision(ResourceType type, long rv) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (storage.currentRevision() < rv) {
            if (System.nanoTime() > deadline) {
                ObjectNode details = JsonNodeFactory.instance.objectNode();
                ObjectNode cause = details.putArray("causes").addObject();
                cause.put("reason", "ResourceVersionTooLarge");
                cause.put("message", "Too large resource version");
                details.put("retryAfterSeconds", 1);
                throw new ApiException(504, "Timeout", "Too large resource version: " + rv + ", current: "
                        + storage.currentRevision(), details);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw ApiException.serviceUnavailable("the server is shutting down");
            }
        }
    }

    /** Label and field selectors as one predicate; an unsupported field is a 400 before anything is read. */
    private interface Filter extends java.util.function.Predicate<ObjectNode> {
    }

    private Filter filter(ResourceType type, String namespace, ListOptions o) {
        for (FieldSelector.Term t : o.fields().terms()) {
            if (!t.field().equals("metadata.name") && !t.field().equals("metadata.namespace")
                    && !type.strategy().selectableFields().contains(t.field())) {
                throw ApiException.badRequest("field label not supported: " + t.field());
            }
        }
        LabelSelector labels = o.labels();
        FieldSelector fields = o.fields();
        return obj -> labels.matches(Objects2.at(obj, "metadata", "labels"))
                && fields.matches(f -> switch (f) {
                    case "metadata.name" -> Objects2.name(obj);
                    case "metadata.namespace" -> Objects2.namespace(obj);
                    default -> type.strategy().fieldValue(obj, f).orElse("");
                });
    }

    // ---------------------------------------------------------------------------------------------------
    // Create

    public ObjectNode create(ResourceType type, String namespace, ObjectNode body, WriteOptions w) {
        return create(type, namespace, body, w, true);
    }

    /** A create; {@code record} false when the body's managedFields are already the server's (an apply). */
    private ObjectNode create(ResourceType type, String namespace, ObjectNode body, WriteOptions w, boolean record) {
        ObjectNode obj = body.deepCopy();
        checkKind(type, obj);
        ObjectNode meta = Objects2.objectAt(obj, "metadata");
        if (type.namespaced()) {
            String ns = Objects2.namespace(obj);
            if (!ns.isEmpty() && !ns.equals(namespace)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent "
                        + "on the request");
            }
            meta.put("namespace", namespace);
            checkNamespaceOpen(type, namespace, Objects2.name(obj));
        } else {
            meta.remove("namespace");
        }
        if (Objects2.name(obj).isEmpty() && !Objects2.text(obj, "metadata", "generateName").isEmpty()) {
            meta.put("name", Objects2.text(obj, "metadata", "generateName") + randomSuffix());
        }
        meta.put("uid", UUID.randomUUID().toString());
        meta.put("creationTimestamp", now());
        meta.remove("resourceVersion");
        meta.remove("deletionTimestamp");
        meta.remove("deletionGracePeriodSeconds");
        meta.remove("selfLink");
        meta.put("generation", 1);
        checkFields(type, obj, w);
        type.strategy().applyDefaults(obj);
        type.strategy().prepareForCreate(obj);
        if (record) {
            meta.remove("managedFields");
            fields.recordUpdate(type, null, obj, w.fieldManager(), null, clock.instant());
        }
        validate(type, obj, null);
        admission.admit(type, null, obj, w);
        String name = Objects2.name(obj);
        String key = key(type, namespace, name);
        Map<String, byte[]> claims = allocator.allocate(type, obj);
        if (w.dryRun()) {
            return obj;
        }
        List<Storage.Guard> guards = new ArrayList<>();
        List<Storage.Op> ops = new ArrayList<>();
        guards.add(Storage.Guard.absent(key));
        ops.add(Storage.Op.put(key, Json.bytes(obj)));
        claims.forEach((k, v) -> {
            guards.add(Storage.Guard.absent(k));
            ops.add(Storage.Op.put(k, v));
        });
        Storage.TxnResult r = join(storage.commit(new Storage.Txn(guards, ops)));
        if (!r.succeeded()) {
            if (r.current(key).isPresent()) {
                throw ApiException.alreadyExists(type.resource(), type.group(), name);
            }
            throw ApiException.conflict(type.resource(), type.group(), name,
                    "a value it needs is already allocated; try again");
        }
        meta.put("resourceVersion", Long.toString(r.revision()));
        return obj;
    }

    private void checkNamespaceOpen(ResourceType type, String namespace, String name) {
        if (type.resource().equals("namespaces")) {
            return;
        }
        ResourceType nsType = catalog.find("", "v1", "namespaces").orElse(null);
        if (nsType == null) {
            return;
        }
        // the cache answers when it has caught up with the store; otherwise (a namespace deleted a moment ago) the
        // store does, so that no content is created in a namespace already being terminated
        WatchCache namespaces = cache(nsType);
        long storeRevision = storage.currentRevision();
        ObjectNode ns = namespaces.deliveredRevision() >= storeRevision ? namespaces.get(key(nsType, null, namespace))
                : null;
        if (ns == null) {
            ns = find(nsType, null, namespace).orElseThrow(() -> ApiException.notFound("namespaces", "", namespace));
        }
        if (!Objects2.text(ns, "metadata", "deletionTimestamp").isEmpty()
                || "Terminating".equals(Objects2.text(ns, "status", "phase"))) {
            throw ApiException.forbidden(type.qualifiedResource() + " \"" + name + "\" is forbidden: unable to create "
                    + "new content in namespace " + namespace + " because it is being terminated");
        }
    }

    private String randomSuffix() {
        StringBuilder b = new StringBuilder(5);
        for (int i = 0; i < 5; i++) {
            b.append(GENERATE_ALPHABET.charAt(random.nextInt(GENERATE_ALPHABET.length())));
        }
        return b.toString();
    }

    // ---------------------------------------------------------------------------------------------------
    // Update, patch, subresources

    /** A PUT of the main resource or of its {@code status} subresource. */
    public ObjectNode update(ResourceType type, String namespace, String name, String subresource, ObjectNode body,
                             WriteOptions w) {
        checkKind(type, body);
        String bodyName = Objects2.name(body);
        if (!bodyName.isEmpty() && !bodyName.equals(name)) {
            throw ApiException.badRequest("the name of the object (" + bodyName + ") does not match the name on the URL ("
                    + name + ")");
        }
        if (type.namespaced()) {
            String ns = Objects2.namespace(body);
            if (!ns.isEmpty() && !ns.equals(namespace)) {
                throw ApiException.badRequest("the namespace of the provided object does not match the namespace sent "
                        + "on the request");
            }
        }
        String precondition = Objects2.text(body, "metadata", "resourceVersion");
        return guaranteedUpdate(type, namespace, name, subresource, precondition, w, w.fieldManager(),
                current -> body.deepCopy());
    }

    /** A PATCH of the main resource or a subresource: applied to the current object, written guarded on it. */
    public ObjectNode patch(ResourceType type, String namespace, String name, String subresource, PatchType patchType,
                            JsonNode patch, WriteOptions w) {
        if (patchType == PatchType.APPLY) {
            throw new IllegalArgumentException("an apply goes through apply()");
        }
        String precondition = patchType != PatchType.JSON && patch.isObject()
                ? Objects2.text(patch, "metadata", "resourceVersion") : "";
        return guaranteedUpdate(type, namespace, name, subresource, precondition, w, w.fieldManager(), current -> {
            ObjectNode patched = patcher.apply(type, current, patchType, patch);
            checkKind(type, patched);
            if (!Objects2.name(patched).equals(name)) {
                throw ApiException.badRequest("the name of the object (" + Objects2.name(patched)
                        + ") does not match the name on the URL (" + name + ")");
            }
            return patched;
        });
    }

    /**
     * A server-side apply ({@code application/apply-patch+yaml}) of {@code config} by {@code w.fieldManager()} to the
     * main resource or {@code status}: creates the object when it does not exist (main resource only), else merges the
     * configuration into it with the field manager's rules; {@code force} takes over conflicting fields.
     */
    public ObjectNode apply(ResourceType type, String namespace, String name, String subresource, ObjectNode config,
                            boolean force, WriteOptions w) {
        if (w.fieldManager().isEmpty()) {
            throw ApiException.invalid("PatchOptions", "meta.k8s.io", "", List.of(FieldError.required("fieldManager",
                    "is required for apply patch")));
        }
        checkKind(type, config);
        String configName = Objects2.name(config);
        if (!configName.equals(name)) {
            throw ApiException.badRequest(configName.isEmpty() ? "metadata.name is required in an apply configuration"
                    : "the name of the object (" + configName + ") does not match the name on the URL (" + name + ")");
        }
        // a resourceVersion in the configuration is a precondition on the object it updates (a create ignores it: Java
        // Operator SDK sends "1" with the apply that creates, so that it cannot take over an object made by someone else)
        String precondition = Objects2.text(config, "metadata", "resourceVersion");
        ObjectNode body = stripRv(config);
        for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
            if (subresource == null && find(type, namespace, name).isEmpty()) {
                ObjectNode created = fields.apply(type, null, body, w.fieldManager(), force, null, clock.instant());
                try {
                    return create(type, namespace, created, w, false);
                } catch (ApiException e) {
                    if (e.code() != 409 || !"AlreadyExists".equals(e.reason())) {
                        throw e;
                    }
                    continue; // created a moment ago by someone else: apply to it
                }
            }
            try {
                return guaranteedUpdate(type, namespace, name, subresource, precondition, w, null, current ->
                        fields.apply(type, current, body, w.fieldManager(), force, subresource, clock.instant()));
            } catch (ApiException e) {
                if (e.code() != 404 || subresource != null) {
                    throw e;
                }
                // deleted a moment ago: create it
            }
        }
        throw ApiException.conflict(type.resource(), type.group(), name);
    }

    /**
     * Reads the object, computes its next version with {@code change}, and writes it guarded on the version read;
     * a lost race is retried unless the client named a resourceVersion (then it is a 409). {@code manager} is given
     * the fields the write changes; null when {@code change} computes the managedFields itself (an apply).
     */
    private ObjectNode guaranteedUpdate(ResourceType type, String namespace, String name, String subresource,
                                        String precondition, WriteOptions w, String manager,
                                        UnaryOperator<ObjectNode> change) {
        String key = key(type, namespace, name);
        for (int attempt = 0; ; attempt++) {
            Storage.Item item = join(storage.get(key))
                    .orElseThrow(() -> ApiException.notFound(type.resource(), type.group(), name));
            ObjectNode current = WatchCache.decode(item);
            if (!precondition.isEmpty() && !precondition.equals(Long.toString(item.modRevision()))) {
                throw ApiException.conflict(type.resource(), type.group(), name);
            }
            ObjectNode desired = change.apply(current.deepCopy());
            ObjectNode next = nextVersion(type, current, desired, subresource, manager, w);
            Storage.TxnResult r;
            if (next == null) {
                return current; // nothing changed: nothing written
            }
            admission.admit(type, current, next, w);
            // an update ends a deletion only when nothing holds it any more: no finalizer and no grace period left
            // to run (a pod terminating on its node is updated by the node until it is done)
            boolean finalized = !Objects2.text(next, "metadata", "deletionTimestamp").isEmpty()
                    && finalizers(next).isEmpty() && !hasNamespaceFinalizers(type, next)
                    && graceLeft(next) == 0;
            if (w.dryRun()) {
                return next;
            }
            if (finalized) {
                r = join(storage.commit(deletion(type, key, item.modRevision(), next)));
            } else {
                r = join(storage.commit(updateTxn(type, key, item.modRevision(), current, next)));
            }
            if (r.succeeded()) {
                Objects2.objectAt(next, "metadata").put("resourceVersion", Long.toString(r.revision()));
                return next;
            }
            if (!precondition.isEmpty() || attempt + 1 >= UPDATE_ATTEMPTS) {
                throw ApiException.conflict(type.resource(), type.group(), name);
            }
        }
    }

    /**
     * The version to store after {@code desired} replaces {@code current} through {@code subresource} (null or
     * "status"), with server-owned metadata kept, status split, generation, defaults and validation; null when it
     * would store the same bytes.
     */
    private ObjectNode nextVersion(ResourceType type, ObjectNode current, ObjectNode desired, String subresource,
                                   String manager, WriteOptions w) {
        ObjectNode next;
        boolean status = "status".equals(subresource);
        if ("finalize".equals(subresource)) {
            // namespaces/<name>/finalize: only spec.finalizers changes (a plain update keeps them)
            next = current.deepCopy();
            JsonNode f = Objects2.at(desired, "spec", "finalizers");
            if (f == null || f.isNull()) {
                Objects2.objectAt(next, "spec").remove("finalizers");
            } else {
                Objects2.objectAt(next, "spec").set("finalizers", f.deepCopy());
            }
            return next.equals(current) ? null : next;
        }
        if (status) {
            next = current.deepCopy();
            JsonNode s = desired.get("status");
            if (s == null) {
                next.remove("status");
            } else {
                next.set("status", s.deepCopy());
            }
            if (manager == null) {
                copyManagedFields(desired, next);
            }
        } else {
            next = desired;
            if (type.has("status")) {
                JsonNode s = current.get("status");
                if (s == null) {
                    next.remove("status");
                } else {
                    next.set("status", s.deepCopy());
                }
            }
        }
        next.put("kind", type.kind());
        next.put("apiVersion", type.apiVersion());
        ObjectNode meta = Objects2.objectAt(next, "metadata");
        ObjectNode oldMeta = Objects2.objectAt(current, "metadata");
        for (String owned : List.of("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                "deletionGracePeriodSeconds", "generation")) {
            JsonNode v = oldMeta.get(owned);
            if (v == null) {
                meta.remove(owned);
            } else {
                meta.set(owned, v.deepCopy());
            }
        }
        if (!Objects2.text(current, "metadata", "deletionTimestamp").isEmpty()) {
            // finalizers may only be removed once deletion has begun
            for (String f : finalizers(next)) {
                if (!finalizers(current).contains(f)) {
                    throw ApiException.invalid(type.kind(), type.group(), Objects2.name(current), List.of(
                            FieldError.forbidden("metadata.finalizers", "no new finalizers can be added if the object "
                                    + "is being deleted, found new finalizers [\"" + f + "\"]")));
                }
            }
        }
        meta.remove("selfLink");
        checkFields(type, next, w, status);
        if (status) {
            type.strategy().prepareForStatusUpdate(next, current);
        } else {
            type.strategy().applyDefaults(next);
            type.strategy().prepareForUpdate(next, current);
        }
        if (!status && specChanged(current, next)) {
            meta.put("generation", oldMeta.path("generation").asLong(0) + 1);
        }
        if (manager != null) {
            copyManagedFields(current, next); // what a client sends there is not taken
            fields.recordUpdate(type, current, next, manager, subresource, clock.instant());
        }
        meta.put("resourceVersion", oldMeta.path("resourceVersion").asText());
        if (next.equals(current)) {
            return null;
        }
        List<FieldError> errors = new ArrayList<>();
        if (status) {
            errors.addAll(type.strategy().validateStatus(next, current));
        } else {
            errors.addAll(metadataErrors(type, next));
            errors.addAll(type.strategy().validate(next, current));
        }
        if (!errors.isEmpty()) {
            throw ApiException.invalid(type.kind(), type.group(), Objects2.name(current), errors);
        }
        return next;
    }

    private static void checkFields(ResourceType type, ObjectNode obj, WriteOptions w) {
        checkFields(type, obj, w, false);
    }

    /** fieldValidation: unknown fields refused (Strict), or dropped with a warning (Warn) or silently (Ignore). */
    private static void checkFields(ResourceType type, ObjectNode obj, WriteOptions w, boolean statusOnly) {
        boolean strict = w.fieldValidation().equals("Strict");
        List<String> unknown = new ArrayList<>(strict ? type.strategy().unknownFields(obj)
                : type.strategy().pruneUnknownFields(obj));
        if (statusOnly) {
            unknown.removeIf(f -> !f.startsWith("status"));
        }
        if (unknown.isEmpty() || w.fieldValidation().equals("Ignore")) {
            return;
        }
        if (strict) {
            throw ApiException.badRequest("strict decoding error: " + String.join(", ",
                    unknown.stream().map(f -> "unknown field \"" + f + "\"").toList()));
        }
        unknown.forEach(f -> w.warnings().accept("unknown field \"" + f + "\""));
    }

    private static void copyManagedFields(ObjectNode from, ObjectNode to) {
        JsonNode m = Objects2.at(from, "metadata", "managedFields");
        if (m == null) {
            Objects2.objectAt(to, "metadata").remove("managedFields");
        } else {
            Objects2.objectAt(to, "metadata").set("managedFields", m.deepCopy());
        }
    }

    /** Whether anything but metadata and status differs (kube bumps generation on spec changes). */
    private static boolean specChanged(ObjectNode a, ObjectNode b) {
        int compared = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("metadata") || e.getKey().equals("status")) {
                continue;
            }
            if (!e.getValue().equals(b.get(e.getKey()))) {
                return true;
            }
            compared++;
        }
        // Every other field of a is in b, equal: b differs only if it has more of them.
        return b.size() - (b.has("metadata") ? 1 : 0) - (b.has("status") ? 1 : 0) != compared;
    }

    /**
     * A write through a subresource that bypasses the kind's update rules (a pod's {@code binding}: the only way
     * {@code spec.nodeName} is set): {@code change} edits the current object in place or throws; the result is
     * written guarded on the version read, read again and retried on a lost race.
     */
    public ObjectNode writeThrough(ResourceType type, String namespace, String name,
                                   java.util.function.Consumer<ObjectNode> change, WriteOptions w) {
        String key = key(type, namespace, name);
        for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
            Storage.Item item = join(storage.get(key))
                    .orElseThrow(() -> ApiException.notFound(type.resource(), type.group(), name));
            ObjectNode obj = WatchCache.decode(item);
            change.accept(obj);
            if (w.dryRun()) {
                return obj;
            }
            Storage.TxnResult r = join(storage.commit(Storage.Txn.of(new Storage.Guard(key, item.modRevision()),
                    Storage.Op.put(key, Json.bytes(stripRv(obj))))));
            if (r.succeeded()) {
                Objects2.objectAt(obj, "metadata").put("resourceVersion", Long.toString(r.revision()));
                return obj;
            }
        }
        throw ApiException.conflict(type.resource(), type.group(), name);
    }

    /** The {@code scale} subresource's view of an object (autoscaling/v1 Scale), from its kind's {@link ScalePaths}. */
    public ObjectNode scale(ResourceType type, ObjectNode obj) {
        ScalePaths paths = type.strategy().scalePaths();
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("kind", "Scale");
        s.put("apiVersion", "autoscaling/v1");
        ObjectNode meta = s.putObject("metadata");
        for (String f : List.of("name", "namespace", "uid", "resourceVersion", "creationTimestamp")) {
            JsonNode v = Objects2.at(obj, "metadata", f);
            if (v != null) {
                meta.set(f, v.deepCopy());
            }
        }
        s.putObject("spec").put("replicas", ScalePaths.replicas(obj, paths.specReplicas()));
        ObjectNode st = s.putObject("status");
        st.put("replicas", ScalePaths.replicas(obj, paths.statusReplicas()));
        st.put("selector", paths.selectorOf(obj));
        return s;
    }

    /** Writes a Scale's {@code spec.replicas} to the object, guarded on the Scale's resourceVersion if it has one. */
    public ObjectNode updateScale(ResourceType type, String namespace, String name, UnaryOperator<ObjectNode> newScale,
                                  WriteOptions w) {
        String key = key(type, namespace, name);
        for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
            Storage.Item item = join(storage.get(key))
                    .orElseThrow(() -> ApiException.notFound(type.resource(), type.group(), name));
            ObjectNode current = WatchCache.decode(item);
            ObjectNode scale = newScale.apply(scale(type, current));
            String rv = Objects2.text(scale, "metadata", "resourceVersion");
            if (!rv.isEmpty() && !rv.equals(Long.toString(item.modRevision()))) {
                throw ApiException.conflict(type.resource(), type.group(), name);
            }
            JsonNode replicas = Objects2.at(scale, "spec", "replicas");
            if (replicas != null && (!replicas.canConvertToInt() || replicas.asInt() < 0)) {
                throw ApiException.invalid("Scale", "autoscaling", name, List.of(FieldError.invalid("spec.replicas",
                        replicas, "must be greater than or equal to 0")));
            }
            ObjectNode desired = current.deepCopy();
            List<String> path = type.strategy().scalePaths().specReplicas();
            Objects2.objectAt(desired, path.subList(0, path.size() - 1).toArray(String[]::new))
                    .put(path.get(path.size() - 1), replicas == null ? 0 : replicas.asInt());
            ObjectNode next = nextVersion(type, current, desired, null, w.fieldManager(), w);
            if (next == null) {
                return scale(type, current);
            }
            if (w.dryRun()) {
                return scale(type, next);
            }
            Storage.TxnResult r = join(storage.commit(Storage.Txn.of(new Storage.Guard(key, item.modRevision()),
                    Storage.Op.put(key, Json.bytes(stripRv(next))))));
            if (r.succeeded()) {
                Objects2.objectAt(next, "metadata").put("resourceVersion", Long.toString(r.revision()));
                return scale(type, next);
            }
            if (!rv.isEmpty()) {
                throw ApiException.conflict(type.resource(), type.group(), name);
            }
        }
        throw ApiException.conflict(type.resource(), type.group(), name);
    }

    // ---------------------------------------------------------------------------------------------------
    // Delete

    /**
     * Deletes the object, or begins its deletion: an object with finalizers (including the propagation policy's
     * {@code foregroundDeletion} or {@code orphan}) gets a deletionTimestamp and stays until they are removed; a pod
     * on a node gets a deletionTimestamp its grace period ahead and stays until the node (or the grace period's end)
     * removes it. Answers the object as it is after the call.
     */
    public ObjectNode delete(ResourceType type, String namespace, String name, DeleteOptions o) {
        String key = key(type, namespace, name);
        for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
            Storage.Item item = join(storage.get(key))
                    .orElseThrow(() -> ApiException.notFound(type.resource(), type.group(), name));
            ObjectNode current = WatchCache.decode(item);
            if (o.preconditionUid() != null && !o.preconditionUid().equals(Objects2.text(current, "metadata", "uid"))) {
                throw ApiException.conflict(type.resource(), type.group(), name, "Precondition failed: UID in "
                        + "precondition: " + o.preconditionUid() + ", UID in object meta: "
                        + Objects2.text(current, "metadata", "uid"));
            }
            if (o.preconditionResourceVersion() != null
                    && !o.preconditionResourceVersion().equals(Long.toString(item.modRevision()))) {
                throw ApiException.conflict(type.resource(), type.group(), name, "Precondition failed: "
                        + "ResourceVersion in precondition: " + o.preconditionResourceVersion()
                        + ", ResourceVersion in object meta: " + item.modRevision());
            }
            ObjectNode next = current.deepCopy();
            ObjectNode meta = Objects2.objectAt(next, "metadata");
            boolean deleting = !Objects2.text(current, "metadata", "deletionTimestamp").isEmpty();
            List<String> finalizers = new ArrayList<>(finalizers(current));
            if (!deleting) {
                if ("Foreground".equals(o.propagationPolicy()) && !finalizers.contains("foregroundDeletion")) {
                    finalizers.add("foregroundDeletion");
                } else if ("Orphan".equals(o.propagationPolicy()) && !finalizers.contains("orphan")) {
                    finalizers.add("orphan");
                }
            }
            boolean namespaceFinalizers = hasNamespaceFinalizers(type, current);
            long grace = graceSeconds(type, current, o);
            Storage.Txn txn;
            if (!finalizers.isEmpty() || namespaceFinalizers || grace > 0) {
                if (deleting && !shortensGrace(current, grace)) {
                    return current; // already being deleted
                }
                ArrayNode f = meta.putArray("finalizers");
                finalizers.forEach(f::add);
                if (finalizers.isEmpty()) {
                    meta.remove("finalizers");
                }
                Instant at = clock.instant().truncatedTo(ChronoUnit.SECONDS).plusSeconds(grace);
                meta.put("deletionTimestamp", at.toString());
                meta.put("deletionGracePeriodSeconds", grace);
                if (namespaceFinalizers) {
                    Objects2.objectAt(next, "status").put("phase", "Terminating");
                }
                txn = Storage.Txn.of(new Storage.Guard(key, item.modRevision()), Storage.Op.put(key, Json.bytes(stripRv(next))));
            } else {
                txn = deletion(type, key, item.modRevision(), current);
            }
            if (o.dryRun()) {
                return next;
            }
            Storage.TxnResult r = join(storage.commit(txn));
            if (r.succeeded()) {
                meta.put("resourceVersion", Long.toString(r.revision()));
                return next;
            }
            if (o.preconditionResourceVersion() != null) {
                throw ApiException.conflict(type.resource(), type.group(), name);
            }
        }
        throw ApiException.conflict(type.resource(), type.group(), name);
    }

    /**
     * The write of an update, with what the allocator claims for the new version (a service that now needs a cluster
     * IP) and releases of the old one's claims it no longer holds (a service turned ExternalName).
     */
    private Storage.Txn updateTxn(ResourceType type, String key, long modRevision, ObjectNode current,
                                  ObjectNode next) {
        List<Storage.Guard> guards = new ArrayList<>();
        List<Storage.Op> ops = new ArrayList<>();
        guards.add(new Storage.Guard(key, modRevision));
        List<String> held = allocator.release(type, current);
        Map<String, byte[]> claims = allocator.allocate(type, next);
        for (Map.Entry<String, byte[]> c : claims.entrySet()) {
            if (!held.contains(c.getKey())) {
                guards.add(Storage.Guard.absent(c.getKey()));
                ops.add(Storage.Op.put(c.getKey(), c.getValue()));
            }
        }
        for (String k : held) {
            if (!claims.containsKey(k)) {
                ops.add(Storage.Op.delete(k));
            }
        }
        ops.add(0, Storage.Op.put(key, Json.bytes(stripRv(next))));
        return new Storage.Txn(guards, ops);
    }

    private Storage.Txn deletion(ResourceType type, String key, long modRevision, ObjectNode obj) {
        List<Storage.Op> ops = new ArrayList<>();
        ops.add(Storage.Op.delete(key));
        for (String k : allocator.release(type, obj)) {
            ops.add(Storage.Op.delete(k));
        }
        return new Storage.Txn(List.of(new Storage.Guard(key, modRevision)), ops);
    }

    /**
     * The grace period a delete gives: 0 except for a pod bound to a node and not finished, whose grace is the
     * request's or its {@code spec.terminationGracePeriodSeconds} (30 by default).
     */
    private static long graceSeconds(ResourceType type, ObjectNode obj, DeleteOptions o) {
        if (!type.resource().equals("pods") || !type.group().isEmpty()) {
            return 0;
        }
        String phase = Objects2.text(obj, "status", "phase");
        if (Objects2.text(obj, "spec", "nodeName").isEmpty() || phase.equals("Succeeded") || phase.equals("Failed")) {
            return 0;
        }
        if (o.gracePeriodSeconds() != null) {
            return Math.max(0, o.gracePeriodSeconds());
        }
        JsonNode g = Objects2.at(obj, "spec", "terminationGracePeriodSeconds");
        return g == null || !g.canConvertToLong() ? 30 : Math.max(0, g.asLong());
    }

    private static boolean shortensGrace(ObjectNode current, long grace) {
        JsonNode g = Objects2.at(current, "metadata", "deletionGracePeriodSeconds");
        return g != null && grace < g.asLong();
    }

    /**
     * Deletes the pods whose graceful deletion has run out (no node finished them): what ends a pod's deletion when
     * no node does. Returns how many were deleted.
     */
    public int reapExpiredPods() {
        ResourceType pods = catalog.find("", "v1", "pods").orElse(null);
        if (pods == null) {
            return 0;
        }
        Instant now = clock.instant();
        int n = 0;
        for (ObjectNode pod : cache(pods).list(p -> !Objects2.text(p, "metadata", "deletionTimestamp").isEmpty()
                && finalizers(p).isEmpty()).objects()) {
            Instant at = Instant.parse(Objects2.text(pod, "metadata", "deletionTimestamp"));
            if (!at.isAfter(now)) {
                String key = key(pods, Objects2.namespace(pod), Objects2.name(pod));
                long rv = parseRv(Objects2.text(pod, "metadata", "resourceVersion"));
                if (join(storage.commit(deletion(pods, key, rv, pod))).succeeded()) {
                    n++;
                }
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------------
    // Shared

    private void checkKind(ResourceType type, ObjectNode obj) {
        String kind = Objects2.text(obj, "kind");
        String apiVersion = Objects2.text(obj, "apiVersion");
        if (!kind.isEmpty() && !kind.equals(type.kind())) {
            throw ApiException.badRequest("the kind of the provided object (" + kind + ") does not match the resource "
                    + type.qualifiedResource() + " (kind " + type.kind() + ")");
        }
        if (!apiVersion.isEmpty() && !apiVersion.equals(type.apiVersion())) {
            throw ApiException.badRequest("the API version in the data (" + apiVersion + ") does not match the expected "
                    + "API version (" + type.apiVersion() + ")");
        }
        obj.put("kind", type.kind());
        obj.put("apiVersion", type.apiVersion());
    }

    private void validate(ResourceType type, ObjectNode obj, ObjectNode old) {
        List<FieldError> errors = new ArrayList<>(metadataErrors(type, obj));
        errors.addAll(type.strategy().validate(obj, old));
        if (!errors.isEmpty()) {
            throw ApiException.invalid(type.kind(), type.group(), Objects2.name(obj), errors);
        }
    }

    /** The errors of {@code metadata}: name, namespace, labels, annotations, finalizers, ownerReferences. */
    private static List<FieldError> metadataErrors(ResourceType type, ObjectNode obj) {
        List<FieldError> errors = new ArrayList<>();
        String name = Objects2.name(obj);
        if (name.isEmpty()) {
            errors.add(FieldError.required("metadata.name", "name or generateName is required"));
        } else {
            String e = Validators.checkName(type.strategy().nameRule(), name);
            if (e != null) {
                errors.add(FieldError.invalid("metadata.name", name, e));
            }
        }
        if (type.namespaced()) {
            String ns = Objects2.namespace(obj);
            String e = ns.isEmpty() ? null : Validators.checkDns1123Label(ns);
            if (ns.isEmpty()) {
                errors.add(FieldError.required("metadata.namespace", ""));
            } else if (e != null) {
                errors.add(FieldError.invalid("metadata.namespace", ns, e));
            }
        }
        errors.addAll(Validators.labels(Objects2.at(obj, "metadata", "labels"), "metadata.labels"));
        errors.addAll(Validators.annotations(Objects2.at(obj, "metadata", "annotations"), "metadata.annotations"));
        JsonNode fin = Objects2.at(obj, "metadata", "finalizers");
        if (fin != null && !fin.isNull()) {
            if (!fin.isArray()) {
                errors.add(FieldError.invalid("metadata.finalizers", fin, "must be a list of strings"));
            } else {
                for (int i = 0; i < fin.size(); i++) {
                    String e = fin.get(i).isTextual() ? Validators.checkQualifiedName(fin.get(i).asText()) : "must be a string";
                    if (e != null) {
                        errors.add(FieldError.invalid("metadata.finalizers[" + i + "]", fin.get(i), e));
                    }
                }
            }
        }
        JsonNode owners = Objects2.at(obj, "metadata", "ownerReferences");
        if (owners != null && owners.isArray()) {
            for (int i = 0; i < owners.size(); i++) {
                for (String f : List.of("apiVersion", "kind", "name", "uid")) {
                    if (owners.get(i).path(f).asText().isEmpty()) {
                        errors.add(FieldError.required("metadata.ownerReferences[" + i + "]." + f, ""));
                    }
                }
            }
        }
        return errors;
    }

    /** The object's {@code deletionGracePeriodSeconds} (0 when unset). */
    private static long graceLeft(ObjectNode obj) {
        JsonNode g = Objects2.at(obj, "metadata", "deletionGracePeriodSeconds");
        return g == null ? 0 : g.asLong(0);
    }

    /** Whether {@code obj} is a namespace whose {@code spec.finalizers} still hold it. */
    private static boolean hasNamespaceFinalizers(ResourceType type, ObjectNode obj) {
        return type.group().isEmpty() && type.resource().equals("namespaces")
                && Objects2.at(obj, "spec", "finalizers") instanceof ArrayNode a && a.size() > 0;
    }

    /** A write to {@code namespaces/<name>/finalize}: sets {@code spec.finalizers}; a namespace being deleted whose finalizers are all gone is deleted. */
    public ObjectNode finalizeNamespace(ResourceType type, String name, ObjectNode body, WriteOptions w) {
        return guaranteedUpdate(type, null, name, "finalize", Objects2.text(body, "metadata", "resourceVersion"), w, null,
                current -> body.deepCopy());
    }

    static List<String> finalizers(ObjectNode obj) {
        List<String> out = new ArrayList<>();
        JsonNode f = Objects2.at(obj, "metadata", "finalizers");
        if (f != null && f.isArray()) {
            f.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    private static ObjectNode stripRv(ObjectNode obj) {
        ObjectNode copy = obj.deepCopy();
        JsonNode meta = copy.get("metadata");
        if (meta instanceof ObjectNode m) {
            m.remove("resourceVersion");
        }
        return copy;
    }

    private String now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS).toString();
    }

    static long parseRv(String rv) {
        try {
            long v = Long.parseLong(rv);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid resource version \"" + rv + "\"");
        }
    }

    /** Waits for a store call and turns its failure into the API's. */
    <T> T join(CompletableFuture<T> f) {
        try {
            return f.get(STORE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof StorageException s) {
                throw storageError(s);
            }
            if (c instanceof ApiException a) {
                throw a;
            }
            throw ApiException.internal(String.valueOf(c));
        } catch (TimeoutException e) {
            throw ApiException.timeout("The store did not answer within " + STORE_TIMEOUT_SECONDS + " s; the request "
                    + "may or may not have been applied");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiException.serviceUnavailable("the server is shutting down");
        }
    }

    static ApiException storageError(StorageException s) {
        return switch (s.kind()) {
            case COMPACTED -> ApiException.expired("The resourceVersion for the provided list is too old.");
            case TOO_LARGE -> ApiException.tooLarge("Request entity too large: " + s.getMessage());
            case UNAVAILABLE -> ApiException.serviceUnavailable("the store is unavailable: " + s.getMessage());
            case TIMEOUT -> ApiException.timeout("The store did not confirm the request in time ("
                    + s.getMessage() + "); it may or may not have been applied");
            case INTERNAL -> ApiException.internal(s.getMessage());
        };
    }

    @Override
    public void close() {
        caches.values().forEach(WatchCache::close);
        caches.clear();
    }

    /** A continue token: the revision of the first page and the key to start after (relative to the list's prefix). */
    private record Continue(long revision, String start) {
        String encode() {
            ObjectNode n = JsonNodeFactory.instance.objectNode();
            n.put("v", "meta.k8s.io/v1");
            n.put("rv", revision);
            n.put("start", start);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Json.bytes(n));
        }

        static Continue decode(String token) {
            try {
                JsonNode n = Json.JSON.readTree(new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8));
                if (!"meta.k8s.io/v1".equals(n.path("v").asText()) || !n.path("rv").canConvertToLong()) {
                    throw new IllegalArgumentException();
                }
                return new Continue(n.get("rv").asLong(), n.path("start").asText());
            } catch (Exception e) {
                throw ApiException.badRequest("continue key is not valid: incorrect encoded start resourceVersion "
                        + "(version meta.k8s.io/v1)");
            }
        }
    }
}
