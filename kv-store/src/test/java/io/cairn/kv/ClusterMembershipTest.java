package io.cairn.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.mvcc.MemberRecords;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.kv.proto.etcd.MemberAddResponse;
import io.cairn.raft.core.confchange.Configuration;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The membership of real {@link KvStore} members in one JVM (decision 0023): the records every member agrees on,
 * the Raft configuration that follows them, a member that catches up from a snapshot getting the records with it,
 * promotion forwarded by a follower, removed members no longer dialed, and a member removed while it was down
 * learning it from a peer and leaving.
 */
class ClusterMembershipTest {
    @TempDir
    Path dir;

    private static final Duration PATIENCE = Duration.ofSeconds(30);

    private static MemberRecords records(KvStore kv) {
        return kv.membership().records();
    }

    private static void awaitSameRecords(KvCluster c, int members) {
        await().atMost(PATIENCE).pollInterval(Duration.ofMillis(20)).until(() -> {
            MemberRecords first = null;
            for (KvStore kv : c.members().values()) {
                MemberRecords r = records(kv);
                if (r.members().size() != members || (first != null && !first.equals(r))) {
                    return false;
                }
                first = r;
            }
            return true;
        });
    }

    private static KvException failure(java.util.concurrent.CompletableFuture<?> f) throws Exception {
        try {
            f.get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return KvStore.toKv(e);
        }
        throw new AssertionError("succeeded");
    }

