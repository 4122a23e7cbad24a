package io.cairn.kv.mvcc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.MemberBootstrap;
import io.cairn.kv.proto.MemberChange;
import io.cairn.kv.proto.etcd.Member;
import io.cairn.kv.proto.etcd.MemberListResponse;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The membership records in the store (decision 0023): etcd's rules as each change is applied, the same decision
 * from the records alone on every replica, no revision moved, and the records kept across a restart and carried by
 * a checkpoint (what a snapshot install restores).
 */
class MemberRecordsTest {
    private static final String A = "http://127.0.0.1:12380";
    private static final String B = "http://127.0.0.1:22380";
    private static final String C = "http://127.0.0.1:32380";
    private static final String D = "http://127.0.0.1:42380";

    private static Member member(long id, String name, String... peerUrls) {
        return Member.newBuilder().setID(id).setName(name).addAllPeerURLs(List.of(peerUrls)).build();
    }

    private static KvCommand change(MemberChange.Builder c) {
        return KvCommand.newBuilder().setMember(c).build();
    }

    private static KvCommand bootstrap(Member... members) {
        return change(MemberChange.newBuilder().setBootstrap(MemberBootstrap.newBuilder()
                .addAllMembers(List.of(members))));
    }

    private static KvCommand add(long id, boolean learner, String... peerUrls) {
        return change(MemberChange.newBuilder().setAdd(Member.newBuilder().setID(id).setIsLearner(learner)
                .addAllPeerURLs(List.of(peerUrls))));
    }

    private static KvCommand remove(long id) {
        return change(MemberChange.newBuilder().setRemove(id));
    }

    private static KvCommand promote(long id) {
        return change(MemberChange.newBuilder().setPromote(id));
    }

    private static KvCommand update(long id, String... peerUrls) {
        return change(MemberChange.newBuilder().setUpdate(Member.newBuilder().setID(id)
                .addAllPeerURLs(List.of(peerUrls))));
    }

    private static KvCommand publish(long id, String name, String... clientUrls) {
        return change(MemberChange.newBuilder().setPublish(Member.newBuilder().setID(id).setName(name)
                .addAllClientURLs(List.of(clientUrls))));
    }

    private static KvException refusal(KvResult r) {
        assertThat(r.isError()).as("%s refused", r).isTrue();
        return r.error();
    }

    private static StoreFixture threeMembers() throws Exception {
        StoreFixture f = new StoreFixture();
        KvResult r = f.apply(bootstrap(member(1, "a", A), member(2, "b", B), member(3, "c", C)));
        assertThat(r.response(MemberListResponse.class).getMembersList()).extracting(Member::getName)
                .containsExactly("a", "b", "c");
        return f;
    }

    /**
     * Regression (robustness row 77): an add applied before a new cluster's bootstrap became the whole membership,
     * and the bootstrap that followed was ignored (it only applies to a store with no member), so the initial members
     * were never listed and the leader would have removed nobody and added only the newcomer. Now the add is refused
     * until the bootstrap is in.
     */
    @Test
    void anAddBeforeTheBootstrapIsRefusedAndTheBootstrapStillCounts() throws Exception {
        try (StoreFixture f = new StoreFixture()) {
            KvResult early = f.apply(add(4, true, D));
            assertThat(early.isError()).isTrue();
            assertThat(early.error().code()).isEqualTo(KvException.Code.UNAVAILABLE);
            f.apply(bootstrap(member(1, "a", A), member(2, "b", B), member(3, "c", C)));
            assertThat(f.store.memberRecords().members()).extracting(Member::getID).containsExactly(1L, 2L, 3L);
        }
    }

    @Test
    void theFirstBootstrapCountsAndLaterOnesChangeNothing() throws Exception {
        try (StoreFixture f = threeMembers()) {
            f.apply(bootstrap(member(9, "z", D)));
            assertThat(f.store.memberRecords().members()).extracting(Member::getID).containsExactly(1L, 2L, 3L);
            assertThat(f.store.revision()).as("membership is not a key").isEqualTo(1);
        }
    }

