package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes compacted history in the background: the physical half of etcd's Compact.
 *
 * <p>A Compact(c) takes effect logically when it is applied (reads below c are refused from then on); this thread
 * then removes, in batches of at most {@link KvLimits#compactionBatchKeysMax()} deletes, every history entry below
 * c except each key's newest version at or below c when that is a live value (tombstones at or below c go too),
 * removes the revision log below c (one range delete), and records c as the physically compacted revision. Applies
 * never wait for it: its writes are small batches of their own, and they touch only entries that no read at or
 * above c needs, so no reader and no apply can observe a difference.
 *
 * <p>It never removes the history entry of a key's current version, from which reads take that version's value
 * (the current column family holds metadata only, {@link KvMeta}): the current version is the key's newest
 * entry and live, so it is either above c (not looked at) or the newest at or below c, which is kept. The
 * entries removed are those with a newer entry of the same key at or below c in this thread's iterator, and
 * tombstones; neither is ever a current version. A reader on a RocksDB snapshot keeps seeing what it scanned even
 * when a later write makes an entry removable and this thread removes it. Checked on every value read
 * ({@link HistoryRecord#value}) and by {@code CompactionKeepsCurrentVersionsTest}.
 *
 * <p>Failures: a failed attempt (a storage error) is logged, counted ({@link #failures()}) and retried after a
 * pause that doubles from 100 ms to 30 s, from the last batch it wrote; waiters wait for the retry. Restart: a
 * compaction interrupted by close or crash is resumed at open (meta holds both revisions) from the resume
 * point recorded with its last batch ({@code compaction_resume} in the meta column family), or from the start of
 * history when the target has grown since; removing an entry twice is harmless.
 *
 * <p>Threads: one daemon thread owns the work; {@link #request} is called by the apply thread; waiters complete on
 * the compactor thread. At most {@link #WAITERS_MAX} waiters are kept: beyond that the oldest is chained onto the
 * newest (a later compaction covers an earlier one).
 */
final class Compactor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Compactor.class);

    /** The first pause after a failed attempt; it doubles up to {@link #RETRY_MAX_MILLIS}. */
    static final long RETRY_FIRST_MILLIS = 100;
    static final long RETRY_MAX_MILLIS = 30_000;

    /** The most physical-compaction waiters kept apart. */
    static final int WAITERS_MAX = 1024;

    private final Columns columns;
    private final KvLimits limits;
    private final Thread thread;
    private final Object lock = new Object();
    private final TreeMap<Long, CompletableFuture<Void>> waiters = new TreeMap<>(); // guarded by lock
    private final java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger injectedFailures =
            new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicInteger injectedAfter = new java.util.concurrent.atomic.AtomicInteger();
    private volatile boolean resumedFromRecordedPoint;
    /** The resume point read at open, until a batch moves past it. */
    private byte[] loadedResumeKey;
    /** Where the compaction to {@link #resumeTarget} stopped (after its last written batch), or null. */
    private byte[] resumeKey;
    private long resumeTarget;
    private long target; // guarded by lock
    private volatile long done;
    private volatile boolean closed;

    Compactor(Columns columns, KvLimits limits, long physicalCompactedRevision, long compactedRevision, String name) {
        this.columns = columns;
        this.limits = limits;
        this.done = physicalCompactedRevision;
        this.target = compactedRevision;
        loadResumePoint();
        this.foreground = !limits.backgroundWork();
        this.thread = foreground ? null : new Thread(this::loop, name);
        if (thread != null) {
            this.thread.setDaemon(true);
            this.thread.start();
        } else if (target > done) {
            runInForeground(); // an interrupted compaction, finished at open
        }
    }

    /** Without background work (the simulator): history is removed by the caller of {@link #request}, at once. */
    private final boolean foreground;

    /**
     * One attempt to finish the compaction on the calling thread; a failure is counted and logged, and the next
     * request (or open) tries again from where it stopped.
     */
    private void runInForeground() {
        long t;
        synchronized (lock) {
            t = target;
        }
        try {
            if (t > done && compactTo(t)) {
                finish(t);
            }
        } catch (RocksDBException | RuntimeException e) {
            failures.incrementAndGet();
            log.error("compaction to revision {} failed; the next request tries again from where it stopped", t, e);
        }
    }

    /** Asks for history below {@code revision} to be removed; {@code waiter} (may be null) completes after. */
    void request(long revision, CompletableFuture<Void> waiter) {
        synchronized (lock) {
            target = Math.max(target, revision);
            if (waiter != null) {
                if (waiters.size() >= WAITERS_MAX) {
                    Map.Entry<Long, CompletableFuture<Void>> oldest = waiters.pollFirstEntry();
                    waiter.thenRun(() -> oldest.getValue().complete(null));
                }
                CompletableFuture<Void> same = waiters.putIfAbsent(revision, waiter);
                if (same != null) {
                    same.thenRun(() -> waiter.complete(null));
                }
            }
            lock.notifyAll();
        }
        if (foreground) {
            runInForeground();
        }
    }

    /** The revision below which history is physically gone. */
    long physicalCompactedRevision() {
        return done;
    }

    private void loop() {
        long backoffMillis = RETRY_FIRST_MILLIS;
        while (!closed) {
            long t;
            synchronized (lock) {
                while (!closed && target <= done) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                t = target;
            }
            if (closed) {
                return;
            }
            try {
                if (compactTo(t)) {
                    finish(t);
                }
                backoffMillis = RETRY_FIRST_MILLIS;
            } catch (RocksDBException | RuntimeException e) {
                failures.incrementAndGet();
                log.error("compaction to revision {} failed; retrying in {} ms from where it stopped", t,
                        backoffMillis, e);
                synchronized (lock) {
                    try {
                        lock.wait(backoffMillis);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
                backoffMillis = Math.min(RETRY_MAX_MILLIS, backoffMillis * 2);
            }
        }
    }

    /** Failed attempts since open (each is retried): the store's status and metrics report it. */
    long failures() {
        return failures.get();
    }

    /** Test hook: the next {@code n} batches fail as a storage error would. */
    void failNextBatches(int n) {
        failBatchesAfter(0, n);
    }

    /** Test hook: after {@code ok} more batches are written, the next {@code n} fail as a storage error would. */
    void failBatchesAfter(int ok, int n) {
        injectedAfter.set(ok);
        injectedFailures.set(n);
    }

    /** Whether a compaction of this run went on from the point an earlier run recorded (tests). */
    boolean resumedFromRecordedPoint() {
        return resumedFromRecordedPoint;
    }

    private void finish(long t) throws RocksDBException {
        try (WriteBatch batch = new WriteBatch()) {
            batch.put(columns.meta, Keys.META_PHYSICAL_COMPACTED_REVISION, Keys.longBytes(t));
            batch.delete(columns.meta, Keys.META_COMPACTION_RESUME);
            columns.db.write(columns.writeOptions, batch);
        }
        done = t;
        synchronized (lock) {
            while (!waiters.isEmpty() && waiters.firstKey() <= t) {
                waiters.pollFirstEntry().getValue().complete(null);
            }
        }
        log.debug("history below revision {} removed", t);
    }

    /**
     * The point an earlier run of this store recorded with its last batch, so a compaction interrupted by a crash,
     * a close or a failure goes on there instead of scanning history from its start again.
     */
    private void loadResumePoint() {
        try {
            byte[] v = columns.db.get(columns.meta, Keys.META_COMPACTION_RESUME);
            if (v != null && v.length > 8) {
                resumeTarget = Keys.getLong(v, 0);
                resumeKey = java.util.Arrays.copyOfRange(v, 8, v.length);
                loadedResumeKey = resumeKey;
                log.info("compaction to revision {} resumes where it stopped", resumeTarget);
            }
        } catch (RocksDBException e) {
            throw new StorageException("cannot read the compaction's resume point", e);
        }
    }

    /** Removes the history below {@code t}; false if stopped by close. */
    private boolean compactTo(long t) throws RocksDBException {
        // After a failure, go on from the last batch written for the same target (a larger target may need what a
        // smaller one kept, so it starts over).
        byte[] resume = resumeTarget == t ? resumeKey : null;
        if (resume != null && resume == loadedResumeKey) {
            resumedFromRecordedPoint = true; // this run goes on where an earlier one stopped
        }
        do {
            if (closed) {
                return false;
            }
            if (injectedAfter.getAndUpdate(n -> Math.max(0, n - 1)) == 0
                    && injectedFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new StorageException("injected compaction failure", new RocksDBException("injected"));
            }
            try (WriteBatch batch = new WriteBatch()) {
                byte[] next = compactSome(t, resume, batch);
                if (next != null) { // recorded with the batch it follows: both or neither survive a crash
                    batch.put(columns.meta, Keys.META_COMPACTION_RESUME, Keys.concat(Keys.longBytes(t), next));
                }
                if (batch.count() > 0) {
                    columns.db.write(columns.writeOptions, batch);
                }
                resume = next;
                resumeKey = next;
                resumeTarget = t;
            }
        } while (resume != null);
        columns.db.deleteRange(columns.revlog, columns.writeOptions, Keys.revlogStart(0), Keys.revlogStart(t));
        return true;
    }

    /** One batch of deletes from {@code resume} (null: the start); returns where to go on, or null at the end. */
    private byte[] compactSome(long t, byte[] resume, WriteBatch batch) throws RocksDBException {
        int deletes = 0;
        byte[] header = new byte[KvMeta.BYTES];
        try (RocksIterator it = columns.db.newIterator(columns.history)) {
            if (resume == null) {
                it.seekToFirst();
            } else {
                it.seek(resume);
            }
            while (it.isValid()) {
                byte[] entry = it.key();
                byte[] prefix = java.util.Arrays.copyOf(entry, entry.length - 8);
                byte[] newest = null;
                boolean newestDead = false;
                while (it.isValid() && Keys.isHistoryOf(entry = it.key(), prefix)
                        && Keys.decodeHistoryRevision(entry) <= t) {
                    if (newest != null) {
                        if (deletes >= limits.compactionBatchKeysMax()) {
                            return newest; // resume at the key's newest version so far, kept until then
                        }
                        batch.delete(columns.history, newest);
                        deletes++;
                    }
                    newest = entry;
                    newestDead = isTombstone(it, header);
                    it.next();
                }
                if (newest != null && newestDead) {
                    batch.delete(columns.history, newest);
                    deletes++;
                }
                if (it.isValid() && Keys.isHistoryOf(it.key(), prefix)) {
                    it.seek(Keys.historyPrefixEnd(prefix));
                }
                if (deletes >= limits.compactionBatchKeysMax()) {
                    return it.isValid() ? it.key() : null;
                }
            }
            Scanner.checkStatus(it);
        }
        return null;
    }

    /** Whether the history record under the iterator is a tombstone, read into {@code header} (no value copied). */
    private static boolean isTombstone(RocksIterator it, byte[] header) {
        int length = it.value(header);
        Invariants.check(length >= KvMeta.BYTES, "history record too short: %s bytes", length);
        return HistoryRecord.isTombstone(header);
    }

    /** Stops the thread (an unfinished compaction resumes at the next open); waiters fail as UNAVAILABLE. */
    @Override
    public void close() {
        closed = true;
        synchronized (lock) {
            lock.notifyAll();
        }
        if (thread != null) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        failWaiters(new KvException(KvException.Code.UNAVAILABLE,
                "cairn: the kv store closed before the compaction finished; it resumes when the store reopens"));
    }

    private void failWaiters(KvException why) {
        synchronized (lock) {
            waiters.values().forEach(w -> w.completeExceptionally(why));
            waiters.clear();
        }
    }
}
