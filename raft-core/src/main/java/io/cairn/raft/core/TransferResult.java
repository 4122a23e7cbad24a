package io.cairn.raft.core;

/** The immediate answer to {@link RaftNode#transferLeadership}. */
public enum TransferResult {
    /** The transfer is under way (or already was, to the same member). It completes when the target leads, or
     * is abandoned after an election timeout. */
    STARTED,
    /** This member is not the leader. */
    NOT_LEADER,
    /** The target does not vote in the current configuration. */
    NOT_A_VOTER,
    /** The target is this member, which already leads. */
    ALREADY_LEADER
}
