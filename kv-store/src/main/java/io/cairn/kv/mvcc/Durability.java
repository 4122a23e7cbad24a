package io.cairn.kv.mvcc;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows how much of the applied state is durable, and makes more of it so (decision 0009).
 *
 * <p>RocksDB's WAL is off: an applied batch lives in memtables until a flush writes it to SST files. Atomic flush
 * persists every column family at one point, so after a flush that began when the applied index was {@code i},
 * everything up to {@code i} is on disk (and meta there says so). {@link #durableAppliedIndex()} is the highest such
 * {@code i} seen; flushes RocksDB does by itself (full memtables) may make more durable without being counted,
 * which only makes the Raft log keep more than it must.
 *
 * <p>A background thread flushes every {@link KvLimits#flushIntervalMillis()} when something new was applied;
 * {@link #flush()} does it on request (close, tests, a Raft runtime that wants to truncate its log). Flushes are
 * serialised by this object's monitor; applies never wait for them.
 */
final class Durability implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Durability.class);

    private final Columns columns;
    private final LongSupplier appliedIndex;
    private final ScheduledExecutorService flusher;
    private volatile long durableAppliedIndex;

    Durability(Columns columns, LongSupplier appliedIndex, long durableAtOpen, long intervalMillis, String name) {
        this.columns = columns;
        this.appliedIndex = appliedIndex;
        this.durableAppliedIndex = durableAtOpen;
        if (intervalMillis > 0) {
            flusher = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
            flusher.scheduleWithFixedDelay(this::flushQuietly, intervalMillis, intervalMillis, TimeUnit.MILLISECONDS);
        } else {
            flusher = null;
        }
    }

    long durableAppliedIndex() {
        return durableAppliedIndex;
    }

    /** Makes everything applied so far durable; returns the durable applied index. */
    synchronized long flush() {
        long applied = appliedIndex.getAsLong();
        if (applied > durableAppliedIndex) {
            try {
                columns.flushAll();
            } catch (RocksDBException e) {
                throw new StorageException("flush failed", e);
            }
            durableAppliedIndex = applied;
        }
        return durableAppliedIndex;
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            log.warn("background flush failed; the durable applied index stays at {}", durableAppliedIndex, e);
        }
    }

    /** Stops the background flusher (the caller flushes once more if it wants). */
    @Override
    public void close() {
        if (flusher != null) {
            flusher.shutdown();
            try {
                flusher.awaitTermination(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
