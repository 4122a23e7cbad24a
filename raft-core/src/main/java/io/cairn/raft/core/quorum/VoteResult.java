package io.cairn.raft.core.quorum;

/** The outcome of an election so far. */
public enum VoteResult {
    /** Not enough answers yet to decide. */
    PENDING,
    /** A quorum granted. */
    WON,
    /** Enough voters refused that no quorum can grant. */
    LOST
}
