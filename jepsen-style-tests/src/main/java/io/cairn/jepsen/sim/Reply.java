package io.cairn.jepsen.sim;

/** A member's answer to a simulated client request. */
record Reply(Outcome outcome, Long value, long leaderHint) {
    /** What happened to a request, from the client's point of view. */
    enum Outcome {
        /** Done: a write is applied, or a read returned {@code value}. */
        OK,
        /** Refused by a member that is not the leader; nothing was appended. Retry at {@code leaderHint}. */
        NOT_LEADER,
        /** The member is down or refused outright; nothing happened. Retry elsewhere. */
        UNAVAILABLE,
        /** A read could not be served here (no leader, leadership lost); it had no effect. Retry. */
        RETRY,
        /** The write's log entry was replaced by another leader's: it certainly never applies. */
        LOST,
        /** The connection broke after the write was appended: it may or may not apply. */
        UNKNOWN,
        /** Applied, and certainly without effect: a compare-and-set whose compare failed. */
        FAILED
    }

    static Reply of(Outcome o) {
        return new Reply(o, null, 0);
    }
}