    @Test
    void etcdsRulesDecideEachChange() throws Exception {
        try (StoreFixture f = threeMembers()) {
            assertThat(refusal(f.apply(add(2, false, D)))).isEqualTo(KvErrors.memberExists());
            assertThat(refusal(f.apply(add(4, false, B)))).isEqualTo(KvErrors.peerUrlExists());
            assertThat(f.apply(add(4, true, D)).isError()).isFalse();
            assertThat(refusal(f.apply(add(5, true, "http://127.0.0.1:1")))).isEqualTo(KvErrors.tooManyLearners());
            KvCommand twoLearners = add(5, true, "http://127.0.0.1:1");
            twoLearners = twoLearners.toBuilder().setMember(twoLearners.getMember().toBuilder().setLearnersMax(2))
                    .build();
            assertThat(f.apply(twoLearners).isError()).as("the embedded API's limit travels in the command").isFalse();
            assertThat(f.apply(remove(5)).isError()).isFalse();
            assertThat(refusal(f.apply(promote(1)))).isEqualTo(KvErrors.memberNotLearner());
            assertThat(refusal(f.apply(promote(7)))).isEqualTo(KvErrors.memberNotFound());
            assertThat(refusal(f.apply(update(7, D)))).isEqualTo(KvErrors.memberNotFound());
            assertThat(refusal(f.apply(update(1, B)))).as("another member's URL").isEqualTo(KvErrors.peerUrlExists());
            assertThat(refusal(f.apply(remove(7)))).isEqualTo(KvErrors.memberNotFound());
            assertThat(refusal(f.apply(publish(7, "x")))).isEqualTo(KvErrors.memberNotFound());

            assertThat(f.apply(publish(4, "d", "http://127.0.0.1:42379")).isError()).isFalse();
            assertThat(f.apply(update(4, "http://127.0.0.1:43380")).isError()).isFalse();
            MemberRecords r = f.store.memberRecords();
            assertThat(r.member(4)).isEqualTo(Member.newBuilder().setID(4).setName("d")
                    .addPeerURLs("http://127.0.0.1:43380").addClientURLs("http://127.0.0.1:42379").setIsLearner(true)
                    .build());
            assertThat(f.apply(promote(4)).isError()).isFalse();
            assertThat(f.store.memberRecords().member(4).getIsLearner()).isFalse();

            assertThat(f.apply(remove(2)).isError()).isFalse();
            r = f.store.memberRecords();
            assertThat(r.members()).extracting(Member::getID).containsExactly(1L, 3L, 4L);
            assertThat(r.removed()).containsExactlyInAnyOrder(2L, 5L);
            assertThat(refusal(f.apply(add(2, false, B)))).as("a removed ID never comes back")
                    .isEqualTo(KvErrors.memberNotFound());
            assertThat(f.apply(add(6, false, B)).isError()).as("its peer URL is free again").isFalse();
            assertThat(refusal(f.apply(publish(2, "b")))).isEqualTo(KvErrors.memberNotFound());
            assertThat(f.store.revision()).isEqualTo(1);
        }
    }

    @Test
    void aRefusedChangeInABatchChangesNothingAndTheNextSeesTheOnesBefore() throws Exception {
        try (StoreFixture f = threeMembers()) {
            List<KvResult> results = f.applyAll(List.of(add(4, true, D), add(5, true, "http://127.0.0.1:1"),
                    promote(4), remove(4), publish(4, "d")));
            assertThat(results.get(1).error()).isEqualTo(KvErrors.tooManyLearners());
            assertThat(results.get(4).error()).isEqualTo(KvErrors.memberNotFound());
            assertThat(f.store.memberRecords().removed()).containsExactly(4L);
            assertThat(f.store.memberRecords().member(5)).isNull();
        }
    }

