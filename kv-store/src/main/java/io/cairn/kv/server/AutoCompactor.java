package io.cairn.kv.server;

import com.google.protobuf.ByteString;
import io.cairn.kv.KvStore;
import io.cairn.kv.proto.etcd.CompactionRequest;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --auto-compaction-mode} and {@code --auto-compaction-retention}: while this member leads, it compacts
 * the store's history through the log (a Compact, as a client's) so that it keeps
 * <ul>
 *   <li>{@code periodic}: the revisions of the last retention period. The current revision is sampled every tenth of
 *       the compaction interval (the period, at most an hour), and every interval the store is compacted to the
 *       newest sample at least one period old;
 *   <li>{@code revision}: the last {@code retention} revisions, checked every five minutes.
 * </ul>
 * A member that does not lead keeps no samples (a new leader starts afresh, as etcd's compactor resumes). Failures are
 * logged and tried again at the next interval. At most {@code samplesPerPeriod + 1} samples are kept.
 *
 * <p>Threads: one scheduler thread runs {@link #tick}; tests call it directly with their own clock.
 */
final class AutoCompactor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AutoCompactor.class);
    static final long REVISION_MODE_INTERVAL_MILLIS = TimeUnit.MINUTES.toMillis(5);

    /** What the compactor needs of a member. */
    interface Member {
        boolean isLeader();

        long revision();

        void compact(long revision);
    }

    private record Sample(long atMillis, long revision) {}

    private final Member member;
    private final boolean periodic;
    private final long retention;
    private final long intervalMillis;
    private final long sampleMillis;
    private final Deque<Sample> samples = new ArrayDeque<>();
    private long lastCompactMillis = -1;
    private long compactedTo;
    private ScheduledExecutorService scheduler;

    /**
     * @param retention for {@code periodic} the period in milliseconds, for {@code revision} the revisions kept
     */
    AutoCompactor(Member member, boolean periodic, long retention) {
        if (retention <= 0) {
            throw new IllegalArgumentException("retention must be positive: " + retention);
        }
        this.member = member;
        this.periodic = periodic;
        this.retention = retention;
        this.intervalMillis = periodic ? Math.min(retention, TimeUnit.HOURS.toMillis(1)) : REVISION_MODE_INTERVAL_MILLIS;
        this.sampleMillis = periodic ? Math.max(1, intervalMillis / 10) : intervalMillis;
    }

    /** The compactor of etcd's flags, or null when auto-compaction is off (retention 0). */
    static AutoCompactor fromFlags(EtcdFlags flags, KvStore store) {
        String mode = flags.get("auto-compaction-mode");
        String retention = flags.get("auto-compaction-retention").trim();
        if (!mode.equals("periodic") && !mode.equals("revision")) {
            throw new IllegalArgumentException("invalid auto-compaction-mode \"" + mode + "\": periodic or revision");
        }
        long value;
        if (mode.equals("revision")) {
            try {
                value = Long.parseLong(retention);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid auto-compaction-retention \"" + retention
                        + "\" for revision mode: a number of revisions");
            }
        } else if (retention.matches("\\d+")) {
            value = TimeUnit.HOURS.toMillis(Long.parseLong(retention)); // etcd: a plain number is hours
        } else {
            value = EtcdFlags.durationMillisOrZero(retention);
        }
        if (value == 0) {
            return null;
        }
        Member m = new Member() {
            @Override
            public boolean isLeader() {
                return store.isLeader();
            }

            @Override
            public long revision() {
                return store.revision();
            }

            @Override
            public void compact(long revision) {
                try {
                    store.compact(CompactionRequest.newBuilder().setRevision(revision).build()).get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException("auto-compaction to revision " + revision + " failed: " + e, e);
                }
            }
        };
        return new AutoCompactor(m, mode.equals("periodic"), value);
    }

    void start() {
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-kv-auto-compaction");
            t.setDaemon(true);
            return t;
        });
        scheduler.scheduleWithFixedDelay(() -> tick(System.currentTimeMillis()), sampleMillis, sampleMillis,
                TimeUnit.MILLISECONDS);
        log.info("auto-compaction: {} {} (every {} ms)", periodic ? "periodic, keeping" : "revision, keeping",
                periodic ? retention + " ms" : retention + " revisions", intervalMillis);
    }

    /** One step at {@code nowMillis}: sample, and compact when the interval has passed. */
    synchronized void tick(long nowMillis) {
        try {
            if (!member.isLeader()) {
                samples.clear();
                lastCompactMillis = -1;
                return;
            }
            long revision = member.revision();
            if (lastCompactMillis < 0) {
                lastCompactMillis = nowMillis;
            }
            if (periodic) {
                samples.addLast(new Sample(nowMillis, revision));
                // keep what the next compaction needs: the newest sample at least a period old, and newer ones
                while (samples.size() > 1 && nowMillis - retentionAt(1) >= 0) {
                    samples.removeFirst();
                }
            }
            if (nowMillis - lastCompactMillis < intervalMillis) {
                return;
            }
            lastCompactMillis = nowMillis;
            long target = periodic ? periodicTarget(nowMillis) : revision - retention;
            if (target > compactedTo && target > 0) {
                member.compact(target);
                compactedTo = target;
                log.info("auto-compaction: compacted to revision {}", target);
            }
        } catch (RuntimeException e) {
            log.warn("{}; trying again at the next interval", e.getMessage());
        }
    }

    /** How old the {@code i}-th sample would be, minus the retention: >= 0 means it is at least a period old. */
    private long retentionAt(int i) {
        return samples.stream().skip(i).findFirst().map(s -> s.atMillis() + retention).orElse(Long.MAX_VALUE);
    }

    private long periodicTarget(long nowMillis) {
        long target = 0;
        for (Sample s : samples) {
            if (nowMillis - s.atMillis() >= retention) {
                target = s.revision();
            }
        }
        return target;
    }

    /** Samples held (bounded by the retention over the sampling step). */
    synchronized int samples() {
        return samples.size();
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
