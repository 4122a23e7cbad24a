package io.cairn.raft.server;

/**
 * Why a request to a Raft group did not succeed, in a form a client can act on: the {@link Reason} says what to
 * do (retry elsewhere, retry later, give up), {@link #leaderHint()} names the member believed to lead.
 */
public final class RaftException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong. */
    public enum Reason {
        /** This member does not lead; retry at {@link RaftException#leaderHint()} (0 if unknown). */
        NOT_LEADER,
        /** A queue or byte limit is full; retry later, or ask to wait. */
        OVERLOADED,
        /** The request is larger than a limit allows; it will never be accepted. */
        TOO_LARGE,
        /** The proposal's log entry was replaced by another leader's: it certainly did not apply. */
        LOST,
        /** Leadership changed while the request waited; its outcome is unknown (a write may still apply). */
        UNKNOWN_OUTCOME,
        /** A membership change is not allowed now (the message says why). */
        CONFIG_CHANGE_REFUSED,
        /** A leadership transfer is under way. */
        TRANSFERRING,
        /** The group is shut down. */
        CLOSED
    }

    private final Reason reason;
    private final long leaderHint;

    public RaftException(Reason reason, String message, long leaderHint) {
        super(message);
        this.reason = reason;
        this.leaderHint = leaderHint;
    }

    public Reason reason() {
        return reason;
    }

    public long leaderHint() {
        return leaderHint;
    }
}
