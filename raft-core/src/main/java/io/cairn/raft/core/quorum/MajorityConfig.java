package io.cairn.raft.core.quorum;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * Quorum arithmetic for one set of voters: a majority of them decides.
 *
 * <p>Pure functions over ids; the caller supplies each voter's acknowledged index or vote. Kept apart from the
 * role logic so that joint consensus (raft-core II), which needs a majority of two sets, reuses it unchanged.
 */
public final class MajorityConfig {
    private final long[] voters;

    public MajorityConfig(long[] voters) {
        this.voters = voters.clone();
        Arrays.sort(this.voters);
    }

    public long[] voters() {
        return voters.clone();
    }

    public int size() {
        return voters.length;
    }

    public boolean contains(long id) {
        return Arrays.binarySearch(voters, id) >= 0;
    }

    /** How many voters make a majority. */
    public int quorum() {
        return voters.length / 2 + 1;
    }

    /**
     * The highest index that a majority has acknowledged: sort the voters' acknowledged indexes and take the
     * quorum-th largest. An empty configuration commits everything (it never blocks a joint configuration).
     */
    public long committedIndex(LongUnaryOperator ackedIndexOf) {
        int n = voters.length;
        if (n == 0) {
            return Long.MAX_VALUE;
        }
        if (n == 1) {
            return ackedIndexOf.applyAsLong(voters[0]);
        }
        long[] acked = new long[n];
        for (int i = 0; i < n; i++) {
            acked[i] = ackedIndexOf.applyAsLong(voters[i]);
        }
        Arrays.sort(acked);
        return acked[n - quorum()];
    }

    /**
     * The election's outcome given each voter's answer: {@code voteOf} returns 1 for granted, 0 for refused
     * and -1 for no answer yet.
     */
    public VoteResult voteResult(java.util.function.LongToIntFunction voteOf) {
        if (voters.length == 0) {
            return VoteResult.WON;
        }
        int granted = 0;
        int missing = 0;
        for (long v : voters) {
            int answer = voteOf.applyAsInt(v);
            if (answer > 0) {
                granted++;
            } else if (answer < 0) {
                missing++;
            }
        }
        int q = quorum();
        if (granted >= q) {
            return VoteResult.WON;
        }
        if (granted + missing >= q) {
            return VoteResult.PENDING;
        }
        return VoteResult.LOST;
    }

    @Override
    public String toString() {
        return Arrays.toString(voters);
    }
}
