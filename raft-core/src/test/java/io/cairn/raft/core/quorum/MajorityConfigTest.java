package io.cairn.raft.core.quorum;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Majority arithmetic: quorum sizes, the committed index, and election outcomes. */
class MajorityConfigTest {
    private static long[] ids(int n) {
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = i + 1;
        }
        return out;
    }

    @ParameterizedTest(name = "{0} voters -> quorum {1}")
    @CsvSource({"1, 1", "2, 2", "3, 2", "4, 3", "5, 3", "6, 4", "7, 4"})
    void quorumIsAStrictMajority(int voters, int quorum) {
        assertThat(new MajorityConfig(ids(voters)).quorum()).isEqualTo(quorum);
    }

    /** The highest index that a quorum has reached: with the acks sorted high to low, the quorum-th one. */
    @ParameterizedTest(name = "acks {0} -> {1}")
    @CsvSource({
            "'7', 7",
            "'7 3', 3",
            "'5 3 1', 3",
            "'1 3 5', 3",
            "'4 4 0', 4",
            "'1 2 3 4', 2",
            "'9 9 1 1 1', 1",
            "'9 9 9 1 1', 9",
    })
    void committedIndexIsTheQuorumthLargestAck(String acks, long committed) {
        String[] parts = acks.split(" ");
        long[] values = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            values[i] = Long.parseLong(parts[i]);
        }
        MajorityConfig c = new MajorityConfig(ids(parts.length));
        assertThat(c.committedIndex(id -> values[(int) id - 1])).isEqualTo(committed);
    }

    @Test
    void emptyConfigurationNeverBlocks() {
        MajorityConfig c = new MajorityConfig(new long[0]);
        assertThat(c.committedIndex(id -> 0)).isEqualTo(Long.MAX_VALUE);
        assertThat(c.voteResult(id -> -1)).isEqualTo(VoteResult.WON);
    }

    @Test
    void voteResultIsDecidedOnlyWhenNoAnswerCanChangeIt() {
        MajorityConfig three = new MajorityConfig(ids(3));
        assertThat(three.voteResult(votes(Map.of(1L, 1)))).isEqualTo(VoteResult.PENDING);
        assertThat(three.voteResult(votes(Map.of(1L, 1, 2L, 1)))).isEqualTo(VoteResult.WON);
        assertThat(three.voteResult(votes(Map.of(1L, 1, 2L, 0)))).isEqualTo(VoteResult.PENDING);
        assertThat(three.voteResult(votes(Map.of(1L, 1, 2L, 0, 3L, 0)))).isEqualTo(VoteResult.LOST);

        MajorityConfig four = new MajorityConfig(ids(4));
        assertThat(four.voteResult(votes(Map.of(1L, 1, 2L, 1)))).isEqualTo(VoteResult.PENDING);
        assertThat(four.voteResult(votes(Map.of(1L, 1, 2L, 1, 3L, 0, 4L, 0)))).as("a tie loses")
                .isEqualTo(VoteResult.LOST);
        assertThat(four.voteResult(votes(Map.of(1L, 1, 2L, 1, 3L, 1)))).isEqualTo(VoteResult.WON);
    }

    @Test
    void votersAreSortedAndDefensivelyCopied() {
        long[] given = {5, 1, 3};
        MajorityConfig c = new MajorityConfig(given);
        given[0] = 99;
        assertThat(c.voters()).containsExactly(1, 3, 5);
        c.voters()[0] = 42;
        assertThat(c.voters()).containsExactly(1, 3, 5);
        assertThat(c.contains(3)).isTrue();
        assertThat(c.contains(99)).isFalse();
        assertThat(c.size()).isEqualTo(3);
    }

    /** 1 granted, 0 refused, -1 (absent) not yet answered. */
    private static java.util.function.LongToIntFunction votes(Map<Long, Integer> answers) {
        return id -> answers.getOrDefault(id, -1);
    }
}
