package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.entries;
import static io.cairn.raft.core.Fixtures.entry;
import static io.cairn.raft.core.Fixtures.fresh;
import static io.cairn.raft.core.Fixtures.logTerms;
import static io.cairn.raft.core.Fixtures.ofType;
import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.positions;
import static io.cairn.raft.core.Fixtures.sent;
import static io.cairn.raft.core.Fixtures.to;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.MessageType.APPEND;
import static io.cairn.raft.core.MessageType.APPEND_RESPONSE;
import static io.cairn.raft.core.MessageType.VOTE;
import static io.cairn.raft.core.MessageType.VOTE_RESPONSE;
import static io.cairn.raft.core.RaftNode.NONE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The simulator proves its checkers by switching on {@link InjectedBug}s and expecting a failure; that only
 * means something if each switch really breaks the rule it names. Each test here runs the same steps with the
 * bug off and on and shows the difference, and where it is cheap, the harm the broken rule does.
 */
class InjectedBugTest {
    private static final Set<InjectedBug> NO_BUGS = EnumSet.noneOf(InjectedBug.class);

    /** VOTE_NOT_PERSISTED: grants and a candidate's requests may leave before the vote is on disk. */
    @ParameterizedTest(name = "bug={0}")
    @ValueSource(booleans = {false, true})
    void votesLeaveBeforePersistWithVoteNotPersisted(boolean bug) {
        Set<InjectedBug> bugs = bug ? EnumSet.of(InjectedBug.VOTE_NOT_PERSISTED) : NO_BUGS;

        RaftNode voter = fresh(plain(2, 1, 2, 3).injectedBugs(bugs).build());
        voter.step(Message.voteRequest(VOTE, 1, 2, 1, 0, 0));
        Ready r = voter.ready();
        assertThat(r.hardState).isEqualTo(new HardState(1, 1, 0));
        assertThat(ofType(bug ? r.messages : r.messagesAfterPersist, VOTE_RESPONSE)).hasSize(1);
        assertThat(ofType(bug ? r.messagesAfterPersist : r.messages, VOTE_RESPONSE)).isEmpty();

        RaftNode candidate = fresh(plain(1, 1, 2, 3).injectedBugs(bugs).build());
        candidate.campaign();
        r = candidate.ready();
        assertThat(ofType(bug ? r.messages : r.messagesAfterPersist, VOTE)).hasSize(2);
    }

    /**
     * COMMIT_OLD_TERM: in Figure 8, S1 commits and applies 2/2 as soon as it is on a majority. S5 can still win
     * term 5 (with S3 and S4) and overwrite index 2 with 2/3, which it then commits and applies: two members
     * apply different entries at one index, which State Machine Safety forbids. Without the bug S1 never applies
     * 2/2, and S5's overwrite is legitimate.
     */
    @ParameterizedTest(name = "bug={0}")
    @ValueSource(booleans = {false, true})
    void figure8CommitsOldTermEntryWithCommitOldTerm(boolean bug) {
        TestCluster c = Fixtures.figure8(bug ? EnumSet.of(InjectedBug.COMMIT_OLD_TERM) : NO_BUGS);
        Fixtures.figure8ReplicateOldEntryToMajority(c);
        assertThat(c.node(1).log().committed()).isEqualTo(bug ? 2 : 1);
        c.processReady(1);
        c.network.clear();          // S1 crashes before anyone hears of commit=2
        c.isolated.clear();
        c.isolated.add(1L);

        for (int i = 0; i < 3 && c.node(5).role() != Role.LEADER; i++) {
            c.node(5).campaign();
            c.stabilize();
        }

        assertThat(c.node(5).role()).isEqualTo(Role.LEADER);
        assertThat(positions(c.applied.get(5L))).containsExactly("1/1", "2/3", "3/5");
        if (bug) {
            assertThat(positions(c.applied.get(1L))).as("S1 applied a different entry at 2")
                    .containsExactly("1/1", "2/2");
        } else {
            assertThat(positions(c.applied.get(1L))).containsExactly("1/1");
        }
    }

