package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.addVotersExplicitly;
import static io.cairn.raft.core.Fixtures.changeMembership;
import static io.cairn.raft.core.Fixtures.configEntries;
import static io.cairn.raft.core.Fixtures.electManually;
import static io.cairn.raft.core.Fixtures.ofType;
import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.Fixtures.voters;
import static io.cairn.raft.core.MessageType.VOTE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.core.progress.ProgressState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per membership rule (thesis chapter 4): joint consensus (§4.3), the rule that a leader appends no
 * configuration before an entry of its own term commits (§4.1, the fix Ongaro posted to raft-dev in 2015), one
 * change at a time, learners (non-voting members, §4.2.1), and a removed leader (§4.2.2). The comment above each
 * test says which decision in {@link Leader} or {@link RaftNode} it pins down.
 *
 * <p>Configurations take effect when their entry commits, so "the configuration" of a member below is the one
 * {@link RaftNode#configuration()} reports. Pre-vote and check-quorum are off ({@link Fixtures#plain}) unless a
 * test needs them.
 */
class MembershipChangeTest {
    private static final int ELECTION = 10;

    private static Configuration joint(long[] incoming, long[] outgoing, boolean autoLeave) {
        return new Configuration(incoming, outgoing, new long[0], autoLeave);
    }

    /**
     * Thesis §4.3: in C_old,new "agreement (for elections and entry commitment) requires separate majorities from
     * both the old and new configurations". Here {1,2,3} becomes {1,2,3,4,5} with an explicit leave, so the group
     * stays joint. An entry held by 1, 4 and 5 (a majority of the new voters only) does not commit, nor does one
     * held by 1 and 2 (a majority of the old only); 4 does not win an election with votes from 2 and 5. Pins
     * {@code JointConfig.committedIndex} and {@code voteResult} taking both halves, and {@code RaftNode} using them.
     */
    @Test
    void jointConfigurationNeedsMajoritiesOfBothHalves_4_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        c.addJoining(5);
        changeMembership(c, 1, addVotersExplicitly(4, 5));
        Configuration joint = joint(new long[] {1, 2, 3, 4, 5}, new long[] {1, 2, 3}, false);
        for (long id = 1; id <= 5; id++) {
            assertThat(c.node(id).configuration()).as("member %d", id).isEqualTo(joint);
        }

        c.isolated.addAll(List.of(2L, 3L));
        long x = c.node(1).propose(utf8("x")).firstIndex();
        c.stabilize();
        assertThat(c.node(5).log().lastIndex()).isEqualTo(x);
        assertThat(c.node(1).log().committed()).as("1, 4, 5: 3 of 5 new voters, 1 of 3 old").isEqualTo(x - 1);
        c.isolated.remove(2L);
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.node(1).log().committed()).as("with 2: 4 of 5 and 2 of 3").isEqualTo(x);

        c.isolated.addAll(List.of(3L, 4L, 5L));
        long y = c.node(1).propose(utf8("y")).firstIndex();
        c.stabilize();
        assertThat(c.node(2).log().lastIndex()).isEqualTo(y);
        assertThat(c.node(1).log().committed()).as("1, 2: 2 of 3 old voters, 2 of 5 new").isEqualTo(x);
        c.isolated.remove(4L);
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.node(1).log().committed()).as("with 4: 3 of 5 and 2 of 3").isEqualTo(y);

        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();
        c.isolated.addAll(List.of(1L, 3L));
        c.node(4).campaign();
        c.stabilize();
        assertThat(c.node(4).role()).as("votes of 2, 4, 5: 3 of 5 new voters but 1 of 3 old")
                .isEqualTo(Role.CANDIDATE);
        c.isolated.remove(3L);
        c.node(4).campaign();
        c.stabilize();
        assertThat(c.node(4).role()).as("with 3: both halves").isEqualTo(Role.LEADER);
    }

    /**
     * Thesis §4.3: "once C_old,new has been committed ... the leader [creates] a log entry describing C_new". With
     * an automatic leave (the default), the leader appends C_new itself, right when C_old,new commits and not
     * before. Pins the auto-leave in {@code Leader}.
     */
    @Test
    void autoLeaveProposesNewConfigurationOnceJointCommits_4_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        Configuration joint = joint(new long[] {1, 2, 3, 4}, new long[] {1, 2, 3}, true);

        ProposeResult r = c.node(1).proposeConfigChange(ConfigChange.addVoter(4));
        assertThat(r.accepted()).isTrue();
        c.processReady(1);
        assertThat(configEntries(c.node(1))).containsExactly(joint);
        assertThat(c.node(1).configuration()).as("in effect once appended (§4.1)").isEqualTo(joint);
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        assertThat(c.node(2).configuration()).as("followers too, once appended").isEqualTo(joint);
        assertThat(configEntries(c.node(1))).as("C_new waits for C_old,new to commit").containsExactly(joint);

        c.deliverTo(1);

        assertThat(c.node(1).configuration()).isEqualTo(voters(1, 2, 3, 4));
        assertThat(configEntries(c.node(1))).containsExactly(joint, voters(1, 2, 3, 4));
        assertThat(c.node(1).log().lastIndex()).isEqualTo(r.firstIndex() + 1);
        c.stabilize();
        for (long id = 1; id <= 4; id++) {
            assertThat(c.node(id).configuration()).as("member %d", id).isEqualTo(voters(1, 2, 3, 4));
        }
        assertThat(c.events(RaftEvent.CONFIG_APPLIED))
                .as("2 configurations on 3 members; 4 receives both entries at once and takes the latest")
                .isEqualTo(2 * 3 + 1);
    }

    /**
     * Regression: the leader that commits C_old,new appends C_new, but may fail before anyone has it. The next
     * leader inherits C_old,new already committed; the auto-leave was only triggered when a joint configuration
     * <em>became</em> committed, so the new leader never left, and the group stayed in joint consensus (refusing
     * every later change) until an operator called proposeLeaveJoint. Invariant (thesis §4.3): a committed
     * auto-leave C_old,new is always followed by C_new, whichever leader is in office. Here 4 is promoted, 1
     * commits C_old,new (2, 3 and 4 hear of it by a heartbeat) and appends C_new, which is lost with 1; 2 is
     * elected by 3 and 4 and must append C_new itself, after its no-op commits.
     */
    @Test
    void newLeaderLeavesInheritedJointConfiguration_4_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        changeMembership(c, 1, ConfigChange.addLearner(4));
        c.node(1).proposeConfigChange(ConfigChange.addVoter(4));
        c.processReady(1);
        c.deliver(m -> true);
        for (long id = 2; id <= 4; id++) {
            c.processReady(id);
        }
        c.deliverTo(1);         // C_old,new commits on 1, which appends C_new
        c.processReady(1);
        c.network.clear();      // C_new never leaves 1
        c.tick(1, 1);           // but a heartbeat tells the others that C_old,new committed
        c.processReady(1);
        c.deliver(m -> m.type() == MessageType.HEARTBEAT);
        c.network.clear();
        c.isolated.add(1L);
        Configuration joint = joint(new long[] {1, 2, 3, 4}, new long[] {1, 2, 3}, true);
        assertThat(c.node(2).configuration()).isEqualTo(joint);
        assertThat(configEntries(c.node(2))).as("C_new is only on 1").hasSize(2);

        c.node(2).campaign();
        c.stabilize();

        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
        for (long id = 2; id <= 4; id++) {
            assertThat(c.node(id).configuration()).as("member %d", id).isEqualTo(voters(1, 2, 3, 4));
        }
        long noop = c.node(2).log().lastIndex() - 1;
        assertThat(c.node(2).log().entry(noop).type()).as("C_new after the no-op").isEqualTo(EntryType.NOOP);
        assertThat(c.node(2).log().entry(noop + 1).term()).isEqualTo(2);
        assertThat(c.node(2).proposeConfigChange(ConfigChange.addLearner(5)).accepted()).isTrue();
    }

    /**
     * The other half of the same fix: a new leader that inherits both C_old,new and C_new uncommitted commits them
     * with its no-op and appends nothing more (the auto-leave used to fire while C_old,new was being applied, before
     * the C_new right after it, and append a second, redundant C_new that held up the next change).
     */
    @Test
    void newLeaderDoesNotRepeatAnInheritedLeave_4_3() {
        TestCluster c = new TestCluster(3, plain());
        Configuration joint = joint(new long[] {1, 2, 3, 4}, new long[] {1, 2, 3}, true);
        List<Entry> log = List.of(Entry.noop(1, 1), new Entry(1, 2, EntryType.CONFIG, joint.encode()),
                new Entry(1, 3, EntryType.CONFIG, voters(1, 2, 3, 4).encode()));
        for (long id = 1; id <= 3; id++) {
            c.load(id, new HardState(1, 1, 1), log);
        }
        c.addJoining(4);
        c.load(4, new HardState(1, 1, 1), log);

        c.node(2).campaign();
        c.stabilize();

        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(2).log().lastIndex()).as("the no-op only").isEqualTo(4);
        assertThat(configEntries(c.node(2))).containsExactly(joint, voters(1, 2, 3, 4));
        for (long id = 1; id <= 4; id++) {
            assertThat(c.node(id).configuration()).as("member %d", id).isEqualTo(voters(1, 2, 3, 4));
        }
        assertThat(c.node(2).proposeConfigChange(ConfigChange.addLearner(5)).accepted()).isTrue();
    }

    /**
     * With an explicit leave the group stays in C_old,new until the operator asks to leave, and no other change is
     * allowed meanwhile; leaving when not joint is refused. Pins {@code ConfigChange.apply}'s autoLeave flag and
     * {@code Leader.proposeLeaveJoint}.
     */
    @Test
    void explicitLeaveWaitsForRequest_4_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        Configuration joint = joint(new long[] {1, 2, 3, 4}, new long[] {1, 2, 3}, false);
        changeMembership(c, 1, addVotersExplicitly(4));
        c.tick(1, 3);
        c.stabilize();

        assertThat(c.node(1).configuration()).isEqualTo(joint);
        assertThat(configEntries(c.node(1))).containsExactly(joint);
        ProposeResult other = c.node(1).proposeConfigChange(ConfigChange.addLearner(5));
        assertThat(other.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(other.detail()).contains("joint consensus").contains("leave it first");

        assertThat(c.node(1).proposeLeaveJoint().accepted()).isTrue();
        c.stabilize();
        for (long id = 1; id <= 4; id++) {
            assertThat(c.node(id).configuration()).as("member %d", id).isEqualTo(voters(1, 2, 3, 4));
        }
        ProposeResult again = c.node(1).proposeLeaveJoint();
        assertThat(again.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(again.detail()).isEqualTo("the group is not in joint consensus");
        assertThat(c.node(2).proposeLeaveJoint().rejection()).isEqualTo(ProposeResult.Rejection.NOT_LEADER);
    }

    /**
     * Thesis §4.1 (and its published fix): a leader must not append a configuration entry until an entry of its
     * own term has committed; otherwise an uncommitted configuration of an earlier leader could be lost while the
     * new one takes effect, and two disjoint majorities can form. Leader 2 of term 2 knows everything before its
     * no-op is committed (so no earlier change is pending), but its no-op is not: the change is refused until it
     * commits. Pins the own-term check in {@code Leader.configChangeRefusal}.
     */
    @Test
    void leaderAppendsNoConfigurationBeforeOwnTermCommits_4_1() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        electManually(c, 2);
        assertThat(c.node(2).log().committed()).isEqualTo(1);
        assertThat(c.node(2).log().lastIndex()).isEqualTo(2);
        c.addJoining(4);

        ProposeResult r = c.node(2).proposeConfigChange(ConfigChange.addLearner(4));

        assertThat(r.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(r.detail()).isEqualTo("no entry of this leader's term 2 has committed yet");
        assertThat(c.node(2).log().lastIndex()).isEqualTo(2);
        c.stabilize();
        assertThat(c.node(2).proposeConfigChange(ConfigChange.addLearner(4)).accepted()).isTrue();
    }

    /**
     * Thesis §4.3 / etcd: one configuration change at a time. A second change is refused while the first is
     * uncommitted, and so is any change while the leader's own C_new (the auto-leave) is uncommitted. Pins
     * {@code pendingConfigIndex} in {@code Leader}.
     */
    @Test
    void onlyOneUncommittedConfigurationAtATime() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        c.addJoining(5);

        ProposeResult first = c.node(1).proposeConfigChange(ConfigChange.addLearner(4));
        ProposeResult second = c.node(1).proposeConfigChange(ConfigChange.addLearner(5));
        assertThat(first.accepted()).isTrue();
        assertThat(second.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(second.detail())
                .isEqualTo("the configuration change at " + first.firstIndex() + " has not committed yet");
        c.stabilize();

        ProposeResult promote = c.node(1).proposeConfigChange(ConfigChange.addVoter(4));
        c.processReady(1);
        c.deliver(m -> true);
        for (long id = 2; id <= 5; id++) {
            c.processReady(id);
        }
        c.deliverTo(1);     // the joint configuration commits; the leader appends C_new, in effect at once
        assertThat(c.node(1).configuration().isJoint()).isFalse();
        ProposeResult duringLeave = c.node(1).proposeConfigChange(ConfigChange.addLearner(5));
        assertThat(duringLeave.detail())
                .isEqualTo("the configuration change at " + (promote.firstIndex() + 1) + " has not committed yet");
        c.stabilize();
        assertThat(c.node(1).proposeConfigChange(ConfigChange.addLearner(5)).accepted()).isTrue();
    }

    /**
     * Thesis §4.2.1: a learner receives the log but does not vote and does not count towards any majority. 1 and
     * the learners 4 and 5 holding an entry (3 of 5 members) do not commit it; 4 never campaigns, and a candidate
     * does not ask it. Pins the quorum being built from voters only, and the voter checks in {@code campaign} and
     * {@code requestVotes}.
     */
    @Test
    void learnerDoesNotVoteNorCountForQuorum() {
        TestCluster c = new TestCluster(3, plain(b -> b.electionTicks(ELECTION)));
        c.elect(1);
        c.addJoining(4);
        c.addJoining(5);
        changeMembership(c, 1, ConfigChange.addLearner(4));
        changeMembership(c, 1, ConfigChange.addLearner(5));
        assertThat(c.node(4).configuration())
                .isEqualTo(new Configuration(new long[] {1, 2, 3}, new long[0], new long[] {4, 5}, false));
        assertThat(c.node(4).log().lastIndex()).isEqualTo(c.node(1).log().lastIndex());

        c.isolated.addAll(List.of(2L, 3L));
        long x = c.node(1).propose(utf8("x")).firstIndex();
        c.stabilize();
        assertThat(c.node(4).log().lastIndex()).isEqualTo(x);
        assertThat(c.node(5).log().lastIndex()).isEqualTo(x);
        assertThat(c.node(1).log().committed()).as("leader and learners are 1 voter of 3").isEqualTo(x - 1);
        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.node(1).log().committed()).isEqualTo(x);
        assertThat(c.appliedCommands(4)).containsExactly(utf8("x"));

        c.tick(4, 3 * ELECTION);
        c.node(4).campaign();
        assertThat(c.node(4).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(4).term()).isEqualTo(1);
        assertThat(c.node(4).hasReady()).as("no vote requests").isFalse();

        c.node(2).campaign();
        c.processReady(2);
        assertThat(ofType(c.network, VOTE)).extracting(Message::to).containsExactly(1L, 3L);
    }

    /**
     * A learner is promoted only once it holds everything committed (else the new majority, which needs it, could
     * stall): not while it has never been reached, nor while it is replicating but behind (its appends lost).
     * Pins {@code Leader.learnersNotCaughtUp}.
     */
    @Test
    void learnerPromotedOnlyOnceCaughtUp() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        c.isolated.add(4L);
        changeMembership(c, 1, ConfigChange.addLearner(4));
        c.node(1).propose(utf8("x"));
        c.stabilize();

        ProposeResult early = c.node(1).proposeConfigChange(ConfigChange.addVoter(4));
        assertThat(early.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(early.detail()).startsWith("learner 4 has not caught up (match 0, commit 3");
        assertThat(c.events(RaftEvent.LEARNER_PROMOTED)).isZero();

        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.node(1).progressOf(4).state()).isEqualTo(ProgressState.REPLICATE);
        c.isolated.add(4L);
        c.node(1).propose(utf8("y"));
        c.stabilize();
        assertThat(c.node(1).progressOf(4).state()).isEqualTo(ProgressState.REPLICATE);
        ProposeResult behind = c.node(1).proposeConfigChange(ConfigChange.addVoter(4));
        assertThat(behind.detail()).isEqualTo("learner 4 has not caught up (match 3, commit 4, REPLICATE)");

        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();
        assertThat(c.node(1).progressOf(4).match()).isEqualTo(c.node(1).log().committed());
        changeMembership(c, 1, ConfigChange.addVoter(4));

        assertThat(c.node(4).configuration()).isEqualTo(voters(1, 2, 3, 4));
        assertThat(c.events(RaftEvent.LEARNER_PROMOTED)).as("4 saw itself promoted (once, at C_old,new)")
                .isEqualTo(1);
    }

    /**
     * Thesis §4.2.2: a leader that is not part of C_new manages the cluster until C_new commits, without counting
     * itself towards its majorities, then steps down. 1 removes itself: it leads on through C_old,new (where it
     * still votes, in the old half), C_new does not commit with 1 and 2 holding it (2 is one of the new voters 2,
     * 3), and 1 steps down once 3 has it too, telling 2 and 3 the new commit index first; then it never campaigns,
     * and 2 and 3 elect a leader, which stops replicating to 1.
     * Pins the step-down in {@code Leader.onConfigurationCommitted} and the voter check in {@code tickElection}.
     */
    @Test
    void removedLeaderStepsDownWhenChangeCommits() {
        TestCluster c = new TestCluster(3, plain(b -> b.electionTicks(ELECTION)));
        c.elect(1);
        ProposeResult r = c.node(1).proposeConfigChange(ConfigChange.remove(1));
        c.processReady(1);
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        c.deliverTo(1);
        assertThat(c.node(1).configuration()).as("C_old,new committed; C_new appended and in effect")
                .isEqualTo(voters(2, 3));
        assertThat(c.node(1).role()).as("manages the group until C_new commits (§4.2.2)").isEqualTo(Role.LEADER);

        long leave = r.firstIndex() + 1;
        c.processReady(1);
        c.drop(m -> m.to() == 3);
        c.deliverTo(2);
        c.processReady(2);
        c.deliverTo(1);
        assertThat(c.node(2).log().lastIndex()).isEqualTo(leave);
        assertThat(c.node(1).log().committed()).as("1 does not count for C_new: 2 is 1 of 2").isEqualTo(leave - 1);
        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);

        c.tick(1, 1);
        c.stabilize();

        assertThat(c.node(1).log().committed()).isEqualTo(leave);
        assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(1).configuration()).isEqualTo(voters(2, 3));
        assertThat(c.events(RaftEvent.REMOVED_LEADER_STEPPED_DOWN)).isEqualTo(1);
        c.tick(1, 3 * ELECTION);
        assertThat(c.node(1).term()).as("a removed member never campaigns").isEqualTo(1);
        assertThat(c.node(1).hasReady()).isFalse();

        // Before stepping down, 1 told 2 and 3 that C_new committed: they need not wait for a new leader to know.
        assertThat(c.node(2).configuration()).isEqualTo(voters(2, 3));
        assertThat(c.node(2).log().committed()).isEqualTo(leave);
        assertThat(c.node(3).log().committed()).isEqualTo(leave);
        c.tick(2, ELECTION);
        c.stabilize();
        assertThat(c.node(2).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(3).configuration()).isEqualTo(voters(2, 3));
        assertThat(c.node(2).progressOf(1)).as("1 is no longer replicated to").isNull();
    }

    /**
     * Regression: a member's progress starts in PROBE at the leader's last index + 1 when the configuration that
     * adds it commits, and its first probe is an empty append (there is nothing after that index). If that probe
     * was lost, the member's heartbeat answers put it on the send list, but the send path sends nothing in PROBE
     * when there are no entries after next: the member never caught up while the leader was idle, and so could
     * never be promoted. Invariant (liveness, as for lost appends in REPLICATE): a follower that answers
     * heartbeats is brought up to date without waiting for new proposals. Pins the PROBE case in
     * {@code Leader.onHeartbeatResponse}; found by the scenario confchange_learner_promotion.txt.
     */
    @Test
    void memberWhoseFirstProbeWasLostCatchesUpOnHeartbeats() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.addJoining(4);
        c.isolated.add(4L);
        changeMembership(c, 1, ConfigChange.addLearner(4));
        c.isolated.clear();

        c.tick(1, 1);
        c.stabilize();

        assertThat(c.node(4).log().lastIndex()).isEqualTo(2);
        assertThat(c.node(1).progressOf(4).match()).isEqualTo(2);
        assertThat(c.node(4).configuration().isLearner(4)).isTrue();
        assertThat(c.node(1).proposeConfigChange(ConfigChange.addVoter(4)).accepted()).isTrue();
    }

    /**
     * A member started with no configuration (joining) learns it from the log: it does not campaign while it
     * knows no configuration, and once the change that adds it commits it votes and can lead. Pins followers
     * applying configuration entries as they commit ({@code RaftNode.commitTo}).
     */
    @Test
    void newVoterLearnsConfigurationFromLog() {
        TestCluster c = new TestCluster(3, plain(b -> b.electionTicks(ELECTION)));
        c.elect(1);
        RaftNode four = c.addJoining(4);
        assertThat(four.configuration().members()).isEmpty();
        c.tick(4, 3 * ELECTION);
        assertThat(four.hasReady()).as("a member that knows no configuration stays quiet").isFalse();

        changeMembership(c, 1, ConfigChange.addVoter(4));

        assertThat(c.node(4).configuration()).isEqualTo(voters(1, 2, 3, 4));
        assertThat(configEntries(c.node(4))).hasSize(2);
        c.node(4).campaign();
        c.stabilize();
        assertThat(c.node(4).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(4).term()).isEqualTo(2);
    }

    /** ConfigChange's refusals reach the caller through the leader, with nothing appended. */
    @Test
    void refusedChangeAppendsNothingAndSaysWhy() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        long last = c.node(1).log().lastIndex();

        ProposeResult r = c.node(1).proposeConfigChange(ConfigChange.addVoter(2));

        assertThat(r.rejection()).isEqualTo(ProposeResult.Rejection.CONFIG_CHANGE_REFUSED);
        assertThat(r.detail()).isEqualTo("member 2 is already a voter");
        assertThat(r.leaderHint()).isEqualTo(1);
        assertThat(c.node(1).log().lastIndex()).isEqualTo(last);
        assertThat(c.node(2).proposeConfigChange(ConfigChange.addLearner(4)).rejection())
                .isEqualTo(ProposeResult.Rejection.NOT_LEADER);
    }
}
