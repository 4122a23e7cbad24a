package io.cairn.kv;

import io.cairn.kv.mvcc.MemberRecords;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The decisions of {@link Membership} that depend only on the records and the Raft configuration, as pure functions
 * (tests call them directly):
 *
 * <ul>
 *   <li>{@link #nextChange}: the one Raft configuration change that brings the configuration closer to the records
 *       (decision 0023: the records are the truth, the leader makes Raft follow them one change at a time);
 *   <li>etcd's strict reconfiguration checks ({@code membership.RaftCluster.IsReadyTo*}): a change must leave at
 *       least a quorum of voters that have started (published their name);
 *   <li>{@link #newMemberId}: the ID MemberAdd gives a new member (etcd's: a SHA-1 of its peer URLs and the time).
 * </ul>
 */
final class MembershipRules {
    private MembershipRules() {}

    /**
     * The next Raft change towards {@code records}, or null when the configuration agrees with them (as far as a
     * configuration change can make it agree). In order: members whose ID was removed leave (this member last, so
     * that a leader removing itself does so once the others are settled); members with a record join, as a learner
     * or a voter as their record says; a learner whose record says voter is promoted. Members of the configuration
     * with no record and no removal are left alone: the records do not know them (a learner added through the Raft
     * API directly). Nothing while the configuration is joint: the leader leaves it by itself.
     */
    static ConfigChange nextChange(MemberRecords records, Configuration config, long self) {
        if (config.isJoint() || !records.bootstrapped()) {
            return null;
        }
        for (long id : config.members()) {
            if (id != self && records.isRemoved(id)) {
                return ConfigChange.remove(id);
            }
        }
        for (Member m : records.members()) {
            if (!config.isMember(m.getID())) {
                return m.getIsLearner() ? ConfigChange.addLearner(m.getID()) : ConfigChange.addVoter(m.getID());
            }
        }
        for (Member m : records.members()) {
            if (!m.getIsLearner() && config.isLearner(m.getID())) {
                return ConfigChange.addVoter(m.getID());
            }
        }
        if (config.isMember(self) && records.isRemoved(self)) {
            return ConfigChange.remove(self);
        }
        return null;
    }

    /**
     * A member whose record says learner while Raft has made it a voter: a promotion whose record was not written
     * (the leader that promoted it failed in between). The records follow Raft here, since Raft cannot demote.
     */
    static long promotedWithoutRecord(MemberRecords records, Configuration config) {
        for (Member m : records.members()) {
            if (m.getIsLearner() && config.isVoter(m.getID())) {
                return m.getID();
            }
        }
        return 0;
    }

    /** What the leader does with a MemberPromote of a member its records hold as a learner. */
    enum Promotion {
        /** Ask Raft, which refuses until the learner has caught up. */
        PROMOTE,
        /**
         * Refuse ("not in sync with leader"): the leader has not made it a Raft learner yet, so it receives no log.
         * Raft itself would take it as a new voter, with nothing to check its progress against.
         */
        NOT_IN_RAFT_YET,
        /** Raft made it a voter already: only the record is left to write. */
        VOTER_ALREADY
    }

    static Promotion promotion(Configuration config, long id) {
        if (config.isVoter(id)) {
            return Promotion.VOTER_ALREADY;
        }
        return config.isLearner(id) ? Promotion.PROMOTE : Promotion.NOT_IN_RAFT_YET;
    }

    /** etcd's IsReadyToAddVotingMember: with the new voter counted unstarted, started voters still make a quorum. */
    static boolean readyToAddVoter(MemberRecords records) {
        int members = 1;
        int started = 0;
        for (Member m : records.members()) {
            if (!m.getIsLearner()) {
                members++;
                started += m.getName().isEmpty() ? 0 : 1;
            }
        }
        if (started == 1 && members == 2) {
            return true; // a second member for a cluster of one (etcd: restoring a cluster from one member)
        }
        return started >= members / 2 + 1;
    }

    /** etcd's IsReadyToRemoveVotingMember: the started voters left make a quorum of the voters left. */
    static boolean readyToRemoveVoter(MemberRecords records, long id) {
        int members = 0;
        int started = 0;
        for (Member m : records.members()) {
            if (!m.getIsLearner() && m.getID() != id) {
                members++;
                started += m.getName().isEmpty() ? 0 : 1;
            }
        }
        return started >= members / 2 + 1;
    }

    /** etcd's IsReadyToPromoteMember: with the learner counted as a started voter, started voters make a quorum. */
    static boolean readyToPromote(MemberRecords records) {
        int members = 1;
        int started = 1;
        for (Member m : records.members()) {
            if (!m.getIsLearner()) {
                members++;
                started += m.getName().isEmpty() ? 0 : 1;
            }
        }
        return started >= members / 2 + 1;
    }

    /**
     * A new member's ID as etcd makes one: the first 8 bytes of a SHA-1 of its sorted peer URLs and a time (here
     * in nanoseconds, and an attempt number, so that two adds of the same URLs in one second differ); never 0, never
     * an ID the records hold or removed.
     */
    static long newMemberId(List<String> sortedPeerUrls, long nanos, MemberRecords records) {
        for (int attempt = 0; ; attempt++) {
            StringBuilder b = new StringBuilder();
            sortedPeerUrls.forEach(b::append);
            b.append(nanos).append('/').append(attempt);
            long id = EtcdIds.of(b.toString().getBytes(StandardCharsets.UTF_8));
            if (id != 0 && records.member(id) == null && !records.isRemoved(id)) {
                return id;
            }
        }
    }
}
