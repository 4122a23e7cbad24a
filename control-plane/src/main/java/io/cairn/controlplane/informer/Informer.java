package io.cairn.controlplane.informer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.util.LoopThread;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a local, indexed copy of one resource (optionally one namespace and a label selector) and tells handlers
 * what changed, as client-go's reflector + shared informer do: list (paged with {@code limit}/{@code continue}), then
 * watch from the list's resourceVersion with bookmarks, applying each event to the {@link Store} and then to the
 * handlers.
 *
 * <p>Recovery. A watch that ends (the server's timeout, a dropped connection) is opened again from the last
 * resourceVersion seen (an event's or a bookmark's); a watch that ends without delivering anything waits a backoff
 * first. An ERROR event with code 410 (the version left the server's window) means relist at once; any other error
 * relists after the backoff. A relist replaces the cache: objects still there reach handlers as updates, objects
 * gone as deletes, new ones as adds, so handlers never miss a deletion that happened while the watch was down.
 *
 * <p>Bounds. Events wait for the informer's thread in a queue of at most {@link Options#queueMax()}; a watch that
 * gets further ahead is abandoned (its queued events skipped) and the informer relists: a list costs one request,
 * an unbounded queue could cost the heap.
 *
 * <p>Threads. The transport's thread only queues lines. One thread per informer ({@code informer-<resource>}) does
 * the lists, owns every change of the store and calls the handlers, in event order, one at a time; a handler must
 * not block for long (hand keys to a {@code WorkQueue}). Handlers added after {@link #start()} first get an
 * {@code onAdd} of every cached object, on that same thread. With a resync period, every cached object reaches the
 * handlers as {@code onUpdate(o, o)} once per period (level-triggered controllers re-check what they own).
 */
public final class Informer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Informer.class);

    /** What a controller learns from the informer; called on the informer's thread. Objects are shared: copy to change. */
    public interface Handler {
        default void onAdd(ObjectNode obj) {
        }

        default void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
        }

        default void onDelete(ObjectNode obj) {
        }

        /** A handler that passes the key ({@link Store#keyOf}) of every added, updated or deleted object to {@code keys}. */
        static Handler onKey(Consumer<String> keys) {
            return onObject(obj -> keys.accept(Store.keyOf(obj)));
        }

        /** A handler that passes every added, updated (the new version) or deleted object to {@code objects}. */
        static Handler onObject(Consumer<ObjectNode> objects) {
            return new Handler() {
                @Override
                public void onAdd(ObjectNode obj) {
                    objects.accept(obj);
                }

                @Override
                public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                    objects.accept(newObj);
                }

                @Override
                public void onDelete(ObjectNode obj) {
                    objects.accept(obj);
                }
            };
        }
    }

    /**
     * @param pageSize       items per list request ({@code limit})
     * @param resync         how often every cached object goes to the handlers again; zero for never
     * @param queueMax       events that may wait for the informer's thread before it gives up the watch and relists
     * @param backoffInitial the first wait after a failed list or an empty watch; doubles on each failure
     * @param backoffMax     the longest wait
     */
    public record Options(int pageSize, Duration resync, int queueMax, Duration backoffInitial, Duration backoffMax) {
        public Options {
            if (pageSize <= 0 || queueMax <= 0 || resync.isNegative() || backoffInitial.isNegative()
                    || backoffMax.compareTo(backoffInitial) < 0) {
                throw new IllegalArgumentException("bad informer options: " + this);
            }
        }

        /** client-go's: pages of 500, no resync, backoff 800 ms to 30 s; a queue of 10,000 events. */
        public static Options defaults() {
            return new Options(500, Duration.ZERO, 10_000, Duration.ofMillis(800), Duration.ofSeconds(30));
        }

        public Options withPageSize(int n) {
            return new Options(n, resync, queueMax, backoffInitial, backoffMax);
        }

        public Options withResync(Duration d) {
            return new Options(pageSize, d, queueMax, backoffInitial, backoffMax);
        }

        public Options withQueueMax(int n) {
            return new Options(pageSize, resync, n, backoffInitial, backoffMax);
        }

        public Options withBackoff(Duration initial, Duration max) {
            return new Options(pageSize, resync, queueMax, initial, max);
        }
    }

    /** What the informer's thread takes from its queue. */
    private sealed interface Item {
    }

    /** One watch line of watch {@code gen}. */
    private record Event(long gen, ObjectNode event) implements Item {
    }

    private record Ended(long gen) implements Item {
    }

    private record Overflow(long gen) implements Item {
    }

    private record AddHandler(Handler handler) implements Item {
    }

    /** Why a watch loop hands back to the list loop, and whether to wait a backoff first. */
    private static final class RelistNeeded extends Exception {
        final boolean afterBackoff;

        RelistNeeded(String why, boolean afterBackoff) {
            super(why, null, false, false);
            this.afterBackoff = afterBackoff;
        }
    }

    private final ApiClient.ResourceClient resource;
    private final String description;
    private final String labelSelector;
    private final Options options;
    private final Store store = new Store();
    private final List<Handler> handlers = new CopyOnWriteArrayList<>();
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    /** Events in {@link #queue}, bounded by {@code queueMax}. */
    private final AtomicInteger queuedEvents = new AtomicInteger();
    private final Backoff backoff;
    private final Object lifecycle = new Object();

    private volatile boolean synced;
    private final LoopThread loop;
    private volatile long overflowedGen = -1;
    private volatile String resourceVersion = "";
    /** Whether the current watch (since the last list) delivered anything: then a 410 relists without waiting. */
    private boolean progressed;
    private long generation;
    private AutoCloseable watch;
    private long nextResyncNanos;

    /**
     * An informer of {@code plural} in {@code apiVersion}; {@code namespace} null for every namespace (or a cluster
     * resource), {@code labelSelector} null or empty for every object.
     */
    public Informer(ApiClient client, String apiVersion, String plural, String namespace, String labelSelector,
                    Options options) {
        ApiClient.ResourceClient r = client.resource(apiVersion, plural);
        this.resource = namespace == null ? r : r.namespace(namespace);
        this.labelSelector = labelSelector == null ? "" : labelSelector;
        this.options = options;
        this.backoff = new Backoff(options.backoffInitial(), options.backoffMax());
        this.description = plural + (namespace == null ? "" : " in " + namespace)
                + (this.labelSelector.isEmpty() ? "" : " (" + this.labelSelector + ")");
        this.loop = new LoopThread("informer-" + description.replace(' ', '-'), this::run, Duration.ofSeconds(5));
    }

    /** An informer of every object of {@code plural}, with {@link Options#defaults()}. */
    public static Informer of(ApiClient client, String apiVersion, String plural) {
        return new Informer(client, apiVersion, plural, null, null, Options.defaults());
    }

    /** The local cache; read it from any thread, never change its objects. */
    public Store store() {
        return store;
    }

    /** Adds an index to the cache (see {@link Store#addIndex}). */
    public Informer addIndex(String name, Store.IndexFunction function) {
        store.addIndex(name, function);
        return this;
    }

    /** Adds a handler; once started, it first gets {@code onAdd} of every cached object. */
    public Informer addHandler(Handler handler) {
        synchronized (lifecycle) {
            if (!loop.started()) {
                handlers.add(handler);
            } else {
                queue.add(new AddHandler(handler));
            }
        }
        return this;
    }

    /** Whether the first list has reached the cache and the handlers. */
    public boolean hasSynced() {
        return synced;
    }

    /** The resourceVersion the cache is current at ("" before the first list). */
    public String resourceVersion() {
        return resourceVersion;
    }

    /** Starts the informer's thread (once; later calls do nothing). */
    public void start() {
        synchronized (lifecycle) { // with addHandler: a handler is either in the first list or queued
            loop.start();
        }
    }

    @Override
    public void close() {
        loop.stop();
    }

    private void run() {
        try {
            while (loop.running()) {
                try {
                    relist();
                    watchUntilRelist();
                } catch (RelistNeeded e) {
                    log.info("informer of {}: relisting: {}", description, e.getMessage());
                    stopWatch();
                    if (e.afterBackoff) {
                        pause(backoff.next());
                    }
                } catch (RuntimeException e) {
                    log.warn("informer of {}: list or watch failed, retrying: {}", description, e.toString());
                    pause(backoff.next());
                }
            }
        } catch (InterruptedException e) {
            // closed
        } finally {
            stopWatch();
        }
    }

    /** Lists every page and replaces the cache with the result. */
    private void relist() {
        stopWatch();
        List<ObjectNode> items = new ArrayList<>();
        String rv;
        try {
            rv = listPages(options.pageSize(), items);
        } catch (ApiException e) {
            if (e.code() != 410) {
                throw e;
            }
            // a continue token expired between pages: one unpaged list instead
            items.clear();
            rv = listPages(0, items);
        }
        replace(items);
        resourceVersion = rv;
        synced = true;
        nextResyncNanos = System.nanoTime() + options.resync().toNanos();
    }

    private String listPages(int limit, List<ObjectNode> items) {
        String cont = "";
        String rv;
        do {
            Map<String, String> q = new LinkedHashMap<>();
            if (limit > 0) {
                q.put("limit", Integer.toString(limit));
            }
            if (!cont.isEmpty()) {
                q.put("continue", cont);
            }
            if (!labelSelector.isEmpty()) {
                q.put("labelSelector", labelSelector);
            }
            ObjectNode page = resource.list(q);
            String listKind = page.path("kind").asText("");
            String kind = listKind.endsWith("List") ? listKind.substring(0, listKind.length() - 4) : "";
            for (JsonNode item : page.path("items")) {
                ObjectNode o = (ObjectNode) item;
                if (!o.has("kind") && !kind.isEmpty()) {
                    o.put("apiVersion", page.path("apiVersion").asText());
                    o.put("kind", kind);
                }
                items.add(o);
            }
            rv = page.path("metadata").path("resourceVersion").asText("");
            cont = page.path("metadata").path("continue").asText("");
        } while (!cont.isEmpty());
        return rv;
    }

    /** The cache becomes {@code items}: adds, updates (of everything still there) and deletes go to the handlers. */
    private void replace(List<ObjectNode> items) {
        Set<String> listed = new HashSet<>();
        for (ObjectNode o : items) {
            listed.add(Store.keyOf(o));
            applied(o, store.put(o));
        }
        for (String key : store.keys()) {
            if (!listed.contains(key)) {
                ObjectNode gone = store.remove(key);
                dispatch(h -> h.onDelete(gone));
            }
        }
    }

    private void applied(ObjectNode now, ObjectNode old) {
        if (old == null) {
            dispatch(h -> h.onAdd(now));
        } else {
            dispatch(h -> h.onUpdate(old, now));
        }
    }

    /** Watches from {@link #resourceVersion}, watch after watch, until a relist is needed. */
    private void watchUntilRelist() throws InterruptedException, RelistNeeded {
        while (loop.running()) {
            long gen = startWatch();
            progressed = false;
            while (true) {
                Item item = take();
                if (item == null) {
                    continue; // a resync came due
                }
                if (item instanceof Event e) {
                    if (e.gen() == gen && overflowedGen != gen) {
                        onEvent(e.event());
                        if (!progressed) {
                            progressed = true;
                            backoff.reset();
                        }
                    }
                } else if (item instanceof Overflow o && o.gen() == gen) {
                    throw new RelistNeeded("more than " + options.queueMax() + " events waiting", false);
                } else if (item instanceof Ended end && end.gen() == gen) {
                    break;
                }
            }
            stopWatch();
            if (!progressed) {
                pause(backoff.next());
            }
        }
    }

    private void onEvent(ObjectNode event) throws RelistNeeded {
        String type = event.path("type").asText();
        JsonNode object = event.path("object");
        if (!(object instanceof ObjectNode obj)) {
            throw new RelistNeeded("a watch event without an object: " + type, true);
        }
        switch (type) {
            case "ADDED", "MODIFIED" -> applied(obj, store.put(obj));
            case "DELETED" -> {
                store.remove(Store.keyOf(obj));
                dispatch(h -> h.onDelete(obj));
            }
            case "BOOKMARK" -> {
            }
            case "ERROR" -> {
                int code = obj.path("code").asInt();
                // 410: the version left the server's window; relist at once, unless this watch brought nothing
                // (a cache that keeps answering 410 then costs one list per backoff, not a busy loop)
                throw new RelistNeeded("watch error " + code + ": " + obj.path("message").asText(),
                        code != 410 || !progressed);
            }
            default -> throw new RelistNeeded("unknown watch event type " + type, true);
        }
        String rv = obj.path("metadata").path("resourceVersion").asText("");
        if (!rv.isEmpty()) {
            resourceVersion = rv;
        }
    }

    private long startWatch() {
        long gen = ++generation;
        Map<String, String> q = new LinkedHashMap<>();
        q.put("allowWatchBookmarks", "true");
        // client-go's spread of watch lengths (5 to 10 minutes), so that many informers do not re-watch together
        q.put("timeoutSeconds", Long.toString(300 + ThreadLocalRandom.current().nextLong(301)));
        if (!labelSelector.isEmpty()) {
            q.put("labelSelector", labelSelector);
        }
        watch = resource.watch(resourceVersion, q, line -> enqueue(gen, line), () -> queue.add(new Ended(gen)));
        return gen;
    }

    /** On the transport's thread: queue the event, or give the watch up when the queue is full. */
    private void enqueue(long gen, ObjectNode line) {
        if (overflowedGen == gen) {
            return;
        }
        if (queuedEvents.incrementAndGet() > options.queueMax()) {
            queuedEvents.decrementAndGet();
            overflowedGen = gen;
            queue.add(new Overflow(gen));
            return;
        }
        queue.add(new Event(gen, line));
    }

    private void stopWatch() {
        AutoCloseable w = watch;
        watch = null;
        if (w != null) {
            try {
                w.close();
            } catch (Exception e) {
                log.debug("informer of {}: closing a watch: {}", description, e.toString());
            }
        }
    }

    /** The next item, or null when a resync came due (and was done). Handles handler registrations itself. */
    private Item take() throws InterruptedException {
        long waitNanos = options.resync().isZero() ? TimeUnit.DAYS.toNanos(1) : nextResyncNanos - System.nanoTime();
        Item item = waitNanos <= 0 ? null : queue.poll(waitNanos, TimeUnit.NANOSECONDS);
        if (item == null) {
            if (!options.resync().isZero()) {
                resync();
            }
            return null;
        }
        if (item instanceof Event) {
            queuedEvents.decrementAndGet();
        } else if (item instanceof AddHandler a) {
            register(a.handler());
            return null;
        }
        return item;
    }

    private void resync() {
        nextResyncNanos = System.nanoTime() + options.resync().toNanos();
        for (ObjectNode o : store.list()) {
            dispatch(h -> h.onUpdate(o, o));
        }
    }

    /** Waits {@code d}, still taking (and dropping) what the closed watch left queued and registering handlers. */
    private void pause(Duration d) throws InterruptedException {
        long deadline = System.nanoTime() + d.toNanos();
        long left;
        while (loop.running() && (left = deadline - System.nanoTime()) > 0) {
            Item item = queue.poll(left, TimeUnit.NANOSECONDS);
            if (item instanceof Event) {
                queuedEvents.decrementAndGet();
            } else if (item instanceof AddHandler a) {
                register(a.handler());
            }
        }
        if (!loop.running()) {
            throw new InterruptedException("closed");
        }
    }

    /** A handler added while running: what is cached reaches it as adds, then it joins the others. */
    private void register(Handler handler) {
        for (ObjectNode o : store.list()) {
            call(handler, h -> h.onAdd(o));
        }
        handlers.add(handler);
    }

    private void dispatch(Consumer<Handler> call) {
        for (Handler h : handlers) {
            call(h, call);
        }
    }

    private void call(Handler h, Consumer<Handler> call) {
        try {
            call.accept(h);
        } catch (RuntimeException e) {
            log.error("informer of {}: a handler failed", description, e);
        }
    }
}
