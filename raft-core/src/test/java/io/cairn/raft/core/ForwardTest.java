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

    /** Counts how often {@code command} was applied on member {@code id}. */
    private static long timesApplied(TestCluster c, long id, String command) {
        return c.appliedCommands(id).stream().filter(b -> new String(b).equals(command)).count();
    }

    /** The FORWARD member {@code from} has just sent (handed out of its Ready, not yet delivered). */
    private static Message sentForward(TestCluster c, long from) {
        c.processReady(from);
        List<Message> forwards = c.network.stream().filter(m -> m.type() == MessageType.FORWARD).toList();
        assertThat(forwards).hasSize(1);
        return forwards.get(0);
    }

    /**
     * Regression (robustness row 27, seed 128289514): the network delivered one FORWARD twice and the leader
     * appended it twice, so one client's write took effect again after a later write and readers went back in
     * time. The copy must be answered as the original was, and appended nothing.
     */
    @Test
    void aForwardDeliveredTwiceIsAppendedOnce() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));
        c.elect(1);
        c.stabilize();
        c.node(2).forward(21, List.of(utf8("once")));
        Message forward = sentForward(c, 2);
        c.network.add(forward); // the duplicate, right behind the original
        c.node(3).forward(22, List.of(utf8("later"))); // a later write lands between the copies' answers
        List<ForwardResult> results = settle(c);
        c.network.add(forward); // and a late copy after everything settled
        c.stabilize();
        for (long id = 1; id <= 3; id++) {
            assertThat(timesApplied(c, id, "once")).as("member %d", id).isEqualTo(1);
            List<byte[]> applied = c.appliedCommands(id);
            assertThat(new String(applied.get(applied.size() - 1))).as("the later write stays last").isEqualTo("later");
        }
        assertThat(results).filteredOn(r -> r.requestId() == 21).singleElement()
                .satisfies(r -> assertThat(r.accepted()).isTrue());
        assertThat(c.events(RaftEvent.FORWARD_DUPLICATE_DROPPED)).isEqualTo(2);
    }

    /**
     * A refused forward is remembered too: the follower told its client "not applied" (OVERLOADED), so a copy that
     * arrives once the leader has room must not be appended.
     */
    @Test
    void aCopyOfARefusedForwardIsRefusedAgainOnceThereIsRoom() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION).messageBytesMax(300)
                .uncommittedBytesMax(300));
        c.elect(1);
        c.stabilize();
        c.isolated.add(3L);
        c.isolated.add(2L);
        assertThat(c.node(1).propose(List.of(new byte[200])).accepted()).isTrue(); // uncommitted: followers cut off
        c.stabilize();
        c.isolated.clear();
        c.node(2).forward(31, List.of(new byte[150]));
        Message forward = sentForward(c, 2);
        c.deliver(m -> m == forward);
        c.processReady(1);
        List<Message> answers = c.network.stream().filter(m -> m.type() == MessageType.FORWARD_RESPONSE).toList();
        assertThat(answers).singleElement().satisfies(m -> assertThat(m.reject()).isTrue());
        c.stabilize();
        assertThat(c.forwardResults).singleElement()
                .satisfies(r -> assertThat(r.rejection()).isEqualTo(ProposeResult.Rejection.OVERLOADED));
        c.tick(1, ELECTION / 2); // heartbeats: the followers catch up and the leader's entry commits, room again
        c.stabilize();
        assertThat(c.node(1).log().committed()).isEqualTo(c.node(1).log().lastIndex());
        long before = c.node(1).log().lastIndex();
        c.network.add(forward);
        c.stabilize();
        assertThat(c.node(1).log().lastIndex()).as("nothing appended for the copy").isEqualTo(before);
    }

    /**
     * A leader that stepped down in the same term (check-quorum) has forgotten what it appended; a copy of a
     * FORWARD it appended must not be answered "certainly not appended" (NOT_LEADER), since the entry may still
     * commit under the next leader. The asker learns "outcome unknown".
     */
    @Test
    void aLeaderThatSteppedDownInTheSameTermAnswersOutcomeUnknown() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION).checkQuorum(true));
        c.elect(1);
        c.stabilize();
        long term = c.node(1).term();
        c.node(2).forward(41, List.of(utf8("maybe")));
        Message forward = sentForward(c, 2);
        c.deliver(m -> m == forward);
        c.processReady(1);
        c.drop(m -> m.type() == MessageType.FORWARD_RESPONSE); // the answer is lost
        c.isolated.add(1L);
        c.tick(1, 2 * ELECTION); // check-quorum: 1 steps down in the same term
        c.stabilize();
        assertThat(c.node(1).role()).isNotEqualTo(Role.LEADER);
        assertThat(c.node(1).term()).isEqualTo(term);
        c.isolated.clear();
        c.network.add(forward); // a copy reaches the former leader
        c.deliver(m -> m == forward);
        c.processReady(1);
        List<Message> answers = c.network.stream().filter(m -> m.type() == MessageType.FORWARD_RESPONSE).toList();
        assertThat(answers).singleElement().satisfies(m -> {
            assertThat(m.reject()).isTrue();
            assertThat(m.rejectHint()).isEqualTo(Message.FORWARD_OUTCOME_UNKNOWN);
        });
        c.deliver(m -> m.type() == MessageType.FORWARD_RESPONSE);
        c.processReady(2);
        assertThat(c.forwardResults).filteredOn(r -> r.requestId() == 41).singleElement()
                .satisfies(r -> assertThat(r.unknown()).isTrue());
    }

    /** A copy older than everything the leader remembers of its sender is not appended either. */
    @Test
    void aCopyOlderThanTheLeadersMemoryIsNotAppended() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION).forwardsMax(4));
        c.elect(1);
        c.stabilize();
        c.node(2).forward(50, List.of(utf8("first")));
        Message first = sentForward(c, 2);
        c.stabilize();
        for (int i = 1; i <= 8; i++) {
            c.node(2).forward(50 + i, List.of(utf8("w" + i)));
            c.stabilize();
        }
        c.network.add(first);
        c.stabilize();
        assertThat(timesApplied(c, 1, "first")).isEqualTo(1);
        assertThat(c.forwardResults).hasSize(9).allSatisfy(r -> assertThat(r.accepted()).isTrue());
    }
}
