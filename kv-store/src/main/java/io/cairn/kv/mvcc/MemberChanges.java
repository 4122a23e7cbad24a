package io.cairn.kv.mvcc;

import io.cairn.kv.proto.MemberChange;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.kv.proto.etcd.MemberListResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;

/**
 * Applies one {@link MemberChange} to the membership records with etcd's rules ({@code membership.RaftCluster
 * .ValidateConfigurationChange} and the apply of each change), so that every replica decides the same from the
 * records alone (decision 0023):
 *
 * <ul>
 *   <li>bootstrap: the members of a new cluster, taken only while the store has no member and no removed ID
 *       (every initial member proposes the same list; the first applied wins, the others change nothing);
 *   <li>add: refused before the bootstrap (it would make the new member the whole membership), for a removed ID
 *       ("member not found": a removed ID never comes back), an ID in use
 *       ("member ID already exist"), a peer URL another member has ("Peer URLs already exists"), a learner over
 *       the command's limit ("too many learner members in cluster"; etcd 3.4's limit of one unless the embedded
 *       API asked for more);
 *   <li>remove: refused for an unknown ID; the record goes and the ID is marked removed;
 *   <li>update: new peer URLs, refused for an unknown ID or a URL another member has; name, client URLs and the
 *       learner flag stay (etcd 3.4 also cleared the flag, which we do not copy);
 *   <li>promote: the learner becomes a voter, refused for an unknown ID or a voter;
 *   <li>publish: a member's own name and client URLs, refused for an unknown (or removed) ID.
 * </ul>
 *
 * <p>The answer is the records after the change, as a {@code MemberListResponse}. Membership is not a key: no
 * change moves the store's revision. Apply thread only.
 */
final class MemberChanges {
    private MemberChanges() {}

    static MemberListResponse apply(MemberChange c, MemberTable table, WriteTxn w) {
        switch (c.getChangeCase()) {
            case BOOTSTRAP -> {
                if (!table.all().bootstrapped() && table.all().removed().isEmpty()) {
                    for (Member m : c.getBootstrap().getMembersList()) {
                        w.putMember(m.getID(), m.toByteArray());
                    }
                }
            }
            case ADD -> add(c.getAdd(), c.getLearnersMax() == 0 ? ETCD_LEARNERS_MAX : c.getLearnersMax(), table, w);
            case REMOVE -> {
                existing(table, c.getRemove());
                w.removeMember(c.getRemove());
            }
            case UPDATE -> {
                Member m = existing(table, c.getUpdate().getID());
                if (table.all().peerUrlTaken(c.getUpdate().getPeerURLsList(), m.getID())) {
                    throw KvErrors.peerUrlExists();
                }
                w.putMember(m.getID(), m.toBuilder().clearPeerURLs().addAllPeerURLs(c.getUpdate().getPeerURLsList())
                        .build().toByteArray());
            }
            case PROMOTE -> {
                Member m = existing(table, c.getPromote());
                if (!m.getIsLearner()) {
                    throw KvErrors.memberNotLearner();
                }
                w.putMember(m.getID(), m.toBuilder().setIsLearner(false).build().toByteArray());
            }
            case PUBLISH -> {
                Member m = existing(table, c.getPublish().getID());
                w.putMember(m.getID(), m.toBuilder().setName(c.getPublish().getName()).clearClientURLs()
                        .addAllClientURLs(c.getPublish().getClientURLsList()).build().toByteArray());
            }
            case CHANGE_NOT_SET -> throw KvErrors.malformedCommand("a member change with no change");
        }
        return MemberListResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(w.revision()))
                .addAllMembers(table.all().members()).build();
    }

    /** etcd 3.4's {@code maxLearners}: one learner at a time. */
    static final int ETCD_LEARNERS_MAX = 1;

    private static void add(Member m, int learnersMax, MemberTable table, WriteTxn w) {
        MemberRecords records = table.all();
        if (!records.bootstrapped()) {
            // Taken now, it would be the whole membership, and the new cluster's bootstrap would then be ignored.
            throw notBootstrapped();
        }
        if (records.isRemoved(m.getID())) {
            throw KvErrors.memberNotFound();
        }
        if (records.member(m.getID()) != null) {
            throw KvErrors.memberExists();
        }
        if (records.peerUrlTaken(m.getPeerURLsList(), m.getID())) {
            throw KvErrors.peerUrlExists();
        }
        if (m.getIsLearner() && records.learnerCount() >= learnersMax) {
            throw KvErrors.tooManyLearners();
        }
        w.putMember(m.getID(), Member.newBuilder().setID(m.getID()).addAllPeerURLs(m.getPeerURLsList())
                .setIsLearner(m.getIsLearner()).build().toByteArray());
    }

    /** A change that needs the membership before a new cluster's first leader has written it. */
    static KvException notBootstrapped() {
        return new KvException(KvException.Code.UNAVAILABLE, "cairn: the cluster's membership is not known yet (a"
                + " new cluster's members write it once they have a leader); retry");
    }

    private static Member existing(MemberTable table, long id) {
        Member m = table.get(id);
        if (m == null) {
            throw KvErrors.memberNotFound();
        }
        return m;
    }

    /** What a command must hold before it is proposed or applied: IDs not 0, peer URLs valid and sorted. */
    static void check(MemberChange c) {
        switch (c.getChangeCase()) {
            case BOOTSTRAP -> {
                if (c.getBootstrap().getMembersCount() == 0) {
                    throw KvErrors.malformedCommand("a bootstrap with no member");
                }
                for (Member m : c.getBootstrap().getMembersList()) {
                    checkId(m.getID());
                    checkUrls(m.getPeerURLsList());
                }
            }
            case ADD -> {
                checkId(c.getAdd().getID());
                checkUrls(c.getAdd().getPeerURLsList());
            }
            case UPDATE -> {
                checkId(c.getUpdate().getID());
                checkUrls(c.getUpdate().getPeerURLsList());
            }
            case REMOVE -> checkId(c.getRemove());
            case PROMOTE -> checkId(c.getPromote());
            case PUBLISH -> checkId(c.getPublish().getID());
            case CHANGE_NOT_SET -> throw KvErrors.malformedCommand("a member change with no change");
        }
    }

    private static void checkId(long id) {
        if (id == 0) {
            throw KvErrors.malformedCommand("member ID 0");
        }
    }

    private static void checkUrls(java.util.List<String> urls) {
        if (!MemberRecords.checkPeerUrls(urls).equals(urls)) {
            throw KvErrors.malformedCommand("peer URLs must be proposed sorted: " + urls);
        }
    }
}
