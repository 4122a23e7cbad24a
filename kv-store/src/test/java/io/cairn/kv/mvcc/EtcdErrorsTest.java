package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.bs;
import static io.cairn.kv.mvcc.Req.cmd;
import static io.cairn.kv.mvcc.Req.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.kv.mvcc.KvException.Code;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One test per etcd error the KV API gives: the gRPC code and etcd's exact text, and nothing applied (revision
 * unchanged, no key written) while the Raft index still advances (a refused command is still applied, as a no-op).
 */
class EtcdErrorsTest {
    private StoreFixture f;

    @BeforeEach
    void open() throws Exception {
        f = new StoreFixture();
        f.apply(cmd(Req.put("k", "v"))); // revision 2
    }

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    /** Applies {@code c}, expects refusal with {@code code} and {@code text}, and checks nothing changed. */
    private void refused(KvCommand c, Code code, String text) {
        long revision = f.store.revision();
        RangeResponseSnapshot before = new RangeResponseSnapshot(f.store);
        KvResult r = f.apply(c);
        assertThat(r.isError()).as("%s", r).isTrue();
        assertThat(r.error().code()).isEqualTo(code);
        assertThat(r.error().getMessage()).isEqualTo(text);
        assertThat(f.store.revision()).isEqualTo(revision);
        assertThat(f.store.appliedIndex()).isEqualTo(f.index);
        assertThat(new RangeResponseSnapshot(f.store)).isEqualTo(before);
    }

    /** Everything in the store, for before/after comparisons. */
    private record RangeResponseSnapshot(Object all) {
        RangeResponseSnapshot(MvccStore store) {
            this((Object) store.range(Req.range("\0", "\0")));
        }
    }

