package io.cairn.raft.core.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.Invariants.InvariantViolation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The log's positions (handed out, persisted, committed, applying) and its search helpers. */
class RaftLogTest {
    private static Entry e(long term, long index) {
        return Entry.command(term, index, new byte[] {(byte) index});
    }

    /** Entries from index {@code first} with the given terms. */
    private static List<Entry> run(long first, long... terms) {
        List<Entry> out = new ArrayList<>();
        for (int i = 0; i < terms.length; i++) {
            out.add(e(terms[i], first + i));
        }
        return out;
    }

    private static RaftLog durable(long... terms) {
        return new RaftLog(0, 0, run(1, terms), 0, 0);
    }

    @Test
    void emptyLogStartsAtIndexOne() {
        RaftLog log = RaftLog.empty();
        assertThat(log.firstIndex()).isEqualTo(1);
        assertThat(log.lastIndex()).isZero();
        assertThat(log.lastTerm()).isZero();
        assertThat(log.term(0)).isZero();
        assertThat(log.term(1)).isEqualTo(RaftLog.TERM_UNKNOWN);
        assertThat(log.hasUnstable()).isFalse();
        assertThat(log.takeUnstable()).isEmpty();
    }

    @Test
    void appendedEntriesAreUnstableUntilHandedOutOnce() {
        RaftLog log = RaftLog.empty();
        log.append(run(1, 1, 1));
        log.appendOne(e(2, 3));

        assertThat(log.hasUnstable()).isTrue();
        assertThat(log.takeUnstable()).containsExactlyElementsOf(run(1, 1, 1, 2));
        assertThat(log.hasUnstable()).isFalse();
        assertThat(log.takeUnstable()).isEmpty();
        assertThat(log.lastIndex()).isEqualTo(3);
        assertThat(log.lastTerm()).isEqualTo(2);
    }

    @Test
    void appendCutsConflictingSuffixAndRewindsStablePositions() {
        RaftLog log = RaftLog.empty();
        log.append(run(1, 1, 1, 1, 1, 1));
        log.takeUnstable();
        log.stableTo(5, 1);
        assertThat(log.persisted()).isEqualTo(5);

        long cut = log.append(run(4, 2, 2));

        assertThat(cut).isEqualTo(2);
        assertThat(log.lastIndex()).isEqualTo(5);
        assertThat(log.term(4)).isEqualTo(2);
        assertThat(log.persisted()).as("4 and 5 were replaced").isEqualTo(3);
        assertThat(log.takeUnstable()).as("the runtime rewrites from 4").containsExactlyElementsOf(run(4, 2, 2));
    }

    @Test
    void appendNeverOverwritesCommittedEntriesOrLeavesGaps() {
        RaftLog log = durable(1, 1, 1);
        log.commitTo(2);

        assertThatThrownBy(() -> log.append(run(2, 2))).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("committed");
        assertThatThrownBy(() -> log.append(run(5, 1))).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("gap");
        assertThat(log.append(List.of())).isZero();
        assertThat(log.append(run(3, 2))).isEqualTo(1);
    }

    @Test
    void findConflictReturnsFirstEntryNotAlreadyPresent() {
        RaftLog log = durable(1, 1, 2);

        assertThat(log.findConflict(run(1, 1, 1, 2))).as("all present").isZero();
        assertThat(log.findConflict(run(2, 1))).isZero();
        assertThat(log.findConflict(run(2, 1, 3))).as("term differs at 3").isEqualTo(3);
        assertThat(log.findConflict(run(3, 2, 2))).as("4 is past the end").isEqualTo(4);
        assertThat(log.findConflict(List.of())).isZero();
    }

    @Test
    void findConflictByTermFindsLastIndexWithTermAtMost() {
        RaftLog log = durable(1, 1, 2, 2, 4, 4);

        assertThat(log.findConflictByTerm(6, 4)).isEqualTo(6);
        assertThat(log.findConflictByTerm(6, 3)).as("skips the whole of term 4").isEqualTo(4);
        assertThat(log.findConflictByTerm(6, 1)).isEqualTo(2);
        assertThat(log.findConflictByTerm(6, 0)).isZero();
        assertThat(log.findConflictByTerm(3, 5)).isEqualTo(3);
        assertThat(log.findConflictByTerm(100, 3)).as("clamped to the last index").isEqualTo(4);
    }

