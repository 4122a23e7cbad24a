package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.electManually;
import static io.cairn.raft.core.Fixtures.ofType;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.MessageType.APPEND;
import static io.cairn.raft.core.MessageType.HEARTBEAT;
import static io.cairn.raft.core.MessageType.HEARTBEAT_RESPONSE;
import static io.cairn.raft.core.MessageType.READ_INDEX_RESPONSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Lease-based reads (thesis §6.4.1): a leader that a quorum acknowledged a heartbeat round from, sent at leader
 * tick {@code s}, may answer reads from its commit index without a round of its own until {@code s} plus the
 * election timeout less a margin for clock drift, because until then none of those followers will vote for
 * anyone else (check-quorum, §6.2). The comment above each test says which decision in {@link Leader} it pins
 * down. Defaults: election timeout 10 ticks, heartbeat every tick, margin 2 ticks.
 */
class LeaseReadTest {
    private static final int ELECTION = 10;
    private static final int MARGIN = 2;

    private static TestCluster leaseCluster() {
        return new TestCluster(3, b -> b.readMode(ReadMode.LEASE).electionTicks(ELECTION).leaseMarginTicks(MARGIN));
    }

    /**
     * Thesis §6.4.1: with a valid lease the leader answers at once, with no heartbeat round and no message at
     * all, both its own reads and those a follower forwards. Under ReadIndex the same read needs a round. Pins
     * the lease branch of {@code Leader.readIndex}.
     */
    @Test
    void leaseReadServedWithoutHeartbeatRound_6_4() {
        TestCluster c = leaseCluster();
        c.elect(1);
        c.tick(1, 1);           // one heartbeat round, acknowledged by 2 and 3
        c.stabilize();

        c.node(1).readIndex(7);
        Ready r = c.processReady(1);

        assertThat(r.readStates).containsExactly(ReadState.served(7, 1));
        assertThat(r.messages).isEmpty();
        assertThat(c.events(RaftEvent.LEASE_READ_SERVED)).isEqualTo(1);

        c.node(2).readIndex(8);
        c.processReady(2);
        c.deliverTo(1);
        r = c.processReady(1);
        assertThat(r.messages).singleElement().matches(m -> m.type() == READ_INDEX_RESPONSE && m.to() == 2);
        c.deliverTo(2);
        c.processReady(2);
        assertThat(c.readStates.get(2L)).containsExactly(ReadState.served(8, 1));

        TestCluster plain = new TestCluster(3, b -> b.electionTicks(ELECTION));
        plain.elect(1);
        plain.tick(1, 1);
        plain.stabilize();
        plain.node(1).readIndex(7);
        r = plain.processReady(1);
        assertThat(r.readStates).as("ReadIndex waits for a round").isEmpty();
        assertThat(ofType(r.messages, HEARTBEAT)).hasSize(2);
    }

