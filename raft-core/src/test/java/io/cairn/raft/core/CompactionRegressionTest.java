package io.cairn.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.log.RaftLog;
import io.cairn.raft.core.progress.ProgressState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regressions found by the simulator once snapshots and compaction ran under faults (docs/robustness.md).
 */
class CompactionRegressionTest {

    /**
     * Bug: RaftLog.matchTerm compared terms with ==, and the term of an index that is not held is
     * TERM_UNKNOWN (-1) on both sides of the comparison, so "no entry" matched "no entry". A follower took an
     * AppendEntries whose prevLogTerm was unknown (-1, sent by a leader that had compacted that entry away) as
     * matching its own missing entry, accepted it and set its commit index past its last entry (simulator seed
     * 19, raft-core II: invariant "commit index is beyond the last index").
     */
    @Test
    void anEntryThatIsNotHeldNeverMatches() {
        RaftLog log = new RaftLog(0, 0, List.of(Entry.command(1, 1, new byte[1])), 1, 1);
        assertThat(log.matchTerm(5, RaftLog.TERM_UNKNOWN)).isFalse();
        assertThat(log.matchTerm(1, 1)).isTrue();
        log.compact(1);
        assertThat(log.matchTerm(0, RaftLog.TERM_UNKNOWN)).isFalse();
    }

    /**
     * Bug: a leader whose follower was in REPLICATE with lost appends sent, on a heartbeat response, an empty
     * append at next-1 even when that entry was compacted, with prevLogTerm = TERM_UNKNOWN. It must instead fall
     * back to probing, which finds that a snapshot is needed.
     */
    @Test
    void leaderNeverSendsAnAppendWithAnUnknownPreviousTerm() {
        TestCluster c = new TestCluster(3,
                b -> b.snapshotThresholdEntries(0).snapshotRetainEntries(0).inflightMessagesMax(1));
        c.elect(1);
        for (int i = 0; i < 5; i++) {
            c.node(1).propose(new byte[] {(byte) i});
            c.stabilize();
        }
        c.isolated.add(3L);
        c.node(1).propose(new byte[] {1}); // sent to 3 optimistically, and lost: the window of one is full
        c.stabilize();
        for (int i = 0; i < 5; i++) {
            c.node(1).propose(new byte[] {(byte) i}); // not sent to 3 at all
            c.stabilize();
        }
        assertThat(c.node(1).progressOf(3).state()).isEqualTo(ProgressState.REPLICATE);
        c.snapshotNow(1);
        c.isolated.clear();

        List<Message> sent = new ArrayList<>();
        c.tick(1, c.configs.get(1L).heartbeatTicks);
        for (int round = 0; round < 20; round++) {
            Ready r = c.processReady(1);
            if (r != null) {
                sent.addAll(r.messages);
            }
            c.deliver(m -> true);
            c.processReady(2);
            c.processReady(3);
            c.deliver(m -> true);
        }
        assertThat(sent).filteredOn(m -> m.type() == MessageType.APPEND)
                .allSatisfy(m -> assertThat(m.logTerm()).isNotEqualTo(RaftLog.TERM_UNKNOWN));
        assertThat(sent).anyMatch(m -> m.type() == MessageType.SNAPSHOT && m.to() == 3);
    }
}
