package io.cairn.raft.core;

/** How a leader confirms it may serve a linearizable read (thesis §6.4). */
public enum ReadMode {
    /** A heartbeat round to a quorum per batch of reads: safe whatever the clocks do. */
    READ_INDEX,
    /**
     * While a quorum answered heartbeats recently enough, serve at once: no follower will vote for another
     * candidate until its election timeout has passed since it heard from us (check-quorum), so no other leader
     * can exist yet. Relies on clocks running at about the same rate; the lease is shortened by a margin for
     * drift. Requires check-quorum.
     */
    LEASE
}
