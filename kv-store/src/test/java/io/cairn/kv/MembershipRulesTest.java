package io.cairn.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.mvcc.MemberRecords;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The pure decisions of {@link Membership}: which Raft change brings the configuration to the records, and etcd's
 * strict reconfiguration checks.
 */
class MembershipRulesTest {
    private static Member voter(long id, boolean started) {
        return Member.newBuilder().setID(id).setName(started ? "m" + id : "").addPeerURLs("http://h:" + id).build();
    }

    private static Member learner(long id) {
        return voter(id, true).toBuilder().setIsLearner(true).build();
    }

    private static MemberRecords records(Set<Long> removed, Member... members) {
        return new MemberRecords(List.of(members), removed);
    }

    private static Configuration config(long[] voters, long[] learners) {
        return new Configuration(voters, new long[0], learners, false);
    }

    @Test
    void raftFollowsTheRecordsOneChangeAtATime() {
        long[] none = {};
        MemberRecords three = records(Set.of(), voter(1, true), voter(2, true), voter(3, true));
        assertThat(MembershipRules.nextChange(three, config(new long[] {1, 2, 3}, none), 1)).isNull();
        assertThat(MembershipRules.nextChange(MemberRecords.NONE, config(new long[] {1, 2, 3}, none), 1))
                .as("nothing before the records are bootstrapped").isNull();

        MemberRecords withLearner = records(Set.of(), voter(1, true), voter(2, true), voter(3, true), learner(4));
        assertThat(MembershipRules.nextChange(withLearner, config(new long[] {1, 2, 3}, none), 1))
                .isEqualTo(ConfigChange.addLearner(4));
        MemberRecords withVoter = records(Set.of(), voter(1, true), voter(2, true), voter(3, true), voter(4, false));
        assertThat(MembershipRules.nextChange(withVoter, config(new long[] {1, 2, 3}, none), 1))
                .isEqualTo(ConfigChange.addVoter(4));
        assertThat(MembershipRules.nextChange(withVoter, config(new long[] {1, 2, 3}, new long[] {4}), 1))
                .as("a learner whose record says voter").isEqualTo(ConfigChange.addVoter(4));

        MemberRecords twoRemoved = records(Set.of(2L), voter(1, true), voter(3, true));
        assertThat(MembershipRules.nextChange(twoRemoved, config(new long[] {1, 2, 3}, none), 1))
                .isEqualTo(ConfigChange.remove(2));
        assertThat(MembershipRules.nextChange(twoRemoved, new Configuration(new long[] {1, 3}, new long[] {1, 2, 3},
                none, true), 1)).as("nothing while joint").isNull();

        MemberRecords selfRemoved = records(Set.of(1L, 2L), voter(3, true), learner(4));
        assertThat(MembershipRules.nextChange(selfRemoved, config(new long[] {1, 2, 3}, none), 1))
                .as("others first").isEqualTo(ConfigChange.remove(2));
        assertThat(MembershipRules.nextChange(selfRemoved, config(new long[] {1, 3}, none), 1))
                .as("then the members to add").isEqualTo(ConfigChange.addLearner(4));
        assertThat(MembershipRules.nextChange(selfRemoved, config(new long[] {1, 3}, new long[] {4}), 1))
                .as("the leader itself last").isEqualTo(ConfigChange.remove(1));

        assertThat(MembershipRules.nextChange(three, config(new long[] {1, 2, 3}, new long[] {9}), 1))
                .as("a learner the records do not know is left alone").isNull();
    }

    /**
     * Regression (robustness row 78): a MemberPromote that reached the leader after the learner's record was applied
     * but before the leader had made it a Raft learner went to Raft as ADD_VOTER of a non-member, which Raft takes as
     * a new voter with no catch-up check (it checks only its learners): the member became a voter without having
     * caught up, which etcd refuses ("in sync with leader"). The leader now refuses it until Raft has the learner.
     */
    @Test
    void aLearnerRaftDoesNotHaveYetIsNotReadyToPromote() {
        assertThat(MembershipRules.promotion(config(new long[] {1, 2, 3}, new long[0]), 4))
                .isEqualTo(MembershipRules.Promotion.NOT_IN_RAFT_YET);
        assertThat(MembershipRules.promotion(config(new long[] {1, 2, 3}, new long[] {4}), 4))
                .isEqualTo(MembershipRules.Promotion.PROMOTE);
        assertThat(MembershipRules.promotion(config(new long[] {1, 2, 3, 4}, new long[0]), 4))
                .isEqualTo(MembershipRules.Promotion.VOTER_ALREADY);
    }

    @Test
    void aPromotionRaftMadeWithoutItsRecordIsFound() {
        MemberRecords r = records(Set.of(), voter(1, true), learner(4));
        assertThat(MembershipRules.promotedWithoutRecord(r, config(new long[] {1, 4}, new long[0]))).isEqualTo(4);
        assertThat(MembershipRules.promotedWithoutRecord(r, config(new long[] {1}, new long[] {4}))).isZero();
    }

    @Test
    void strictChecksKeepAQuorumOfStartedVoters() {
        assertThat(MembershipRules.readyToAddVoter(records(Set.of(), voter(1, true)))).as("1 -> 2").isTrue();
        assertThat(MembershipRules.readyToAddVoter(records(Set.of(), voter(1, true), voter(2, false))))
                .as("2 of 3 would be unstarted").isFalse();
        assertThat(MembershipRules.readyToAddVoter(records(Set.of(), voter(1, true), voter(2, true),
                voter(3, false)))).as("2 started of 4").isFalse();
        assertThat(MembershipRules.readyToAddVoter(records(Set.of(), voter(1, true), voter(2, true),
                voter(3, true)))).isTrue();
        assertThat(MembershipRules.readyToRemoveVoter(records(Set.of(), voter(1, true), voter(2, false),
                voter(3, true)), 3)).as("1 started of 2 left").isFalse();
        assertThat(MembershipRules.readyToRemoveVoter(records(Set.of(), voter(1, true), voter(2, false),
                voter(3, true)), 2)).isTrue();
        assertThat(MembershipRules.readyToPromote(records(Set.of(), voter(1, true), voter(2, false), learner(3))))
                .as("2 started of 3").isTrue();
        assertThat(MembershipRules.readyToPromote(records(Set.of(), voter(1, false), voter(2, false), learner(3))))
                .isFalse();
    }

    @Test
    void newIdsAreNeverZeroOrTakenOrRemoved() {
        List<String> urls = List.of("http://h:1");
        long first = MembershipRules.newMemberId(urls, 42, MemberRecords.NONE);
        assertThat(first).isNotZero();
        assertThat(MembershipRules.newMemberId(urls, 42, MemberRecords.NONE)).as("deterministic").isEqualTo(first);
        long taken = MembershipRules.newMemberId(urls, 42, records(Set.of(), voter(first, true)));
        long removed = MembershipRules.newMemberId(urls, 42, records(Set.of(first), voter(1, true)));
        assertThat(taken).isNotEqualTo(first).isEqualTo(removed);
        List<Long> ids = new ArrayList<>();
        for (long t = 0; t < 1000; t++) {
            ids.add(MembershipRules.newMemberId(urls, t, MemberRecords.NONE));
        }
        assertThat(ids).doesNotHaveDuplicates();
    }
}
