package io.cairn.raft.core;

/** The messages members exchange. Which fields each one uses is written on {@link Message}'s factories. */
public enum MessageType {
    /** Pre-vote request (thesis §9.6): "would you vote for me at term+1?" Changes no state. */
    PRE_VOTE,
    PRE_VOTE_RESPONSE,
    /** RequestVote (§5.2). */
    VOTE,
    VOTE_RESPONSE,
    /** AppendEntries carrying entries (possibly none, to carry the commit index or probe). */
    APPEND,
    APPEND_RESPONSE,
    /** AppendEntries without entries that keeps followers from campaigning and confirms read rounds. */
    HEARTBEAT,
    HEARTBEAT_RESPONSE,
    /** A follower asks the leader for a read index on behalf of its own client. */
    READ_INDEX,
    READ_INDEX_RESPONSE,
    /** Leadership transfer (thesis §3.10): the leader tells a caught-up voter to campaign at once. */
    TIMEOUT_NOW,
    /**
     * InstallSnapshot: the follower is too far behind for the log. The message carries only the snapshot's
     * metadata; the runtime streams the data beside it in chunks and steps this message into the follower's
     * core once all of it has arrived. Answered with an APPEND_RESPONSE.
     */
    SNAPSHOT,
    /** Leader to follower: the group is quiet; stop counting the election timeout until anything else arrives. */
    QUIESCE,
    /** Follower to leader: something happened here while the group was quiet; send heartbeats again. */
    WAKE,
    /**
     * A follower hands its client's proposal to the leader: the commands travel as the message's entries (whose
     * index and term mean nothing); {@code context} names the request.
     */
    FORWARD,
    /** The leader's answer to a FORWARD: where it appended the commands, or why it did not. */
    FORWARD_RESPONSE;

    private static final MessageType[] VALUES = values();

    public static MessageType ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }

    /** The response type a voter sends for this request type. */
    public MessageType voteResponse() {
        return this == PRE_VOTE ? PRE_VOTE_RESPONSE : VOTE_RESPONSE;
    }
}