    @Test
    void findConflictByTermStopsAtSnapshot() {
        RaftLog log = new RaftLog(5, 2, run(6, 3, 3, 4), 5, 5);

        assertThat(log.firstIndex()).isEqualTo(6);
        assertThat(log.term(5)).isEqualTo(2);
        assertThat(log.term(4)).isEqualTo(RaftLog.TERM_UNKNOWN);
        assertThat(log.findConflictByTerm(8, 1)).isEqualTo(5);
        assertThat(log.findConflictByTerm(8, 3)).isEqualTo(7);
        assertThatThrownBy(() -> log.entriesFrom(5, 100)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("compacted");
    }

    @Test
    void stableToIgnoresStaleAndPrematureReports() {
        RaftLog log = RaftLog.empty();
        log.append(run(1, 1, 1, 1, 1));
        log.takeUnstable();
        log.append(run(5, 1));                  // not handed out yet

        log.stableTo(5, 1);
        assertThat(log.persisted()).as("not handed out").isZero();
        log.stableTo(3, 2);
        assertThat(log.persisted()).as("wrong term: a report about replaced entries").isZero();
        log.stableTo(3, 1);
        assertThat(log.persisted()).isEqualTo(3);
        log.stableTo(2, 1);
        assertThat(log.persisted()).as("never moves back").isEqualTo(3);

        log.append(run(3, 2));                  // 3 and 4 replaced before their write was reported
        log.takeUnstable();
        log.stableTo(4, 1);
        assertThat(log.persisted()).isEqualTo(2);
        log.stableTo(3, 2);
        assertThat(log.persisted()).isEqualTo(3);
    }

    @Test
    void onlyCommittedAndLocallyDurableEntriesAreHandedOutToApply() {
        RaftLog log = RaftLog.empty();
        log.append(run(1, 1, 1, 1, 1));
        log.takeUnstable();
        log.commitTo(3);
        assertThat(log.hasNextCommitted()).as("nothing durable yet").isFalse();

        log.stableTo(2, 1);
        assertThat(log.hasNextCommitted()).isTrue();
        assertThat(log.takeNextCommitted(Long.MAX_VALUE)).containsExactlyElementsOf(run(1, 1, 1));
        assertThat(log.applying()).isEqualTo(2);

        log.stableTo(4, 1);
        assertThat(log.takeNextCommitted(Long.MAX_VALUE)).as("committed bounds it").containsExactly(e(1, 3));
        assertThat(log.hasNextCommitted()).isFalse();
        assertThat(log.takeNextCommitted(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void applyBatchHonoursByteLimitButTakesAtLeastOne() {
        List<Entry> big = List.of(Entry.command(1, 1, new byte[100]), Entry.command(1, 2, new byte[1]),
                Entry.command(1, 3, new byte[1]));
        RaftLog log = new RaftLog(0, 0, big, 3, 0);
        long small = big.get(1).sizeBytes();

        assertThat(log.takeNextCommitted(1)).hasSize(1);
        assertThat(log.takeNextCommitted(2 * small)).hasSize(2);
    }

    @Test
    void commitIndexNeverMovesBackNorPastTheEnd() {
        RaftLog log = durable(1, 1, 1);
        log.commitTo(2);
        log.commitTo(1);
        assertThat(log.committed()).isEqualTo(2);
        assertThatThrownBy(() -> log.commitTo(4)).isInstanceOf(InvariantViolation.class)
                .hasMessageContaining("beyond the last index");
    }

    @Test
    void upToDateComparesLastTermThenLength() {
        RaftLog log = durable(1, 2, 2);
        assertThat(log.isUpToDate(3, 2)).isTrue();
        assertThat(log.isUpToDate(4, 2)).isTrue();
        assertThat(log.isUpToDate(2, 2)).isFalse();
        assertThat(log.isUpToDate(1, 3)).isTrue();
        assertThat(log.isUpToDate(9, 1)).isFalse();
    }

    @Test
    void entriesFromAndSliceHonourByteLimitButTakeAtLeastOne() {
        RaftLog log = durable(1, 1, 1, 1);
        long one = e(1, 1).sizeBytes();

        assertThat(log.entriesFrom(2, 0)).hasSize(1);
        assertThat(log.entriesFrom(2, 2 * one)).hasSize(2);
        assertThat(log.entriesFrom(2, Long.MAX_VALUE)).hasSize(3);
        assertThat(log.entriesFrom(5, Long.MAX_VALUE)).isEmpty();
        assertThat(log.slice(1, 3, Long.MAX_VALUE)).containsExactlyElementsOf(run(1, 1, 1));
    }

    @Test
    void recoveredLogIsDurableWithCommitClampedToItsEnd() {
        RaftLog log = new RaftLog(0, 0, run(1, 1, 1, 2), 9, 1);

        assertThat(log.persisted()).isEqualTo(3);
        assertThat(log.hasUnstable()).isFalse();
        assertThat(log.committed()).as("the stored commit is only a hint").isEqualTo(3);
        assertThat(log.applying()).isEqualTo(1);
        assertThat(log.takeNextCommitted(Long.MAX_VALUE)).containsExactlyElementsOf(run(2, 1, 2));
    }

    /** Regression: see RaftPaperTest.restartResumesApplyingAfterStateMachineAppliedIndex. */
    @Test
    void recoveryTreatsAppliedEntriesAsCommitted() {
        RaftLog log = new RaftLog(0, 0, run(1, 1, 1, 1), 1, 2);

        assertThat(log.committed()).isEqualTo(2);
        assertThat(log.applying()).isEqualTo(2);
        log.commitTo(3);
        assertThat(log.takeNextCommitted(Long.MAX_VALUE)).containsExactly(e(1, 3));
    }
}
