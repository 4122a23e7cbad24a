package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.changeMembership;
import static io.cairn.raft.core.Fixtures.configEntries;
import static io.cairn.raft.core.Fixtures.entries;
import static io.cairn.raft.core.Fixtures.handle;
import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.positions;
import static io.cairn.raft.core.Fixtures.sent;
import static io.cairn.raft.core.Fixtures.to;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.Fixtures.voters;
import static io.cairn.raft.core.MessageType.APPEND;
import static io.cairn.raft.core.MessageType.APPEND_RESPONSE;
import static io.cairn.raft.core.MessageType.SNAPSHOT;
import static io.cairn.raft.core.RaftNode.NONE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.core.log.RaftLog;
import io.cairn.raft.core.progress.Progress;
import io.cairn.raft.core.progress.ProgressState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Snapshots and log compaction (Raft paper §7, thesis chapter 5): the core asks for a snapshot once enough
 * entries were applied, drops the log below it (less a retained tail) once it is durable, sends it to a follower
 * whose next entry is gone, and that follower installs it (or, holding the entry it ends with, just moves its
 * commit index) and goes on replicating. The comment above each test says which decision in {@link RaftNode},
 * {@link Leader} or {@link Progress} it pins down.
 *
 * <p>The test state machine is the list of applied entries, and a snapshot is that list up to its index (see
 * {@link TestCluster}).
 */
class SnapshotTest {
    /** A group that compacts everything a snapshot covers; snapshots are taken by hand. */
    private static TestCluster compacting() {
        return new TestCluster(3, plain(b -> b.snapshotThresholdEntries(0).snapshotRetainEntries(0)));
    }

    /**
     * Thesis §5.1: "servers take snapshots ... when the log reaches a fixed size". With a threshold of 5 applied
     * entries each member asks once 5 are applied, not at 4; it does not ask again while a request is
     * outstanding, and asks anew 5 entries after the snapshot it was given. Pins {@code RaftNode.snapshotDue}.
     */
    @Test
    void coreRequestsSnapshotPastThreshold() {
        TestCluster c = new TestCluster(3, plain(b -> b.snapshotThresholdEntries(5).snapshotRetainEntries(0)));
        c.autoSnapshot = false;
        c.elect(1);
        for (int i = 0; i < 3; i++) {
            c.node(1).propose(utf8("a" + i));
            c.stabilize();
        }
        assertThat(c.applied.get(2L)).hasSize(4);
        assertThat(c.snapshotRequests).isEmpty();

        c.node(1).propose(utf8("b"));
        c.stabilize();

        assertThat(c.snapshotRequests).containsOnlyKeys(1L, 2L, 3L);
        assertThat(c.snapshotRequests.get(2L)).isEqualTo(new SnapshotMeta(5, 1, voters(1, 2, 3)));
        assertThat(c.events(RaftEvent.SNAPSHOT_REQUESTED)).isEqualTo(3);
        for (int i = 0; i < 5; i++) {
            c.node(1).propose(utf8("c" + i));
            c.stabilize();
        }
        assertThat(c.events(RaftEvent.SNAPSHOT_REQUESTED)).as("one request at a time").isEqualTo(3);

        c.takeRequestedSnapshot(2);
        assertThat(c.node(2).log().firstIndex()).isEqualTo(6);
        Ready r = c.processReady(2);
        assertThat(r.snapshotRequest).isEqualTo(new SnapshotMeta(10, 1, voters(1, 2, 3)));
    }

    /**
     * The snapshot a member asks for carries the configuration in effect at its index, not a later one: here a
     * change commits at 3 while 2 (applying one entry per Ready) has applied only up to 2. Pins
     * {@code configurationAt} in {@code RaftNode.requestSnapshot}.
     */
    @Test
    void snapshotRequestCarriesConfigurationAtItsIndex() {
        TestCluster c = new TestCluster(3,
                plain(b -> b.snapshotThresholdEntries(2).snapshotRetainEntries(0).applyBatchBytesMax(1)));
        c.autoSnapshot = false;
        c.elect(1);
        c.addJoining(4);

        c.node(1).propose(utf8("x"));
        c.node(1).proposeConfigChange(ConfigChange.addLearner(4));
        c.stabilize();

        Configuration withLearner = new Configuration(new long[] {1, 2, 3}, new long[0], new long[] {4}, false);
        assertThat(c.node(2).configuration()).isEqualTo(withLearner);
        assertThat(c.snapshotRequests.get(2L)).isEqualTo(new SnapshotMeta(2, 1, voters(1, 2, 3)));
        c.takeRequestedSnapshot(2);
        c.processReady(2);
        assertThat(c.snapshotRequests.get(2L)).isNull();
    }

