package io.cairn.raft.core;

/**
 * What became of a proposal a follower forwarded to its leader ({@link RaftNode#forward}), reported in a later
 * {@link Ready}.
 *
 * <ul>
 *   <li>{@link #accepted()}: the leader appended the commands at {@code firstIndex..} in {@code term}; as for
 *       {@link ProposeResult}, they are committed once entries with those indexes and that term are applied,
 *       and lost (certainly not applied) if other entries are applied there.</li>
 *   <li>refused ({@link #rejection()} not null): certainly not appended anywhere; {@code leaderHint} names the
 *       leader the refusing member knows of, or NONE.</li>
 *   <li>{@link #unknown()}: no answer came (the leader changed, or none arrived within two election timeouts):
 *       the leader may or may not have appended them, so the proposer cannot tell a client either way.</li>
 * </ul>
 */
public record ForwardResult(long requestId, long firstIndex, long term, ProposeResult.Rejection rejection,
        long leaderHint, boolean unknown) {

    static ForwardResult accepted(long requestId, long firstIndex, long term) {
        return new ForwardResult(requestId, firstIndex, term, null, RaftNode.NONE, false);
    }

    static ForwardResult refused(long requestId, ProposeResult.Rejection why, long leaderHint) {
        return new ForwardResult(requestId, 0, 0, why, leaderHint, false);
    }

    static ForwardResult unknown(long requestId) {
        return new ForwardResult(requestId, 0, 0, null, RaftNode.NONE, true);
    }

    public boolean accepted() {
        return rejection == null && !unknown;
    }

    @Override
    public String toString() {
        return "forward " + requestId + (accepted() ? " accepted at " + firstIndex + " term " + term
                : unknown ? " outcome unknown" : " refused: " + rejection);
    }
}