    @Test
    void aLearnerCatchesUpFromASnapshotWithTheRecordsAndIsPromotedThroughAFollower() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 20)) {
            awaitSameRecords(c, 3);
            assertThat(records(c.member(1)).members()).extracting(Member::getName).containsExactly("m1", "m2", "m3");
            long leader = c.awaitLeader();
            for (int i = 0; i < 60; i++) {
                c.member(leader).blocking().put("k" + i, "v");
            }
            Thread.sleep(1_300); // the store's flush: the others may then drop their log below a snapshot

            KvStore fresh = c.addFresh(4);
            awaitSameRecords(c, 4);
            assertThat(records(fresh).member(4).getIsLearner()).isTrue();
            c.awaitCaughtUp(4);
            assertThat(fresh.blocking().range(io.cairn.kv.proto.etcd.RangeRequest.newBuilder()
                    .setKey(com.google.protobuf.ByteString.copyFromUtf8("k59")).setSerializable(true).build())
                    .getKvsCount()).isEqualTo(1);

            long follower = leader == 1 ? 2 : 1;
            await().atMost(PATIENCE).ignoreExceptions().until(() -> {
                c.member(follower).promote(4).get(10, TimeUnit.SECONDS);
                return true;
            });
            awaitSameRecords(c, 4);
            assertThat(records(c.member(3)).member(4).getIsLearner()).isFalse();
            await().atMost(PATIENCE).until(() -> c.members().values().stream()
                    .allMatch(kv -> kv.status().configuration().isVoter(4) && !kv.status().configuration().isJoint()));
            assertThat(failure(c.member(follower).promote(4))).isEqualTo(KvErrors.memberNotLearner());
        }
    }

    @Test
    void aMemberAddedAsAVoterJoinsCatchesUpAndTakesWrites() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 1_000)) {
            awaitSameRecords(c, 3);
            c.member(c.awaitLeader()).blocking().put("before", "1");
            KvStore fresh = c.startJoining(4);
            MemberAddResponse added = c.member(2).membership().add(4, List.of(KvStore.peerUrl(c.peerAddress(4))),
                    false, 0).get(20, TimeUnit.SECONDS);
            assertThat(added.getMember().getIsLearner()).isFalse();
            assertThat(added.getMembersList()).hasSize(4);
            awaitSameRecords(c, 4);
            await().atMost(PATIENCE).until(() -> fresh.status().configuration().isVoter(4)
                    && !fresh.status().configuration().isJoint());
            c.awaitCaughtUp(4);
            assertThat(fresh.blocking().get("before")).isPresent();
            fresh.blocking().put("through", "the new voter");
            assertThat(c.member(1).blocking().get("through")).isPresent();
        }
    }

    @Test
    void aRemovedMemberIsNoLongerDialedAndOneRemovedWhileDownLearnsItFromAPeer() throws Exception {
        try (KvCluster c = new KvCluster(dir, 4, 20, 10, 1_000)) {
            awaitSameRecords(c, 4);
            long leader = c.awaitLeader();
            long other = leader == 3 ? 2 : 3;
            await().atMost(PATIENCE).until(() -> c.member(leader).connectedTo(4) && c.member(other).connectedTo(4));

            // removed while it runs: the others stop dialing it, and it leaves once the removal took effect
            c.member(other).remove(4).get(20, TimeUnit.SECONDS);
            awaitSameRecords(c, 3);
            assertThat(records(c.member(1)).removed()).containsExactly(4L);
            await().atMost(PATIENCE).until(() -> !c.member(leader).connectedTo(4) && !c.member(other).connectedTo(4));
            await().atMost(PATIENCE).until(() -> c.member(4).membership().leftBecause() != null);
            c.stop(4);

            // removed while it is down: back up, it has no leader, asks a peer, and leaves
            long victim = leader == 1 ? 2 : 1;
            c.stop(victim);
            long survivor = c.members().keySet().iterator().next();
            c.member(survivor).remove(victim).get(20, TimeUnit.SECONDS);
            await().atMost(PATIENCE).until(() -> c.members().values().stream()
                    .allMatch(kv -> !kv.status().configuration().isMember(victim)));
            KvStore back = c.start(victim);
            await().atMost(PATIENCE).until(() -> back.membership().leftBecause() != null);
            assertThat(back.membership().leftBecause()).contains("says it was removed");
            assertThat(back.status().leader()).isZero();
            c.stop(victim);

            // the two left go on, and a removed ID never comes back
            c.members().values().iterator().next().blocking().put("after", "removals");
            assertThat(failure(c.member(survivor).membership().add(List.of("http://127.0.0.1:1"), true)
                    .thenCompose(r -> c.member(survivor).remove(victim)))).isEqualTo(KvErrors.memberNotFound());
        }
    }

    /**
     * Regression (robustness row 78): a promotion that reaches the leader before it has made the learner a Raft
     * learner must be refused as not in sync; Raft would otherwise take it as a new voter with no catch-up check.
     */
    @Test
    void aLearnerTheLeaderHasNotAddedToRaftYetIsNotPromoted() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 1_000)) {
            awaitSameRecords(c, 3);
            c.members().values().forEach(kv -> kv.membership().pauseReconciling(true)); // whoever leads
            long leader = c.awaitLeader();
            long follower = leader == 1 ? 2 : 1;
            MemberAddResponse added = c.member(follower).membership().add(List.of("http://127.0.0.1:1"), true)
                    .get(20, TimeUnit.SECONDS);
            long id = added.getMember().getID();
            awaitSameRecords(c, 4);
            assertThat(failure(c.member(c.awaitLeader()).promote(id))).isEqualTo(KvErrors.learnerNotReady());
            assertThat(c.members().values()).allSatisfy(kv -> assertThat(kv.status().configuration().isMember(id))
                    .as("no member made it a voter").isFalse());
            c.members().values().forEach(kv -> kv.membership().pauseReconciling(false));
            await().atMost(PATIENCE).until(() -> c.member(c.awaitLeader()).status().configuration().isLearner(id));
            assertThat(failure(c.member(follower).promote(id))).as("it never ran")
                    .isEqualTo(KvErrors.learnerNotReady());
        }
    }

    @Test
    void aLeaderThatRemovesItselfLeavesOnceTheOthersGoOnWithoutIt() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 1_000)) {
            awaitSameRecords(c, 3);
            long leader = c.awaitLeader();
            KvStore old = c.member(leader);
            old.remove(leader).get(20, TimeUnit.SECONDS);
            await().atMost(PATIENCE).until(() -> old.membership().leftBecause() != null);
            c.stop(leader);
            awaitSameRecords(c, 2);
            await().atMost(PATIENCE).until(() -> c.members().values().stream()
                    .allMatch(kv -> !kv.status().configuration().isMember(leader)));
            long next = c.awaitLeader();
            assertThat(next).isNotEqualTo(leader);
            c.member(next).blocking().put("after", "the leader left");
        }
    }

    @Test
    void etcdsRefusalsComeBackFromEveryMember() throws Exception {
        try (KvCluster c = new KvCluster(dir, 3, 20, 10, 1_000)) {
            awaitSameRecords(c, 3);
            Membership m = c.member(2).membership();
            assertThat(failure(m.add(List.of("127.0.0.1:9"), false))).isEqualTo(KvErrors.memberBadUrls());
            assertThat(failure(m.add(List.of(), true))).isEqualTo(KvErrors.memberBadUrls());
            String taken = records(c.member(1)).member(1).getPeerURLs(0);
            assertThat(failure(m.add(List.of(taken), true))).isEqualTo(KvErrors.peerUrlExists());
            assertThat(failure(m.update(99, List.of("http://127.0.0.1:1")))).isEqualTo(KvErrors.memberNotFound());
            assertThat(failure(m.remove(99))).isEqualTo(KvErrors.memberNotFound());
            assertThat(failure(m.promote(99))).isEqualTo(KvErrors.memberNotFound());
            assertThat(failure(m.promote(1))).isEqualTo(KvErrors.memberNotLearner());

            // voters that never start: with strict checks on, one that would leave fewer started voters than a
            // quorum is refused (3 started of 6), as etcd refuses it
            MemberAddResponse x = m.add(List.of("http://127.0.0.1:1"), false).get(20, TimeUnit.SECONDS);
            assertThat(x.getMember().getIsLearner()).isFalse();
            assertThat(x.getMembersList()).hasSize(4);
            MemberAddResponse y = m.add(List.of("http://127.0.0.1:2"), false).get(20, TimeUnit.SECONDS);
            await().atMost(PATIENCE).until(() -> {
                Configuration cfg = c.member(2).status().configuration();
                return cfg.isVoter(y.getMember().getID()) && !cfg.isJoint();
            });
            assertThat(failure(m.add(List.of("http://127.0.0.1:3"), false)))
                    .isEqualTo(KvErrors.notEnoughStartedMembers());
            m.remove(x.getMember().getID()).get(20, TimeUnit.SECONDS);
            m.remove(y.getMember().getID()).get(20, TimeUnit.SECONDS);
            awaitSameRecords(c, 3);
            c.member(1).blocking().put("still", "writable");
        }
    }
}
