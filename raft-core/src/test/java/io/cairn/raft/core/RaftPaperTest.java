package io.cairn.raft.core;

import static io.cairn.raft.core.Fixtures.bytes;
import static io.cairn.raft.core.Fixtures.electManually;
import static io.cairn.raft.core.Fixtures.entries;
import static io.cairn.raft.core.Fixtures.entry;
import static io.cairn.raft.core.Fixtures.fresh;
import static io.cairn.raft.core.Fixtures.handle;
import static io.cairn.raft.core.Fixtures.logTerms;
import static io.cairn.raft.core.Fixtures.ofType;
import static io.cairn.raft.core.Fixtures.plain;
import static io.cairn.raft.core.Fixtures.positions;
import static io.cairn.raft.core.Fixtures.sent;
import static io.cairn.raft.core.Fixtures.terms;
import static io.cairn.raft.core.Fixtures.to;
import static io.cairn.raft.core.Fixtures.utf8;
import static io.cairn.raft.core.Fixtures.withLog;
import static io.cairn.raft.core.MessageType.APPEND;
import static io.cairn.raft.core.MessageType.APPEND_RESPONSE;
import static io.cairn.raft.core.MessageType.HEARTBEAT;
import static io.cairn.raft.core.MessageType.PRE_VOTE;
import static io.cairn.raft.core.MessageType.PRE_VOTE_RESPONSE;
import static io.cairn.raft.core.MessageType.READ_INDEX;
import static io.cairn.raft.core.MessageType.VOTE;
import static io.cairn.raft.core.MessageType.VOTE_RESPONSE;
import static io.cairn.raft.core.RaftNode.NONE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.progress.Progress;
import io.cairn.raft.core.progress.ProgressState;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the Raft paper (§5.1-§5.4) and of the thesis refinements the core implements (pre-vote
 * §9.6, check-quorum §6.2, ReadIndex §6.4, the leader's no-op, persistence before messages §10.2.1), plus the
 * core's own limits. Each test is named after its rule and asserts something that a core breaking that rule
 * could not do; the comment above each says which decision in {@link RaftNode} it pins down.
 *
 * <p>The §5 tests run with pre-vote and check-quorum off ({@link Fixtures#plain}) so that they test the paper's
 * protocol alone; the refinements have their own tests. Random draws are 0, so an election timeout is exactly
 * {@code electionTicks} ticks.
 */
class RaftPaperTest {
    private static final int ELECTION = 10;

    // ---------------------------------------------------------------------------------------------------
    // §5.1 terms
    // ---------------------------------------------------------------------------------------------------

    /** §5.1: "If a server's current term is smaller than the other's, it updates its term"; the vote is reset. */
    @Test
    void followerUpdatesTermFromMessageWithHigherTerm_5_1() {
        RaftNode n = withLog(plain(1, 1, 2, 3).build(), 2, 3, 0, 1, 2);

        n.step(Message.heartbeat(2, 1, 5, 0, 0));

        assertThat(n.term()).isEqualTo(5);
        assertThat(n.vote()).as("the vote belonged to term 2").isEqualTo(NONE);
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.leader()).isEqualTo(2);
        assertThat(n.ready().hardState).isEqualTo(new HardState(5, NONE, 0));
    }

    /** §5.1: a candidate that discovers a higher term "immediately reverts to follower state". */
    @Test
    void candidateRevertsToFollowerOnHigherTerm_5_1() {
        RaftNode n = fresh(plain(1, 1, 2, 3).build());
        n.campaign();
        handle(n);
        assertThat(n.role()).isEqualTo(Role.CANDIDATE);

        n.step(Message.voteRequest(VOTE, 3, 1, 4, 0, 0));

        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.term()).isEqualTo(4);
        assertThat(n.vote()).as("free to vote in the new term, and 3's log is as up to date").isEqualTo(3);
    }

    /** §5.1: a leader that discovers a higher term reverts to follower (any message type carries the term). */
    @Test
    void leaderRevertsToFollowerOnHigherTerm_5_1() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);

        c.node(1).step(Message.appendAccepted(2, 1, 3, 0));

        assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(1).term()).isEqualTo(3);
        assertThat(c.node(1).leader()).isEqualTo(NONE);
        assertThat(c.node(1).progressOf(2)).as("leader state is dropped").isNull();
    }

    /** §5.1: "If a server receives a request with a stale term number, it rejects the request." */
    @Test
    void ignoresRequestsWithStaleTerm_5_1() {
        RaftNode n = withLog(plain(1, 1, 2, 3).build(), 3, NONE, 0, 1, 1);

        n.step(Message.append(2, 1, 2, 1, 2, List.of(entry(2, 3)), 3));
        n.step(Message.voteRequest(VOTE, 3, 1, 2, 9, 9));

        assertThat(logTerms(n)).containsExactly(1L, 1L);
        assertThat(n.log().committed()).isZero();
        assertThat(n.leader()).isEqualTo(NONE);
        assertThat(n.vote()).isEqualTo(NONE);
        assertThat(n.term()).isEqualTo(3);
        assertThat(n.hasReady()).as("no answer, no state change").isFalse();
    }

    /**
     * Thesis §9.6 / §6.2: with pre-vote or check-quorum a stale leader might never see the higher term in a vote
     * request (those are suppressed), so a follower answers a stale AppendEntries with its term, and the stale
     * leader steps down. Without either option, the paper's plain rule applies: the stale message is dropped.
     */
    @Test
    void staleLeaderLearnsNewTermFromFollowerReply_9_6() {
        for (boolean refinements : new boolean[] {true, false}) {
            TestCluster c = new TestCluster(3, b -> b.checkQuorum(refinements).preVote(refinements));
            c.elect(1);
            c.load(3, new HardState(7, NONE, 1), new ArrayList<>(c.disks.get(3L).entries));

            c.tick(1, 1);       // heartbeat at term 1 reaches 3, which is at term 7
            c.stabilize();

            if (refinements) {
                assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
                assertThat(c.node(1).term()).isEqualTo(7);
            } else {
                assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
                assertThat(c.node(1).term()).isEqualTo(1);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // §5.2 leader election
    // ---------------------------------------------------------------------------------------------------

    /**
     * §5.2: a follower that hears nothing for an election timeout "increments its current term and transitions
     * to candidate state. It then votes for itself and issues RequestVote RPCs in parallel to each of the other
     * servers", carrying its last log entry (§5.4.1).
     */
    @Test
    void followerStartsElectionAfterElectionTimeout_5_2() {
        RaftNode n = withLog(plain(1, 1, 2, 3).electionTicks(ELECTION).build(), 2, NONE, 0, 1, 2);
        for (int i = 0; i < ELECTION - 1; i++) {
            n.tick();
        }
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.hasReady()).isFalse();

        n.tick();

        assertThat(n.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n.term()).isEqualTo(3);
        assertThat(n.vote()).isEqualTo(1);
        Ready r = n.ready();
        assertThat(r.hardState).isEqualTo(new HardState(3, 1, 0));
        assertThat(sent(r)).extracting(Message::type, Message::to, Message::term, Message::logTerm, Message::index)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(VOTE, 2L, 3L, 2L, 2L),
                        org.assertj.core.groups.Tuple.tuple(VOTE, 3L, 3L, 2L, 2L));
    }

    /**
     * §5.2: "Raft uses randomized election timeouts ... chosen randomly from a fixed interval"; here
     * [electionTicks, 2 * electionTicks), drawn from the injected random source.
     */
    @Test
    void electionTimeoutIsRandomizedBetweenOneAndTwoTimeouts_5_2() {
        for (int draw : new int[] {0, 4, ELECTION - 1}) {
            List<Integer> bounds = new ArrayList<>();
            RaftNode n = RaftNode.create(plain(1, 1, 2, 3).electionTicks(ELECTION).build(), bound -> {
                bounds.add(bound);
                return draw;
            }, Tracer.NONE);
            int ticks = 0;
            while (n.role() == Role.FOLLOWER && ticks < 100) {
                n.tick();
                ticks++;
            }
            assertThat(ticks).as("draw %d", draw).isEqualTo(ELECTION + draw);
            assertThat(bounds).isNotEmpty().allMatch(b -> b == ELECTION);
        }
    }

    /** §5.2: "A candidate wins an election if it receives votes from a majority of the servers ... for the same term." */
    @Test
    void candidateWinsWithVotesFromMajority_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3, 4, 5).build());
        n.campaign();
        handle(n);

        n.step(Message.voteResponse(VOTE_RESPONSE, 2, 1, 1, false));
        n.step(Message.voteResponse(VOTE_RESPONSE, 3, 1, 1, true));
        n.step(Message.voteResponse(VOTE_RESPONSE, 2, 1, 1, false)); // a duplicate is not a second vote
        assertThat(n.role()).as("2 of 5 votes").isEqualTo(Role.CANDIDATE);

        n.step(Message.voteResponse(VOTE_RESPONSE, 4, 1, 1, false));
        assertThat(n.role()).as("3 of 5 votes").isEqualTo(Role.LEADER);
        assertThat(n.leader()).isEqualTo(1);
    }

    /** §5.2: once a majority has refused, the candidate cannot win this term and goes back to following. */
    @Test
    void candidateReturnsToFollowerWhenMajorityRefuses_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3, 4, 5).build());
        n.campaign();
        handle(n);

        n.step(Message.voteResponse(VOTE_RESPONSE, 2, 1, 1, true));
        n.step(Message.voteResponse(VOTE_RESPONSE, 3, 1, 1, true));
        assertThat(n.role()).as("2 refusals of 5: 3 votes still possible").isEqualTo(Role.CANDIDATE);

        n.step(Message.voteResponse(VOTE_RESPONSE, 4, 1, 1, true));
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.term()).isEqualTo(1);
        assertThat(n.vote()).as("its vote in term 1 stays cast").isEqualTo(1);
    }

    /**
     * §5.2: "If the leader's term is at least as large as the candidate's current term, then the candidate
     * recognizes the leader as legitimate and returns to follower state."
     */
    @Test
    void candidateReturnsToFollowerOnAppendFromLeaderOfSameTerm_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3).build());
        n.campaign();
        handle(n);

        n.step(Message.append(2, 1, 1, 0, 0, List.of(entry(1, 1)), 0));

        assertThat(n.role()).isEqualTo(Role.FOLLOWER);
        assertThat(n.leader()).isEqualTo(2);
        assertThat(n.term()).isEqualTo(1);
        assertThat(n.log().lastIndex()).as("the append itself is handled").isEqualTo(1);
    }

    /** §5.2: after a split vote the candidate "will time out and start a new election by incrementing its term". */
    @Test
    void candidateStartsNewElectionAfterSplitVote_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3).electionTicks(ELECTION).build());
        n.campaign();
        handle(n);

        for (int i = 0; i < ELECTION; i++) {
            n.tick();
        }

        assertThat(n.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n.term()).isEqualTo(2);
        Ready r = n.ready();
        assertThat(r.hardState).isEqualTo(new HardState(2, 1, 0));
        assertThat(ofType(sent(r), VOTE)).hasSize(2).allMatch(m -> m.term() == 2);
    }

    /**
     * §5.2: "Each server will vote for at most one candidate in a given term, on a first-come-first-served
     * basis." A repeated request from the same candidate is granted again (its first answer may have been lost).
     */
    @Test
    void grantsAtMostOneVotePerTerm_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3).build());

        n.step(Message.voteRequest(VOTE, 2, 1, 1, 0, 0));
        n.step(Message.voteRequest(VOTE, 3, 1, 1, 0, 0));
        n.step(Message.voteRequest(VOTE, 2, 1, 1, 0, 0));
        n.step(Message.voteRequest(VOTE, 3, 1, 2, 0, 0));

        assertThat(ofType(sent(n.ready()), VOTE_RESPONSE))
                .extracting(Message::to, Message::term, Message::reject)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(2L, 1L, false),
                        org.assertj.core.groups.Tuple.tuple(3L, 1L, true),
                        org.assertj.core.groups.Tuple.tuple(2L, 1L, false),
                        org.assertj.core.groups.Tuple.tuple(3L, 2L, false));
        assertThat(n.vote()).isEqualTo(3);
    }

    /**
     * §5.2: a member that knows the leader of its term has not voted for anyone else, but must still refuse
     * a candidate of that same term: a second leader in one term would break Election Safety.
     */
    @Test
    void followerOfKnownLeaderRefusesVoteInSameTerm_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3).build());
        n.step(Message.heartbeat(2, 1, 1, 0, 0));
        handle(n);

        n.step(Message.voteRequest(VOTE, 3, 1, 1, 5, 5));

        assertThat(ofType(sent(n.ready()), VOTE_RESPONSE)).singleElement().matches(Message::reject);
        assertThat(n.vote()).isEqualTo(NONE);
    }

    /** §5.2: "Leaders send periodic heartbeats ... to all followers in order to maintain their authority." */
    @Test
    void leaderSendsHeartbeatsEveryHeartbeatInterval_5_2() {
        TestCluster c = new TestCluster(3, plain(b -> b.heartbeatTicks(3)));
        c.elect(1);

        c.tick(1, 2);
        assertThat(c.node(1).hasReady()).isFalse();
        c.tick(1, 1);

        Ready r = c.node(1).ready();
        assertThat(ofType(r.messages, HEARTBEAT)).extracting(Message::to, Message::commit)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(2L, 1L),
                        org.assertj.core.groups.Tuple.tuple(3L, 1L));
    }

    /** §5.2: a follower "remains in follower state as long as it receives valid RPCs from a leader". */
    @Test
    void followerHearingFromLeaderDoesNotCampaign_5_2() {
        RaftNode n = fresh(plain(1, 1, 2, 3).electionTicks(ELECTION).build());
        for (int i = 0; i < ELECTION - 1; i++) {
            n.tick();
        }
        n.step(Message.heartbeat(2, 1, 1, 0, 0));
        for (int i = 0; i < ELECTION - 1; i++) {
            n.tick();
        }
        assertThat(n.role()).as("%d ticks in all, but the timer restarted", 2 * ELECTION - 2)
                .isEqualTo(Role.FOLLOWER);

        n.tick();
        assertThat(n.role()).as("and it did restart, not stop").isEqualTo(Role.CANDIDATE);
    }

    // ---------------------------------------------------------------------------------------------------
    // §5.3 log replication
    // ---------------------------------------------------------------------------------------------------

    /**
     * §5.3: "The leader appends the command to its log as a new entry, then issues AppendEntries RPCs in
     * parallel to each of the other servers", each carrying the entry preceding the new ones.
     */
    @Test
    void leaderAppendsProposalToItsLogAndReplicatesIt_5_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);

        ProposeResult p = c.node(1).propose(utf8("x"));

        assertThat(p.accepted()).isTrue();
        assertThat(p.firstIndex()).isEqualTo(2);
        assertThat(p.term()).isEqualTo(1);
        Ready r = c.node(1).ready();
        assertThat(r.entries).containsExactly(Entry.command(1, 2, utf8("x")));
        assertThat(ofType(r.messages, APPEND)).hasSize(2).allSatisfy(m -> {
            assertThat(m.logTerm()).isEqualTo(1);
            assertThat(m.index()).isEqualTo(1);
            assertThat(m.entries()).containsExactly(Entry.command(1, 2, utf8("x")));
            assertThat(m.commit()).isEqualTo(1);
        });
    }

    /** §5.3: "A log entry is committed once the leader that created the entry has replicated it on a majority." */
    @Test
    void leaderCommitsEntryOnceStoredOnMajority_5_3() {
        TestCluster c = new TestCluster(5, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.processReady(1);

        c.deliverTo(2);
        c.processReady(2);
        c.deliverTo(1);
        assertThat(c.node(1).log().committed()).as("leader + 1 of 5").isEqualTo(1);

        c.deliverTo(3);
        c.processReady(3);
        c.deliverTo(1);
        assertThat(c.node(1).log().committed()).as("leader + 2 of 5").isEqualTo(2);
        c.processReady(1);
        assertThat(c.appliedCommands(1)).containsExactly(utf8("x"));
    }

    /**
     * §5.3: "The leader keeps track of the highest index it knows to be committed, and it includes that index
     * in future AppendEntries RPCs ... Once a follower learns that a log entry is committed, it applies the entry."
     */
    @Test
    void followerAppliesEntriesOnceItLearnsTheyAreCommitted_5_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.processReady(1);
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        assertThat(c.appliedCommands(2)).as("stored but not known committed").isEmpty();
        c.deliverTo(1);

        c.processReady(1);      // carries commit=2
        c.deliver(m -> true);
        c.processReady(2);

        assertThat(c.node(2).log().committed()).isEqualTo(2);
        assertThat(c.appliedCommands(2)).containsExactly(utf8("x"));
    }

    /**
     * §5.3 (consistency check): "If the follower does not find an entry in its log with the same index and term,
     * then it refuses the new entries."
     */
    @Test
    void rejectsAppendEntriesWhenLogDoesNotContainPrevEntry_5_3() {
        RaftNode n = withLog(plain(2, 1, 2, 3).build(), 3, NONE, 0, 1, 1, 2);

        n.step(Message.append(1, 2, 3, 3, 3, List.of(entry(3, 4)), 0));  // term at 3 differs
        n.step(Message.append(1, 2, 3, 3, 5, List.of(entry(3, 6)), 0));  // no entry 5 at all

        assertThat(logTerms(n)).containsExactly(1L, 1L, 2L);
        assertThat(ofType(sent(n.ready()), APPEND_RESPONSE)).extracting(Message::reject, Message::index)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(true, 3L),
                        org.assertj.core.groups.Tuple.tuple(true, 5L));

        n.step(Message.append(1, 2, 3, 2, 3, List.of(entry(3, 4)), 0));  // matches
        assertThat(logTerms(n)).containsExactly(1L, 1L, 2L, 3L);
        assertThat(ofType(sent(n.ready()), APPEND_RESPONSE)).singleElement()
                .matches(m -> !m.reject() && m.index() == 4);
    }

    /**
     * §5.3: "If an existing entry conflicts with a new one (same index but different terms), delete the existing
     * entry and all that follow it." The runtime learns of the cut through the first entry's index in Ready.
     */
    @Test
    void followerDeletesConflictingEntriesAndAppendsNew_5_3() {
        List<RaftEvent> events = new ArrayList<>();
        RaftNode n = RaftNode.restart(plain(2, 1, 2, 3).build(), new HardState(2, NONE, 1), entries(1, 1, 2, 2), 0,
                bound -> 0, eventRecorder(events));

        n.step(Message.append(1, 2, 3, 1, 2, List.of(entry(3, 3)), 1));

        assertThat(logTerms(n)).containsExactly(1L, 1L, 3L);
        Ready r = n.ready();
        assertThat(r.entries).containsExactly(entry(3, 3));
        assertThat(ofType(sent(r), APPEND_RESPONSE)).singleElement().matches(m -> !m.reject() && m.index() == 3);
        assertThat(events).contains(RaftEvent.LOG_TRUNCATED);
    }

    /**
     * §5.3 (AppendEntries receiver rule 3 read with rule 4): only a conflict deletes entries. A delayed, shorter
     * AppendEntries whose entries are all present must not cut the entries after them: they may be committed.
     */
    @Test
    void appendMatchingExistingEntriesDoesNotTruncateLaterOnes_5_3() {
        RaftNode n = withLog(plain(2, 1, 2, 3).build(), 1, NONE, 0, 1, 1, 1, 1);

        n.step(Message.append(1, 2, 1, 1, 1, List.of(entry(1, 2)), 0));

        assertThat(logTerms(n)).containsExactly(1L, 1L, 1L, 1L);
        Ready r = n.ready();
        assertThat(r.entries).as("nothing to write").isEmpty();
        assertThat(ofType(sent(r), APPEND_RESPONSE)).singleElement()
                .as("acknowledges what this message proved, no more").matches(m -> m.index() == 2);
    }

    /**
     * §5.3 (Figure 2, AppendEntries receiver rule 5): "set commitIndex = min(leaderCommit, index of last new
     * entry)". Entries past the last new one may still conflict with the leader's log and must not commit.
     */
    @Test
    void followerCommitIndexIsMinOfLeaderCommitAndLastNewEntry_5_3() {
        // 4/2 and 5/2 came from a deposed leader; the current leader's 4 and 5 are of term 3 and committed.
        RaftNode n = withLog(plain(2, 1, 2, 3).build(), 3, NONE, 1, 1, 1, 1, 2, 2);

        n.step(Message.append(1, 2, 3, 1, 1, List.of(entry(1, 2)), 5));

        assertThat(n.log().committed()).isEqualTo(2);
    }

    /**
     * §5.3: "the leader must find the latest log entry where the two logs agree, delete any entries in the
     * follower's log after that point, and send the follower all of the leader's entries after that point."
     * The followers of Figure 7 (a missing suffix, an extra uncommitted suffix, entries of terms the leader
     * never saw) all end with the leader's log.
     */
    @Test
    void leaderRepairsDivergentFollowerLogs_5_3() {
        TestCluster c = new TestCluster(5, plain());
        long[] leader = {1, 1, 1, 4, 4, 5, 5, 6, 6, 6};
        c.load(1, new HardState(7, NONE, 3), entries(leader));
        c.load(2, new HardState(7, NONE, 3), entries(1, 1, 1, 4, 4, 5, 5, 6, 6));           // (a) missing one
        c.load(3, new HardState(7, NONE, 3), entries(1, 1, 1, 4));                          // (b) missing many
        c.load(4, new HardState(7, NONE, 3), entries(1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3));    // (f) other terms
        c.load(5, new HardState(7, NONE, 3), entries(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6));    // (c) one extra

        c.elect(1);

        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        List<Long> expected = terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 8);
        for (long id = 1; id <= 5; id++) {
            assertThat(logTerms(c.node(id))).as("log of %d", id).isEqualTo(expected);
            assertThat(c.disks.get(id).entries).as("disk of %d", id).isEqualTo(c.disks.get(1L).entries);
        }
    }

    /**
     * §5.3: "This also commits all preceding entries in the leader's log, including entries created by previous
     * leaders." They are applied in index order.
     */
    @Test
    void committingAnEntryCommitsAllPrecedingEntries_5_3() {
        TestCluster c = new TestCluster(3, plain());
        for (long id = 1; id <= 3; id++) {
            c.load(id, new HardState(2, NONE, 1), entries(1, 1, 2));
        }

        c.elect(1);

        for (long id = 1; id <= 3; id++) {
            assertThat(positions(c.applied.get(id))).as("applied by %d", id)
                    .containsExactly("1/1", "2/1", "3/2", "4/3");
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // §5.4 safety
    // ---------------------------------------------------------------------------------------------------

    /**
     * §5.4.1: "the voter denies its vote if its own log is more up-to-date than that of the candidate": the later
     * last term wins; with equal last terms, the longer log. The voter's last entry here is 3/2.
     */
    @ParameterizedTest(name = "candidate last entry {1}/{0} -> granted={2}")
    @CsvSource({
            "5, 1, false",  // longer, but older last term
            "2, 2, false",  // same last term, shorter
            "3, 2, true",   // identical
            "4, 2, true",   // same last term, longer
            "1, 3, true",   // shorter, but newer last term
    })
    void grantsVoteOnlyToCandidateWithUpToDateLog_5_4_1(long lastIndex, long lastTerm, boolean granted) {
        RaftNode n = withLog(plain(1, 1, 2, 3).build(), 3, NONE, 0, 1, 1, 2);

        n.step(Message.voteRequest(VOTE, 2, 1, 4, lastTerm, lastIndex));

        assertThat(ofType(sent(n.ready()), VOTE_RESPONSE)).singleElement().matches(m -> m.reject() != granted);
        assertThat(n.vote()).isEqualTo(granted ? 2 : NONE);
    }

    /**
     * §5.4.1: "a candidate must contact a majority of the cluster in order to be elected, which means that every
     * committed entry must be present in at least one of those servers": a candidate missing a committed entry
     * loses, and a candidate that has it wins.
     */
    @Test
    void candidateWithStaleLogLosesElection_5_4_1() {
        TestCluster c = new TestCluster(3, plain());
        c.load(1, new HardState(1, NONE, 2), entries(1, 1));
        c.load(2, new HardState(1, NONE, 2), entries(1, 1));
        c.load(3, new HardState(1, NONE, 1), entries(1));

        c.elect(3);

        assertThat(c.node(3).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.leader()).isEqualTo(NONE);
        assertThat(ofType(c.delivered, VOTE_RESPONSE)).hasSize(2).allMatch(Message::reject);

        c.elect(1);
        assertThat(c.leader()).isEqualTo(1);
        assertThat(logTerms(c.node(3))).containsExactly(1L, 1L, 3L);
    }

    /**
     * §5.4.2 and Figure 8: "Raft never commits log entries from previous terms by counting replicas." S1, leader
     * of term 4, has its term-2 entry on a majority (S1, S2, S3), yet does not commit it: S5 could still be
     * elected and overwrite it. It is committed only together with S1's own no-op, once that is on a majority.
     */
    @Test
    void leaderNeverCommitsEntryOfPreviousTermByCounting_Figure8_5_4_2() {
        TestCluster c = Fixtures.figure8(EnumSet.noneOf(InjectedBug.class));
        Fixtures.figure8ReplicateOldEntryToMajority(c);
        assertThat(c.node(3).log().lastIndex()).isEqualTo(2);
        assertThat(c.node(1).progressOf(3).match()).isEqualTo(2);

        assertThat(c.node(1).log().committed()).as("2/2 is on 3 of 5 but is not of term 4").isEqualTo(1);
        c.processReady(1);
        assertThat(positions(c.applied.get(1L))).containsExactly("1/1");

        c.stabilize();      // the no-op reaches S3
        assertThat(c.node(1).log().committed()).isEqualTo(3);
        assertThat(positions(c.applied.get(1L))).containsExactly("1/1", "2/2", "3/4");
    }

    /**
     * §5.4: a follower never cuts a committed entry. An AppendEntries whose previous entry lies below the
     * follower's commit index (a delayed or duplicated message) is answered with the commit index, and the log
     * is left alone, whatever the entries say.
     */
    @Test
    void appendBelowCommitIndexLeavesCommittedEntriesAlone_5_4() {
        RaftNode n = withLog(plain(2, 1, 2, 3).build(), 2, NONE, 3, 1, 1, 2);
        handle(n);

        n.step(Message.append(1, 2, 2, 1, 1, List.of(entry(2, 2)), 3));

        assertThat(logTerms(n)).containsExactly(1L, 1L, 2L);
        assertThat(ofType(sent(n.ready()), APPEND_RESPONSE)).singleElement()
                .matches(m -> !m.reject() && m.index() == 3);
    }

    /**
     * §5.3 / Figure 2 rule 5 for heartbeats: a heartbeat carries no entries, so the leader caps the commit index it
     * sends at what it knows the follower's log matches. A follower that still holds an uncommitted entry from an
     * old leader at an index the new leader has committed must not commit (and apply) that stale entry.
     */
    @Test
    void heartbeatNeverCommitsBeyondFollowersMatchedPrefix_5_3() {
        TestCluster c = new TestCluster(3, plain());
        c.load(1, new HardState(1, NONE, 1), entries(1));
        c.load(2, new HardState(1, NONE, 1), entries(1));
        c.load(3, new HardState(1, NONE, 1), entries(1, 1));     // 2/1 never committed
        c.isolated.add(3L);
        c.elect(2);
        c.node(2).propose(utf8("x"));
        c.stabilize();
        assertThat(c.node(2).log().committed()).isEqualTo(3);

        c.isolated.clear();
        c.tick(2, 1);
        c.stabilize();

        assertThat(positions(c.applied.get(3L))).containsExactly("1/1", "2/2", "3/2");
    }

    /**
     * §5.3 Leader Append-Only: "a leader never overwrites or deletes entries in its own log." An AppendEntries
     * claiming to come from another leader of the same term (impossible unless Election Safety broke) is ignored.
     */
    @Test
    void leaderNeverOverwritesItsLog_5_3() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.processReady(1);

        c.node(1).step(Message.append(2, 1, 1, 0, 0, List.of(entry(1, 1), entry(1, 2)), 0));

        assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
        assertThat(c.node(1).log().entry(2).data()).isEqualTo(utf8("x"));
    }

    // ---------------------------------------------------------------------------------------------------
    // Leader's no-op and durability (thesis §6.4, §10.2.1; Ready contract)
    // ---------------------------------------------------------------------------------------------------

    /**
     * Thesis §6.4 / paper §8: a new leader appends a no-op entry of its term at once, so that it can learn what is
     * committed (§5.4.2 forbids committing the previous terms' entries any other way).
     */
    @Test
    void leaderAppendsNoopOnElection() {
        TestCluster c = new TestCluster(3, plain());
        for (long id = 1; id <= 3; id++) {
            c.load(id, new HardState(1, NONE, 1), entries(1, 1));
        }
        electManually(c, 1);

        Ready r = c.processReady(1);

        assertThat(r.entries).containsExactly(Entry.noop(2, 3));
        assertThat(ofType(r.messages, APPEND)).hasSize(2)
                .allMatch(m -> m.entries().equals(List.of(Entry.noop(2, 3))) && m.index() == 2 && m.logTerm() == 1);
        assertThat(c.node(1).propose(utf8("x")).firstIndex()).as("proposals come after it").isEqualTo(4);
    }

    /**
     * §5.2 with crashes: a vote is a promise about durable state. Both the voter's grant and the candidate's own
     * requests (which carry its vote for itself) leave only after the hard state holding the vote is written.
     * Pre-vote messages promise nothing and may leave at once.
     */
    @Test
    void voteIsSentOnlyAfterPersist() {
        RaftNode voter = fresh(plain(2, 1, 2, 3).build());
        voter.step(Message.voteRequest(VOTE, 1, 2, 1, 0, 0));
        Ready r = voter.ready();
        assertThat(r.hardState).isEqualTo(new HardState(1, 1, 0));
        assertThat(r.messages).isEmpty();
        assertThat(r.messagesAfterPersist).singleElement().matches(m -> m.type() == VOTE_RESPONSE && !m.reject());

        RaftNode candidate = fresh(plain(1, 1, 2, 3).build());
        candidate.campaign();
        r = candidate.ready();
        assertThat(r.hardState).isEqualTo(new HardState(1, 1, 0));
        assertThat(r.messages).isEmpty();
        assertThat(ofType(r.messagesAfterPersist, VOTE)).hasSize(2);

        RaftNode preCandidate = fresh(RaftConfig.builder(1, 1, 2, 3).preVote(true).build());
        preCandidate.campaign();
        r = preCandidate.ready();
        assertThat(r.hardState).isNull();
        assertThat(ofType(r.messages, PRE_VOTE)).hasSize(2);
    }

    /**
     * A follower's acknowledgement promises the entries are durable (the leader counts it towards a quorum), so
     * it leaves only after the Ready that holds those entries is written.
     */
    @Test
    void followerAckWaitsForPersist() {
        RaftNode n = fresh(plain(2, 1, 2, 3).build());
        n.step(Message.append(1, 2, 1, 0, 0, List.of(entry(1, 1), entry(1, 2)), 0));

        Ready r = n.ready();

        assertThat(r.entries).hasSize(2);
        assertThat(r.mustPersist()).isTrue();
        assertThat(r.messages).isEmpty();
        assertThat(r.messagesAfterPersist).singleElement()
                .matches(m -> m.type() == APPEND_RESPONSE && m.index() == 2);
    }

    /**
     * Thesis §10.2.1: the leader may send AppendEntries before its own write completes, but counts itself
     * towards the quorum only once {@link RaftNode#persisted} says its write is durable.
     */
    @Test
    void leaderCountsItselfOnlyAfterItsWriteIsDurable_10_2_1() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        RaftNode leader = c.node(1);
        leader.propose(utf8("x"));

        Ready r = leader.ready();   // not written yet
        assertThat(r.entries).hasSize(1);
        assertThat(ofType(r.messages, APPEND)).as("appends leave before the write").hasSize(2);
        c.node(2).step(to(r.messages, 2, APPEND).get(0));
        c.processReady(2);
        c.deliverTo(1);
        assertThat(leader.log().committed()).as("only 2 has it durably").isEqualTo(1);

        leader.persisted(r.persistIndex(), r.persistTerm());
        assertThat(leader.log().committed()).isEqualTo(2);
    }

    /**
     * Ready contract: committed entries are handed out for applying only once they are durable locally, even
     * when the leader's commit index arrives with the entries themselves.
     */
    @Test
    void committedEntriesAreAppliedOnlyOnceLocallyDurable() {
        RaftNode n = fresh(plain(2, 1, 2, 3).build());
        n.step(Message.append(1, 2, 1, 0, 0, List.of(entry(1, 1), entry(1, 2)), 2));

        Ready first = n.ready();
        assertThat(first.entries).hasSize(2);
        assertThat(first.committedEntries).isEmpty();
        assertThat(n.hasReady()).isFalse();

        n.persisted(first.persistIndex(), first.persistTerm());
        assertThat(n.ready().committedEntries).containsExactly(entry(1, 1), entry(1, 2));
    }

    /**
     * §5.2 across crashes: a restarted member keeps its term, its vote and its log, so it cannot vote twice in
     * one term, and replays its committed entries to a fresh state machine.
     */
    @Test
    void restartKeepsTermVoteAndLog() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.stabilize();

        c.restart(2);
        RaftNode n = c.node(2);
        assertThat(n.term()).isEqualTo(1);
        assertThat(n.vote()).isEqualTo(1);
        assertThat(n.log().lastIndex()).isEqualTo(2);
        assertThat(n.log().committed()).isEqualTo(2);
        assertThat(n.role()).isEqualTo(Role.FOLLOWER);

        n.step(Message.voteRequest(VOTE, 3, 2, 1, 1, 2));
        Ready r = c.processReady(2);
        assertThat(ofType(sent(r), VOTE_RESPONSE)).singleElement().matches(Message::reject);
        assertThat(c.appliedCommands(2)).containsExactly(utf8("x"));
    }

    /**
     * Restart contract: entries at or below the state machine's durably applied index are never handed out
     * again, even when the hard state's commit index (only a hint) is older, as it is after a crash between
     * applying a Ready's entries and writing that Ready (the two may run in parallel).
     */
    @Test
    void restartResumesApplyingAfterStateMachineAppliedIndex() {
        RaftNode n = RaftNode.restart(plain(2, 1, 2, 3).build(), new HardState(1, 1, 1), entries(1, 1, 1), 3,
                bound -> 0, Tracer.NONE);
        assertThat(n.log().committed()).as("applied entries are committed").isEqualTo(3);

        n.step(Message.heartbeat(1, 2, 1, 3, 0));
        List<Entry> applied = new ArrayList<>();
        while (n.hasReady()) {
            applied.addAll(handle(n).committedEntries);
        }
        assertThat(applied).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------
    // ReadIndex (thesis §6.4)
    // ---------------------------------------------------------------------------------------------------

    /**
     * Thesis §6.4 step 1: a new leader does not know the commit index until an entry of its own term commits, so
     * it holds reads until then. Here the old leader committed x at 2 but nobody else learned it; a read index of
     * 1 would miss a write the client already saw acknowledged.
     */
    @Test
    void readIndexWaitsForLeadersTermCommit() {
        TestCluster c = Fixtures.readAfterUnannouncedCommit(EnumSet.noneOf(InjectedBug.class));
        RaftNode leader = c.node(2);

        leader.readIndex(7);
        Ready r = c.processReady(2);
        assertThat(r.readStates).isEmpty();
        assertThat(ofType(r.messages, HEARTBEAT)).as("no round before the no-op commits").isEmpty();

        c.stabilize();
        assertThat(c.readStates.get(2L)).containsExactly(ReadState.served(7, 3));
    }

    /**
     * Thesis §6.4 batching: reads that arrive between two flushes share one heartbeat round; one quorum of
     * acknowledgements serves them all at the same index.
     */
    @Test
    void concurrentReadsShareOneHeartbeatRound() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        RaftNode leader = c.node(1);

        leader.readIndex(1);
        leader.readIndex(2);
        leader.readIndex(3);
        Ready r = c.processReady(1);

        assertThat(ofType(r.messages, HEARTBEAT)).hasSize(2).extracting(Message::context).containsOnly(1L);
        assertThat(r.readStates).isEmpty();
        c.stabilize();
        assertThat(ofType(c.delivered, HEARTBEAT)).hasSize(2);
        assertThat(c.readStates.get(1L)).containsExactly(ReadState.served(1, 1), ReadState.served(2, 1),
                ReadState.served(3, 1));
    }

    /**
     * Thesis §6.4 step 3: the leader serves a read only after a majority acknowledged a heartbeat sent after the
     * read arrived (proving no newer leader existed when the read arrived).
     */
    @Test
    void readIndexNeedsQuorumAcknowledgement_6_4() {
        TestCluster c = new TestCluster(5, plain());
        c.elect(1);

        c.node(1).readIndex(1);
        c.processReady(1);
        c.deliver(m -> true);
        for (long id = 2; id <= 5; id++) {
            c.processReady(id);
        }
        c.deliver(m -> m.from() == 2);
        c.processReady(1);
        assertThat(c.readStates.get(1L)).as("leader + 1 of 5").isEmpty();

        c.deliver(m -> m.from() == 3);
        c.processReady(1);
        assertThat(c.readStates.get(1L)).as("leader + 2 of 5").containsExactly(ReadState.served(1, 1));
    }

    /**
     * Thesis §6.4: the acknowledgement must be of a heartbeat sent after the read arrived. An answer to an earlier
     * round (sent before the read existed) proves nothing about leadership at the time of the read.
     */
    @Test
    void heartbeatAckOfEarlierRoundDoesNotConfirmLaterRead_6_4() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).readIndex(1);
        c.processReady(1);
        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);       // answers to round 1 are in flight

        c.node(1).readIndex(2);
        c.processReady(1);       // round 2 starts
        c.deliver(m -> m.type() == MessageType.HEARTBEAT_RESPONSE);
        c.processReady(1);
        assertThat(c.readStates.get(1L)).containsExactly(ReadState.served(1, 1));

        c.stabilize();
        assertThat(c.readStates.get(1L)).containsExactly(ReadState.served(1, 1), ReadState.served(2, 1));
    }

    /**
     * Thesis §6.4: a follower forwards the read to the leader, which runs the round and returns its commit index;
     * the follower serves once it has applied that far.
     */
    @Test
    void followerReadGoesThroughLeader() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.stabilize();

        c.node(2).readIndex(9);
        Ready r = c.processReady(2);
        assertThat(r.messages).singleElement().matches(m -> m.type() == READ_INDEX && m.to() == 1);
        assertThat(r.readStates).isEmpty();

        int heartbeatsBefore = ofType(c.delivered, HEARTBEAT).size();
        c.stabilize();
        assertThat(ofType(c.delivered, HEARTBEAT).size() - heartbeatsBefore).as("the leader ran a round")
                .isEqualTo(2);
        assertThat(c.readStates.get(2L)).containsExactly(ReadState.served(9, 2));
        assertThat(c.readStates.get(1L)).isEmpty();
    }

    /** A member that knows no leader cannot get a read index; it says so at once rather than holding the read. */
    @Test
    void readIndexWithoutKnownLeaderIsRejected() {
        RaftNode n = fresh(plain(2, 1, 2, 3).build());

        n.readIndex(4);

        assertThat(n.ready().readStates).singleElement().matches(rs -> rs.rejected() && rs.requestId() == 4);
    }

    /** Thesis §6.4: reads pending on a leader that loses leadership are refused (locally and to followers). */
    @Test
    void pendingReadsAreRejectedWhenLeaderStepsDown_6_4() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).readIndex(1);
        c.node(2).readIndex(2);
        c.processReady(2);
        c.deliverTo(1);          // READ_INDEX from 2
        c.processReady(1);       // heartbeats out, answers never come back
        c.network.clear();

        c.node(1).step(Message.appendAccepted(3, 1, 2, 0));   // a higher term: step down
        c.processReady(1);
        c.deliverTo(2);
        c.processReady(2);

        assertThat(c.readStates.get(1L)).singleElement().matches(rs -> rs.rejected() && rs.requestId() == 1);
        assertThat(c.readStates.get(2L)).singleElement().matches(rs -> rs.rejected() && rs.requestId() == 2);
    }

    /** A limit on everything: the leader holds at most readRequestsMax reads and refuses more. */
    @Test
    void readRequestsBeyondLimitAreRefused() {
        TestCluster c = new TestCluster(3, plain(b -> b.readRequestsMax(2)));
        c.elect(1);

        for (long req = 1; req <= 3; req++) {
            c.node(1).readIndex(req);
        }

        assertThat(c.processReady(1).readStates).singleElement()
                .matches(rs -> rs.rejected() && rs.requestId() == 3 && rs.reason().contains("too many"));
        c.stabilize();
        assertThat(c.readStates.get(1L)).filteredOn(rs -> !rs.rejected())
                .containsExactly(ReadState.served(1, 1), ReadState.served(2, 1));
    }

    // ---------------------------------------------------------------------------------------------------
    // Check-quorum and pre-vote (thesis §6.2, §9.6)
    // ---------------------------------------------------------------------------------------------------

    /**
     * Thesis §6.2: "a leader steps down if an election timeout elapses without a successful round of heartbeats
     * to a majority of its cluster." A leader that hears from one follower of two keeps leading.
     */
    @Test
    void checkQuorumLeaderStepsDown() {
        TestCluster c = new TestCluster(3, b -> b.electionTicks(ELECTION));
        c.elect(1);

        c.isolated.add(3L);
        for (int i = 0; i < 3 * ELECTION; i++) {
            c.tick(1, 1);
            c.stabilize();
        }
        assertThat(c.node(1).role()).as("2 still answers").isEqualTo(Role.LEADER);

        c.isolated.add(1L);
        for (int i = 0; i < 2 * ELECTION; i++) {
            c.tick(1, 1);
            c.stabilize();
        }
        assertThat(c.node(1).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(1).leader()).isEqualTo(NONE);
        assertThat(c.node(1).term()).as("stepping down does not raise the term").isEqualTo(1);
        assertThat(c.events(RaftEvent.CHECK_QUORUM_STEP_DOWN)).isEqualTo(1);
    }

    /**
     * Thesis §6.2 (with check-quorum): a member that heard from a leader within the minimum election timeout
     * ignores vote requests, so a member that is merely cut off cannot depose a working leader.
     */
    @Test
    void followerInLeaseIgnoresVoteRequests_6_2() {
        RaftNode n = RaftNode.create(RaftConfig.builder(3, 1, 2, 3).electionTicks(ELECTION).build(),
                bound -> ELECTION / 2, Tracer.NONE);
        n.step(Message.heartbeat(1, 3, 1, 0, 0));
        handle(n);

        n.step(Message.voteRequest(VOTE, 2, 3, 2, 5, 5));
        assertThat(n.term()).isEqualTo(1);
        assertThat(n.hasReady()).as("not even an answer").isFalse();

        for (int i = 0; i < ELECTION; i++) {
            n.tick();
        }
        assertThat(n.role()).as("randomized timeout not reached yet").isEqualTo(Role.FOLLOWER);
        n.step(Message.voteRequest(VOTE, 2, 3, 2, 5, 5));
        assertThat(n.term()).isEqualTo(2);
        assertThat(n.vote()).isEqualTo(2);
    }

    /**
     * Thesis §9.6: a pre-candidate asks "would you vote for me at term+1?" without changing its term or vote, and
     * a voter answers without changing its own; nothing needs to be written.
     */
    @Test
    void preVoteLeavesTermAndVoteUnchanged_9_6() {
        RaftNode candidate = fresh(RaftConfig.builder(1, 1, 2, 3).build());
        candidate.campaign();
        assertThat(candidate.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(candidate.term()).isZero();
        Ready r = candidate.ready();
        assertThat(r.hardState).isNull();
        assertThat(ofType(r.messages, PRE_VOTE)).hasSize(2).allMatch(m -> m.term() == 1);

        RaftNode voter = fresh(RaftConfig.builder(2, 1, 2, 3).build());
        voter.step(ofType(r.messages, PRE_VOTE).get(0));
        assertThat(voter.term()).isZero();
        assertThat(voter.vote()).isEqualTo(NONE);
        r = voter.ready();
        assertThat(r.hardState).isNull();
        assertThat(r.messages).singleElement()
                .matches(m -> m.type() == PRE_VOTE_RESPONSE && !m.reject() && m.term() == 1);
    }

    /**
     * Thesis §9.6: a pre-vote is granted under the same log rule as a vote (§5.4.1); a pre-candidate refused by a
     * majority goes back to following without having raised its term.
     */
    @Test
    void preVoteIsRefusedToCandidateWithStaleLog_9_6() {
        TestCluster c = new TestCluster(3);
        c.load(1, new HardState(2, NONE, 1), entries(1, 2));
        c.load(2, new HardState(2, NONE, 1), entries(1, 2));
        c.load(3, new HardState(2, NONE, 1), entries(1));

        c.elect(3);

        assertThat(c.node(3).role()).isEqualTo(Role.FOLLOWER);
        assertThat(c.node(3).term()).as("never reached a real election").isEqualTo(2);
        assertThat(ofType(c.delivered, PRE_VOTE_RESPONSE)).hasSize(2).allMatch(Message::reject);
        assertThat(ofType(c.delivered, VOTE)).isEmpty();
        assertThat(c.node(1).term()).isEqualTo(2);
    }

    /** Thesis §9.6: only a majority of pre-votes lets the pre-candidate raise its term and run a real election. */
    @Test
    void preCandidateCampaignsOnlyAfterPreVoteQuorum_9_6() {
        RaftNode n = fresh(RaftConfig.builder(1, 1, 2, 3, 4, 5).build());
        n.campaign();
        handle(n);

        n.step(Message.voteResponse(PRE_VOTE_RESPONSE, 2, 1, 1, false));
        n.step(Message.voteResponse(PRE_VOTE_RESPONSE, 3, 1, 0, true));
        assertThat(n.role()).isEqualTo(Role.PRE_CANDIDATE);
        assertThat(n.term()).isZero();

        n.step(Message.voteResponse(PRE_VOTE_RESPONSE, 4, 1, 1, false));
        assertThat(n.role()).isEqualTo(Role.CANDIDATE);
        assertThat(n.term()).isEqualTo(1);
        assertThat(ofType(sent(n.ready()), VOTE)).hasSize(4);
    }

    /**
     * Thesis §9.6: a member cut off from the group keeps timing out, but with pre-vote its term does not grow,
     * so when it comes back it does not depose the working leader. Without pre-vote (and check-quorum) it does.
     */
    @Test
    void preVoteDoesNotDisruptStableLeader() {
        for (boolean preVote : new boolean[] {true, false}) {
            TestCluster c = new TestCluster(3, b -> b.preVote(preVote).checkQuorum(preVote)
                    .electionTicks(ELECTION));
            c.elect(1);
            c.isolated.add(3L);
            for (int i = 0; i < 5 * ELECTION; i++) {
                c.tick(3, 1);
                c.stabilize();
            }
            c.node(1).propose(utf8("x"));
            c.stabilize();

            c.isolated.clear();
            c.tick(3, 2 * ELECTION);     // one more timeout, now heard by 1 and 2
            c.stabilize();
            c.tick(1, 1);                // and a heartbeat
            c.stabilize();

            if (preVote) {
                assertThat(c.node(3).term()).as("pre-vote kept 3's term").isEqualTo(1);
                assertThat(c.node(1).role()).isEqualTo(Role.LEADER);
                assertThat(c.node(1).term()).isEqualTo(1);
                assertThat(c.node(3).leader()).isEqualTo(1);
                assertThat(c.node(3).log().lastIndex()).isEqualTo(2);
            } else {
                assertThat(c.node(1).term()).as("3's inflated term deposed 1").isGreaterThan(1);
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------
    // Replication flow control and batching
    // ---------------------------------------------------------------------------------------------------

    /**
     * Progress (etcd's design): while the leader does not know where a follower's log matches (PROBE, e.g. just
     * after election) it sends one AppendEntries at a time and waits for the answer.
     */
    @Test
    void probeSendsOneAppendAtATime() {
        TestCluster c = new TestCluster(3, plain());
        electManually(c, 1);
        c.processReady(1);      // no-op to 2 and 3, both in PROBE
        assertThat(c.node(1).progressOf(2).state()).isEqualTo(ProgressState.PROBE);

        c.node(1).propose(utf8("x"));
        Ready r = c.processReady(1);
        assertThat(r.entries).hasSize(1);
        assertThat(ofType(r.messages, APPEND)).as("followers are paused in PROBE").isEmpty();

        c.deliver(m -> true);
        c.processReady(2);
        c.processReady(3);
        c.deliverTo(1);
        assertThat(c.node(1).progressOf(2).state()).isEqualTo(ProgressState.REPLICATE);
        r = c.processReady(1);
        assertThat(ofType(r.messages, APPEND)).hasSize(2)
                .allMatch(m -> m.entries().equals(List.of(Entry.command(1, 2, utf8("x")))));
    }

    /**
     * A limit on everything: in REPLICATE the leader pipelines AppendEntries to a follower, but holds further
     * ones back while the follower's in-flight window is full, either by count (inflightMessagesMax) or by bytes
     * (inflightBytesMax: sending stops once the bytes in flight reach the limit, so the last message may overshoot
     * it by less than one message).
     */
    @Test
    void inflightWindowBoundsByCountAndBytes() {
        // By count: 2 messages of one 25-byte entry each.
        TestCluster c = new TestCluster(3, plain(b -> b.inflightMessagesMax(2)));
        c.elect(1);
        proposeWhile3IsSlow(c, 5);
        assertThat(to(c.network, 3, APPEND)).filteredOn(m -> !m.entries().isEmpty()).hasSize(2);
        Progress p3 = c.node(1).progressOf(3);
        assertThat(p3.inflights().count()).isEqualTo(2);
        assertThat(p3.isPaused()).isTrue();
        assertThat(c.events(RaftEvent.INFLIGHT_LIMIT_REACHED)).isPositive();
        c.stabilize();
        assertThat(c.node(3).log().lastIndex()).as("3 catches up once it answers").isEqualTo(6);

        // By bytes: entries of 50 bytes, one per message (messageBytesMax 60), at most 120 bytes in flight.
        c = new TestCluster(3, plain(b -> b.inflightBytesMax(120).messageBytesMax(60)));
        c.elect(1);
        proposeWhile3IsSlow(c, 5);
        assertThat(to(c.network, 3, APPEND)).filteredOn(m -> !m.entries().isEmpty())
                .as("50 + 50 < 120, then 150 >= 120").hasSize(3);
        assertThat(c.node(1).progressOf(3).inflights().bytes()).isEqualTo(150);
        c.stabilize();
        assertThat(c.node(3).log().lastIndex()).isEqualTo(6);
    }

    /** Proposes {@code count} 26-byte commands one Ready at a time; 2 answers at once, 3's messages wait. */
    private static void proposeWhile3IsSlow(TestCluster c, int count) {
        for (int i = 0; i < count; i++) {
            c.node(1).propose(bytes(26));
            c.processReady(1);
            c.deliverTo(2);
            c.processReady(2);
            c.deliverTo(1);
            c.processReady(1);
            c.deliverTo(2);
            c.processReady(2);
            c.deliverTo(1);
        }
    }

    /**
     * Thesis §5.3 / etcd: when a follower rejects, it hints the last index at or before the rejected one whose
     * term is at most the leader's prevLogTerm; the leader, with its own log, skips a whole conflicting term in
     * one round trip instead of one entry per round trip.
     */
    @Test
    void fastBackoffSkipsConflictingTerm() {
        TestCluster c = new TestCluster(3, plain());
        long[] leader = {1, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
        long[] stale = {1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2};
        c.load(1, new HardState(3, NONE, 1), entries(leader));
        c.load(2, new HardState(3, NONE, 1), entries(leader));
        c.load(3, new HardState(3, NONE, 1), entries(stale));

        c.elect(1);

        List<Message> rejections = c.delivered.stream()
                .filter(m -> m.type() == APPEND_RESPONSE && m.reject() && m.from() == 3).toList();
        assertThat(rejections).as("one round trip skips the ten entries of term 2").hasSize(1);
        assertThat(rejections.get(0).logTerm()).as("hint term").isEqualTo(2);
        assertThat(rejections.get(0).rejectHint()).as("hint index").isEqualTo(11);
        assertThat(logTerms(c.node(3))).isEqualTo(logTerms(c.node(1)));
        assertThat(c.events(RaftEvent.LOG_TRUNCATED)).isEqualTo(1);
    }

    /**
     * The follower's half of the hint: when its conflicting entries are of a later term than the leader's
     * prevLogTerm (here a term-3 leader's entries that never committed, against the term-2 entries of the leader
     * of term 4), the follower itself skips back past its own term, so again one round trip suffices.
     */
    @Test
    void fastBackoffSkipsFollowersNewerConflictingTerm() {
        TestCluster c = new TestCluster(4, plain());
        long[] leader = {1, 2, 2, 2, 2, 2};
        c.load(1, new HardState(3, NONE, 1), entries(leader));
        c.load(2, new HardState(3, NONE, 1), entries(leader));
        c.load(3, new HardState(3, NONE, 1), entries(leader));
        c.load(4, new HardState(3, 4, 1), entries(1, 3, 3, 3, 3, 3));

        c.elect(1);

        List<Message> rejections = c.delivered.stream()
                .filter(m -> m.type() == APPEND_RESPONSE && m.reject() && m.from() == 4).toList();
        assertThat(rejections).hasSize(1);
        assertThat(rejections.get(0).rejectHint()).as("4 skipped its term-3 entries itself").isEqualTo(1);
        assertThat(logTerms(c.node(4))).isEqualTo(logTerms(c.node(1)));
    }

    /** The same hint sends a leader straight to the end of a follower's shorter log. */
    @Test
    void fastBackoffJumpsToEndOfShortFollowerLog() {
        TestCluster c = new TestCluster(3, plain());
        long[] full = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
        c.load(1, new HardState(1, NONE, 1), entries(full));
        c.load(2, new HardState(1, NONE, 1), entries(full));
        c.load(3, new HardState(1, NONE, 1), entries(1, 1));

        c.elect(1);

        assertThat(c.delivered.stream().filter(m -> m.type() == APPEND_RESPONSE && m.reject())).hasSize(1);
        assertThat(c.node(3).log().lastIndex()).isEqualTo(11);
    }

    /**
     * Batching costs no added wait: every proposal made before the leader's next Ready rides in the same
     * AppendEntries to each follower (and in the same write).
     */
    @Test
    void proposalsBatchIntoOneAppend() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);

        c.node(1).propose(utf8("a"));
        c.node(1).propose(utf8("b"));
        c.node(1).propose(List.of(utf8("c"), utf8("d")));
        Ready r = c.processReady(1);

        assertThat(r.entries).hasSize(4);
        assertThat(ofType(r.messages, APPEND)).hasSize(2)
                .allSatisfy(m -> assertThat(m.entries()).extracting(Entry::index).containsExactly(2L, 3L, 4L, 5L));
    }

    /** A limit on everything: one AppendEntries carries at most messageBytesMax of entries (at least one). */
    @Test
    void messageBytesMaxSplitsAppends() {
        TestCluster c = new TestCluster(3, plain(b -> b.messageBytesMax(110)));
        c.elect(1);

        for (int i = 0; i < 5; i++) {
            c.node(1).propose(bytes(26));   // 50 bytes each
        }
        c.node(1).propose(bytes(86));        // 110 bytes: a message holds it alone
        Ready r = c.processReady(1);

        assertThat(to(r.messages, 2, APPEND)).extracting(m -> m.entries().size()).containsExactly(2, 2, 1, 1);
        c.stabilize();
        assertThat(c.appliedCommands(3)).hasSize(6);
    }

    /**
     * Limits: a command that would not fit one message, or a proposal beyond proposalBytesMax, is refused with
     * TOO_LARGE and a message saying which limit; nothing is appended.
     */
    @Test
    void oversizedProposalsAreRefusedWithTheLimitNamed() {
        TestCluster c = new TestCluster(3, plain(b -> b.messageBytesMax(110).proposalBytesMax(200)));
        c.elect(1);
        long last = c.node(1).log().lastIndex();

        ProposeResult tooBig = c.node(1).propose(bytes(87));
        assertThat(tooBig.rejection()).isEqualTo(ProposeResult.Rejection.TOO_LARGE);
        assertThat(tooBig.detail()).contains("messageBytesMax 110");
        ProposeResult batchTooBig = c.node(1).propose(List.of(bytes(80), bytes(80), bytes(80)));
        assertThat(batchTooBig.rejection()).isEqualTo(ProposeResult.Rejection.TOO_LARGE);
        assertThat(batchTooBig.detail()).contains("proposalBytesMax 200");
        assertThat(c.node(1).log().lastIndex()).isEqualTo(last);
        assertThat(c.node(1).propose(List.of(bytes(80), bytes(70))).accepted()).isTrue();
    }

    /**
     * A limit on everything: one proposal (a batch of commands) carries at most proposalBytesMax bytes, counting
     * each command with its entry overhead. Exactly the limit is taken; one byte more is refused as a whole with
     * TOO_LARGE, saying which limit and by how much, and nothing of it is appended. Pins the batch check in
     * {@code Leader.propose}.
     */
    @Test
    void proposalBytesMaxRefusesOversizedBatch() {
        TestCluster c = new TestCluster(3, plain(b -> b.messageBytesMax(100).proposalBytesMax(300)));
        c.elect(1);

        ProposeResult atLimit = c.node(1).propose(List.of(bytes(76), bytes(76), bytes(76)));     // 3 x 100
        assertThat(atLimit.accepted()).isTrue();
        long last = c.node(1).log().lastIndex();
        ProposeResult over = c.node(1).propose(List.of(bytes(76), bytes(76), bytes(75), bytes(2)));

        assertThat(over.accepted()).isFalse();
        assertThat(over.rejection()).isEqualTo(ProposeResult.Rejection.TOO_LARGE);
        assertThat(over.detail()).isEqualTo("a proposal of 325 bytes exceeds proposalBytesMax 300");
        assertThat(over.leaderHint()).isEqualTo(1);
        assertThat(c.node(1).log().lastIndex()).isEqualTo(last);
        c.stabilize();
        assertThat(c.appliedCommands(2)).hasSize(3);
    }

    /**
     * A limit on everything: the leader refuses proposals while its uncommitted entries hold uncommittedBytesMax;
     * room comes back as entries commit. A proposal larger than the limit is still taken when nothing is
     * uncommitted, so a big command cannot be refused forever.
     */
    @Test
    void uncommittedBytesLimitRefusesProposals() {
        TestCluster c = new TestCluster(3, plain(b -> b.uncommittedBytesMax(100).messageBytesMax(100)));
        c.elect(1);     // the no-op is committed: nothing is uncommitted

        assertThat(c.node(1).propose(bytes(26)).accepted()).isTrue();     // 50
        assertThat(c.node(1).propose(bytes(26)).accepted()).isTrue();     // 100
        ProposeResult refused = c.node(1).propose(bytes(1));
        assertThat(refused.accepted()).isFalse();
        assertThat(refused.rejection()).isEqualTo(ProposeResult.Rejection.OVERLOADED);
        assertThat(refused.leaderHint()).isEqualTo(1);
        assertThat(c.events(RaftEvent.PROPOSAL_OVERLOADED)).isEqualTo(1);

        c.stabilize();
        assertThat(c.node(1).log().committed()).isEqualTo(3);
        assertThat(c.node(1).propose(List.of(bytes(76), bytes(76))).accepted()).as("nothing uncommitted").isTrue();
        assertThat(c.node(1).propose(bytes(1)).accepted()).isFalse();
    }

    /** A limit on everything: one Ready hands out at most applyBatchBytesMax of committed entries (at least one). */
    @Test
    void applyBatchBytesMaxBoundsCommittedEntriesPerReady() {
        RaftNode n = fresh(plain(2, 1, 2, 3).applyBatchBytesMax(60).build());
        List<Entry> three = List.of(Entry.command(1, 1, bytes(26)), Entry.command(1, 2, bytes(26)),
                Entry.command(1, 3, bytes(100)));
        n.step(Message.append(1, 2, 1, 0, 0, three, 3));
        handle(n);

        List<Integer> batches = new ArrayList<>();
        while (n.hasReady()) {
            batches.add(handle(n).committedEntries.size());
        }
        assertThat(batches).containsExactly(1, 1, 1);
    }

    /**
     * Liveness after message loss: a follower in REPLICATE whose in-flight AppendEntries were all lost (for
     * example while it was cut off) must be brought back once it answers heartbeats; otherwise the full window
     * blocks every later append and it never catches up.
     */
    @Test
    void lostInflightAppendsAreRecoveredAfterHeartbeat() {
        TestCluster c = new TestCluster(3, plain(b -> b.inflightMessagesMax(2)));
        c.elect(1);
        c.isolated.add(3L);
        for (int i = 0; i < 4; i++) {
            c.node(1).propose(utf8("lost" + i));
            c.stabilize();
        }
        assertThat(c.node(1).progressOf(3).isPaused()).as("window filled by lost appends").isTrue();

        c.isolated.clear();
        c.tick(1, 1);
        c.stabilize();

        assertThat(c.node(3).log().lastIndex()).isEqualTo(c.node(1).log().lastIndex());
        assertThat(c.appliedCommands(3)).hasSize(4);
    }

    /** The same loss without a full window: the last appends to a follower are lost and the leader goes idle. */
    @Test
    void lostLastAppendIsRecoveredWhileLeaderIsIdle() {
        TestCluster c = new TestCluster(3, plain());
        c.elect(1);
        c.node(1).propose(utf8("x"));
        c.processReady(1);
        c.drop(m -> m.to() == 3);            // the entry
        c.deliverTo(2);
        c.processReady(2);
        c.deliverTo(1);
        c.processReady(1);
        c.drop(m -> m.to() == 3);            // and the append announcing its commit
        c.stabilize();
        assertThat(c.node(3).log().lastIndex()).isEqualTo(1);

        c.tick(1, 1);
        c.stabilize();

        assertThat(c.appliedCommands(3)).containsExactly(utf8("x"));
    }

    // ---------------------------------------------------------------------------------------------------
    // Proposals
    // ---------------------------------------------------------------------------------------------------

    /** Only the leader appends (§5.3); others refuse and name the leader they know, so the client can go there. */
    @Test
    void nonLeaderRefusesProposalsWithLeaderHint() {
        TestCluster c = new TestCluster(3, plain());
        assertThat(c.node(2).propose(utf8("x")))
                .matches(r -> r.rejection() == ProposeResult.Rejection.NOT_LEADER && r.leaderHint() == NONE);
        c.elect(1);

        assertThat(c.node(2).propose(utf8("x")))
                .matches(r -> r.rejection() == ProposeResult.Rejection.NOT_LEADER && r.leaderHint() == 1);
        assertThat(c.node(1).propose(List.of()).rejection()).isEqualTo(ProposeResult.Rejection.EMPTY);
        assertThat(c.node(2).hasReady()).isFalse();
    }

    /** A group of one is its own majority: it elects itself and commits once its own write is durable. */
    @Test
    void singleMemberGroupElectsItselfAndCommits() {
        RaftNode n = fresh(RaftConfig.builder(1, 1).build());
        n.campaign();
        assertThat(n.role()).isEqualTo(Role.LEADER);
        n.propose(utf8("x"));

        Ready r = n.ready();
        assertThat(r.entries).hasSize(2);
        assertThat(r.committedEntries).isEmpty();
        n.persisted(r.persistIndex(), r.persistTerm());
        assertThat(n.ready().committedEntries).extracting(Entry::index).containsExactly(1L, 2L);
    }

    // ---------------------------------------------------------------------------------------------------

    private static Tracer eventRecorder(List<RaftEvent> events) {
        return new Tracer() {
            @Override
            public boolean enabled() {
                return false;
            }

            @Override
            public void trace(long nodeId, String line) {
            }

            @Override
            public void event(long nodeId, RaftEvent event) {
                events.add(event);
            }
        };
    }
}
