package io.cairn.raft.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cairn.raft.core.Role;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.member.ReplicatedMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded API as a program uses it: real runtimes (raft loop, log writer, apply thread) for three members
 * in one JVM, over in-memory logs and a local transport.
 */
class RaftGroupTest {
    @TempDir
    Path dir;

    private static byte[] put(String k, String v) {
        return ReplicatedMap.put(k, v.getBytes(StandardCharsets.UTF_8));
    }

    private static String str(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    @Test
    void proposalsApplyOnEveryMemberAndReturnTheStateMachinesResult() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            assertThat(g.propose(put("k", "v1")).get(5, TimeUnit.SECONDS)).isNull();
            assertThat(str((byte[]) g.propose(put("k", "v2")).get(5, TimeUnit.SECONDS))).isEqualTo("v1");
            for (long id = 1; id <= 3; id++) {
                ReplicatedMap m = c.maps.get(id);
                await().atMost(Duration.ofSeconds(5)).until(() -> "v2".equals(str(m.get("k"))));
            }
        }
    }

    @Test
    void followerRefusesProposalsNamingTheLeaderWhenAskedNotToForward() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            await().until(() -> c.groups.get(follower).status().leader() == leader);
            CompletableFuture<Object> f = c.groups.get(follower).proposeHere(put("k", "v"));
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(RaftException.class)
                    .matches(e -> ((RaftException) e).reason() == RaftException.Reason.NOT_LEADER
                            && ((RaftException) e).leaderHint() == leader);
        }
    }

    @Test
    void proposeAllGivesEachCommandItsOwnEntryAndResultInOrder() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            g.propose(put("a", "old")).get(5, TimeUnit.SECONDS);
            List<CompletableFuture<Object>> results = g.proposeAll(List.of(put("a", "new"), put("b", "1"),
                    put("a", "newer")));
            assertThat(results).hasSize(3);
            assertThat(str((byte[]) results.get(0).get(5, TimeUnit.SECONDS))).isEqualTo("old");
            assertThat(results.get(1).get(5, TimeUnit.SECONDS)).isNull();
            assertThat(str((byte[]) results.get(2).get(5, TimeUnit.SECONDS))).isEqualTo("new");
            for (long id = 1; id <= 3; id++) {
                ReplicatedMap m = c.maps.get(id);
                await().atMost(Duration.ofSeconds(5)).until(() -> "newer".equals(str(m.get("a")))
                        && "1".equals(str(m.get("b"))));
            }
            long follower = leader == 1 ? 2 : 1;
            await().until(() -> c.groups.get(follower).status().leader() == leader);
            for (CompletableFuture<Object> f : c.groups.get(follower).proposeAllHere(List.of(put("x", "1"),
                    put("y", "2")))) {
                assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).cause().isInstanceOf(RaftException.class)
                        .matches(e -> ((RaftException) e).reason() == RaftException.Reason.NOT_LEADER);
            }
        }
    }

    private static void awaitQuiesced(LocalCluster c) {
        await().atMost(Duration.ofSeconds(10)).until(() -> c.groups.values().stream()
                .allMatch(g -> g.status().quiesced()));
    }

    /** Quiescing with real threads and clocks: an idle group sends nothing, and the next proposal just works. */
    @Test
    void anIdleGroupGoesQuietAndTheNextProposalWakesIt() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.quiesceTicks(30))) { // 10 ms ticks: quiet after 0.3 s
            long leader = c.awaitLeader();
            long term = c.groups.get(leader).status().term();
            c.groups.get(leader).propose(put("k", "v1")).get(5, TimeUnit.SECONDS);
            awaitQuiesced(c);
            long before = c.network.sent.get();
            Thread.sleep(1_000); // ten election timeouts
            assertThat(c.network.sent.get() - before).as("messages sent while quiet").isZero();

            long follower = leader == 1 ? 2 : 1;
            // a follower's proposal wakes the group, reaches the leader and applies
            assertThat(str((byte[]) c.groups.get(follower).propose(put("k", "v2")).get(5, TimeUnit.SECONDS)))
                    .isEqualTo("v1");
            assertThat(str((byte[]) c.groups.get(leader).propose(put("k", "v3")).get(5, TimeUnit.SECONDS)))
                    .isEqualTo("v2");
            Thread.sleep(300); // three election timeouts awake: no election was started meanwhile
            assertThat(c.groups.get(leader).status().role()).isEqualTo(Role.LEADER);
            assertThat(c.groups.get(follower).status().term()).isEqualTo(term);
        }
    }

    /** The leader dies while the group is quiet; asking a follower wakes it, and a new leader is elected. */
    @Test
    void aLeaderLostWhileTheGroupIsQuietIsReplacedOnceAFollowerIsAsked() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.quiesceTicks(30))) {
            long leader = c.awaitLeader();
            c.groups.get(leader).propose(put("k", "v1")).get(5, TimeUnit.SECONDS);
            awaitQuiesced(c);
            c.stop(leader);
            long follower = leader == 1 ? 2 : 1;
            assertThatThrownBy(() -> c.groups.get(follower).proposeHere(put("k", "v2")).get(5, TimeUnit.SECONDS))
                    .cause().matches(e -> ((RaftException) e).reason() == RaftException.Reason.NOT_LEADER);
            long next = c.awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            assertThat(str((byte[]) c.groups.get(next).propose(put("k", "v2")).get(5, TimeUnit.SECONDS)))
                    .isEqualTo("v1");
        }
    }

    /** etcd's behaviour: a client may write through any member; the follower answers once it applied the write. */
    @Test
    void aFollowerForwardsProposalsAndAnswersWithTheResultAppliedThere() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            await().until(() -> c.groups.get(follower).status().leader() == leader);
            RaftGroup g = c.groups.get(follower);
            assertThat(g.propose(put("k", "v1")).get(5, TimeUnit.SECONDS)).isNull();
            assertThat(str((byte[]) g.propose(put("k", "v2")).get(5, TimeUnit.SECONDS))).isEqualTo("v1");
            assertThat(str(c.maps.get(follower).get("k"))).as("applied here when it answers").isEqualTo("v2");
            // more than one message's worth, split into several forwards, each command its own result in order
            List<byte[]> many = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                many.add(ReplicatedMap.put("big" + i, new byte[100_000]));
            }
            List<CompletableFuture<Object>> results = g.proposeAll(many);
            for (CompletableFuture<Object> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isNull();
            }
            assertThat(str((byte[]) g.proposeAll(List.of(put("k", "v3"))).get(0).get(5, TimeUnit.SECONDS)))
                    .isEqualTo("v2");
            for (long id = 1; id <= 3; id++) {
                ReplicatedMap m = c.maps.get(id);
                await().atMost(Duration.ofSeconds(5)).until(() -> "v3".equals(str(m.get("k"))) && m.size() == 41);
            }
        }
    }

    /**
     * The leader dies while a follower's forwarded proposals are in flight: each one either completes, and then
     * its write is in the new leader's state, or fails (unknown outcome or no leader) — never a success that was
     * not committed, and never a wait without end.
     */
    @Test
    void forwardedProposalsInFlightWhenTheLeaderDiesSucceedOnlyIfCommitted() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            await().until(() -> c.groups.get(follower).status().leader() == leader);
            RaftGroup g = c.groups.get(follower);
            List<CompletableFuture<Object>> inFlight = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                inFlight.add(g.propose(put("w" + i, "x")));
                if (i == 100) {
                    c.stop(leader);
                }
            }
            List<String> succeeded = new ArrayList<>();
            for (int i = 0; i < inFlight.size(); i++) {
                try {
                    inFlight.get(i).get(10, TimeUnit.SECONDS);
                    succeeded.add("w" + i);
                } catch (ExecutionException e) {
                    assertThat(e.getCause()).isInstanceOf(RaftException.class);
                    assertThat(((RaftException) e.getCause()).reason()).isIn(RaftException.Reason.UNKNOWN_OUTCOME,
                            RaftException.Reason.NOT_LEADER, RaftException.Reason.LOST);
                }
            }
            long next = c.awaitLeader();
            ReplicatedMap m = c.maps.get(next);
            String marker = str((byte[]) c.groups.get(next).propose(put("marker", "m")).get(5, TimeUnit.SECONDS));
            assertThat(marker).isNull();
            for (String k : succeeded) {
                assertThat(m.get(k)).as("acknowledged %s is in the new leader's state", k).isNotNull();
            }
        }
    }

    /**
     * Regression (robustness row 24): a member's proposal waits for its entry; a snapshot from a new leader
     * replaced its log past that index, so the entry was never applied one by one and the future waited forever.
     * Now it fails with an unknown outcome.
     */
    @Test
    void aProposalWhoseEntryAnInstalledSnapshotCoversFailsInsteadOfWaitingForever() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(20).snapshotRetainEntries(0))) {
            long leader = c.awaitLeader();
            c.groups.get(leader).propose(put("k", "v")).get(5, TimeUnit.SECONDS);
            c.network.isolate(leader);
            CompletableFuture<Object> stranded = c.groups.get(leader).propose(put("stranded", "x"));
            long next = c.awaitLeaderOtherThan(leader);
            for (int i = 0; i < 100; i++) {
                c.groups.get(next).propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> java.nio.file.Files.list(c.dir.resolve("m" + next).resolve("snapshots").resolve("1"))
                            .anyMatch(p -> p.getFileName().toString().startsWith("snap-")));
            c.network.heal();
            ReplicatedMap old = c.maps.get(leader);
            await().atMost(Duration.ofSeconds(10)).until(() -> old.get("k99") != null);
            assertThatThrownBy(() -> stranded.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().matches(e -> ((RaftException) e).reason() == RaftException.Reason.UNKNOWN_OUTCOME
                            || ((RaftException) e).reason() == RaftException.Reason.LOST);
            assertThat(old.get("stranded")).isNull();
        }
    }

    @Test
    void followerReadsAreLinearizable() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            c.groups.get(leader).propose(put("k", "fresh")).get(5, TimeUnit.SECONDS);
            // The write is acknowledged: a linearizable read anywhere must see it.
            ReplicatedMap followerMap = c.maps.get(follower);
            String read = c.groups.get(follower).read(() -> str(followerMap.get("k"))).get(5, TimeUnit.SECONDS);
            assertThat(read).isEqualTo("fresh");
        }
    }

    @Test
    void acknowledgedProposalsSurviveTheLeadersCrash() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            List<String> acked = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                c.groups.get(leader).propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
                acked.add("k" + i);
            }
            c.stop(leader);
            long next = c.awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            c.groups.get(next).propose(put("after", "crash")).get(5, TimeUnit.SECONDS);
            c.start(leader, new long[] {1, 2, 3});
            for (long id = 1; id <= 3; id++) {
                ReplicatedMap m = c.maps.get(id);
                await().atMost(Duration.ofSeconds(10)).until(() -> m.get("after") != null);
                for (String k : acked) {
                    assertThat(m.get(k)).as("member %d key %s", id, k).isNotNull();
                }
            }
        }
    }

    @Test
    void aLearnerCatchesUpFromASnapshotAndIsPromoted() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(20).snapshotRetainEntries(0))) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 100; i++) {
                g.propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> java.nio.file.Files.list(c.dir.resolve("m" + leader).resolve("snapshots").resolve("1"))
                            .anyMatch(p -> p.getFileName().toString().startsWith("snap-")));
            c.start(4, new long[0]);     // joins with no configuration of its own
            g.addLearner(4).get(5, TimeUnit.SECONDS);
            ReplicatedMap learner = c.maps.get(4L);
            await().atMost(Duration.ofSeconds(10)).until(() -> learner.size() == 100);
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try {
                    c.groups.get(c.awaitLeader()).promote(4).get(5, TimeUnit.SECONDS);
                    return true;
                } catch (ExecutionException e) {
                    return false; // not caught up yet, or leadership moved meanwhile: retry at the leader
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> c.groups.get(4L).status().configuration()
                    .equals(Configuration.ofVoters(1, 2, 3, 4)));
        }
    }

    /**
     * Regression (robustness row 17): a failed snapshot stream was reported to the raft loop with a refusable
     * submit; with the loop's queue full at that moment the report was lost and the leader waited for the
     * stream's end forever, so the learner never caught up.
     */
    @Test
    void aFailedSnapshotStreamIsRetriedEvenWhenTheLeadersQueueIsFull() throws Exception {
        CrowdedEnvironment env = new CrowdedEnvironment();
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(20).snapshotRetainEntries(0),
                env)) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 60; i++) {
                g.propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> java.nio.file.Files.list(c.dir.resolve("m" + leader).resolve("snapshots").resolve("1"))
                            .anyMatch(p -> p.getFileName().toString().startsWith("snap-")));
            c.network.failSnapshots.set(1);
            c.network.aroundSnapshotDone = env::crowded;
            c.start(4, new long[0]);
            g.addLearner(4).get(5, TimeUnit.SECONDS);
            ReplicatedMap learner = c.maps.get(4L);
            await().atMost(Duration.ofSeconds(10)).until(() -> learner.size() == 60);
            assertThat(c.network.failSnapshots.get()).as("the first stream failed").isZero();
        }
    }

    /**
     * Lazy snapshots (decision 0011): a state machine durable on its own gets no snapshot file when the log passes
     * its threshold (its state is made durable and the log goes); a file is written only when a follower needs
     * one, from the state as it is then, and the follower skips the entries that state already holds.
     */
    @Test
    void aStateMachineWithLazySnapshotsWritesAFileOnlyWhenAFollowerNeedsOne() throws Exception {
        java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(20).snapshotRetainEntries(0),
                RuntimeEnvironment.production(), (id, map) -> new LazySnapshots(map, flushes))) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 50; i++) {
                g.propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> flushes.get() >= 3);
            Path snapshots = c.dir.resolve("m" + leader).resolve("snapshots").resolve("1");
            assertThat(snapshotFiles(snapshots)).as("no file for a lazy snapshot").isZero();
            c.start(4, new long[0]);
            g.addLearner(4).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.maps.get(4L).size() == 50);
            assertThat(str(c.maps.get(4L).get("k7"))).isEqualTo("v7");
            assertThat(snapshotFiles(snapshots)).as("one file, written for the learner").isEqualTo(1);
            g.propose(put("after", "x")).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(5)).until(() -> "x".equals(str(c.maps.get(4L).get("after"))));
        }
    }

    /**
     * Regression (robustness row 31): a lazy snapshot requested at an entry that reaches no state machine (a new
     * leader's empty entry, here the very first) failed an invariant on the apply thread, since the state machine
     * was durable only to its last command; the group then applied nothing more.
     */
    @Test
    void aLazySnapshotAtAnEntryWithoutACommandIsTaken() throws Exception {
        java.util.concurrent.atomic.AtomicInteger flushes = new java.util.concurrent.atomic.AtomicInteger();
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(1).snapshotRetainEntries(0),
                RuntimeEnvironment.production(), (id, map) -> new LazySnapshots(map, flushes))) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 5; i++) {
                g.propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> c.maps.values().stream().allMatch(m -> m.size() == 5));
            assertThat(flushes.get()).isPositive();
        }
    }

    /**
     * Regression (robustness row 33): a proposal already appended when its member shut down was failed as CLOSED,
     * a certain failure, although it may still commit (the others hold it, or this member applies it after a
     * restart). It is UNKNOWN_OUTCOME now.
     */
    @Test
    void aProposalAppendedBeforeAShutdownHasAnUnknownOutcome() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            g.propose(put("before", "1")).get(5, TimeUnit.SECONDS);
            for (long id = 1; id <= 3; id++) {
                if (id != leader) {
                    c.stop(id); // nothing can commit from now on
                }
            }
            java.util.concurrent.CompletableFuture<Object> appended = g.propose(put("maybe", "2"));
            Thread.sleep(200); // the loop appends it
            c.stop(leader);
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> appended.get(5, TimeUnit.SECONDS));
            assertThat(e.getCause()).isInstanceOf(RaftException.class);
            assertThat(((RaftException) e.getCause()).reason()).isEqualTo(RaftException.Reason.UNKNOWN_OUTCOME);
        }
    }

    /**
     * Regression (robustness row 37, from issue 12): a failed fsync stopped the log writer's acknowledgements but the
     * member went on leading (its heartbeats passed check-quorum), so nothing was applied again, every request hung
     * and no failover happened. Now the member stops (fail-stop): it says why, acknowledges nothing more, and the
     * others elect a new leader that serves writes; every write acknowledged before is kept.
     */
    @Test
    void aLeaderWhoseFsyncFailsStopsAndTheOthersGoOn() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 10; i++) {
                g.propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            java.util.concurrent.atomic.AtomicReference<Throwable> told = new java.util.concurrent.atomic.AtomicReference<>();
            c.servers.get(leader).onFatal(told::set);
            c.logs.get(leader).failSyncs = true;
            java.util.concurrent.CompletableFuture<Object> after = g.propose(put("after", "x"));
            await().atMost(Duration.ofSeconds(5)).until(() -> told.get() != null);
            assertThat(c.servers.get(leader).failure()).hasMessageContaining("fsync failed");
            assertThatThrownBy(() -> after.get(5, TimeUnit.SECONDS)).as("nothing acknowledged after the failure")
                    .isInstanceOf(ExecutionException.class);
            c.groups.remove(leader);
            long next = c.awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            c.groups.get(next).propose(put("new", "leader")).get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 10; i++) {
                assertThat(str(c.maps.get(next).get("k" + i))).isEqualTo("v" + i);
            }
        }
    }

    /**
     * Regression (robustness row 38, from issue 12): a state machine that threw was logged, the apply thread went on
     * to the next batch (which then failed the apply-order invariant) and the group kept leading, applying nothing
     * ever again, every request hanging. Now the member stops (decision 0016) and says why; a deterministic
     * state machine bug stops every member that applies the command, as etcd's panic does.
     */
    @Test
    void aStateMachineThatThrowsStopsItsMember() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { }, RuntimeEnvironment.production(),
                (id, map) -> new StateMachine() {
                    @Override
                    public List<Object> apply(List<Command> commands) {
                        for (Command cmd : commands) {
                            if (new String(cmd.data(), java.nio.charset.StandardCharsets.ISO_8859_1).contains("boom")) {
                                throw new IllegalStateException("the state machine cannot apply " + cmd.index());
                            }
                        }
                        return map.apply(commands);
                    }

                    @Override
                    public void writeSnapshot(java.io.OutputStream out) throws java.io.IOException {
                        map.writeSnapshot(out);
                    }

                    @Override
                    public void restoreSnapshot(java.io.InputStream in) throws java.io.IOException {
                        map.restoreSnapshot(in);
                    }
                })) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            g.propose(put("fine", "1")).get(5, TimeUnit.SECONDS);
            java.util.concurrent.CompletableFuture<Object> boom = g.propose(put("boom", "2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> c.servers.values().stream()
                    .allMatch(s -> s.failure() != null));
            assertThat(c.servers.get(leader).failure()).hasMessageContaining("cannot apply");
            assertThatThrownBy(() -> boom.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
        }
    }

    /**
     * Regression (from issue 12): an exception in the middle of a Ready on a group's raft loop was logged and the loop
     * went on with the next task, the Ready half handled (messages sent, its write never queued); only an invariant
     * violation stopped the thread, and then silently, with the process up and the member still counted by the
     * others. Now any exception there stops the member (decision 0016): it says why, the others elect a new leader.
     */
    @Test
    void anExceptionOnTheRaftLoopStopsTheMember() throws Exception {
        java.util.concurrent.atomic.AtomicLong target = new java.util.concurrent.atomic.AtomicLong(-1);
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            for (long id = 1; id <= 3; id++) {
                c.observers.put(id, (group, core, ready) -> {
                    if (core.id() == target.get() && !ready.entries.isEmpty()) { // the armed member only
                        throw new IllegalStateException("injected: the loop fails mid-Ready");
                    }
                });
            }
            // the observers are installed before the members start: restart them with the observers
            for (long id = 1; id <= 3; id++) {
                c.stop(id);
            }
            for (long id = 1; id <= 3; id++) {
                c.start(id, new long[] {1, 2, 3});
            }
            long leader = c.awaitLeader();
            c.groups.get(leader).propose(put("before", "1")).get(5, TimeUnit.SECONDS);
            target.set(leader);
            java.util.concurrent.CompletableFuture<Object> during = c.groups.get(leader).propose(put("during", "2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> c.servers.get(leader).failure() != null);
            assertThat(c.servers.get(leader).status().failed()).isTrue();
            assertThat(c.servers.get(leader).status().failure()).contains("raft loop").contains("mid-Ready");
            assertThatThrownBy(() -> during.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            c.groups.remove(leader);
            long next = c.awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            c.groups.get(next).propose(put("after", "3")).get(10, TimeUnit.SECONDS);
            assertThat(str(c.maps.get(next).get("before"))).isEqualTo("1");
        }
    }

    /**
     * Regression (from issue 12): an invariant violation (or any exception other than an I/O error) in the shared log
     * writer killed the writer thread for every group while the process stayed up and went on leading. It is a
     * fail-stop now, like a failed sync.
     */
    @Test
    void anExceptionOnTheLogWriterStopsTheMember() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            g.propose(put("before", "1")).get(5, TimeUnit.SECONDS);
            c.logs.get(leader).failAppends = new io.cairn.raft.core.Invariants.InvariantViolation(
                    "injected: the storage breaks an invariant");
            java.util.concurrent.CompletableFuture<Object> during = g.propose(put("during", "2"));
            await().atMost(Duration.ofSeconds(5)).until(() -> c.servers.get(leader).failure() != null);
            assertThat(c.servers.get(leader).status().failure()).contains("injected: the storage breaks");
            assertThatThrownBy(() -> during.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class);
            assertThatThrownBy(() -> g.propose(put("later", "3")).get(5, TimeUnit.SECONDS))
                    .as("a stopped member refuses and says why").hasMessageContaining("stopped itself");
            c.groups.remove(leader);
            long next = c.awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            c.groups.get(next).propose(put("after", "3")).get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * From issue 12, no deadlock by construction: futures completed on the apply thread (or the raft loop), so a
     * callback that proposed or read again, waiting for room in the group's full input queue, blocked the apply
     * thread while the raft loop waited for room in the apply queue: both stopped for good. Futures now complete on
     * a callback executor of their own. Here every queue holds one or two tasks, and 32 chains of callbacks each
     * propose and read again from inside their completions.
     */
    @Test
    void callbacksThatProposeAndReadAgainWithEveryQueueFullDoNotDeadlock() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            c.capacities = new int[] {2, 1, 1};
            for (long id = 1; id <= 3; id++) {
                c.stop(id);
            }
            for (long id = 1; id <= 3; id++) {
                c.start(id, new long[] {1, 2, 3});
            }
            RaftGroup g = c.groups.get(c.awaitLeader());
            int chains = 32;
            int depth = 25;
            java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(chains);
            java.util.concurrent.atomic.AtomicInteger answered = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger succeeded = new java.util.concurrent.atomic.AtomicInteger();
            for (int i = 0; i < chains; i++) {
                chain(g, "chain" + i, depth, finished, answered, succeeded);
            }
            // A deadlock stops every answer for good; a loaded machine only slows them. So fail when no answer came
            // for 60 s, not when the whole took long (bounded at 5 minutes).
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            int seen = -1;
            long lastProgress = System.nanoTime();
            while (!finished.await(1, TimeUnit.SECONDS)) {
                int now = answered.get();
                if (now != seen) {
                    seen = now;
                    lastProgress = System.nanoTime();
                }
                assertThat(System.nanoTime() - lastProgress).as("answers stopped at %d of %d: a deadlock", now,
                        chains * depth * 2).isLessThan(TimeUnit.SECONDS.toNanos(60));
                assertThat(System.nanoTime()).as("every chain of callbacks ended within 5 minutes (%d of %d answers)",
                        now, chains * depth * 2).isLessThan(deadline);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> answered.get() == chains * depth * 2);
            assertThat(succeeded.get()).as("the requests made from callbacks were served").isGreaterThan(chains * depth);
        }
    }

    /** Proposes, and from the proposal's callback reads and proposes the next link, waiting for room each time. */
    private static void chain(RaftGroup g, String key, int left, java.util.concurrent.CountDownLatch finished,
            java.util.concurrent.atomic.AtomicInteger answered, java.util.concurrent.atomic.AtomicInteger succeeded) {
        g.proposeWaiting(put(key, Integer.toString(left))).whenComplete((r, e) -> {
            answered.incrementAndGet();
            if (e == null) {
                succeeded.incrementAndGet();
            }
            java.util.concurrent.CompletableFuture<Void> read = g.linearizableRead();
            read.whenComplete((v, re) -> {
                answered.incrementAndGet();
                if (re == null) {
                    succeeded.incrementAndGet();
                }
            });
            if (left > 1) {
                chain(g, key, left - 1, finished, answered, succeeded);
            } else {
                read.whenComplete((v, re) -> finished.countDown());
            }
        });
    }

    private static long snapshotFiles(Path dir) throws java.io.IOException {
        try (var files = java.nio.file.Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("snap-")
                    && !p.getFileName().toString().endsWith(".tmp")).count();
        }
    }

    /**
     * A map that behaves as a durable store for the runtime: lazy snapshots, everything durable when asked, and
     * commands at or below the index its state holds are skipped (a snapshot may be newer than its index).
     */
    private static final class LazySnapshots implements StateMachine {
        private final ReplicatedMap map;
        private final java.util.concurrent.atomic.AtomicInteger flushes;
        private volatile long applied;

        LazySnapshots(ReplicatedMap map, java.util.concurrent.atomic.AtomicInteger flushes) {
            this.map = map;
            this.flushes = flushes;
        }

        @Override
        public List<Object> apply(List<Command> commands) {
            List<Object> results = new ArrayList<>();
            List<Command> fresh = new ArrayList<>();
            for (Command cmd : commands) {
                if (cmd.index() > applied) {
                    fresh.add(cmd);
                }
            }
            List<Object> freshResults = fresh.isEmpty() ? List.of() : map.apply(fresh);
            int f = 0;
            for (Command cmd : commands) {
                results.add(cmd.index() > applied ? freshResults.get(f++) : null);
            }
            if (!commands.isEmpty()) {
                applied = Math.max(applied, commands.get(commands.size() - 1).index());
            }
            return results;
        }

        @Override
        public boolean lazySnapshots() {
            return true;
        }

        @Override
        public long durableAppliedIndex() {
            return applied;
        }

        @Override
        public long makeDurable() {
            flushes.incrementAndGet();
            return applied;
        }

        @Override
        public void writeSnapshot(java.io.OutputStream out) throws java.io.IOException {
            java.io.DataOutputStream d = new java.io.DataOutputStream(out);
            d.writeLong(applied);
            d.flush();
            map.writeSnapshot(out);
        }

        @Override
        public void restoreSnapshot(java.io.InputStream in) throws java.io.IOException {
            applied = new java.io.DataInputStream(in).readLong();
            map.restoreSnapshot(in);
        }
    }

    /**
     * A state machine whose snapshots are directories (as a RocksDB checkpoint): the runtime packs them into its
     * snapshot file, streams it to a new learner and unpacks it there before the restore.
     */
    @Test
    void aLearnerCatchesUpFromADirectorySnapshot() throws Exception {
        List<Path> restoredFrom = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(20).snapshotRetainEntries(0),
                RuntimeEnvironment.production(), (id, map) -> new DirectorySnapshots(map,
                        dir.resolve("scratch-" + id), restoredFrom))) {
            long leader = c.awaitLeader();
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 50; i++) {
                g.propose(put("k" + i, "v" + i)).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> java.nio.file.Files.list(c.dir.resolve("m" + leader).resolve("snapshots").resolve("1"))
                            .anyMatch(p -> p.getFileName().toString().startsWith("snap-")));
            c.start(4, new long[0]);
            g.addLearner(4).get(5, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.maps.get(4L).size() == 50);
            assertThat(str(c.maps.get(4L).get("k7"))).isEqualTo("v7");
            assertThat(restoredFrom).as("the learner restored from an unpacked directory").isNotEmpty();
            assertThat(restoredFrom.get(0).resolve("meta/count")).doesNotExist(); // scratch removed afterwards
        }
    }

    /** The map's state as two files in two directories. */
    private record DirectorySnapshots(ReplicatedMap map, Path scratch, List<Path> restoredFrom)
            implements FileSnapshotStateMachine {
        @Override
        public List<Object> apply(List<Command> commands) {
            return map.apply(commands);
        }

        @Override
        public Path snapshotScratch() {
            return scratch;
        }

        @Override
        public void writeSnapshot(Path dir) throws java.io.IOException {
            java.nio.file.Files.createDirectories(dir.resolve("data"));
            java.nio.file.Files.createDirectories(dir.resolve("meta"));
            try (var out = java.nio.file.Files.newOutputStream(dir.resolve("data/map"))) {
                map.writeSnapshot(out);
            }
            java.nio.file.Files.writeString(dir.resolve("meta/count"), Integer.toString(map.size()));
        }

        @Override
        public void restoreSnapshot(Path dir) throws java.io.IOException {
            try (var in = java.nio.file.Files.newInputStream(dir.resolve("data/map"))) {
                map.restoreSnapshot(in);
            }
            int count = Integer.parseInt(java.nio.file.Files.readString(dir.resolve("meta/count")));
            if (count != map.size()) {
                throw new java.io.IOException("restored " + map.size() + " keys, snapshot said " + count);
            }
            restoredFrom.add(dir);
        }
    }

    /**
     * Regression (robustness row 22): a follower's own snapshot, written on the snapshot thread, finished after
     * a newer snapshot from the leader had been installed; recording the older one went backwards in the log,
     * failed an invariant and stopped the member's log writer, so the follower never persisted again.
     */
    @Test
    void aSlowSnapshotFinishingAfterTheLeadersSnapshotIsInstalledIsDropped() throws Exception {
        java.util.concurrent.atomic.AtomicLong slowMember = new java.util.concurrent.atomic.AtomicLong();
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        try (LocalCluster c = new LocalCluster(dir, 3, b -> b.snapshotThresholdEntries(20).snapshotRetainEntries(0),
                RuntimeEnvironment.production(), (id, map) -> new SlowSnapshots(id, map, slowMember, release))) {
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            slowMember.set(follower);
            RaftGroup g = c.groups.get(leader);
            for (int i = 0; i < 30; i++) {
                g.propose(put("a" + i, "v")).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> c.maps.get(follower).size() == 30);
            c.network.isolate(follower);
            for (int i = 0; i < 100; i++) {
                g.propose(put("b" + i, "v")).get(5, TimeUnit.SECONDS);
            }
            c.network.heal();
            await().atMost(Duration.ofSeconds(10)).until(() -> c.maps.get(follower).size() == 130); // installed
            release.countDown(); // now the follower's own, older snapshot finishes
            for (int i = 0; i < 20; i++) {
                g.propose(put("c" + i, "v")).get(5, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> c.maps.get(follower).size() == 150);
            await().atMost(Duration.ofSeconds(10)).until(() -> c.groups.get(follower).status().appliedIndex()
                    == c.groups.get(leader).status().appliedIndex());
        }
    }

    /** The map's snapshots; on the member named by {@code slowMember}, writing one waits for {@code release}. */
    private record SlowSnapshots(long id, ReplicatedMap map, java.util.concurrent.atomic.AtomicLong slowMember,
            java.util.concurrent.CountDownLatch release) implements StateMachine {
        @Override
        public List<Object> apply(List<Command> commands) {
            return map.apply(commands);
        }

        @Override
        public void writeSnapshot(java.io.OutputStream out) throws java.io.IOException {
            captureSnapshot().writeTo(out);
        }

        @Override
        public SnapshotWriter captureSnapshot() {
            SnapshotWriter captured = map.captureSnapshot();
            if (slowMember.get() != id) {
                return captured;
            }
            return out -> {
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                captured.writeTo(out);
            };
        }

        @Override
        public void restoreSnapshot(java.io.InputStream in) throws java.io.IOException {
            map.restoreSnapshot(in);
        }
    }

    @Test
    void leadershipMovesToTheMemberAsked() throws Exception {
        try (LocalCluster c = new LocalCluster(dir, 3, b -> { })) {
            long leader = c.awaitLeader();
            long target = leader == 3 ? 1 : leader + 1;
            await().until(() -> c.groups.get(target).status().leader() == leader);
            long now = c.groups.get(leader).transferLeadership(target).get(10, TimeUnit.SECONDS);
            assertThat(now).isEqualTo(target);
            await().atMost(Duration.ofSeconds(5)).until(() -> c.groups.get(target).status().role() == Role.LEADER);
            c.groups.get(target).propose(put("after", "transfer")).get(5, TimeUnit.SECONDS);
        }
    }
}
