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
     *
     * <p>The lease is measured in ticks, so it is only as good as the ticks: before handing the core a read (a
     * client's {@link RaftNode#readIndex} or a follower's READ_INDEX message) the runtime must deliver every
     * tick its monotonic clock says has elapsed. A runtime that ticks from a timer thread alone can serve a
     * stale read after a process pause (a GC pause, SIGSTOP, a stalled VM), when the request thread wakes before
     * the timer's catch-up ticks.
     */
    LEASE
}
