package io.cairn.raft.core;

/**
 * Interesting things the core did, reported to {@link Tracer#event}. The simulator counts them to prove a run
 * reached the states that matter ("sometimes" counters); the runtime turns them into metrics.
 */
public enum RaftEvent {
    /** A leader became leader. */
    LEADER_ELECTED("leader-elected"),
    /** A leader stepped down because it could not hear from a quorum within an election timeout. */
    CHECK_QUORUM_STEP_DOWN("check-quorum-step-down"),
    /** This member refused to pre-vote for a candidate. */
    PRE_VOTE_REJECTED("pre-vote-rejected"),
    /** A follower cut back a conflicting suffix of its log on a new leader's AppendEntries. */
    LOG_TRUNCATED("log-truncated"),
    /** A read was answered through the ReadIndex protocol. */
    READ_INDEX_SERVED("read-index-served"),
    /** A leader held back entries for a follower because its in-flight window (count or bytes) was full. */
    INFLIGHT_LIMIT_REACHED("inflight-limit-reached"),
    /** A proposal was refused because the uncommitted log was at its byte limit. */
    PROPOSAL_OVERLOADED("proposal-overloaded"),
    /** A read was answered from the leader's lease, without a heartbeat round (thesis §6.4.1). */
    LEASE_READ_SERVED("lease-read-served"),
    /** A configuration took effect (its entry committed). */
    CONFIG_APPLIED("config-applied"),
    /** A learner became a voter. */
    LEARNER_PROMOTED("learner-promoted"),
    /** A leader stepped down because the configuration that removed it committed. */
    REMOVED_LEADER_STEPPED_DOWN("removed-leader-stepped-down"),
    /** A leader began handing leadership to another member. */
    TRANSFER_STARTED("transfer-started"),
    /** The target of a leadership transfer became leader. */
    TRANSFER_COMPLETED("transfer-completed"),
    /** A leadership transfer did not finish within an election timeout and was given up. */
    TRANSFER_ABANDONED("transfer-abandoned"),
    /** The core asked the runtime for a snapshot because its log grew past the threshold. */
    SNAPSHOT_REQUESTED("snapshot-requested"),
    /** A leader sent a snapshot to a follower whose next entry was compacted away. */
    SNAPSHOT_SENT("snapshot-sent"),
    /** A follower replaced its log by a snapshot from the leader. */
    SNAPSHOT_INSTALLED("snapshot-installed"),
    /** A leader found its group quiet and stopped heartbeats (its followers stop their election timers). */
    QUIESCED("quiesced"),
    /** A quiesced member woke up: a proposal, a read, or a message arrived. */
    WOKE("woke"),
    /** A leader appended a proposal a follower forwarded to it. */
    PROPOSAL_FORWARDED("proposal-forwarded"),
    /**
     * A leader received a FORWARD it had already decided in this term (or one older than it remembers) and did not
     * append it again.
     */
    FORWARD_DUPLICATE_DROPPED("forward-duplicate-dropped"),
    /** A follower could not learn what became of a proposal it forwarded (the leader changed or was silent). */
    FORWARD_OUTCOME_UNKNOWN("forward-outcome-unknown"),
    /**
     * A (pre-)vote request from a member outside this member's configuration (one removed and still running) was
     * ignored or refused: a removed member cannot disrupt the group it left.
     */
    REMOVED_MEMBER_CAMPAIGN_IGNORED("removed-member-campaign-ignored"),
    /**
     * A follower's leader vouched for entries the follower acknowledged and no longer has: its storage was lost
     * (a wiped data directory restarted under the same member id, or a disk that lost synced data). Raft's
     * safety assumes it never happens; the member must be removed and added back as a new one.
     */
    ACKNOWLEDGED_ENTRIES_MISSING("acknowledged-entries-missing");

    private final String counterName;

    RaftEvent(String counterName) {
        this.counterName = counterName;
    }

    /** The name used for counters: lower-case words joined by '-'. */
    public String counterName() {
        return counterName;
    }
}
