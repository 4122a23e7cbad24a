package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.changeMembership;
import static io.cairn.raft.core.Fixtures.ofType;
import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.MessageType.APPEND_RESPONSE;
import static io.cairn.raft.core.MessageType.TIMEOUT_NOW;
import static io.cairn.raft.core.MessageType.VOTE;
import static io.cairn.raft.core.RaftNode.NONE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.confchange.ConfigChange;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of leadership transfer (thesis §3.10): the leader brings the target up to date, then sends
 * TimeoutNow; it refuses proposals meanwhile; it gives up after an election timeout; and the target's election
 * is not held back by the followers' check-quorum lease. The comment above each test says which decision in
 * {@link Leader} or {@link RaftNode} it pins down.
 */
class LeadershipTransferTest {
    private static final int ELECTION = 10;

    /**
     * Thesis §3.10: "the prior leader sends its log entries to the target server ... Once the target server is
     * caught up, the leader sends it a TimeoutNow request", which makes it campaign at once. 3 misses two entries:
     * no TimeoutNow goes out until 3 has acknowledged the last one, and then 3 wins term 2 without waiting for its
     * election timeout. Pins the match check in {@code Leader.maybeSendTimeoutNow} and {@code onTimeoutNow}.
     */
    @Test
    void transferSendsTimeoutNowOnceTargetCaughtUp_3_10() {
        TestCluster c = new TestCluster(3, plain(b -> b.electionTicks(ELECTION)));
        c.elect(1);
        c.isolated.add(3L);
        c.node(1).propose(utf8("a"));
        c.node(1).propose(utf8("b"));
        c.stabilize();
        c.isolated.clear();

        assertThat(c.node(1).transferLeadership(3)).isEqualTo(TransferResult.STARTED);
        assertThat(c.node(1).transferee()).isEqualTo(3);
        c.processReady(1);
        assertThat(ofType(c.network, TIMEOUT_NOW)).as("3 lacks entries 2 and 3").isEmpty();
        assertThat(c.events(RaftEvent.TRANSFER_STARTED)).isEqualTo(1);

        c.tick(1, 1);       // a heartbeat: 3 answers and is brought up to date
        c.stabilize();

        int caughtUp = indexOf(c.delivered, m -> m.type() == APPEND_RESPONSE && m.from() == 3 && !m.reject()
                && m.index() == 3);
        int timeoutNow = indexOf(c.delivered, m -> m.type() == TIMEOUT_NOW);
        assertThat(caughtUp).isNotNegative();
        assertThat(timeoutNow).isGreaterThan(caughtUp);
        assertThat(c.node(3).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(3).term()).isEqualTo(2);
        assertThat(c.node(1).leader()).isEqualTo(3);
        assertThat(c.events(RaftEvent.TRANSFER_COMPLETED)).isEqualTo(1);
        assertThat(c.appliedCommands(3)).containsExactly(utf8("a"), utf8("b"));
    }

    /**
     * Thesis §3.10: "the prior leader stops accepting client requests" while the transfer is under way (they
     * would keep the target from catching up, and would be lost on the transfer anyway); the refusal names the
     * target so that clients retry there. Configuration changes are refused too. Pins the transferee checks in
     * {@code Leader.propose} and {@code configChangeRefusal}.
     */
    @Test
    void proposalsRefusedDuringTransfer_3_10() {
        TestCluster c = new TestCluster(3, plain(b -> b.electionTicks(ELECTION)));
        c.elect(1);
        c.isolated.add(3L);
        long last = c.node(1).log().lastIndex();
        c.node(1).transferLeadership(3);

        ProposeResult r = c.node(1).propose(utf8("x"));
        assertThat(r.rejection()).isEqualTo(ProposeResult.Rejection.TRANSFERRING);
        assertThat(r.leaderHint()).isEqualTo(3);
        assertThat(r.detail()).isEqualTo("leadership is being transferred to 3");
        ProposeResult change = c.node(1).proposeConfigChange(ConfigChange.addLearner(4));
        assertThat(change.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(change.detail()).isEqualTo("leadership is being transferred to 3");
        assertThat(c.node(1).proposeLeaveJoint().detail()).isEqualTo("leadership is being transferred to 3");
        assertThat(c.node(1).log().lastIndex()).isEqualTo(last);

        c.node(1).readIndex(5);
        c.stabilize();
        assertThat(c.readStates.get(1L)).as("reads are still served").containsExactly(ReadState.served(5, 1));
    }

    /**
     * Thesis §3.10: "if the transfer does not complete after about an election timeout, the prior leader aborts
     * the transfer and resumes accepting client requests". 3 is cut off, so it never takes over. Pins the
     * transfer timeout in {@code Leader.tick}.
     */
    @Test
    void transferAbandonedAfterElectionTimeout_3_10() {
        TestCluster c = new TestCluster(3, plain(b -> b.electionTicks(ELECTION)));
        c.elect(1);
        c.isolated.add(3L);
        c.node(1).transferLeadership(3);

        for (int i = 0; i < ELECTION - 1; i++) {
            c.tick(1, 1);
            c.stabilize();
        }
        assertThat(c.node(1).transferee()).isEqualTo(3);
        assertThat(c.node(1).propose(utf8("x")).accepted()).isFalse();
        c.tick(1, 1);

        assertThat(c.node(1).transferee()).isEqualTo(NONE);
        assertThat(c.events(RaftEvent.TRANSFER_ABANDONED)).isEqualTo(1);
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(1).propose(utf8("x")).accepted()).isTrue();
        c.stabilize();
        assertThat(c.appliedCommands(2)).containsExactly(utf8("x"));
    }