    @Test
    void recordsSurviveARestartAndTravelInACheckpoint() throws Exception {
        try (StoreFixture f = threeMembers()) {
            f.apply(add(4, true, D));
            f.apply(remove(3));
            f.apply(publish(1, "a", "http://127.0.0.1:12379"));
            MemberRecords before = f.store.memberRecords();
            f.store.flush();
            f.reopen();
            assertThat(f.store.memberRecords()).isEqualTo(before);
            Path cp = f.nextDir();
            f.store.checkpoint(cp);
            try (MvccStore restored = MvccStore.restore(cp, f.nextDir(), KvLimits.DEFAULTS)) {
                assertThat(restored.memberRecords()).isEqualTo(before);
            }
        }
    }

    /**
     * Regression (robustness row 79): a store restored for a new cluster ({@code cairn kv snapshot restore}) kept the
     * old cluster's records, and the new cluster's leader added those members to Raft as voters: a cluster of three
     * live members among six voters, without a quorum. The restore now drops them; the new members bootstrap their
     * own.
     */
    @Test
    void aStoreRestoredForANewClusterForgetsTheOldMembership() throws Exception {
        try (StoreFixture f = threeMembers()) {
            f.apply(remove(3));
            f.apply(KvCommand.newBuilder().setPut(Req.put("k", "v")).build());
            f.store.flush();
            Path dir = f.store.directory();
            f.store.close();
            MvccStore.forgetAppliedIndex(dir, KvLimits.DEFAULTS);
            f.store = MvccStore.open(dir, KvLimits.DEFAULTS);
            assertThat(f.store.memberRecords()).isEqualTo(MemberRecords.NONE);
            assertThat(f.store.range(Req.get("k")).getKvsCount()).as("the data stays").isEqualTo(1);
            f.index = 0;
            f.apply(bootstrap(member(7, "x", D)));
            assertThat(f.store.memberRecords().members()).extracting(Member::getID).containsExactly(7L);
        }
    }

    @Test
    void aStoreReplayedAfterACrashHoldsTheRecordsOfEveryAppliedChange() throws Exception {
        try (StoreFixture f = threeMembers()) {
            f.store.flush();
            f.apply(add(4, true, D));
            f.apply(remove(2));
            MemberRecords expected = f.store.memberRecords();
            f.store.crash(); // what the flush did not hold is gone, as after a power cut
            f.store = MvccStore.open(f.store.directory(), f.store.limits());
            assertThat(f.store.memberRecords().member(4)).isNull();
            f.index = f.store.appliedIndex();
            f.apply(add(4, true, D)); // the Raft log replays what followed the durable index
            f.apply(remove(2));
            assertThat(f.store.memberRecords()).isEqualTo(expected);
        }
    }

    @Test
    void commandsThatCannotBeRightAreRefusedBeforeTheyAreProposedOrApplied() {
        assertThatThrownBy(() -> Validation.checkCommand(add(0, false, D), KvLimits.DEFAULTS))
                .hasMessageContaining("member ID 0");
        assertThatThrownBy(() -> Validation.checkCommand(add(4, false), KvLimits.DEFAULTS))
                .isEqualTo(KvErrors.memberBadUrls());
        assertThatThrownBy(() -> Validation.checkCommand(add(4, false, D, A), KvLimits.DEFAULTS))
                .hasMessageContaining("sorted");
        for (String bad : List.of("127.0.0.1:9", "http://127.0.0.1", "http://127.0.0.1:9/path", "ftp://h:1",
                "http://h:1?q=1", " http://h:1")) {
            assertThatThrownBy(() -> MemberRecords.checkPeerUrls(List.of(bad))).as(bad)
                    .isEqualTo(KvErrors.memberBadUrls());
        }
        assertThat(MemberRecords.checkPeerUrls(List.of(D, A))).containsExactly(A, D);
    }
}
