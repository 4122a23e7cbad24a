package io.cairn.raft.server;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Durations counted into fixed buckets since the start, as a Prometheus histogram exports them: per upper bound the
 * number of observations at or below it (cumulative), their count and their sum. Bounded (one counter per bucket);
 * thread-safe and lock-free; {@link #record} allocates nothing.
 *
 * <p>{@link #etcdDiskBuckets()} gives etcd's buckets for its disk latencies ({@code etcd_disk_wal_fsync_duration_seconds},
 * {@code etcd_disk_backend_commit_duration_seconds}): 1 ms doubling to 8.192 s, so dashboards built for etcd read
 * Cairn's figures unchanged.
 */
public final class DurationHistogram {
    private final double[] boundsSeconds;
    private final long[] boundsNanos;
    private final AtomicLongArray counts;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong sumNanos = new AtomicLong();

    public DurationHistogram(double... boundsSeconds) {
        this.boundsSeconds = boundsSeconds.clone();
        this.boundsNanos = new long[boundsSeconds.length];
        for (int i = 0; i < boundsSeconds.length; i++) {
            if (i > 0 && boundsSeconds[i] <= boundsSeconds[i - 1]) {
                throw new IllegalArgumentException("bucket bounds must increase: " + java.util.Arrays.toString(boundsSeconds));
            }
            boundsNanos[i] = Math.round(boundsSeconds[i] * 1e9);
        }
        this.counts = new AtomicLongArray(boundsSeconds.length);
    }

    /** etcd's disk-latency buckets: prometheus.ExponentialBuckets(0.001, 2, 14). */
    public static DurationHistogram etcdDiskBuckets() {
        double[] b = new double[14];
        for (int i = 0; i < b.length; i++) {
            b[i] = 0.001 * (1L << i);
        }
        return new DurationHistogram(b);
    }

    public void record(long nanos) {
        count.incrementAndGet();
        sumNanos.addAndGet(nanos);
        for (int i = 0; i < boundsNanos.length; i++) {
            if (nanos <= boundsNanos[i]) {
                counts.incrementAndGet(i); // counted in its own bucket; cumulated on export
                return;
            }
        }
    }

    /** The upper bounds in seconds. */
    public double[] boundsSeconds() {
        return boundsSeconds.clone();
    }

    /** Observations at or below each bound (cumulative, as Prometheus' {@code le} buckets). */
    public long[] cumulativeCounts() {
        long[] out = new long[boundsNanos.length];
        long running = 0;
        for (int i = 0; i < out.length; i++) {
            running += counts.get(i);
            out[i] = running;
        }
        return out;
    }

    public long count() {
        return count.get();
    }

    public double sumSeconds() {
        return sumNanos.get() / 1e9;
    }
}