    /**
     * Thesis §5.1.2 / etcd: after a snapshot at 10, the log keeps {@code snapshotRetainEntries} (3) entries below
     * it, so a follower lagging by fewer is repaired with AppendEntries instead of a whole snapshot. Pins the
     * compaction point in {@code RaftNode.snapshotTaken}.
     */
    @Test
    void compactionKeepsRetainedTail() {
        TestCluster c = new TestCluster(3, plain(b -> b.snapshotThresholdEntries(0).snapshotRetainEntries(3)));
        c.elect(1);
        for (int i = 0; i < 7; i++) {
            c.node(1).propose(utf8("a" + i));
            c.stabilize();
        }
        c.isolated.add(3L);
        c.node(1).propose(utf8("b"));
        c.node(1).propose(utf8("c"));
        c.stabilize();

        SnapshotMeta s = c.snapshotNow(1);

        assertThat(s.index()).isEqualTo(10);
        assertThat(c.node(1).log().firstIndex()).isEqualTo(8);
        assertThat(c.node(1).log().term(7)).as("index 7 is the new base").isEqualTo(1);
        assertThat(c.node(1).log().term(6)).isEqualTo(RaftLog.TERM_UNKNOWN);
        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.events(RaftEvent.SNAPSHOT_SENT)).isZero();
        assertThat(positions(c.applied.get(3L))).isEqualTo(positions(c.applied.get(1L)));
    }

    /**
     * Paper §7: "the leader must occasionally send snapshots to followers that lag behind", namely when the entry
     * the follower needs next has been discarded. 3 missed 2 and 3, which the leader compacted: it gets the
     * snapshot, and nothing else while it is in flight (progress state SNAPSHOT). Pins {@code Leader.sendSnapshot}
     * and {@code Progress.isPaused} in SNAPSHOT.
     */
    @Test
    void leaderSendsSnapshotWhenNextEntryCompacted() {
        TestCluster c = compacting();
        c.elect(1);
        c.isolated.add(3L);
        c.node(1).propose(utf8("a"));
        c.node(1).propose(utf8("b"));
        c.stabilize();
        SnapshotMeta s = c.snapshotNow(1);
        assertThat(c.node(1).log().firstIndex()).isEqualTo(4);
        c.isolated.clear();

        Message snapshot = bringToSnapshot(c);

        assertThat(snapshot.snapshot()).isEqualTo(s);
        assertThat(snapshot.term()).isEqualTo(1);
        Progress p3 = c.node(1).progressOf(3);
        assertThat(p3.state()).isEqualTo(ProgressState.SNAPSHOT);
        assertThat(p3.pendingSnapshot()).isEqualTo(3);
        assertThat(c.events(RaftEvent.SNAPSHOT_SENT)).isEqualTo(1);

        c.node(1).propose(utf8("c"));
        Ready r = c.processReady(1);
        assertThat(to(r.messages, 3, APPEND)).as("3 waits for the snapshot").isEmpty();
        assertThat(to(r.messages, 2, APPEND)).hasSize(1);
    }

    /**
     * Paper §7: a follower that receives a snapshot whose last entry it lacks discards its log and installs the
     * snapshot (the runtime restores the state machine from it: here 3's applied list becomes the leader's), then
     * acknowledges the snapshot's index, and replication goes on from there; the leader leaves SNAPSHOT on that
     * acknowledgement, even before the runtime reports the stream finished. Pins {@code RaftNode.onSnapshot}'s
     * install branch and {@code Leader.onAppendResponse} in SNAPSHOT.
     */
    @Test
    void followerInstallsSnapshotAndResumesReplication() {
        TestCluster c = compacting();
        c.elect(1);
        c.isolated.add(3L);
        c.node(1).propose(utf8("a"));
        c.node(1).propose(utf8("b"));
        c.stabilize();
        SnapshotMeta s = c.snapshotNow(1);
        c.isolated.clear();
        Message sent = bringToSnapshot(c);
        c.network.clear();

        c.node(3).step(sent);       // the stream's end is not reported yet: the leader learns from 3's answer
        Ready r = c.processReady(3);

        assertThat(r.snapshot).isEqualTo(s);
        assertThat(r.hardState.commit()).isEqualTo(3);
        assertThat(r.committedEntries).as("the snapshot replaces applying them").isEmpty();
        assertThat(to(sent(r), 1, APPEND_RESPONSE)).singleElement().matches(m -> !m.reject() && m.index() == 3);
        assertThat(r.messagesAfterPersist).as("acknowledged once installed").hasSize(1);
        assertThat(c.node(3).log().firstIndex()).isEqualTo(4);
        assertThat(c.node(3).configuration()).isEqualTo(s.configuration());
        assertThat(c.appliedCommands(3)).containsExactly(utf8("a"), utf8("b"));
        assertThat(c.events(RaftEvent.SNAPSHOT_INSTALLED)).isEqualTo(1);
        c.deliverTo(1);
        Progress p3 = c.node(1).progressOf(3);
        assertThat(p3.state()).as("the acknowledgement ends SNAPSHOT: its log ends at 3, replicate from 4")
                .isEqualTo(ProgressState.REPLICATE);
        assertThat(p3.next()).isEqualTo(4);
        c.node(1).reportSnapshot(3, true);
        assertThat(p3.state()).as("a late report changes nothing").isEqualTo(ProgressState.REPLICATE);

        c.stabilize();
        c.node(1).propose(utf8("c"));
        c.stabilize();
        assertThat(c.node(1).progressOf(3).state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(c.node(1).progressOf(3).match()).isEqualTo(4);
        assertThat(positions(c.applied.get(3L))).isEqualTo(positions(c.applied.get(1L)));
        assertThat(c.appliedCommands(3)).containsExactly(utf8("a"), utf8("b"), utf8("c"));
    }

    /** 1 leads {1,2,3}; 4 is added as a learner while cut off, and "x" is committed without it. */
    private static TestCluster learnerCutOffWhileTheLogIsCompacted() {
        TestCluster c = compacting();
        c.elect(1);
        c.addJoining(4);
        c.isolated.add(4L);
        changeMembership(c, 1, ConfigChange.addLearner(4));
        c.node(1).propose(utf8("x"));
        c.stabilize();
        return c;
    }

    /**
     * A member that joins a group whose log is compacted starts from the leader's snapshot, and so learns the
     * configuration from it (its log holds no configuration entry): here it must know that it is a learner of
     * {1,2,3} before it can be promoted. Pins {@code setConfiguration} in {@code RaftNode.onSnapshot}.
     */
    @Test
    void joiningMemberLearnsConfigurationFromSnapshot() {
        TestCluster c = learnerCutOffWhileTheLogIsCompacted();
        SnapshotMeta s = c.snapshotNow(1);
        c.isolated.clear();

        c.tick(1, 1);
        c.stabilize();

        Configuration withLearner = new Configuration(new long[] {1, 2, 3}, new long[0], new long[] {4}, false);
        assertThat(c.events(RaftEvent.SNAPSHOT_INSTALLED)).isEqualTo(1);
        assertThat(c.disks.get(4L).snapshot).isEqualTo(s);
        assertThat(c.node(4).configuration()).isEqualTo(withLearner);
        assertThat(configEntries(c.node(4))).isEmpty();
        assertThat(c.appliedCommands(4)).containsExactly(utf8("x"));
        changeMembership(c, 1, ConfigChange.addVoter(4));
        assertThat(c.node(4).configuration()).isEqualTo(voters(1, 2, 3, 4));
    }

    /**
     * Regression (robustness row 32, seen as a flaky {@code RaftGroupTest}): when the learner's answer to a snapshot
     * reached the leader before the runtime reported the stream done (the order a real network gives), the leader
     * moved the learner to PROBE at a match equal to its own last entry; every later probe was acknowledged at that
     * same index, which did not count as progress, so the learner stayed in PROBE until some new entry was written,
     * and in an idle group it could never be promoted.
     */
    @Test
    void aLearnerThatInstalledASnapshotOfTheWholeLogCanBePromotedInAnIdleGroup() {
        TestCluster c = learnerCutOffWhileTheLogIsCompacted();
        c.snapshotNow(1); // the snapshot covers the leader's whole log
        c.isolated.clear();
        c.tick(1, 1);
        for (int i = 0; i < 10 && c.network.stream().noneMatch(m -> m.type() == MessageType.SNAPSHOT); i++) {
            for (long id = 1; id <= 4; id++) {
                c.processReady(id);
            }
            c.deliver(m -> m.type() != MessageType.SNAPSHOT);
            c.processReady(1);
        }
        Message snapshot = c.network.stream().filter(m -> m.type() == MessageType.SNAPSHOT).findFirst().orElseThrow();
        c.network.remove(snapshot);
        c.node(4).step(snapshot); // delivered, but the runtime reports the stream's end only later
        c.processReady(4);
        c.deliver(m -> m.to() == 1); // the learner's answer first
        c.processReady(1);
        c.node(1).reportSnapshot(4, true); // then the stream's end
        for (int i = 0; i < 3; i++) {
            c.tick(1, 1);
            c.stabilize();
        }
        ProposeResult promote = c.node(1).proposeConfigChange(ConfigChange.addVoter(4));
        assertThat(promote.accepted()).as("promotion: %s", promote).isTrue();
        c.stabilize();
        assertThat(c.node(4).configuration()).isEqualTo(voters(1, 2, 3, 4));
    }

    /**
     * Paper §7: "if the follower receives a snapshot that describes a prefix of its log ... entries following
     * the snapshot are retained". A follower that holds the snapshot's last entry (same index and term) only moves
     * its commit index and applies from its own log; one that holds another term there installs; one that already
     * committed past it just says so. Pins the three branches of {@code RaftNode.onSnapshot}.
     */
    @Test
    void followerWithSnapshotEntryFastForwards() {
        SnapshotMeta s = new SnapshotMeta(3, 1, voters(1, 2, 3));

        RaftNode holds = RaftNode.restart(plain(3, 1, 2, 3).build(), new HardState(1, NONE, 1), entries(1, 1, 1, 1),
                1, bound -> 0, Tracer.NONE);
        holds.step(Message.snapshot(1, 3, 1, s, 3));
        Ready r = handle(holds);
        assertThat(r.snapshot).isNull();
        assertThat(holds.log().committed()).isEqualTo(3);
        assertThat(holds.log().lastIndex()).as("entry 4 is kept").isEqualTo(4);
        assertThat(r.committedEntries).extracting(Entry::index).containsExactly(2L, 3L);
        assertThat(to(sent(r), 1, APPEND_RESPONSE)).singleElement().matches(m -> !m.reject() && m.index() == 3);

        RaftNode differs = RaftNode.restart(plain(3, 1, 2, 3).build(), new HardState(2, NONE, 1), entries(1, 1, 2),
                1, bound -> 0, Tracer.NONE);
        SnapshotMeta later = new SnapshotMeta(3, 3, voters(1, 2, 3));
        differs.step(Message.snapshot(1, 3, 3, later, 3));
        r = handle(differs);
        assertThat(r.snapshot).isEqualTo(later);
        assertThat(differs.log().lastIndex()).isEqualTo(3);
        assertThat(differs.log().term(3)).isEqualTo(3);
        assertThat(differs.log().firstIndex()).isEqualTo(4);

        RaftNode ahead = RaftNode.restart(plain(3, 1, 2, 3).build(), new HardState(1, NONE, 4), entries(1, 1, 1, 1),
                4, bound -> 0, Tracer.NONE);
        ahead.step(Message.snapshot(1, 3, 1, s, 3));
        r = handle(ahead);
        assertThat(r.snapshot).isNull();
        assertThat(to(sent(r), 1, APPEND_RESPONSE)).singleElement().matches(m -> !m.reject() && m.index() == 4);
    }

    /**
     * etcd's ReportSnapshot: when the runtime's stream of the snapshot fails, the leader goes back to probing from
     * what the follower is known to hold (not from past the snapshot), waits to hear from it, and then sends the
     * snapshot again. Pins {@code Leader.reportSnapshot} and {@code Progress.abortSnapshot}.
     */
    @Test
    void failedSnapshotTransferFallsBackToProbe() {
        TestCluster c = compacting();
        c.elect(1);
        c.isolated.add(3L);
        c.node(1).propose(utf8("a"));
        c.node(1).propose(utf8("b"));
        c.stabilize();
        c.snapshotNow(1);
        c.isolated.clear();
        bringToSnapshot(c);

        assertThat(c.drop(m -> m.type() == SNAPSHOT)).isEqualTo(1);
        c.node(1).reportSnapshot(3, false);

        Progress p3 = c.node(1).progressOf(3);
        assertThat(p3.state()).isEqualTo(ProgressState.PROBE);
        assertThat(p3.next()).isEqualTo(p3.match() + 1).isEqualTo(2);
        assertThat(p3.isPaused()).isTrue();
        c.processReady(1);
        assertThat(c.network).as("nothing until 3 is heard from").isEmpty();

        c.tick(1, 1);
        c.stabilize();

        assertThat(c.events(RaftEvent.SNAPSHOT_SENT)).isEqualTo(2);
        assertThat(c.events(RaftEvent.SNAPSHOT_INSTALLED)).isEqualTo(1);
        assertThat(c.node(1).progressOf(3).match()).isEqualTo(3);
        assertThat(c.appliedCommands(3)).containsExactly(utf8("a"), utf8("b"));
    }

    /**
     * Thesis §5.1: a snapshot holds "the latest configuration as of the last included index", because the entry
     * that held it may be gone. 2 snapshots after the learner 4 is added, so the configuration entry is compacted
     * away; restarted from the snapshot it knows 4, still replicates to it when it leads, and its state machine
     * starts from the snapshot. Pins {@code RaftNode}'s constructor taking the snapshot's configuration.
     */
    @Test
    void restartFromSnapshotRestoresConfiguration() {
        TestCluster c = compacting();
        c.elect(1);
        c.addJoining(4);
        changeMembership(c, 1, ConfigChange.addLearner(4));
        c.node(1).propose(utf8("x"));
        c.stabilize();
        Configuration withLearner = new Configuration(new long[] {1, 2, 3}, new long[0], new long[] {4}, false);

        SnapshotMeta s = c.snapshotNow(2);
        assertThat(s.configuration()).isEqualTo(withLearner);
        assertThat(configEntries(c.node(2))).isEmpty();
        c.restart(2);

        assertThat(c.node(2).configuration()).isEqualTo(withLearner);
        assertThat(c.node(2).log().firstIndex()).isEqualTo(s.index() + 1);
        assertThat(c.node(2).log().committed()).isEqualTo(s.index());
        assertThat(c.node(2).hasReady()).as("nothing to apply again").isFalse();
        c.node(2).campaign();
        c.stabilize();
        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
        c.node(2).propose(utf8("y"));
        c.stabilize();
        assertThat(c.appliedCommands(4)).containsExactly(utf8("x"), utf8("y"));
        assertThat(positions(c.applied.get(2L))).isEqualTo(positions(c.applied.get(4L)));
    }

    /**
     * Regression: a follower in REPLICATE whose in-flight appends were all lost (here while it was cut off, with
     * a window of 2) and whose next entry the leader has since compacted. On its heartbeat answer the leader used
     * to send an empty AppendEntries after entry next-1 with prevLogTerm {@code TERM_UNKNOWN} (-1), because that
     * entry is compacted; the follower's log also answers -1 for an index past its end, so the check "matched",
     * and the follower tried to commit past its last entry (an InvariantViolation that stops the member).
     * Invariant: the leader never sends an AppendEntries whose previous entry it does not hold; a follower that
     * needs a compacted entry gets the snapshot. Pins the compacted case in {@code Leader.onHeartbeatResponse}.
     */
    @Test
    void lostAppendsToFollowerWhoseNextEntryIsCompactedAreReplacedBySnapshot() {
        TestCluster c = new TestCluster(3,
                plain(b -> b.inflightMessagesMax(2).snapshotThresholdEntries(0).snapshotRetainEntries(0)));
        c.elect(1);
        c.isolated.add(3L);
        for (int i = 0; i < 4; i++) {
            c.node(1).propose(utf8("x" + i));
            c.stabilize();
        }
        Progress p3 = c.node(1).progressOf(3);
        assertThat(p3.state()).isEqualTo(ProgressState.REPLICATE);
        assertThat(p3.match()).isEqualTo(1);
        assertThat(p3.next()).as("entries 2 and 3 were sent and lost").isEqualTo(4);
        c.snapshotNow(1);
        assertThat(c.node(1).log().term(3)).isEqualTo(RaftLog.TERM_UNKNOWN);

        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();

        assertThat(c.delivered).noneMatch(m -> m.type() == APPEND && m.logTerm() == RaftLog.TERM_UNKNOWN);
        assertThat(c.events(RaftEvent.SNAPSHOT_SENT)).isEqualTo(1);
        assertThat(positions(c.applied.get(3L))).isEqualTo(positions(c.applied.get(1L)));
        assertThat(c.node(1).progressOf(3).match()).isEqualTo(5);
    }

    /**
     * Lets the leader find out that 3 needs entry 2, which is compacted: a heartbeat, 3's answer, an empty append
     * that 3 rejects, and the leader's reaction. Returns the SNAPSHOT message the leader then sent to 3 (left in
     * the network).
     */
    private static Message bringToSnapshot(TestCluster c) {
        for (int i = 0; i < 4 && c.network.stream().noneMatch(m -> m.type() == SNAPSHOT); i++) {
            if (i == 0) {
                c.tick(1, 1);
            }
            c.processReady(1);
            if (c.network.stream().anyMatch(m -> m.type() == SNAPSHOT)) {
                break;
            }
            c.deliver(m -> m.to() == 3 || m.to() == 2);
            c.processReady(2);
            c.processReady(3);
            c.deliverTo(1);
        }
        return c.network.stream().filter(m -> m.type() == SNAPSHOT).findFirst()
                .orElseThrow(() -> new AssertionError("no snapshot sent: " + c.network));
    }
}
