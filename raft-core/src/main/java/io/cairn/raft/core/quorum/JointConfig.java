package io.cairn.raft.core.quorum;

import java.util.function.LongToIntFunction;
import java.util.function.LongUnaryOperator;

/**
 * Quorum arithmetic during joint consensus (thesis §4.3): a decision needs a majority of the incoming voters
 * <em>and</em> a majority of the outgoing ones. Outside joint consensus the outgoing set is empty, and an
 * empty {@link MajorityConfig} agrees to everything, so this degenerates to a plain majority.
 */
public final class JointConfig {
    private final MajorityConfig incoming;
    private final MajorityConfig outgoing;

    public JointConfig(long[] incoming, long[] outgoing) {
        this.incoming = new MajorityConfig(incoming);
        this.outgoing = new MajorityConfig(outgoing);
    }

    public MajorityConfig incoming() {
        return incoming;
    }

    public MajorityConfig outgoing() {
        return outgoing;
    }

    public boolean isJoint() {
        return outgoing.size() > 0;
    }

    /** Whether {@code id} votes in either half. */
    public boolean contains(long id) {
        return incoming.contains(id) || outgoing.contains(id);
    }

    /** The highest index acknowledged by a majority of both halves. */
    public long committedIndex(LongUnaryOperator ackedIndexOf) {
        return Math.min(incoming.committedIndex(ackedIndexOf), outgoing.committedIndex(ackedIndexOf));
    }

    /** Won when both halves won; lost when either lost; pending otherwise. */
    public VoteResult voteResult(LongToIntFunction voteOf) {
        VoteResult a = incoming.voteResult(voteOf);
        VoteResult b = outgoing.voteResult(voteOf);
        if (a == VoteResult.WON && b == VoteResult.WON) {
            return VoteResult.WON;
        }
        if (a == VoteResult.LOST || b == VoteResult.LOST) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    @Override
    public String toString() {
        return isJoint() ? incoming + "&&" + outgoing : incoming.toString();
    }
}