    /**
     * Thesis §3.10 with §6.2/§4.2.3: followers that hear from a leader ignore vote requests (check-quorum lease),
     * but the target of a transfer must be able to win while they still do, or the transfer could never work. Its
     * vote requests are marked as a transfer, and granted: here 3, in its lease of leader 1, ignores an ordinary
     * request for term 2 but grants 2's transfer request; 2 wins with 3's vote alone (1 is cut off once it has
     * sent TimeoutNow). Pins the {@code transfer} exception in {@code RaftNode.onHigherTerm}.
     */
    @Test
    void transferVoteBypassesFollowerLease_3_10() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));     // pre-vote and check-quorum on
        c.elect(1);
        long lastTerm = c.node(1).log().lastTerm();
        long lastIndex = c.node(1).log().lastIndex();

        c.node(3).step(Message.voteRequest(VOTE, 2, 3, 2, lastTerm, lastIndex));
        assertThat(c.node(3).term()).as("an ordinary request is ignored in the lease").isEqualTo(1);
        assertThat(c.node(3).hasReady()).isFalse();

        c.node(1).transferLeadership(2);
        c.processReady(1);
        assertThat(c.deliver(m -> m.type() == TIMEOUT_NOW)).isEqualTo(1);
        c.isolated.add(1L);
        c.stabilize();

        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(2).term()).isEqualTo(2);
        assertThat(c.node(3).vote()).isEqualTo(2);
        assertThat(c.node(3).leader()).isEqualTo(2);
    }

    /** Only a voter other than the leader can be the target, and only a leader can transfer. */
    @Test
    void transferNeedsALeaderAndAnotherVoter() {
        TestCluster c = new TestCluster(3, plain());
        assertThat(c.node(1).transferLeadership(2)).isEqualTo(TransferResult.NOT_LEADER);
        c.elect(1);
        c.addJoining(4);
        changeMembership(c, 1, ConfigChange.addLearner(4));

        assertThat(c.node(1).transferLeadership(1)).isEqualTo(TransferResult.ALREADY_LEADER);
        assertThat(c.node(1).transferLeadership(4)).isEqualTo(TransferResult.NOT_A_VOTER);
        assertThat(c.node(1).transferLeadership(7)).isEqualTo(TransferResult.NOT_A_VOTER);
        assertThat(c.node(2).transferLeadership(3)).isEqualTo(TransferResult.NOT_LEADER);
        assertThat(c.node(1).transferee()).isEqualTo(NONE);
        assertThat(c.node(1).propose(utf8("x")).accepted()).isTrue();

        // A learner told to time out (by a confused leader) does not campaign.
        c.node(4).step(Message.timeoutNow(1, 4, 1));
        assertThat(c.node(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(4).term()).isEqualTo(1);
    }

    /**
     * A transfer to a member that a configuration change then removes cannot complete: it is abandoned when the
     * change commits, and proposals are taken again at once.
     */
    @Test
    void transferAbandonedWhenTargetStopsBeingAVoter() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.isolated.add(3L);
        // Committed by 1 and 2; the transfer starts while the change is in flight.
        c.node(1).proposeConfigChange(ConfigChange.remove(3));
        c.node(1).transferLeadership(3);
        c.stabilize();

        assertThat(c.node(1).configuration().isVoter(3)).isFalse();
        assertThat(c.node(1).transferee()).isEqualTo(NONE);
        assertThat(c.events(RaftEvent.TRANSFER_ABANDONED)).isEqualTo(1);
        assertThat(c.node(1).propose(utf8("x")).accepted()).isTrue();
    }

    private static int indexOf(List<Message> messages, java.util.function.Predicate<Message> p) {
        for (int i = 0; i < messages.size(); i++) {
            if (p.test(messages.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
