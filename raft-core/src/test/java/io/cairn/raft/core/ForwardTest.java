package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proposals a follower forwards to its leader ({@link RaftNode#forward}), as etcd's followers do for clients
 * that reach them: the leader appends them as its own and says where, and the follower learns each one's fate
 * as a {@link ForwardResult}. The rule that matters: a follower never reports a forwarded proposal as appended
 * (or as refused) unless its leader said so in the same term; when it cannot know, the outcome is unknown.
 */
class ForwardTest {
    private static final int ELECTION = 10;

    /** Lets the cluster settle; returns the ForwardResults reported so far (TestCluster keeps them all). */
    private static List<ForwardResult> settle(TestCluster c) {
        c.stabilize();
        return c.forwardResults;
    }

    @Test
    void theLeaderAppendsAForwardedProposalAndTheFollowerLearnsWhere() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));
        c.elect(1);
        c.stabilize();
        long before = c.node(1).log().lastIndex();
        c.node(2).forward(7, List.of(utf8("a"), utf8("b")));
        List<ForwardResult> results = settle(c);
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(7);
            assertThat(r.accepted()).isTrue();
            assertThat(r.firstIndex()).isEqualTo(before + 1);
            assertThat(r.term()).isEqualTo(c.node(1).term());
        });
        for (long id = 1; id <= 3; id++) {
            List<byte[]> applied = c.appliedCommands(id);
            assertThat(new String(applied.get(applied.size() - 2))).isEqualTo("a");
            assertThat(new String(applied.get(applied.size() - 1))).isEqualTo("b");
        }
    }

    @Test
    void aFollowerWithoutALeaderAndTheLeaderItselfRefuseAtOnce() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));
        c.node(2).forward(1, List.of(utf8("x"))); // nobody leads yet
        c.elect(1);
        c.stabilize();
        c.node(1).forward(2, List.of(utf8("y"))); // the leader proposes, it does not forward
        assertThat(settle(c)).extracting(ForwardResult::requestId, ForwardResult::rejection)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(1L, ProposeResult.Rejection.NOT_LEADER),
                        org.assertj.core.groups.Tuple.tuple(2L, ProposeResult.Rejection.NOT_LEADER));
        assertThat(c.appliedCommands(1)).noneMatch(b -> new String(b).equals("x") || new String(b).equals("y"));
    }

    @Test
    void aMemberThatNoLongerLeadsRefusesAndTheRefusalIsBelieved() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));
        c.elect(1);
        c.stabilize();
        c.node(2).forward(3, List.of(utf8("x")));
        // the FORWARD reaches 3 instead (as if 2 still believed in an old leader that is now a follower)
        Message sent = c.node(2).ready().messages.get(0);
        assertThat(sent.type()).isEqualTo(MessageType.FORWARD);
        c.network.clear();
        c.node(3).step(new Message(sent.type(), 2, 3, sent.term(), 0, 0, sent.entries(), 0, false, 0,
                sent.context(), null));
        Message refusal = c.node(3).ready().messages.get(0);
        assertThat(refusal.type()).isEqualTo(MessageType.FORWARD_RESPONSE);
        assertThat(refusal.reject()).isTrue();
        // an answer from a member other than the one asked is not believed
        c.node(2).step(new Message(refusal.type(), 3, 2, refusal.term(), 0, 0, null, refusal.commit(), true,
                refusal.rejectHint(), refusal.context(), null));
        assertThat(settle(c)).isEmpty();
    }

    @Test
    void whenTheLeaderChangesBeforeAnsweringTheOutcomeIsUnknown() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));
        c.elect(1);
        c.stabilize();
        c.node(2).forward(9, List.of(utf8("maybe")));
        c.processReady(2);
        c.drop(m -> true); // the FORWARD is lost
        c.node(1).transferLeadership(3); // and a new term begins before any answer
        c.stabilize();
        assertThat(c.leader()).isEqualTo(3);
        List<ForwardResult> results = settle(c);
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(9);
            assertThat(r.unknown()).isTrue();
            assertThat(r.accepted()).isFalse();
        });
    }

    @Test
    void anUnansweredForwardExpiresAfterTwoElectionTimeouts() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION).checkQuorum(false).preVote(false));
        c.elect(1);
        c.stabilize();
        c.node(2).forward(4, List.of(utf8("lost")));
        c.processReady(2);
        c.drop(m -> m.type() == MessageType.FORWARD);
        for (int i = 0; i < 2 * ELECTION - 1; i++) {
            c.tick(1, 1); // the leader keeps the follower's election timer at bay
            c.tick(2, 1);
            c.stabilize();
        }
        assertThat(c.forwardResults).as("not yet").isEmpty();
        c.tick(1, 1);
        c.tick(2, 1);
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(settle(c)).singleElement().satisfies(r -> assertThat(r.unknown()).isTrue());
    }

    /** Regression (robustness row 25): a forwarded read whose request was lost waited until the term changed. */
    @Test
    void anUnansweredForwardedReadIsRefusedAfterTwoElectionTimeouts() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION).checkQuorum(false).preVote(false));
        c.elect(1);
        c.stabilize();
        c.node(2).readIndex(11);
        c.processReady(2);
        c.drop(m -> m.type() == MessageType.READ_INDEX);
        for (int i = 0; i < 2 * ELECTION - 1; i++) {
            c.tick(1, 1);
            c.tick(2, 1);
            c.stabilize();
        }
        assertThat(c.readStates.get(2L)).as("not yet").isEmpty();
        c.tick(1, 1);
        c.tick(2, 1);
        c.stabilize();
        assertThat(c.readStates.get(2L)).singleElement().satisfies(r -> {
            assertThat(r.requestId()).isEqualTo(11);
            assertThat(r.rejected()).isTrue();
        });
    }

    @Test
    void aProposalTooLargeForOneMessageIsRefusedOnTheFollower() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION).messageBytesMax(1_000)
                .inflightBytesMax(10_000));
        c.elect(1);
        c.stabilize();
        c.node(2).forward(5, List.of(new byte[600], new byte[600]));
        assertThat(settle(c)).singleElement()
                .satisfies(r -> assertThat(r.rejection()).isEqualTo(ProposeResult.Rejection.TOO_LARGE));
    }
}
