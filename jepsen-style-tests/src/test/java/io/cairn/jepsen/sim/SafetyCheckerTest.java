package io.cairn.jepsen.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.SoftState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulator's safety checker judges hand-made event sequences as Raft's rules say. */
class SafetyCheckerTest {
    private static final byte[] A = {1};
    private static final byte[] B = {2};

    /** Durable entries per member, as the checker asks for them. */
    private final Map<Integer, Map<Long, Long>> durable = new HashMap<>();

    private SafetyChecker.DurableCount durableCount(SafetyChecker c) {
        return new SafetyChecker.DurableCount() {
            @Override
            public long term(int node, long index) {
                return durable.getOrDefault(node, Map.of()).getOrDefault(index, -1L);
            }

            @Override
            public int count(long index, long term) {
                int n = 0;
                for (Map<Long, Long> d : durable.values()) {
                    n += d.getOrDefault(index, -1L) == term ? 1 : 0;
                }
                return n;
            }
        };
    }

    private void write(SafetyChecker c, int node, Entry... entries) {
        c.onEntries(node, List.of(entries));
        for (Entry e : entries) {
            durable.computeIfAbsent(node, k -> new HashMap<>()).put(e.index(), e.term());
        }
    }

    @Test
    void twoLeadersInOneTermBreakElectionSafety() {
        SafetyChecker c = new SafetyChecker(3);
        c.onSoftState(1, new SoftState(1, Role.LEADER, 5));
        assertThat(c.violation()).isNull();
        c.onSoftState(2, new SoftState(2, Role.LEADER, 5));
        assertThat(c.violation()).startsWith("election safety");
    }

    @Test
    void sameIndexAndTermWithDifferentHistoryBreaksLogMatching() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A), Entry.command(2, 2, A));
        write(c, 2, Entry.command(1, 1, B), Entry.command(2, 2, A));
        assertThat(c.violation()).startsWith("log matching");
    }

    @Test
    void identicalLogsAreFine() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A), Entry.command(2, 2, A));
        write(c, 2, Entry.command(1, 1, A), Entry.command(2, 2, A));
        c.onCommit(1, 2, true, 2, durableCount(c), 2);
        c.onCommit(2, 2, false, 2, durableCount(c), 2);
        assertThat(c.violation()).isNull();
        assertThat(c.sameLog(1, 2)).isTrue();
    }

    @Test
    void commitOnlyOneMemberHoldsBreaksDurability() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A));
        c.onCommit(1, 1, true, 1, durableCount(c), 2);
        assertThat(c.violation()).startsWith("durability");
    }

    @Test
    void committingADifferentEntryBreaksStateMachineSafety() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A));
        write(c, 2, Entry.command(1, 1, A));
        c.onCommit(1, 1, true, 1, durableCount(c), 2);
        write(c, 3, Entry.command(2, 1, B));
        durable.get(1).put(1L, 2L); // pretend a quorum durably holds the conflicting entry too
        c.onCommit(3, 1, true, 2, durableCount(c), 2);
        assertThat(c.violation()).startsWith("state machine safety");
    }

    @Test
    void commitIndexGoingBackIsAViolation() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A), Entry.command(1, 2, A));
        write(c, 2, Entry.command(1, 1, A), Entry.command(1, 2, A));
        c.onCommit(1, 2, true, 1, durableCount(c), 2);
        c.onCommit(1, 1, true, 1, durableCount(c), 2);
        assertThat(c.violation()).startsWith("commit index of n1 went back");
    }

    @Test
    void leaderOfLaterTermWithoutCommittedEntryBreaksLeaderCompleteness() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A), Entry.command(1, 2, A));
        write(c, 2, Entry.command(1, 1, A), Entry.command(1, 2, A));
        c.onCommit(1, 2, true, 1, durableCount(c), 2);
        write(c, 3, Entry.command(1, 1, A));
        c.onSoftState(3, new SoftState(3, Role.LEADER, 2));
        assertThat(c.violation()).startsWith("leader completeness");
    }

    /**
     * Regression (docs/robustness.md): a leader of an older term can be elected after a newer term committed
     * more entries; leader completeness only covers entries committed in earlier terms. The checker used to
     * compare against everything committed and reported a false violation (seed 69 with commit-old-term).
     */
    @Test
    void leaderOfOlderTermElectedAfterNewerCommitIsNotAViolation() {
        SafetyChecker c = new SafetyChecker(3);
        write(c, 1, Entry.command(1, 1, A));
        write(c, 2, Entry.command(1, 1, A));
        write(c, 3, Entry.command(1, 1, A));
        c.onCommit(1, 1, true, 1, durableCount(c), 2);
        write(c, 1, Entry.noop(5, 2));
        write(c, 2, Entry.noop(5, 2));
        c.onCommit(1, 2, true, 5, durableCount(c), 2);
        write(c, 3, Entry.noop(4, 2)); // n3 gathered its votes for term 4 before anyone moved to term 5
        c.onSoftState(3, new SoftState(3, Role.LEADER, 4));
        assertThat(c.violation()).isNull();
    }
}
