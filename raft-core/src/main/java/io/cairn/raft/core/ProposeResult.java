package io.cairn.raft.core;

/**
 * The immediate answer to {@link RaftNode#propose}. An accepted proposal has been appended to the leader's log
 * at {@code firstIndex..firstIndex+count-1} in {@code term}; it is committed when an entry at those indexes with
 * that same term is applied. If the entry applied at such an index has another term, the proposal was lost
 * (certainly not applied). A rejected proposal was not appended at all.
 */
public record ProposeResult(boolean accepted, long firstIndex, long term, Rejection rejection, long leaderHint,
        String detail) {

    /** Why a proposal was refused. */
    public enum Rejection {
        /** This member is not the leader; {@code leaderHint} names the leader it knows of, or NONE. */
        NOT_LEADER,
        /** The leader's uncommitted log already holds its limit of bytes: retry later. */
        OVERLOADED,
        /** A proposal must carry at least one command. */
        EMPTY,
        /** The proposal is larger than one proposal or one message may be ({@code detail} says which). */
        TOO_LARGE,
        /** Leadership is being handed to another member: retry there once it leads. */
        TRANSFERRING,
        /** A configuration change that is not allowed now ({@code detail} says why). */
        CONFIG_CHANGE_REFUSED
    }

    public static ProposeResult accepted(long firstIndex, long term) {
        return new ProposeResult(true, firstIndex, term, null, RaftNode.NONE, null);
    }

    public static ProposeResult rejected(Rejection why, long leaderHint) {
        return new ProposeResult(false, 0, 0, why, leaderHint, null);
    }

    public static ProposeResult rejected(Rejection why, long leaderHint, String detail) {
        return new ProposeResult(false, 0, 0, why, leaderHint, detail);
    }

    @Override
    public String toString() {
        return accepted ? "accepted at " + firstIndex + " term " + term
                : "rejected: " + rejection + (detail == null ? "" : " (" + detail + ")");
    }
}