    /**
     * Thesis §6.4.1: the lease runs from the send time of the newest round a quorum acknowledged, for the
     * election timeout less the margin. The round sent at tick 1 is acknowledged, then 1 hears nothing more: at
     * tick 8 (7 ticks later) it still answers from the lease, at tick 9 (8 = 10 - 2 ticks later) it must confirm
     * with a round, which nobody answers. Pins the bound in {@code Leader.leaseValid}.
     */
    @Test
    void leaseExpiresWithoutQuorumContact_6_4() {
        TestCluster c = leaseCluster();
        c.elect(1);
        c.tick(1, 1);
        c.stabilize();
        c.isolated.addAll(List.of(2L, 3L));

        c.tick(1, ELECTION - MARGIN - 1);
        c.node(1).readIndex(1);
        assertThat(c.processReady(1).readStates).containsExactly(ReadState.served(1, 1));

        c.tick(1, 1);
        c.node(1).readIndex(2);
        c.stabilize();
        assertThat(c.readStates.get(1L)).as("lease over").containsExactly(ReadState.served(1, 1));
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);

        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.readStates.get(1L)).as("confirmed by a round").endsWith(ReadState.served(2, 1));
    }

    /**
     * Thesis §6.4: a new leader does not know the commit index until an entry of its own term commits, so a lease
     * does not let it answer before then. 1 committed x at 2 but nobody heard; 2 wins term 2 and holds a lease (3
     * acknowledged its heartbeat) while its no-op is not committed: answering from the lease would give index 1
     * and miss x. The read waits and is served at 3. Pins the own-term check before the lease in
     * {@code Leader.readIndex}.
     */
    @Test
    void leaseReadNeedsOwnTermCommit_6_4() {
        TestCluster c = leaseCluster();
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.processReady(1);
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        c.deliverTo(1);
        assertThat(c.node(1).log().committed()).isEqualTo(2);
        c.processReady(1);
        c.network.clear();      // the appends announcing commit=2 are lost, and 1 is cut off
        c.isolated.add(1L);
        c.tick(3, ELECTION);    // 3's lease of 1 runs out (it starts a pre-vote nobody answers)
        c.processReady(3);
        c.network.clear();
        electManually(c, 2);
        c.processReady(2);
        c.drop(m -> m.type() == APPEND);
        c.tick(2, 1);
        c.processReady(2);
        c.drop(m -> m.type() == APPEND);
        c.deliver(m -> m.type() == HEARTBEAT);
        c.processReady(3);
        c.deliver(m -> m.type() == HEARTBEAT_RESPONSE);
        assertThat(c.node(2).log().committed()).isEqualTo(1);

        c.node(2).readIndex(9);
        assertThat(c.processReady(2).readStates).isEmpty();
        c.stabilize();

        assertThat(c.readStates.get(2L)).containsExactly(ReadState.served(9, 3));
        assertThat(c.events(RaftEvent.LEASE_READ_SERVED)).isZero();
    }

    /**
     * Regression: the lease rests on followers refusing to vote while they hear from the leader, but a transfer's
     * vote requests bypass that (thesis §3.10). Leader 1 held a lease, started a transfer to 2 and sent TimeoutNow;
     * 2 won term 2 with 3's vote (3 still in 1's lease) and committed y. 1, cut off, still answered a read from its
     * lease at index 1, missing y, which a client had already seen committed: a stale read. Invariant (§6.4.1): a
     * leader answers from its lease only while no other leader can have been elected; once it has sent TimeoutNow
     * it cannot know that for the rest of its term (the TimeoutNow may even arrive after the transfer was
     * abandoned), so it confirms reads with a round. Pins the TimeoutNow check in {@code Leader.leaseValid}.
     */
    @Test
    void leaseNotUsedOnceTimeoutNowSent_3_10() {
        TestCluster c = leaseCluster();
        c.elect(1);
        c.tick(1, 1);
        c.stabilize();
        c.node(1).readIndex(1);
        assertThat(c.processReady(1).readStates).as("the lease is in force").containsExactly(ReadState.served(1, 1));

        c.node(1).transferLeadership(2);
        c.processReady(1);
        assertThat(c.deliver(m -> m.type() == MessageType.TIMEOUT_NOW)).isEqualTo(1);
        c.isolated.add(1L);
        c.stabilize();
        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
        long y = c.node(2).propose(utf8("y")).firstIndex();
        c.stabilize();
        assertThat(c.node(2).log().committed()).isEqualTo(y);

        c.node(1).readIndex(2);
        assertThat(c.processReady(1).readStates).as("an answer now could only be index 1, without y").isEmpty();
        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();

        assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.readStates.get(1L)).hasSize(2).last().matches(ReadState::rejected);
        assertThat(c.events(RaftEvent.LEASE_READ_SERVED)).isEqualTo(1);
    }

    /**
     * Thesis §6.4.1: the lease is only as good as the followers' promise not to vote, which only check-quorum
     * makes; the configuration refuses lease reads without it, and a margin that would leave no lease.
     */
    @Test
    void leaseRequiresCheckQuorum() {
        assertThatThrownBy(() -> RaftConfig.builder(1, 1).readMode(ReadMode.LEASE).checkQuorum(false).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lease reads need checkQuorum");
        assertThatThrownBy(() -> RaftConfig.builder(1, 1).readMode(ReadMode.LEASE).electionTicks(10)
                .leaseMarginTicks(10).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leaseMarginTicks (10) must be in [0, electionTicks)");
        assertThat(RaftConfig.builder(1, 1).readMode(ReadMode.LEASE).build().readMode).isEqualTo(ReadMode.LEASE);
        assertThat(RaftConfig.builder(1, 1).checkQuorum(false).build().readMode).isEqualTo(ReadMode.READ_INDEX);
    }

    /**
     * Regression (docs/robustness.md): a follower that acknowledged the leader's round and then restarted forgot
     * its promise not to vote within an election timeout (the promise hung on knowing a leader, and a restart
     * knows none), so 3 could be elected with its vote and commit y while 1 still served reads from its lease:
     * a stale read. With lease reads a member starts inside the promise, and keeps it across term changes.
     */
    @Test
    void restartedFollowerKeepsItsLeasePromise_6_4() {
        TestCluster c = leaseCluster();
        c.elect(1);
        c.tick(1, 1);
        c.stabilize();                   // 2 and 3 acknowledged round 1: 1 holds a lease

        c.restart(2);
        c.isolated.add(1L);
        c.node(3).campaign();
        c.stabilize();
        assertThat(c.node(3).role()).as("2 refuses to help elect anyone inside its promise")
                .isNotEqualTo(Role.LEADER);

        c.node(1).readIndex(9);          // 1 may still answer from its lease: nobody else can have been elected
        Ready r = c.processReady(1);
        assertThat(r.readStates).containsExactly(ReadState.served(9, 1));

        c.tick(3, ELECTION);             // once their promises have run out, 2 campaigns and 3 helps elect it
        c.stabilize();
        c.tick(2, ELECTION);
        c.stabilize();
        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
    }

    /**
     * Regression (robustness row 35, from issue 12's review): a follower's promise not to vote while in contact with
     * a leader was checked only for vote requests of a higher term. A stale message of term T+1 (here a late append
     * answer) moved follower 3 to T+1 with no vote; member 2's VOTE for T+1 then came in the same term and was
     * granted, while leader 1 still counted 3 in its lease. With 2's own vote that is a quorum: a second leader
     * inside the first one's lease, and a lease read on 1 could be stale.
     */
    @Test
    void noVoteOfAnyTermWhileInContactWithALeader_6_4() {
        TestCluster c = leaseCluster();
        c.elect(1);
        c.tick(1, 1);
        c.stabilize();
        long t = c.node(1).term();
        RaftNode three = c.node(3);
        three.step(Message.appendAccepted(2, 3, t + 1, 0)); // stale, of a higher term
        c.processReady(3);
        c.network.clear();
        assertThat(three.term()).isEqualTo(t + 1);
        three.step(Message.voteRequest(MessageType.VOTE, 2, 3, t + 1, c.node(2).log().lastTerm(),
                c.node(2).log().lastIndex()));
        Ready r = c.processReady(3);
        assertThat(sentBy(r)).filteredOn(m -> m.type() == MessageType.VOTE_RESPONSE).singleElement()
                .satisfies(m -> assertThat(m.reject()).as("vote refused inside the lease").isTrue());
        // once the lease has run out, the vote is granted (liveness)
        c.network.clear();
        c.tick(3, ELECTION);
        c.processReady(3);
        c.network.clear();
        long now = three.term();
        three.step(Message.voteRequest(MessageType.VOTE, 2, 3, now, c.node(2).log().lastTerm(),
                c.node(2).log().lastIndex()));
        r = c.processReady(3);
        assertThat(sentBy(r)).filteredOn(m -> m.type() == MessageType.VOTE_RESPONSE && m.term() == now)
                .singleElement().satisfies(m -> assertThat(m.reject()).as("granted after the lease").isFalse());
    }

    private static java.util.List<Message> sentBy(Ready r) {
        java.util.List<Message> all = new java.util.ArrayList<>(r.messages);
        all.addAll(r.messagesAfterPersist);
        return all;
    }
}
