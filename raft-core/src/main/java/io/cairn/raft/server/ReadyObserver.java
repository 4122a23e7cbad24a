package io.cairn.raft.server;

import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.Ready;
import io.cairn.raft.core.Tracer;

/**
 * Sees every {@link Ready} of every group before the runtime handles it, on the group's raft loop: the hook the
 * simulator uses to check Raft's safety properties while the real runtime runs. Must not change anything.
 */
@FunctionalInterface
public interface ReadyObserver {
    void onReady(long groupId, RaftNode core, Ready ready);

    /** The group's core was created (on restart: from the recovered log), before its first Ready. */
    default void onOpen(long groupId, RaftNode core) {
    }

    /** A tracer that also sees the group's core decisions and events, or {@link Tracer#NONE}. */
    default Tracer tracer(long groupId) {
        return Tracer.NONE;
    }
}