    @Test
    void emptyKeyIsNotProvided() {
        refused(cmd(Req.put("", "v")), Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        refused(cmd(Req.delete("", "")), Code.INVALID_ARGUMENT, "etcdserver: key is not provided");
        refused(cmd(Req.txn(List.of(), List.of(op(Req.get(""))), List.of())), Code.INVALID_ARGUMENT,
                "etcdserver: key is not provided");
        refused(cmd(Req.txn(List.of(Req.versionIs("", 0)), List.of(), List.of())), Code.INVALID_ARGUMENT,
                "etcdserver: key is not provided");
        assertThatThrownBy(() -> f.store.range(Req.get("")))
                .isEqualTo(new KvException(Code.INVALID_ARGUMENT, "etcdserver: key is not provided"));
    }

    /** etcd refuses a RequestOp that carries no request as a missing key. */
    @Test
    void anEmptyRequestOpIsAMissingKey() {
        refused(cmd(Req.txn(List.of(), List.of(io.cairn.kv.proto.etcd.RequestOp.getDefaultInstance()), List.of())),
                Code.INVALID_ARGUMENT, "etcdserver: key not found");
    }

    /**
     * A delete of every key from a key on (range_end "\0") conflicts with no put of its Txn in etcd's duplicate check,
     * which reads it as an interval that holds no key: the Txn runs, its ops in order. (etcd 3.4.23 through etcdctl:
     * {@code del a --from-key} then {@code put zzz 1} in one txn succeeds; {@code del a c} then {@code put b 1} is a
     * duplicate.)
     */
    @Test
    void aFromKeyDeleteInATxnConflictsWithNoPutAsInEtcd() {
        f.apply(cmd(Req.put("a1", "x")));
        KvResult r = f.apply(cmd(Req.txn(List.of(), List.of(op(Req.delete("a", "\0")), op(Req.put("b", "y"))),
                List.of())));
        assertThat(r.isError()).as("%s", r).isFalse();
        assertThat(f.store.range(Req.get("a1")).getKvsCount()).isZero();
        assertThat(f.store.range(Req.get("b")).getKvs(0).getValue().toStringUtf8()).isEqualTo("y");
        // a bounded delete still conflicts with a put inside it
        refused(cmd(Req.txn(List.of(), List.of(op(Req.delete("a", "c")), op(Req.put("b", "z"))), List.of())),
                Code.INVALID_ARGUMENT, "etcdserver: duplicate key given in txn request");
    }

    @Test
    void readsBelowTheCompactedRevisionAreRefused() {
        f.apply(cmd(Req.put("k", "w"))); // 3
        assertThat(f.apply(Req.compact(3, true)).isError()).isFalse();
        KvException compacted = new KvException(Code.OUT_OF_RANGE,
                "etcdserver: mvcc: required revision has been compacted");
        assertThatThrownBy(() -> f.store.range(Req.get("k").toBuilder().setRevision(2).build()))
                .isEqualTo(compacted);
        assertThat(f.store.range(Req.get("k").toBuilder().setRevision(3).build()).getKvs(0).getValue())
                .isEqualTo(bs("w"));
        refused(cmd(Req.txn(List.of(), List.of(op(Req.get("k").toBuilder().setRevision(2).build())), List.of())),
                Code.OUT_OF_RANGE, compacted.getMessage());
    }

    @Test
    void readsAboveTheCurrentRevisionAreRefused() {
        KvException future = new KvException(Code.OUT_OF_RANGE,
                "etcdserver: mvcc: required revision is a future revision");
        assertThatThrownBy(() -> f.store.range(Req.get("k").toBuilder().setRevision(3).build())).isEqualTo(future);
        // In a Txn, the op is checked against the revision before the Txn, even after a write in the same Txn.
        refused(cmd(Req.txn(List.of(), List.of(op(Req.put("x", "1")),
                op(Req.get("k").toBuilder().setRevision(3).build())), List.of())), Code.OUT_OF_RANGE,
                future.getMessage());
    }

    @Test
    void compactOfAFutureOrAlreadyCompactedRevisionIsRefused() {
        refused(Req.compact(3, false), Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision is a future revision");
        assertThat(f.apply(Req.compact(2, false)).isError()).isFalse();
        refused(Req.compact(2, false), Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
        refused(Req.compact(1, false), Code.OUT_OF_RANGE, "etcdserver: mvcc: required revision has been compacted");
    }

    @Test
    void ignoreValueWithAValueIsRefused() {
        refused(cmd(Req.put("k", "v").toBuilder().setIgnoreValue(true).build()), Code.INVALID_ARGUMENT,
                "etcdserver: value is provided");
    }

    @Test
    void ignoreLeaseWithALeaseIsRefused() {
        refused(cmd(PutRequest.newBuilder().setKey(bs("k")).setLease(5).setIgnoreLease(true).build()),
                Code.INVALID_ARGUMENT, "etcdserver: lease is provided");
    }

    @Test
    void ignoreValueOrLeaseOnAnAbsentKeyIsKeyNotFound() {
        refused(cmd(PutRequest.newBuilder().setKey(bs("absent")).setIgnoreValue(true).build()),
                Code.INVALID_ARGUMENT, "etcdserver: key not found");
        refused(cmd(PutRequest.newBuilder().setKey(bs("absent")).setValue(bs("v")).setIgnoreLease(true).build()),
                Code.INVALID_ARGUMENT, "etcdserver: key not found");
        // Inside a Txn: refused before the Txn's first op runs, so the put before it is not applied either.
        refused(cmd(Req.txn(List.of(), List.of(op(Req.put("x", "1")),
                op(PutRequest.newBuilder().setKey(bs("absent")).setIgnoreValue(true).build())), List.of())),
                Code.INVALID_ARGUMENT, "etcdserver: key not found");
        // ignore_value on a present key keeps its value.
        KvResult ok = f.apply(cmd(PutRequest.newBuilder().setKey(bs("k")).setIgnoreValue(true).build()));
        assertThat(ok.isError()).isFalse();
        assertThat(f.store.range(Req.get("k")).getKvs(0).getValue()).isEqualTo(bs("v"));
        assertThat(f.store.range(Req.get("k")).getKvs(0).getVersion()).isEqualTo(2);
    }

    @Test
    void anyLeaseIsNotFoundWithoutALeaseService() {
        refused(cmd(Req.put("k", "v").toBuilder().setLease(42).build()), Code.NOT_FOUND,
                "etcdserver: requested lease not found");
        refused(cmd(Req.txn(List.of(), List.of(op(Req.put("k", "v").toBuilder().setLease(42).build())), List.of())),
                Code.NOT_FOUND, "etcdserver: requested lease not found");
    }

    @Test
    void twoPutsOfOneKeyInOneBranchAreDuplicates() {
        String dup = "etcdserver: duplicate key given in txn request";
        refused(cmd(Req.txn(List.of(), List.of(op(Req.put("a", "1")), op(Req.put("a", "2"))), List.of())),
                Code.INVALID_ARGUMENT, dup);
        // Nested: an outer put and a nested put of the same key.
        TxnRequest inner = Req.txn(List.of(), List.of(op(Req.put("a", "2"))), List.of());
        refused(cmd(Req.txn(List.of(), List.of(op(Req.put("a", "1")), op(inner)), List.of())), Code.INVALID_ARGUMENT,
                dup);
        // Two nested Txns putting the same key.
        refused(cmd(Req.txn(List.of(), List.of(op(inner), op(inner)), List.of())), Code.INVALID_ARGUMENT, dup);
    }

    @Test
    void aPutInsideADeleteOfTheSameBranchIsADuplicate() {
        String dup = "etcdserver: duplicate key given in txn request";
        refused(cmd(Req.txn(List.of(), List.of(op(Req.delete("a", "c")), op(Req.put("b", "1"))), List.of())),
                Code.INVALID_ARGUMENT, dup);
        refused(cmd(Req.txn(List.of(), List.of(op(Req.put("b", "1")), op(Req.delete("b", ""))), List.of())),
                Code.INVALID_ARGUMENT, dup);
        TxnRequest nestedPut = Req.txn(List.of(), List.of(op(Req.put("b", "1"))), List.of());
        refused(cmd(Req.txn(List.of(), List.of(op(Req.delete("a", "c")), op(nestedPut)), List.of())),
                Code.INVALID_ARGUMENT, dup);
    }

    @Test
    void whatIsNotADuplicate() {
        // Ranges may repeat; deletes may overlap; a put may be in both branches of one nested Txn; the two
        // branches of the top Txn are checked apart.
        TxnRequest bothBranches = Req.txn(List.of(Req.versionIs("k", 1)), List.of(op(Req.put("a", "then"))),
                List.of(op(Req.put("a", "else"))));
        TxnRequest t = Req.txn(List.of(),
                List.of(op(Req.get("k")), op(Req.get("k")), op(Req.delete("a", "z")), op(Req.delete("b", "")),
                        op(bothBranches)),
                List.of(op(Req.put("a", "f")), op(Req.delete("b", ""))));
        KvResult r = f.apply(cmd(Req.txn(List.of(), List.of(op(bothBranches)), List.of(op(Req.put("a", "x"))))));
        assertThat(r.isError()).as("%s", r).isFalse();
        // The first txn above has a put in both branches of a nested Txn inside a delete: that one is a duplicate.
        assertThat(f.apply(cmd(t)).error()).isEqualTo(KvErrors.duplicateKey());
        TxnRequest fine = Req.txn(List.of(), List.of(op(Req.get("k")), op(Req.get("k")), op(Req.delete("a", "z")),
                op(Req.delete("b", "")), op(Req.delete("a", ""))), List.of(op(Req.put("a", "f"))));
        assertThat(f.apply(cmd(fine)).isError()).isFalse();
    }

    private static List<RequestOp> gets(int n) {
        return new ArrayList<>(Collections.nCopies(n, op(Req.get("k"))));
    }

    @Test
    void moreThan128OpsInAListAreTooMany() {
        String tooMany = "etcdserver: too many operations in txn request";
        refused(cmd(Req.txn(List.of(), gets(129), List.of())), Code.INVALID_ARGUMENT, tooMany);
        refused(cmd(Req.txn(List.of(), List.of(), gets(129))), Code.INVALID_ARGUMENT, tooMany);
        List<Compare> compares = new ArrayList<>(Collections.nCopies(129, Req.versionIs("k", 1)));
        refused(cmd(Req.txn(compares, List.of(), List.of())), Code.INVALID_ARGUMENT, tooMany);
        assertThat(f.apply(cmd(Req.txn(List.of(), gets(128), List.of()))).isError()).isFalse();
        // etcd's budget: a nested Txn may use what its parent's longest list leaves (128 - 100 = 28).
        TxnRequest nested29 = Req.txn(List.of(), gets(29), List.of());
        List<RequestOp> outer = gets(99);
        outer.add(op(nested29));
        refused(cmd(Req.txn(List.of(), outer, List.of())), Code.INVALID_ARGUMENT, tooMany);
        List<RequestOp> outerOk = gets(99);
        outerOk.add(op(Req.txn(List.of(), gets(28), List.of())));
        assertThat(f.apply(cmd(Req.txn(List.of(), outerOk, List.of()))).isError()).isFalse();
    }

    @Test
    void aRequestOverOneAndAHalfMebibytesIsTooLarge() {
        byte[] big = new byte[KvLimits.ETCD_REQUEST_BYTES_MAX];
        KvCommand c = cmd(PutRequest.newBuilder().setKey(bs("big")).setValue(com.google.protobuf.ByteString
                .copyFrom(big)).build());
        assertThatThrownBy(() -> Validation.checkCommand(c, KvLimits.DEFAULTS))
                .isEqualTo(new KvException(Code.INVALID_ARGUMENT, "etcdserver: request is too large"));
        refused(c, Code.INVALID_ARGUMENT, "etcdserver: request is too large");
        byte[] fits = new byte[KvLimits.ETCD_REQUEST_BYTES_MAX - 100];
        assertThat(f.apply(cmd(PutRequest.newBuilder().setKey(bs("big"))
                .setValue(com.google.protobuf.ByteString.copyFrom(fits)).build())).isError()).isFalse();
    }

    @Test
    void anUnknownSortOptionIsInvalid() {
        assertThatThrownBy(() -> f.store.range(RangeRequest.newBuilder().setKey(bs("k")).setSortOrderValue(7).build()))
                .isEqualTo(new KvException(Code.INVALID_ARGUMENT, "etcdserver: invalid sort option"));
    }

    @Test
    void garbageCommandBytesAreRefusedAndStillAdvanceTheIndex() {
        long revision = f.store.revision();
        KvResult r = f.store.apply(List.of(new Applied(++f.index, new byte[] {(byte) 0xFF, 1, 2}))).get(0);
        assertThat(r.error().code()).isEqualTo(Code.INVALID_ARGUMENT);
        assertThat(f.store.revision()).isEqualTo(revision);
        assertThat(f.store.appliedIndex()).isEqualTo(f.index);
    }
}
