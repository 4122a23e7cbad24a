package io.cairn.raft.core;

/**
 * The answer to a {@link RaftNode#readIndex} request.
 *
 * <p>When {@code rejected} is false, a read that observes the state machine once it has applied at least
 * {@code index} is linearizable: the leader confirmed with a quorum, after the request arrived, that it was
 * still the leader, and {@code index} is at least the commit index at the time the request arrived. When
 * {@code rejected} is true, the read cannot be served here (no known leader, leadership lost); the caller
 * retries, possibly elsewhere.
 */
public record ReadState(long requestId, long index, boolean rejected, String reason) {
    public static ReadState served(long requestId, long index) {
        return new ReadState(requestId, index, false, null);
    }

    public static ReadState rejected(long requestId, String reason) {
        return new ReadState(requestId, -1, true, reason);
    }

    @Override
    public String toString() {
        return rejected ? "read " + requestId + " rejected: " + reason : "read " + requestId + " index=" + index;
    }
}
