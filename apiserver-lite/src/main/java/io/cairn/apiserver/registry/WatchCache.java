package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.storage.Storage;
import io.cairn.apiserver.storage.StorageException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current objects of one resource and a window of its recent events, fed by one store watch of the resource's
 * prefix (kube-apiserver's {@code Cacher}). It serves lists at resourceVersion 0 and every watcher of the resource, so
 * a thousand watchers cost one store watch. A watch from a revision older than the window answers 410 Expired.
 *
 * <p>Objects handed out are shared: callers copy before changing one. Events reach watchers in revision order, on the
 * thread of the store watch; a watcher's {@link Sink} must not block.
 */
public final class WatchCache implements Storage.WatchListener, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WatchCache.class);

    /** Where a watcher's events go; {@code offer} answers false when the watcher is too slow (it is then dropped). */
    public interface Sink {
        boolean offer(WatchEvent event);

        /**
         * One of the events a watcher starts with (the synthetic ADDED of every object, or the window's replay): the
         * whole state, which the watcher's lag bound must not cut short.
         */
        default boolean offerInitial(WatchEvent event) {
            return offer(event);
        }

        /** The watcher ended on the server's side: cache restarted, watcher too slow, server closing. */
        void end(String why);
    }

    /** A registered watcher; closing it unregisters it. */
    public final class Watcher implements AutoCloseable {
        final Predicate<ObjectNode> filter;
        final Sink sink;
        final long after;

        Watcher(Predicate<ObjectNode> filter, Sink sink, long after) {
            this.filter = filter;
            this.sink = sink;
            this.after = after;
        }

        /** Events after this revision reach the watcher live; earlier ones it got at registration. */
        public long after() {
            return after;
        }

        @Override
        public void close() {
            watchers.remove(this);
        }
    }

    /** A list served from the cache: the objects and the revision they are current at. */
    public record Snapshot(List<ObjectNode> objects, long revision) {
    }

    private record Change(String type, ObjectNode object, ObjectNode previous, long revision) {
    }

    private final ResourceType type;
    private final Storage storage;
    private final int windowCapacity;
    private final Set<Watcher> watchers = new CopyOnWriteArraySet<>();
    private final Object lock = new Object();
    private final TreeMap<String, ObjectNode> objects = new TreeMap<>();
    private final ArrayDeque<Change> window = new ArrayDeque<>();
    private long revision;
    /** Every event up to this revision has been handed to every watcher (what a bookmark may safely carry). */
    private volatile long delivered;
    /** Events after this revision are all in the window. */
    private long windowStart;
    private boolean ready;
    private volatile boolean closed;
    private Storage.Watch storeWatch;
    private final Runnable onStoreWatchChange;

    public WatchCache(ResourceType type, Storage storage, int windowCapacity, Runnable onStoreWatchChange) {
        this.type = type;
        this.storage = storage;
        this.windowCapacity = windowCapacity;
        this.onStoreWatchChange = onStoreWatchChange;
    }

    public ResourceType type() {
        return type;
    }

    /** Lists the resource from the store and opens the store watch after that list's revision. */
    public void start() {
        synchronized (lock) {
            objects.clear();
            window.clear();
            String start = null;
            long rev = 0;
            while (true) {
                Storage.Page page = join(storage.list(type.keyPrefix(), start, rev, 1000));
                rev = page.revision();
                for (Storage.Item item : page.items()) {
                    objects.put(item.key(), decode(item));
                }
                if (!page.more() || page.items().isEmpty()) {
                    break;
                }
                start = page.items().get(page.items().size() - 1).key() + "\0";
            }
            revision = rev;
            delivered = rev;
            windowStart = rev;
            ready = true;
            storeWatch = storage.watch(type.keyPrefix(), rev + 1, this);
        }
        onStoreWatchChange.run();
    }

    /**
     * Whether the cache is current: false from the moment its store watch ends until its relist completes (lists
     * then go to the store, and watches are answered 410 so that clients relist).
     */
    public boolean ready() {
        synchronized (lock) {
            return ready;
        }
    }

    /** Every event up to this revision has been handed to every registered watcher. */
    public long deliveredRevision() {
        return delivered;
    }

    /** Whether a store watch is open for this cache. */
    public boolean watching() {
        synchronized (lock) {
            return storeWatch != null;
        }
    }

    /** The objects now, filtered, and the revision they are current at. */
    public Snapshot list(Predicate<ObjectNode> filter) {
        synchronized (lock) {
            List<ObjectNode> out = new ArrayList<>();
            for (ObjectNode o : objects.values()) {
                if (filter.test(o)) {
                    out.add(o);
                }
            }
            return new Snapshot(out, revision);
        }
    }

    /** The cached object at {@code key}, or null. */
    public ObjectNode get(String key) {
        synchronized (lock) {
            return objects.get(key);
        }
    }

    public long revision() {
        synchronized (lock) {
            return revision;
        }
    }

    /**
     * Registers a watcher of the objects {@code filter} accepts, from {@code resourceVersion} (exclusive): "0" or
     * empty starts with a synthetic ADDED of every current object. Throws 410 when the version is older than the
     * window.
     */
    public Watcher watch(long resourceVersion, boolean fromNow, Predicate<ObjectNode> filter, Sink sink) {
        synchronized (lock) {
            if (!ready) {
                throw ApiException.expired("the watch cache of " + type.qualifiedResource() + " is restarting: list "
                        + "again, then watch from the list's resourceVersion");
            }
            List<WatchEvent> initial = new ArrayList<>();
            long after;
            if (fromNow) {
                for (ObjectNode o : objects.values()) {
                    if (filter.test(o)) {
                        initial.add(new WatchEvent("ADDED", o));
                    }
                }
                after = revision;
            } else {
                if (resourceVersion < windowStart) {
                    throw ApiException.expired("too old resource version: " + resourceVersion + " (" + windowStart
                            + ")");
                }
                for (Change c : window) {
                    if (c.revision > resourceVersion) {
                        WatchEvent e = filtered(c, filter);
                        if (e != null) {
                            initial.add(e);
                        }
                    }
                }
                after = Math.max(resourceVersion, revision);
            }
            Watcher w = new Watcher(filter, sink, after);
            for (WatchEvent e : initial) {
                if (!offer(w, e, true)) {
                    return w;
                }
            }
            watchers.add(w);
            return w;
        }
    }

    public int watcherCount() {
        return watchers.size();
    }

    @Override
    public void onEvents(List<Storage.Event> events, long rev) {
        List<Change> changes = new ArrayList<>(events.size());
        synchronized (lock) {
            for (Storage.Event e : events) {
                Storage.Item item = e.item();
                long r = item.modRevision();
                ObjectNode previous = objects.get(item.key());
                Change c;
                if (e.delete()) {
                    objects.remove(item.key());
                    if (previous == null) {
                        continue;
                    }
                    ObjectNode gone = previous.deepCopy();
                    Objects2.objectAt(gone, "metadata").put("resourceVersion", Long.toString(r));
                    c = new Change("DELETED", gone, previous, r);
                } else {
                    ObjectNode now = decode(item);
                    objects.put(item.key(), now);
                    c = new Change(previous == null ? "ADDED" : "MODIFIED", now, previous, r);
                }
                window.addLast(c);
                if (window.size() > windowCapacity) {
                    windowStart = window.removeFirst().revision;
                }
                changes.add(c);
            }
            revision = Math.max(revision, rev);
        }
        for (Change c : changes) {
            for (Iterator<Watcher> it = watchers.iterator(); it.hasNext(); ) {
                Watcher w = it.next();
                if (c.revision <= w.after) {
                    continue;
                }
                WatchEvent e = filtered(c, w.filter);
                if (e != null && !offer(w, e, false)) {
                    watchers.remove(w);
                }
            }
            delivered = Math.max(delivered, c.revision);
        }
        delivered = Math.max(delivered, rev);
    }

    /**
     * Hands {@code e} to one watcher; a watcher that is too slow, or whose sink throws, is ended (it watches again)
     * and never holds up the others or the store watch.
     */
    private static boolean offer(Watcher w, WatchEvent e, boolean initial) {
        try {
            if (initial ? w.sink.offerInitial(e) : w.sink.offer(e)) {
                return true;
            }
            w.sink.end(initial ? "too slow to receive its initial events" : "too slow: the watcher's buffer is full");
        } catch (RuntimeException ex) {
            log.warn("a watcher failed on an event; ending it", ex);
            try {
                w.sink.end("the watcher failed: " + ex);
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
        return false;
    }

    @Override
    public void onProgress(long rev) {
        synchronized (lock) {
            revision = Math.max(revision, rev);
        }
    }

    @Override
    public void onCancelled(long compactRevision, String reason) {
        synchronized (lock) {
            storeWatch = null;
            ready = false;
        }
        onStoreWatchChange.run();
        for (Watcher w : watchers) {
            watchers.remove(w);
            w.sink.end("the watch cache of " + type.qualifiedResource() + " restarted: " + reason);
        }
        if (closed) {
            return;
        }
        log.warn("store watch of {} ended ({}); relisting", type.keyPrefix(), reason);
        Thread t = new Thread(() -> {
            while (!closed) {
                try {
                    start();
                    return;
                } catch (RuntimeException e) {
                    log.warn("relisting {} failed: {}", type.keyPrefix(), e.toString());
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException ie) {
                        return;
                    }
                }
            }
        }, "cairn-watch-cache-relist");
        t.setDaemon(true);
        t.start();
    }

    /**
     * The event a watcher with {@code filter} sees for {@code c}: an object that starts to match is ADDED, one that
     * stops matching is DELETED, as kube-apiserver's cache does.
     */
    private static WatchEvent filtered(Change c, Predicate<ObjectNode> filter) {
        boolean now = !c.type.equals("DELETED") && filter.test(c.object);
        boolean before = c.previous != null && filter.test(c.previous);
        if (c.type.equals("DELETED")) {
            return before ? new WatchEvent("DELETED", c.object) : null;
        }
        if (now && before) {
            return new WatchEvent("MODIFIED", c.object);
        }
        if (now) {
            return new WatchEvent("ADDED", c.object);
        }
        if (before) {
            return new WatchEvent("DELETED", c.object);
        }
        return null;
    }

    /** A stored object with its resourceVersion (the item's mod revision). */
    public static ObjectNode decode(Storage.Item item) {
        ObjectNode o = Json.readStored(item.value());
        Objects2.objectAt(o, "metadata").put("resourceVersion", Long.toString(item.modRevision()));
        return o;
    }

    static <T> T join(java.util.concurrent.CompletableFuture<T> f) {
        try {
            return f.get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw new CompletionException(c);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new StorageException(StorageException.Kind.TIMEOUT, "the store did not answer in 30 s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StorageException(StorageException.Kind.UNAVAILABLE, "interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
        Storage.Watch w;
        synchronized (lock) {
            w = storeWatch;
            storeWatch = null;
        }
        if (w != null) {
            w.close();
        }
        for (Watcher watcher : watchers) {
            watchers.remove(watcher);
            watcher.sink.end("the server is shutting down");
        }
    }

    /** For tests and metrics: keys currently cached. */
    Map<String, ObjectNode> objectsForTest() {
        synchronized (lock) {
            return Map.copyOf(objects);
        }
    }
}
