package io.cairn.raft.core.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.function.LongToIntFunction;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Quorums of joint consensus (thesis §4.3): commits and elections need a majority of the incoming voters and a
 * majority of the outgoing ones. Includes a leader that is only in the outgoing half (it is being removed): its
 * own acknowledgement and vote count for that half only.
 */
class JointConfigTest {
    private static long[] ids(long... ids) {
        return ids;
    }

    private static LongUnaryOperator acks(Map<Long, Long> acked) {
        return id -> acked.getOrDefault(id, 0L);
    }

    private static LongToIntFunction votes(Map<Long, Integer> votes) {
        return id -> votes.getOrDefault(id, -1);
    }

    @Test
    void withoutOutgoingVotersItIsAPlainMajority() {
        JointConfig c = new JointConfig(ids(1, 2, 3), ids());
        assertThat(c.isJoint()).isFalse();
        assertThat(c.committedIndex(acks(Map.of(1L, 9L, 2L, 5L, 3L, 1L)))).isEqualTo(5);
        assertThat(c.voteResult(votes(Map.of(1L, 1, 2L, 1)))).isEqualTo(VoteResult.WON);
        assertThat(c.toString()).isEqualTo("[1, 2, 3]");
    }

    /** {1,2,3} growing to {1,2,3,4,5}: the committed index is the lower of the two halves' quorum indexes. */
    @Test
    void committedIndexIsTheLowerOfBothHalves() {
        JointConfig c = new JointConfig(ids(1, 2, 3, 4, 5), ids(1, 2, 3));
        assertThat(c.isJoint()).isTrue();
        // 1, 4, 5 at 7: new half 7, old half (7, 0, 0) only 0.
        assertThat(c.committedIndex(acks(Map.of(1L, 7L, 4L, 7L, 5L, 7L)))).isEqualTo(0);
        // 1, 2 at 7: old half 7, new half (7, 7, 0, 0, 0) only 0.
        assertThat(c.committedIndex(acks(Map.of(1L, 7L, 2L, 7L)))).isEqualTo(0);
        // 1, 2 at 7 and 4 at 5: old 7, new 5.
        assertThat(c.committedIndex(acks(Map.of(1L, 7L, 2L, 7L, 4L, 5L)))).isEqualTo(5);
        assertThat(c.toString()).isEqualTo("[1, 2, 3, 4, 5]&&[1, 2, 3]");
    }

    /** Leader 1 is being removed ({1,2,3} to {2,3,4}): its own acknowledgement does not help the new half. */
    @Test
    void leaderOnlyInOutgoingHalfCountsForThatHalfAlone() {
        JointConfig c = new JointConfig(ids(2, 3, 4), ids(1, 2, 3));
        assertThat(c.contains(1)).isTrue();
        assertThat(c.incoming().contains(1)).isFalse();

        assertThat(c.committedIndex(acks(Map.of(1L, 9L, 2L, 9L)))).as("new half has only 2").isEqualTo(0);
        assertThat(c.committedIndex(acks(Map.of(1L, 9L, 2L, 9L, 4L, 8L)))).isEqualTo(8);
        assertThat(c.committedIndex(acks(Map.of(2L, 9L, 4L, 9L, 1L, 3L)))).as("old half: 2 at 9, 1 at 3")
                .isEqualTo(3);

        assertThat(c.voteResult(votes(Map.of(1L, 1, 2L, 1)))).isEqualTo(VoteResult.PENDING);
        assertThat(c.voteResult(votes(Map.of(1L, 1, 2L, 1, 4L, 1)))).isEqualTo(VoteResult.WON);
        assertThat(c.voteResult(votes(Map.of(1L, 1, 3L, 0, 4L, 0)))).as("new half: 3 and 4 refused")
                .isEqualTo(VoteResult.LOST);
    }

    @Test
    void voteResultNeedsBothHalves() {
        JointConfig c = new JointConfig(ids(1, 2, 3, 4, 5), ids(1, 2, 3));
        assertThat(c.voteResult(votes(Map.of(1L, 1, 4L, 1, 5L, 1)))).as("new won, old pending")
                .isEqualTo(VoteResult.PENDING);
        assertThat(c.voteResult(votes(Map.of(1L, 1, 4L, 1, 5L, 1, 2L, 0, 3L, 0)))).as("new won, old lost")
                .isEqualTo(VoteResult.LOST);
        assertThat(c.voteResult(votes(Map.of(1L, 1, 2L, 1, 3L, 0, 4L, 0, 5L, 0)))).as("old won, new lost (2 of 5)")
                .isEqualTo(VoteResult.LOST);
        assertThat(c.voteResult(votes(Map.of(1L, 1, 2L, 1, 4L, 1)))).isEqualTo(VoteResult.WON);
        assertThat(c.voteResult(votes(Map.of()))).isEqualTo(VoteResult.PENDING);
    }
}