    /**
     * READ_BEFORE_NOOP: a new leader serves a read at its stale commit index 1, missing x, which the previous
     * leader committed at 2 and acknowledged. Without the bug the read waits and is served at 3.
     */
    @ParameterizedTest(name = "bug={0}")
    @ValueSource(booleans = {false, true})
    void staleReadIndexWithReadBeforeNoop(boolean bug) {
        TestCluster c = Fixtures.readAfterUnannouncedCommit(bug ? EnumSet.of(InjectedBug.READ_BEFORE_NOOP) : NO_BUGS);

        c.node(2).readIndex(7);
        c.stabilize();

        assertThat(c.readStates.get(2L)).containsExactly(ReadState.served(7, bug ? 1 : 3));
    }

    /**
     * ACK_BEFORE_DURABLE: a follower acknowledges before its write, and the leader counts its own unwritten
     * entries, so an entry commits while only one member (the follower, maybe not even it) has it on disk.
     */
    @ParameterizedTest(name = "bug={0}")
    @ValueSource(booleans = {false, true})
    void entryCommitsBeforeQuorumIsDurableWithAckBeforeDurable(boolean bug) {
        Set<InjectedBug> bugs = bug ? EnumSet.of(InjectedBug.ACK_BEFORE_DURABLE) : NO_BUGS;
        RaftNode follower = fresh(plain(2, 1, 2, 3).injectedBugs(bugs).build());
        follower.step(Message.append(1, 2, 1, 0, 0, List.of(entry(1, 1)), 0));
        Ready r = follower.ready();
        assertThat(ofType(bug ? r.messages : r.messagesAfterPersist, APPEND_RESPONSE)).hasSize(1);

        TestCluster c = new TestCluster(3, plain(b -> b.injectedBugs(bugs)));
        c.elect(1);
        c.node(1).propose(utf8("x"));
        r = c.node(1).ready();               // the leader's write is not durable
        c.node(2).step(to(r.messages, 2, APPEND).get(0));
        c.processReady(2);
        c.deliverTo(1);
        assertThat(c.node(1).log().committed()).isEqualTo(bug ? 2 : 1);
    }

    /**
     * SKIP_LOG_CHECK: a follower takes entries after a previous entry of another term, so two logs end with the
     * same entry 3/3 but differ at 2: the Log Matching Property no longer holds.
     */
    @ParameterizedTest(name = "bug={0}")
    @ValueSource(booleans = {false, true})
    void followerAppendsAfterMismatchWithSkipLogCheck(boolean bug) {
        Set<InjectedBug> bugs = bug ? EnumSet.of(InjectedBug.SKIP_LOG_CHECK) : NO_BUGS;
        RaftNode n = RaftNode.restart(plain(2, 1, 2, 3).injectedBugs(bugs).build(), new HardState(3, NONE, 1),
                entries(1, 2), 0, bound -> 0, Tracer.NONE);

        n.step(Message.append(1, 2, 3, 3, 2, List.of(entry(3, 3)), 1));   // leader's entry 2 is of term 3

        assertThat(ofType(sent(n.ready()), APPEND_RESPONSE)).singleElement().matches(m -> m.reject() != bug);
        assertThat(logTerms(n)).isEqualTo(bug ? List.of(1L, 2L, 3L) : List.of(1L, 2L));
    }

    /** Every bug can be named on the command line and back; an unknown name lists the known ones. */
    @Test
    void cliNamesRoundTrip() {
        for (InjectedBug b : InjectedBug.values()) {
            assertThat(InjectedBug.fromCliName(b.cliName())).isEqualTo(b);
        }
        assertThat(InjectedBug.COMMIT_OLD_TERM.cliName()).isEqualTo("commit-old-term");
        assertThatThrownBy(() -> InjectedBug.fromCliName("commit_old_term"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown bug 'commit_old_term'")
                .hasMessageContaining("commit-old-term");
    }

    /** A configuration without bugs has none switched on; one with a bug has exactly that one. */
    @Test
    void configReportsOnlyTheBugsSwitchedOn() {
        RaftConfig none = RaftConfig.builder(1, 1).build();
        RaftConfig one = RaftConfig.builder(1, 1).injectedBugs(EnumSet.of(InjectedBug.SKIP_LOG_CHECK)).build();
        for (InjectedBug b : InjectedBug.values()) {
            assertThat(none.bug(b)).isFalse();
            assertThat(one.bug(b)).isEqualTo(b == InjectedBug.SKIP_LOG_CHECK);
        }
    }
}
