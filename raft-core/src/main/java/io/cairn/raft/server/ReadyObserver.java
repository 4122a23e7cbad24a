package io.cairn.raft.server;

import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.Ready;

/**
 * Sees every {@link Ready} of every group before the runtime handles it, on the group's raft loop: the hook the
 * simulator uses to check Raft's safety properties while the real runtime runs. Must not change anything.
 */
@FunctionalInterface
public interface ReadyObserver {
    void onReady(long groupId, RaftNode core, Ready ready);
}
