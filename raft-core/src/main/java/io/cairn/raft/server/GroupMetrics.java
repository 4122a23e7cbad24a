package io.cairn.raft.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The meters of one group, tagged with its id: proposals and batch sizes, commit latency (proposal to applied),
 * apply lag (committed minus applied), leader changes, the bytes in flight to followers, and whether the group
 * is quiesced. The log writer
 * registers the shared fsync meters.
 */
final class GroupMetrics {
    private final Counter proposals;
    private final DistributionSummary batchSize;
    private final Timer commitLatency;
    private final Counter leaderChanges;
    private final AtomicLong committed = new AtomicLong();
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong inflightBytes = new AtomicLong();
    private final AtomicLong quiesced = new AtomicLong();

    GroupMetrics(MeterRegistry registry, long groupId) {
        Tags tags = Tags.of("group", Long.toString(groupId));
        proposals = Counter.builder("cairn.raft.proposals").tags(tags).description("commands proposed")
                .register(registry);
        batchSize = DistributionSummary.builder("cairn.raft.batch.size").tags(tags)
                .description("commands appended together by one raft loop batch").register(registry);
        commitLatency = Timer.builder("cairn.raft.commit.latency").tags(tags)
                .description("from proposal to applied on the proposing member").register(registry);
        leaderChanges = Counter.builder("cairn.raft.leader.changes").tags(tags)
                .description("times this member saw a new leader").register(registry);
        Gauge.builder("cairn.raft.apply.lag", this, m -> m.committed.get() - m.applied.get()).tags(tags)
                .description("committed entries not yet applied").register(registry);
        Gauge.builder("cairn.raft.applied.index", applied, AtomicLong::get).tags(tags).register(registry);
        Gauge.builder("cairn.raft.inflight.bytes", inflightBytes, AtomicLong::get).tags(tags)
                .description("entry bytes sent to followers and not yet acknowledged").register(registry);
        Gauge.builder("cairn.raft.quiesced", quiesced, AtomicLong::get).tags(tags)
                .description("1 while the group is quiesced (idle: no ticks, no heartbeats)").register(registry);
    }

    void quiesced(boolean on) {
        quiesced.set(on ? 1 : 0);
    }

    void proposed(int commands) {
        proposals.increment(commands);
        batchSize.record(commands);
    }

    void commitLatency(long nanos) {
        commitLatency.record(nanos, TimeUnit.NANOSECONDS);
    }

    void leaderChanged() {
        leaderChanges.increment();
    }

    void committed(long index) {
        committed.set(index);
    }

    void applied(long index) {
        applied.set(index);
    }

    void inflightBytes(long bytes) {
        inflightBytes.set(bytes);
    }
}
