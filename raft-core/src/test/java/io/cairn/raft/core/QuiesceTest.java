package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Quiescing idle groups ({@link RaftConfig#quiesceTicks}): a leader whose group saw nothing for that many ticks,
 * with every member caught up, stops heartbeats and tells its followers, which stop their election timers, so a
 * quiet group sends nothing and elects nobody; anything (a proposal, a read, a message) wakes it. Quiescing may
 * only cost liveness, never safety: a leader forgets its lease while asleep, and a follower woken by a request
 * still detects a dead leader.
 */
class QuiesceTest {
    private static final int ELECTION = 10;
    private static final int QUIESCE = 30;

    private static TestCluster cluster(ReadMode mode) {
        return new TestCluster(3, b -> b.electionTicks(ELECTION).quiesceTicks(QUIESCE).readMode(mode));
    }

    /** Ticks every live member once per round and lets the cluster settle after each; returns messages sent. */
    private static int tickAll(TestCluster c, int rounds, long... down) {
        int sent = 0;
        for (int i = 0; i < rounds; i++) {
            for (long id : c.nodes.keySet()) {
                if (!contains(down, id)) {
                    c.tick(id, 1);
                }
            }
            for (long id : c.nodes.keySet()) {
                if (!contains(down, id)) {
                    Ready r = c.processReady(id);
                    if (r != null) {
                        sent += r.messages.size() + r.messagesAfterPersist.size();
                    }
                }
            }
            c.stabilize();
        }
        return sent;
    }

    private static boolean contains(long[] ids, long id) {
        for (long x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }

    private static TestCluster quietCluster(ReadMode mode) {
        TestCluster c = cluster(mode);
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.stabilize();
        tickAll(c, QUIESCE + 1);
        return c;
    }

    @Test
    void anIdleGroupQuiescesAndThenSendsNothingAndElectsNobody() {
        TestCluster c = quietCluster(ReadMode.READ_INDEX);
        assertThat(c.events(RaftEvent.QUIESCED)).isEqualTo(1);
        for (long id = 1; id <= 3; id++) {
            assertThat(c.node(id).quiesced()).as("member %d", id).isTrue();
        }
        int sent = tickAll(c, 20 * ELECTION);
        assertThat(sent).as("messages sent while quiet").isZero();
        assertThat(c.leader()).isEqualTo(1);
        assertThat(c.node(2).term()).isEqualTo(c.node(1).term());
    }

    @Test
    void aGroupThatIsNotIdleNeverQuiesces() {
        TestCluster c = cluster(ReadMode.READ_INDEX);
        c.elect(1);
        for (int i = 0; i < 5 * QUIESCE; i++) {
            if (i % (QUIESCE / 2) == 0) {
                c.node(1).propose(utf8("p" + i));
            }
            tickAll(c, 1);
        }
        assertThat(c.events(RaftEvent.QUIESCED)).isZero();
        assertThat(c.node(1).quiesced()).isFalse();
    }

    @Test
    void aGroupWithAMemberBehindDoesNotQuiesce() {
        TestCluster c = cluster(ReadMode.READ_INDEX);
        c.elect(1);
        c.isolated.add(3L);
        c.node(1).propose(utf8("x"));
        c.stabilize();
        tickAll(c, 3 * QUIESCE);
        assertThat(c.events(RaftEvent.QUIESCED)).isZero();
        assertThat(c.node(1).quiesced()).isFalse();
    }

    @Test
    void aProposalOnTheQuietLeaderWakesTheGroupAndCommits() {
        TestCluster c = quietCluster(ReadMode.READ_INDEX);
        c.node(1).propose(utf8("y"));
        c.stabilize();
        assertThat(c.node(1).quiesced()).isFalse();
        assertThat(c.node(2).quiesced()).isFalse();
        assertThat(c.appliedCommands(2)).extracting(String::new).containsExactly("x", "y");
        // Awake again, it quiesces again once idle.
        tickAll(c, QUIESCE + 1);
        assertThat(c.events(RaftEvent.QUIESCED)).isEqualTo(2);
    }

    /**
     * A follower woken by a client sends WAKE, so the leader resumes heartbeats before the follower's election
     * timer runs out: no election, no term change.
     */
    @Test
    void aRequestOnAQuietFollowerWakesTheLeaderWithoutAnElection() {
        TestCluster c = quietCluster(ReadMode.READ_INDEX);
        long term = c.node(1).term();
        assertThat(c.node(2).propose(utf8("z")).rejection()).isEqualTo(ProposeResult.Rejection.NOT_LEADER);
        Ready r = c.processReady(2);
        assertThat(r.messages).singleElement().matches(m -> m.type() == MessageType.WAKE && m.to() == 1);
        c.stabilize();
        assertThat(c.node(1).quiesced()).isFalse();
        tickAll(c, 3 * ELECTION);
        assertThat(c.leader()).isEqualTo(1);
        assertThat(c.node(2).term()).isEqualTo(term);
    }

    /** The leader died while the group was quiet: a follower woken by a client request elects a new one. */
    @Test
    void aDeadLeaderIsReplacedOnceARequestWakesAFollower() {
        TestCluster c = quietCluster(ReadMode.READ_INDEX);
        c.isolated.add(1L);
        tickAll(c, 10 * ELECTION, 1);
        assertThat(c.node(2).role()).as("nothing wakes a quiet follower by itself").isEqualTo(Role.FOLLOWER);
        c.node(2).propose(utf8("z"));
        tickAll(c, ELECTION, 1); // 2 times out; its pre-vote wakes 3 (which refuses: it heard from 1 just now)
        c.tick(3, ELECTION / 2); // this harness draws no random timeouts: split the two timers by hand
        tickAll(c, 4 * ELECTION, 1);
        long leader = c.node(2).role() == Role.LEADER ? 2 : c.node(3).role() == Role.LEADER ? 3 : RaftNode.NONE;
        assertThat(leader).as("a new leader among 2 and 3").isNotEqualTo(RaftNode.NONE);
        c.node(leader).propose(utf8("after"));
        c.stabilize();
        assertThat(c.appliedCommands(leader)).extracting(String::new).containsExactly("x", "after");
    }

    /**
     * The leader's tick clock stands still while it sleeps, so a heartbeat round acknowledged before it slept
     * must not vouch for a lease after it wakes: the first read after waking waits for a new round.
     */
    @Test
    void aWokenLeaderDoesNotReadFromAnOldLease() {
        TestCluster c = quietCluster(ReadMode.LEASE);
        c.node(1).readIndex(7);
        Ready r = c.processReady(1);
        assertThat(r.readStates).as("no read served from a lease older than the sleep").isEmpty();
        assertThat(r.messages).filteredOn(m -> m.type() == MessageType.HEARTBEAT).isNotEmpty();
        c.stabilize();
        assertThat(c.readStates.get(1L)).containsExactly(ReadState.served(7, 2));
        // Once a round sent after waking is acknowledged, the lease serves reads again without a round.
        c.node(1).readIndex(8);
        r = c.processReady(1);
        assertThat(r.readStates).containsExactly(ReadState.served(8, 2));
        assertThat(r.messages).isEmpty();
    }

    /** A QUIESCE whose last entry differs from the follower's log (it overtook entries) leaves it awake. */
    @Test
    void aFollowerWhoseLogDiffersStaysAwake() {
        TestCluster c = quietCluster(ReadMode.READ_INDEX);
        RaftNode f = c.node(2);
        c.node(1).propose(utf8("y"));
        c.stabilize();
        f.step(Message.quiesce(1, 2, f.term(), f.term(), f.log().lastIndex() + 5, f.log().committed()));
        assertThat(f.quiesced()).isFalse();
        f.step(Message.quiesce(1, 2, f.term(), f.log().lastTerm(), f.log().lastIndex(), f.log().committed()));
        assertThat(f.quiesced()).isTrue();
        assertThat(List.of(c.node(1).term(), f.term())).containsOnly(f.term());
    }
}
