package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.MessageType.APPEND;
import static io.cairn.raft.core.MessageType.APPEND_RESPONSE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.progress.ProgressState;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replication to a lagging follower over a network that reorders and duplicates messages, as Raft allows (the
 * simulator's network does both; a real one orders a connection's messages but not across a reconnect). Robustness row 68: simulator seed
 * 1123582729 ran 50 million events in 28 virtual seconds, the leader sending about 2.7 million appends a second to
 * learners that had joined some 2,400 entries behind.
 */
class ReplicationUnderReorderingTest {

    /** One command entry of five bytes per message. */
    private static final long ONE_ENTRY = Entry.command(1, 1, utf8("e0000")).sizeBytes();

    private static long appendsTo(TestCluster c, long to) {
        return c.network.stream().filter(m -> m.type() == APPEND && m.to() == to).count();
    }

    /**
     * A follower in PROBE while the leader holds entries after its match has one probe outstanding, which carries
     * entries, so its answer is past the match. A late answer at the match (a copy, or the answer to an append of
     * an earlier pipeline) is not that answer and must not move the follower to REPLICATE: it did (robustness row
     * 32's rule took any answer at the match for the probe's), and each such copy restarted a whole window of
     * appends from the match while the earlier windows were still on the network. Fails without the fix: the late
     * copy sends four more appends.
     */
    @Test
    void aLateAnswerAtTheMatchDoesNotRestartTheWindowWhileAProbeWithEntriesIsOutstanding() {
        TestCluster c = new TestCluster(3, plain(b -> b.inflightMessagesMax(4).messageBytesMax(ONE_ENTRY)));
        c.elect(1);
        long match = c.node(1).progressOf(3).match();
        Message lateCopy = c.delivered.stream()
                .filter(m -> m.from() == 3 && m.to() == 1 && m.type() == APPEND_RESPONSE && !m.reject()
                        && m.index() == match)
                .reduce((a, b) -> b).orElseThrow();

        c.isolated.add(3L); // its window fills with appends that are lost
        for (int i = 0; i < 6; i++) {
            c.node(1).propose(utf8("lost" + i));
            c.stabilize();
        }
        c.isolated.clear();
        c.tick(1, 1); // a heartbeat; its answer makes the leader send an empty append at next-1, which 3 rejects
        for (int i = 0; i < 2; i++) { // the heartbeat and its answer, then the empty append and its rejection
            c.processReady(1);
            c.deliverTo(3);
            c.processReady(3);
            c.deliverTo(1);
        }
        c.processReady(1);
        assertThat(c.node(1).progressOf(3).state()).isEqualTo(ProgressState.PROBE);
        assertThat(c.node(1).progressOf(3).match()).isEqualTo(match);
        assertThat(appendsTo(c, 3)).as("one probe, with the entry after the match").isEqualTo(1);

        c.node(1).step(lateCopy);
        c.processReady(1);

        assertThat(c.node(1).progressOf(3).state()).as("still waiting for the probe's answer")
                .isEqualTo(ProgressState.PROBE);
        assertThat(appendsTo(c, 3)).as("no window restarted by the late copy").isEqualTo(1);
        c.stabilize();
        assertThat(c.node(3).log().lastIndex()).isEqualTo(c.node(1).log().lastIndex());
        assertThat(c.appliedCommands(3)).hasSize(6);
    }

    /**
     * A leader pipelines a window of appends, one entry each, and the network delivers them in reverse order. The
     * follower used to reject every append that arrived before its predecessor (no entry at prevLogIndex yet) and
     * keep only the one that fit, so over a network that reorders it took about two entries per window and a
     * learner thousands of entries behind crawled (robustness row 69: simulator seed 1123583668 with a learner
     * added 40 s in had 1,436 of 4,050 entries 10 s after the faults healed). It now holds them, still rejecting
     * each as before, and appends them once the gap fills. Fails without the fix: its log ends after the first.
     */
    @Test
    void aFollowerAppendsTheAppendsThatArrivedBeforeTheirPredecessorsOnceTheGapFills() {
        TestCluster c = new TestCluster(3, plain(b -> b.inflightMessagesMax(8).messageBytesMax(ONE_ENTRY)));
        c.elect(1);
        long before = c.node(3).log().lastIndex();
        for (int i = 0; i < 4; i++) {
            c.node(1).propose(utf8("e000" + i));
        }
        c.processReady(1);
        List<Message> window = new ArrayList<>(c.network.stream()
                .filter(m -> m.type() == APPEND && m.to() == 3 && !m.entries().isEmpty()).toList());
        assertThat(window).hasSize(4);
        c.network.removeAll(window);
        Collections.reverse(window);

        window.forEach(c.node(3)::step);
        c.processReady(3);

        assertThat(c.node(3).log().lastIndex()).as("every entry of the window").isEqualTo(before + 4);
        long rejections = c.network.stream().filter(m -> m.type() == APPEND_RESPONSE && m.reject()).count();
        assertThat(rejections).as("each early append still rejected, so a lost predecessor is probed for")
                .isEqualTo(3);
        c.deliverTo(1);
        c.processReady(1);
        assertThat(c.node(1).progressOf(3).match()).isEqualTo(before + 4);
        c.stabilize();
        assertThat(c.appliedCommands(3)).hasSize(4);
    }
}
