package io.cairn.raft.core.progress;

/**
 * What the leader knows of one follower's log, and how it sends to it.
 *
 * <p>Invariant: {@code match < next}. In PROBE at most one AppendEntries is outstanding ({@code paused} is set
 * after each send and cleared by any answer or a heartbeat response). In REPLICATE {@code next} runs ahead of
 * {@code match} optimistically, bounded by {@link Inflights}.
 */
public final class Progress {
    private long match;
    private long next;
    private ProgressState state = ProgressState.PROBE;
    private boolean paused;
    /** Heard from since the last check-quorum round. */
    private boolean recentActive;
    /** The highest heartbeat round this follower acknowledged in the current term. */
    private long readRoundAcked;
    /** In PROBE: the probe outstanding is an empty append at {@code next - 1} (there was nothing after it). */
    private boolean emptyProbeOutstanding;
    /** In SNAPSHOT: the index the snapshot being sent covers. */
    private long pendingSnapshot;
    private final Inflights inflights;

    public Progress(long next, int inflightCountMax, long inflightBytesMax) {
        this.next = next;
        this.inflights = new Inflights(inflightCountMax, inflightBytesMax);
    }

    public long match() {
        return match;
    }

    public long next() {
        return next;
    }

    public ProgressState state() {
        return state;
    }

    public Inflights inflights() {
        return inflights;
    }

    public boolean recentActive() {
        return recentActive;
    }

    public void setRecentActive(boolean active) {
        recentActive = active;
    }

    public long readRoundAcked() {
        return readRoundAcked;
    }

    public void ackReadRound(long round) {
        if (round > readRoundAcked) {
            readRoundAcked = round;
        }
    }

    /** Whether the leader must hold back AppendEntries to this follower for now. */
    public boolean isPaused() {
        return switch (state) {
            case PROBE -> paused;
            case REPLICATE -> inflights.full();
            case SNAPSHOT -> true;
        };
    }

    public void pause() {
        paused = true;
    }

    public void resume() {
        paused = false;
    }

    /** In PROBE, an empty append at {@code next - 1} was sent: wait for its answer. */
    public void probeSentEmpty() {
        paused = true;
        emptyProbeOutstanding = true;
    }

    /**
     * Whether the last probe sent was an empty append at {@code next - 1}, so that an answer at the match can be
     * its answer. A probe that carried entries is answered past the match.
     */
    public boolean emptyProbeOutstanding() {
        return state == ProgressState.PROBE && emptyProbeOutstanding;
    }

    /**
     * Back to probing. Leaving SNAPSHOT, the follower is probed right after the snapshot (it most likely
     * installed it) unless it already acknowledged more.
     */
    public void becomeProbe() {
        emptyProbeOutstanding = false;
        long after = state == ProgressState.SNAPSHOT ? Math.max(match, pendingSnapshot) + 1 : match + 1;
        state = ProgressState.PROBE;
        paused = false;
        pendingSnapshot = 0;
        inflights.reset();
        next = after;
    }

    /** A snapshot covering up to {@code snapshotIndex} is being sent; hold everything else back. */
    public void becomeSnapshot(long snapshotIndex) {
        emptyProbeOutstanding = false;
        state = ProgressState.SNAPSHOT;
        paused = false;
        pendingSnapshot = snapshotIndex;
        inflights.reset();
    }

    /** The snapshot transfer failed: probe from what the follower is known to hold, not past the snapshot. */
    public void abortSnapshot() {
        pendingSnapshot = 0;
    }

    public long pendingSnapshot() {
        return pendingSnapshot;
    }

    public void becomeReplicate() {
        emptyProbeOutstanding = false;
        state = ProgressState.REPLICATE;
        paused = false;
        pendingSnapshot = 0;
        inflights.reset();
        next = match + 1;
    }

    /**
     * Records that the follower's log matches up to {@code index}. Returns false if that was already known
     * (a stale or duplicate acknowledgement).
     */
    public boolean maybeUpdate(long index) {
        boolean updated = false;
        if (index > match) {
            match = index;
            updated = true;
            paused = false;
        }
        next = Math.max(next, index + 1);
        return updated;
    }

    /** Records that entries up to {@code lastIndex} were sent, bytes counted against the window. */
    public void sentEntries(long lastIndex, long bytes) {
        if (state == ProgressState.REPLICATE) {
            next = lastIndex + 1;
            inflights.add(lastIndex, bytes);
        } else {
            paused = true;
            emptyProbeOutstanding = false;
        }
    }

    /**
     * The follower rejected an AppendEntries whose previous entry was at {@code rejected}; {@code probeFrom} is
     * where the leader's fast back-off suggests trying next (the last index believed to match). Returns false if
     * the rejection is stale (answers an older message) and must be ignored.
     */
    public boolean maybeDecreaseTo(long rejected, long probeFrom) {
        if (state == ProgressState.REPLICATE) {
            if (rejected <= match) {
                return false;
            }
            next = match + 1;
            return true;
        }
        if (next - 1 != rejected) {
            return false;
        }
        next = Math.max(Math.min(rejected, probeFrom + 1), match + 1);
        paused = false;
        return true;
    }

    @Override
    public String toString() {
        return state + " match=" + match + " next=" + next + (isPaused() ? " paused" : "")
                + " inflight=" + inflights.count()
                + (state == ProgressState.SNAPSHOT ? " pending-snapshot=" + pendingSnapshot : "");
    }
}
