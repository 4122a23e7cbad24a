package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raft's safety assumes a member never loses what it acknowledged. A member whose data directory is wiped and
 * restarted under the same id breaks that silently: its leader still believes it holds the log (its match), so it
 * only sends heartbeats, and the member never catches up nor says why. Found while testing a wiped KV member;
 * etcd stops with "was the raft log corrupted, truncated, or lost?". The follower now reports it
 * ({@link RaftEvent#ACKNOWLEDGED_ENTRIES_MISSING}; the runtime logs an error naming the remedy).
 */
class StorageLossTest {
    @Test
    void aFollowerThatLostAcknowledgedEntriesSaysSo() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(10));
        c.elect(1);
        for (int i = 0; i < 5; i++) {
            c.node(1).propose(utf8("x" + i));
        }
        c.stabilize();
        assertThat(c.events(RaftEvent.ACKNOWLEDGED_ENTRIES_MISSING)).isZero();
        // member 2 loses its disk and comes back empty under the same id, in the same term
        long term = c.node(1).term();
        c.load(2, new HardState(term, 1, 0), List.of());
        c.tick(1, 1); // a heartbeat round: the leader sends commit = min(its commit, member 2's match)
        c.stabilize();
        assertThat(c.events(RaftEvent.ACKNOWLEDGED_ENTRIES_MISSING)).isPositive();
    }

    @Test
    void aFollowerThatIsMerelyBehindDoesNot() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(10));
        c.elect(1);
        c.drop(m -> m.to() == 3);
        for (int i = 0; i < 5; i++) {
            c.node(1).propose(utf8("x" + i));
            c.processReady(1);
            c.drop(m -> m.to() == 3); // member 3 misses the appends
            c.deliver(m -> true);
        }
        c.stabilize();
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.events(RaftEvent.ACKNOWLEDGED_ENTRIES_MISSING)).isZero();
        assertThat(c.node(3).log().lastIndex()).isEqualTo(c.node(1).log().lastIndex()); // caught up meanwhile
    }
}
