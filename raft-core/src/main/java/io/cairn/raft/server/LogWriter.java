package io.cairn.raft.server;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.InjectedBug;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.log.LogStorage;
import io.cairn.raft.transport.Transport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's only writer of its {@link LogStorage}, shared by all its groups: group commit.
 *
 * <p>Writes arrive on one {@link SerialExecutor}. Each is appended to the storage as it comes; after each batch
 * (everything that was waiting together, from any group) the writer calls {@link LogStorage#sync()} once, and
 * only then releases what waited for durability: the messages the {@code Ready} contract holds back until its
 * write is durable, and the acknowledgement that lets the core count the entries (or apply them). One fdatasync
 * thus covers every group's entries, and a leader's own write runs in parallel with the AppendEntries it sent
 * before handing the write here (thesis §10.2.1).
 *
 * <p>Invariant: a write's completion is released only after a sync that followed its append, and writes of one
 * group complete in the order they were submitted.
 */
final class LogWriter {
    private static final Logger LOG = LoggerFactory.getLogger(LogWriter.class);

    /** One group's share of one {@code Ready}: what to write, what to send once durable, whom to tell. */
    record Write(long groupId, HardState hardState, List<Entry> entries, SnapshotMeta snapshot, boolean replaceLog,
            List<Message> afterPersist, Consumer<Write> durable) {}

    private final LogStorage storage;
    private final Transport transport;
    private final SerialExecutor executor;
    private final Timer fsyncLatency;
    /** The same syncs in etcd's buckets, for etcd's {@code etcd_disk_wal_fsync_duration_seconds}. */
    private final DurationHistogram fsyncDurations = DurationHistogram.etcdDiskBuckets();
    private final io.micrometer.core.instrument.Counter fsyncs;
    private final io.micrometer.core.instrument.Counter fsyncsShared;
    /** The group of the first write since the last sync (-1: none), and whether another group wrote too. */
    private long batchGroup = -1;
    private boolean batchShared;
    private final List<Write> pending = new ArrayList<>();
    /** Whether anything was appended since the last sync. */
    private boolean unsynced;
    private volatile boolean ackBeforeFsync;
    private volatile Throwable failure;
    /** Told once, on the writer's thread, when a write or sync fails (the member's fail-stop). */
    private volatile java.util.function.Consumer<Throwable> onFailure = e -> { };

    LogWriter(LogStorage storage, Transport transport, RuntimeEnvironment env, int queueCapacity,
            MeterRegistry metrics) {
        this.storage = storage;
        this.transport = transport;
        // Anything else that throws on the writer (a broken invariant in the storage) stops it like an I/O error.
        FailStopGuard guard = new FailStopGuard(this::fail);
        this.executor = guard.guard(env.newWriterExecutor("cairn-log-writer", queueCapacity,
                guard.wrap(this::writeBatch), guard.wrap(this::syncBatch)));
        this.fsyncLatency = Timer.builder("cairn.raft.fsync.latency").description("one data sync of the log")
                .register(metrics);
        this.fsyncs = io.micrometer.core.instrument.Counter.builder("cairn.raft.fsyncs")
                .description("data syncs of the log, each shared by every group's writes").register(metrics);
        this.fsyncsShared = io.micrometer.core.instrument.Counter.builder("cairn.raft.fsyncs.shared")
                .description("data syncs that made entries of more than one group durable at once").register(metrics);
    }

    /** Injected bug for the simulator's teeth: acknowledge writes before the sync that makes them durable. */
    void injectBug(java.util.Set<InjectedBug> bugs) {
        ackBeforeFsync = bugs.contains(InjectedBug.ACK_BEFORE_FSYNC);
    }

    /** Queues a write, waiting for room (the raft loop is throttled by the disk rather than buffering more). */
    void submit(long groupId, Write w) {
        try {
            executor.submitBlocking(() -> append(w));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RaftException(RaftException.Reason.CLOSED, "interrupted while queuing a log write", 0);
        }
    }

    /** Runs {@code task} on the writer, after every write queued before it. */
    void submitTask(Runnable task) {
        try {
            executor.submitBlocking(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void append(Write w) {
        if (failure != null) {
            return; // the log is broken: nothing more becomes durable, nothing more is acknowledged
        }
        boolean writes = w.snapshot() != null || w.hardState() != null || !w.entries().isEmpty();
        try {
            if (w.snapshot() != null) {
                storage.saveSnapshot(w.groupId(), w.snapshot(), w.replaceLog());
            }
            if (w.hardState() != null || !w.entries().isEmpty()) {
                storage.append(w.groupId(), w.hardState(), w.entries());
            }
        } catch (IOException e) {
            fail(e);
            return;
        }
        if (writes) { // a write of messages only waits for the sync of what came before it, not for its own
            unsynced = true;
            if (batchGroup == -1) {
                batchGroup = w.groupId();
            } else if (batchGroup != w.groupId()) {
                batchShared = true;
            }
        }
        if (ackBeforeFsync) {
            release(w); // the injected bug: acknowledge before the sync (which still follows)
            return;
        }
        pending.add(w);
    }

    private void writeBatch() {
        if (!unsynced || failure != null) {
            return;
        }
        try {
            storage.write();
        } catch (IOException e) {
            fail(e);
        }
    }

    private void syncBatch() {
        if (failure != null || (!unsynced && pending.isEmpty())) {
            return;
        }
        if (unsynced) {
            long start = System.nanoTime();
            try {
                storage.sync();
            } catch (IOException e) {
                fail(e);
                return;
            }
            long took = System.nanoTime() - start;
            fsyncLatency.record(took, TimeUnit.NANOSECONDS);
            fsyncDurations.record(took);
            fsyncs.increment();
            if (batchShared) {
                fsyncsShared.increment();
            }
        }
        unsynced = false;
        batchGroup = -1;
        batchShared = false;
        for (Write w : pending) {
            release(w);
        }
        pending.clear();
    }

    private void release(Write w) {
        for (Message m : w.afterPersist()) {
            transport.send(w.groupId(), m);
        }
        w.durable().accept(w);
    }

    /**
     * A write failed: the member can no longer promise durability, so it stops acknowledging anything (fail-stop,
     * as a disk error must not be retried into silent data loss).
     */
    private void fail(Throwable e) {
        boolean first = failure == null;
        failure = e;
        pending.clear();
        LOG.error("log write failed; this member stops acknowledging writes", e);
        if (first) {
            onFailure.accept(e);
        }
    }

    /** Who to tell when the log fails (once). */
    void onFailure(java.util.function.Consumer<Throwable> listener) {
        this.onFailure = listener;
    }

    LogStorage storage() {
        return storage;
    }

    /** The error that stopped the writer, or null. */
    Throwable failure() {
        return failure;
    }

    void shutdown() {
        executor.shutdown();
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }

    /** Every data sync of the log since start, in etcd's disk buckets. */
    DurationHistogram fsyncDurations() {
        return fsyncDurations;
    }
}
