package io.cairn.kv.watch;

import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.proto.mvcc.KeyValue;
import io.cairn.raft.core.Invariants;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every watch of one member, fed from its applied state: the apply path says "the revision moved"
 * ({@link #onApplied}) and one dispatcher thread reads the new events from the store's revision log and hands each
 * watch what it asked for.
 *
 * <p>Why it is shaped so: a watch is a position in the revision log ({@link Watcher#nextRevision()}), not a
 * queue. The dispatcher groups the watches that are ready by their next revision and reads the log once per
 * group: after the first round every caught-up watch sits at the same revision, so one read (from RocksDB's
 * memtable, where the batch just went) serves all of them, and a thousand watches resuming from one revision are
 * caught up by one scan. A watch whose sink is not ready (a slow client, held by gRPC's flow control) is skipped
 * and keeps its position: nothing is buffered for it, it is never canceled for being slow, and it is caught up
 * from the store when it can take more (etcd parks its slow "victims" the same way). Memory is therefore the
 * watches themselves plus one batch of at most {@link #BATCH_EVENTS_MAX} events (more only when a single revision
 * holds more: a revision is never split).
 *
 * <p>Guarantees, etcd's: events in revision order, each once, none skipped (a watch whose next revision is
 * compacted away is ended with {@link WatchSink#compacted}, never silently moved on), all events of a revision in
 * one delivery, and a watch resumable from any retained revision. A member that installs a snapshot is read from
 * its new store: a watch whose next revision the new store still holds continues; one whose revision it
 * compacted away is ended with the compaction point.
 *
 * <p>Threads: one dispatcher thread ({@code kv-watch-NAME}) calls every sink and owns each watch's position;
 * {@link #watch}, {@link Watcher#cancel()}, {@link #onApplied}, {@link #wake} and {@link #whenSynced} may be called
 * from any thread and never block.
 */
public final class WatchHub implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
    /** Events read from the revision log in one go for one group of watches (whole revisions). */
    public static final int BATCH_EVENTS_MAX = 1_000;
    /** etcd's default {@code --experimental-watch-progress-notify-interval}: 10 minutes. */
    public static final long PROGRESS_NOTIFY_INTERVAL_MILLIS_DEFAULT = 10 * 60 * 1_000L;

    private final EventLog eventLog;
    private final long progressNotifyIntervalNanos;
    private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    private final List<SyncWaiter> syncWaiters = new ArrayList<>();
    private final Thread dispatcher;
    private boolean dirty;
    private volatile boolean closed;
    private long nextProgressNanos;
    private long reads;

    private record SyncWaiter(Collection<Watcher> watchers, Runnable then) {}

    public WatchHub(EventLog eventLog, long progressNotifyIntervalMillis, String name) {
        Invariants.check(progressNotifyIntervalMillis > 0, "progress notify interval %s ms", progressNotifyIntervalMillis);
        this.eventLog = eventLog;
        this.progressNotifyIntervalNanos = TimeUnit.MILLISECONDS.toNanos(progressNotifyIntervalMillis);
        this.nextProgressNanos = System.nanoTime() + progressNotifyIntervalNanos;
        this.dispatcher = new Thread(this::run, "kv-watch-" + name);
        this.dispatcher.setDaemon(true);
        this.dispatcher.start();
    }

    /**
     * Registers a watch. Its first revision is {@code spec.startRevision()}, or the one after the current revision
     * when that is 0 or below; {@code currentRevision} is the revision it was created at (etcd's header revision
     * of the "created" response). A start revision already compacted away ends the watch at once through
     * {@link WatchSink#compacted}, on the dispatcher thread.
     */
    public Watcher watch(WatchSpec spec, WatchSink sink, long currentRevision) {
        long next = spec.startRevision() > 0 ? spec.startRevision() : currentRevision + 1;
        Watcher w = new Watcher(this, spec, sink, next);
        watchers.add(w);
        wake();
        return w;
    }

    /** The lowest revision some watch has yet to report (Long.MAX_VALUE with no watches): how far behind it is. */
    public long lowestNextRevision() {
        long lowest = Long.MAX_VALUE;
        for (Watcher w : watchers) {
            lowest = Math.min(lowest, w.nextRevision());
        }
        return lowest;
    }

    /** Watches registered and not ended. */
    public int size() {
        return watchers.size();
    }

    /** How many times the revision log was read (tests: one read serves a whole group). */
    public long logReads() {
        lock.lock();
        try {
            return reads;
        } finally {
            lock.unlock();
        }
    }

    /** The apply path: the store's revision moved (or a snapshot replaced the store). Never blocks. */
    public void onApplied() {
        wake();
    }

    /** Asks the dispatcher for a round (a sink became ready, a watch was added). Never blocks for long. */
    public void wake() {
        lock.lock();
        try {
            dirty = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs {@code then} on the dispatcher thread once every one of {@code watches} has reported everything up to
     * the store's revision (or ended): etcd's answer to a progress request.
     */
    public void whenSynced(Collection<Watcher> watches, Runnable then) {
        lock.lock();
        try {
            syncWaiters.add(new SyncWaiter(List.copyOf(watches), then));
            dirty = true;
            work.signal();
        } finally {
            lock.unlock();
        }
    }

    void remove(Watcher w) {
        watchers.remove(w);
    }

    private void run() {
        while (!closed) {
            try {
                awaitWork();
                if (closed) {
                    return;
                }
                if (round()) {
                    wake(); // a batch was cut: go on with the rest
                }
                notifyProgressIfDue();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (closed) {
                    return;
                }
                // The store may be between a close and a reopen (a snapshot being installed): try again shortly.
                LOG.warn("watch dispatch failed; retrying", e);
                sleepQuietly();
                wake();
            }
        }
    }

    private void awaitWork() throws InterruptedException {
        lock.lock();
        try {
            while (!dirty && !closed) {
                long untilProgress = nextProgressNanos - System.nanoTime();
                if (untilProgress <= 0) {
                    return;
                }
                work.awaitNanos(untilProgress);
            }
            dirty = false;
        } finally {
            lock.unlock();
        }
    }

    /** One pass over the ready watches, one read per group; true if some group has more to read. */
    private boolean round() {
        long current = eventLog.revision();
        TreeMap<Long, List<Watcher>> groups = new TreeMap<>();
        for (Watcher w : watchers) {
            if (!w.canceled() && w.nextRevision() <= current && w.sink.ready()) {
                groups.computeIfAbsent(w.nextRevision(), k -> new ArrayList<>()).add(w);
            }
        }
        boolean more = false;
        for (Map.Entry<Long, List<Watcher>> g : groups.entrySet()) {
            more |= serve(g.getKey(), g.getValue());
        }
        runSyncWaiters();
        return more;
    }

    /** Reads whole revisions from {@code from} once and gives every watch of the group its share. */
    private boolean serve(long from, List<Watcher> group) {
        Read batch;
        try {
            batch = readWholeRevisions(from);
        } catch (KvException e) {
            if (!KvErrors.COMPACTED.equals(e.getMessage())) {
                throw e; // not a compaction: let run() report it and retry
            }
            long compacted = eventLog.compactedRevision();
            for (Watcher w : group) {
                w.markCanceled();
                watchers.remove(w);
                deliver(w, () -> w.sink.compacted(compacted));
            }
            return false;
        }
        List<Event> events = batch.events();
        long next = batch.complete() ? batch.revision() + 1 : events.get(events.size() - 1).getKv().getModRevision() + 1;
        Map<Watcher, List<Event>> shares = share(events, group);
        Map<Integer, KeyValue> prevs = new HashMap<>();
        for (Watcher w : group) {
            if (w.canceled()) {
                continue;
            }
            w.advanceTo(next);
            List<Event> mine = shares.get(w);
            if (mine == null) {
                continue;
            }
            if (w.spec.prevKv()) {
                mine = withPrevs(mine, events, prevs);
            }
            List<Event> share = mine;
            deliver(w, () -> w.sink.events(batch.revision(), share));
        }
        return !batch.complete();
    }

    /**
     * Events read at once: {@code complete} when they are every event up to {@code revision} (the store's revision
     * in the view read), otherwise they end on a whole revision and more follow.
     */
    private record Read(List<Event> events, long revision, boolean complete) {}

    /**
     * Which events each watch of the group wants, in order: watches of a single key are found by the event's key
     * (a hash lookup), so a batch costs its events plus the group's range watches per event, not the group's size
     * times the batch's.
     */
    private static Map<Watcher, List<Event>> share(List<Event> events, List<Watcher> group) {
        Map<com.google.protobuf.ByteString, List<Watcher>> byKey = new HashMap<>();
        List<Watcher> ranges = new ArrayList<>();
        for (Watcher w : group) {
            if (w.spec.keys().single()) {
                byKey.computeIfAbsent(com.google.protobuf.ByteString.copyFrom(w.spec.keys().start()),
                        k -> new ArrayList<>(1)).add(w);
            } else {
                ranges.add(w);
            }
        }
        Map<Watcher, List<Event>> shares = new HashMap<>();
        for (Event e : events) {
            for (Watcher w : byKey.getOrDefault(e.getKv().getKey(), List.of())) {
                if (w.spec.wants(e)) {
                    shares.computeIfAbsent(w, k -> new ArrayList<>()).add(e);
                }
            }
            for (Watcher w : ranges) {
                if (w.spec.wants(e)) {
                    shares.computeIfAbsent(w, k -> new ArrayList<>()).add(e);
                }
            }
        }
        return shares;
    }

    /** The events with their previous versions, each looked up once per batch however many watches want it. */
    private List<Event> withPrevs(List<Event> mine, List<Event> all, Map<Integer, KeyValue> prevs) {
        List<Event> out = new ArrayList<>(mine.size());
        int at = 0;
        for (Event e : mine) {
            while (all.get(at) != e) {
                at++;
            }
            out.add(withPrev(e, at, prevs));
        }
        return out;
    }

    /**
     * Up to {@link #BATCH_EVENTS_MAX} events from {@code from}, ending on a whole revision: a cut last revision is
     * left for the next read, unless it is the only one (then it is read whole, however large).
     */
    private Read readWholeRevisions(long from) {
        int max = BATCH_EVENTS_MAX;
        while (true) {
            EventLog.Batch b = eventLog.events(from, max + 1);
            lock.lock();
            try {
                reads++;
            } finally {
                lock.unlock();
            }
            List<Event> events = b.events();
            if (events.size() <= max) {
                return new Read(events, b.revision(), true);
            }
            long lastRevision = events.get(max).getKv().getModRevision();
            int end = max;
            while (end > 0 && events.get(end - 1).getKv().getModRevision() == lastRevision) {
                end--;
            }
            if (end > 0) {
                return new Read(List.copyOf(events.subList(0, end)), b.revision(), false);
            }
            max *= 2; // one revision larger than a batch: read it whole
        }
    }

    private Event withPrev(Event e, int index, Map<Integer, KeyValue> prevs) {
        KeyValue prev = prevs.computeIfAbsent(index, i -> {
            KeyValue kv = eventLog.versionAt(e.getKv().getKey().toByteArray(), e.getKv().getModRevision() - 1);
            return kv == null ? KeyValue.getDefaultInstance() : kv;
        });
        return prev.getModRevision() == 0 ? e : e.toBuilder().setPrevKv(prev).build();
    }

    /**
     * Calls a sink; one that throws (a subscriber breaking its contract, a stream closing under it) loses its
     * watch, which is logged, and never stops the others.
     */
    private void deliver(Watcher w, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.warn("a watch's sink failed; the watch is canceled", e);
            w.cancel();
        }
    }

    private void runSyncWaiters() {
        List<SyncWaiter> ready = new ArrayList<>();
        lock.lock();
        try {
            if (syncWaiters.isEmpty()) {
                return;
            }
            long current = eventLog.revision();
            for (Iterator<SyncWaiter> it = syncWaiters.iterator(); it.hasNext(); ) {
                SyncWaiter s = it.next();
                if (s.watchers.stream().allMatch(w -> w.canceled() || w.nextRevision() > current)) {
                    ready.add(s);
                    it.remove();
                }
            }
        } finally {
            lock.unlock();
        }
        for (SyncWaiter s : ready) {
            s.then.run();
        }
    }

    private void notifyProgressIfDue() {
        long now = System.nanoTime();
        if (now < nextProgressNanos) {
            return;
        }
        nextProgressNanos = now + progressNotifyIntervalNanos;
        long current = eventLog.revision();
        for (Watcher w : watchers) {
            if (w.spec.progressNotify() && !w.canceled() && w.nextRevision() > current && w.sink.ready()) {
                deliver(w, () -> w.sink.progress(current));
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops the dispatcher; sinks get no further calls. Watches are not told (their streams are closing too). */
    @Override
    public void close() {
        closed = true;
        wake();
        dispatcher.interrupt();
        try {
            dispatcher.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        watchers.clear();
    }
}
