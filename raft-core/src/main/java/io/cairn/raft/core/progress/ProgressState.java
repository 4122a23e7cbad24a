package io.cairn.raft.core.progress;

/** How the leader replicates to one follower (etcd's progress states). */
public enum ProgressState {
    /**
     * The leader does not know where the follower's log matches its own: it sends one AppendEntries at a time
     * and waits for the answer (or the next heartbeat) before sending another.
     */
    PROBE,
    /**
     * The follower's log matches up to {@code match}: the leader streams AppendEntries optimistically, up to
     * the in-flight window.
     */
    REPLICATE,
    /**
     * The entries the follower needs next are compacted away: a snapshot is on its way, and nothing else is sent
     * until the follower acknowledges it (or the runtime reports the transfer failed).
     */
    SNAPSHOT
}
