package io.cairn.raft.server;

import io.cairn.raft.core.Role;
import io.cairn.raft.core.confchange.Configuration;

/**
 * A member's view of one group, as of its raft loop's last batch; {@code quiesced} while the group is idle and
 * this member's timers stand still ({@link io.cairn.raft.core.RaftConfig#quiesceTicks}).
 */
public record GroupStatus(long groupId, long memberId, Role role, long term, long leader, long commitIndex,
        long appliedIndex, long lastIndex, Configuration configuration, boolean quiesced) {}
