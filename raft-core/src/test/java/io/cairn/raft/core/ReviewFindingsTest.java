package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.entries;
import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.MessageType.READ_INDEX_RESPONSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Regressions for the findings of the correctness review of the pure core (docs/robustness.md). Each states the
 * finding, the rule it broke and how it is provoked; each failed before its fix.
 */
class ReviewFindingsTest {

    /**
     * Finding 1 (safety, follower reads). A follower turns any READ_INDEX_RESPONSE carrying a request id into a
     * served {@link ReadState}: it keeps no record of which forwarded reads are outstanding, nor of the term or
     * leader it asked. {@link RaftNode#readIndex} only requires ids to be unique among <em>pending</em> reads,
     * so a runtime may reuse an id once its read completed (or after a restart, when a counter starts again).
     * A delayed duplicate of an old answer (the network may duplicate and delay any message) then answers the
     * new read with the old index, which is below a commit whose write the client saw succeed before it issued
     * the new read: a stale read (thesis §6.4: the read index must be at least the commit index when the read
     * arrives).
     */
    @Test
    void delayedDuplicateReadIndexResponseMustNotAnswerALaterReadWithTheSameId() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.stabilize();                                   // noop 1, x at 2: committed and applied everywhere

        c.node(2).readIndex(7);
        c.processReady(2);                               // READ_INDEX 2 -> 1
        c.deliverTo(1);
        c.processReady(1);                               // heartbeat round
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        c.deliverTo(1);
        c.processReady(1);                               // round confirmed: READ_INDEX_RESPONSE(7, index 2)
        Message answer = c.network.stream().filter(m -> m.type() == READ_INDEX_RESPONSE).findFirst()
                .orElseThrow();
        c.stabilize();
        assertThat(c.readStates.get(2L)).containsExactly(ReadState.served(7, 2));

        c.node(1).propose(utf8("y"));                    // y at 3: committed and applied on every member;
        c.stabilize();                                   // its client has its ok
        assertThat(c.node(2).log().committed()).isEqualTo(3);

        c.node(2).readIndex(7);                          // a new read; 7 is no longer pending, so reuse is legal
        c.node(2).step(answer);                          // the network's late duplicate of the first answer
        c.processReady(2);

        List<ReadState> second = c.readStates.get(2L).subList(1, c.readStates.get(2L).size());
        assertThat(second).as("a served answer to the second read must be at least commit index 3")
                .allMatch(rs -> rs.rejected() || rs.index() >= 3);
    }

    /**
     * Finding 1, restart form: after a restart the follower has no pending forwarded reads at all, yet an answer
     * sent to its previous incarnation is accepted and becomes a served ReadState.
     */
    @Test
    void readIndexResponseForARequestThisMemberNeverMadeIsIgnored() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.restart(2);
        c.node(2).step(Message.readIndexResponse(1, 2, 1, 1, 1, false));
        Ready r = c.processReady(2);
        assertThat(r == null ? List.<ReadState>of() : r.readStates).isEmpty();
    }

    /**
     * Finding 2 (liveness, follower reads). A forwarded read whose READ_INDEX or answer is lost, or whose leader
     * is replaced, is never answered: the follower keeps no record of it, so neither a term change nor a new
     * leader rejects it, and a late answer from the old term is dropped by §5.1. Every runtime must add its own
     * timeout; the leader-side reads, by contrast, are rejected on step-down.
     */
    @Test
    void forwardedReadIsRejectedWhenTheFollowerMovesToANewTerm() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(2).readIndex(5);
        c.processReady(2);
        c.network.clear();                               // the READ_INDEX is lost; 1 is cut off
        c.isolated.add(1L);
        c.elect(3);                                      // 2 votes for 3 in term 2 and follows it
        assertThat(c.node(2).term()).isEqualTo(2);
        assertThat(c.node(2).leader()).isEqualTo(3);

        assertThat(c.readStates.get(2L)).as("read 5 is answered or rejected")
                .anyMatch(rs -> rs.requestId() == 5);
    }

    /**
     * Finding 3 (liveness, recovery). A follower that learns a new term from an AppendEntries gets one Ready
     * holding both the new hard state and entries of that term. The Ready contract does not say in which order
     * (or whether atomically) the two must become durable, and a segmented log that frames each record on its
     * own can keep the entry records and lose the hard-state record in a crash. Restarting from that state is
     * safe (no vote was cast in the newer term, since a vote is sent only after its hard state is durable), but
     * {@code RaftNode.restart} refuses it ("recovered log ends in term 2 above the durable term 1"), so the
     * member can never start again.
     */
    @Test
    void restartAcceptsEntriesThatBecameDurableBeforeTheirHardState() {
        RaftConfig config = plain(2, 1, 2, 3).build();
        RaftNode follower = RaftNode.restart(config, new HardState(1, 1, 1), entries(1), 0, bound -> 0,
                Tracer.NONE);
        follower.step(Message.append(3, 2, 2, 1, 1, List.of(Fixtures.entry(2, 2)), 1));
        Ready r = follower.ready();
        assertThat(r.hardState.term()).isEqualTo(2);
        assertThat(r.entries).extracting(Entry::term).containsExactly(2L);

        // The entries became durable, the hard state did not: the durable state is (term 1, vote 1) + [1/1, 2/2].
        assertThatCode(() -> RaftNode.restart(config, new HardState(1, 1, 1), entries(1, 2), 0, bound -> 0,
                Tracer.NONE)).doesNotThrowAnyException();
        RaftNode restarted = RaftNode.restart(config, new HardState(1, 1, 1), entries(1, 2), 0, bound -> 0,
                Tracer.NONE);
        assertThat(restarted.term()).as("the term of its last entry, unvoted").isEqualTo(2);
        assertThat(restarted.vote()).isEqualTo(RaftNode.NONE);
    }
}
