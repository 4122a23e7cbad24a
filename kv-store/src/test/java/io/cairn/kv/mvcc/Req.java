package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Short builders for etcd requests and KV commands in tests. */
final class Req {
    private Req() {}

    static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
    }

    static DeleteRangeRequest delete(String key, String rangeEnd) {
        return DeleteRangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(rangeEnd)).build();
    }

    static RangeRequest get(String key) {
        return RangeRequest.newBuilder().setKey(bs(key)).build();
    }

    static RangeRequest range(String key, String rangeEnd) {
        return RangeRequest.newBuilder().setKey(bs(key)).setRangeEnd(bs(rangeEnd)).build();
    }

    static KvCommand cmd(PutRequest p) {
        return KvCommand.newBuilder().setPut(p).build();
    }

    static KvCommand cmd(DeleteRangeRequest d) {
        return KvCommand.newBuilder().setDeleteRange(d).build();
    }

    static KvCommand cmd(TxnRequest t) {
        return KvCommand.newBuilder().setTxn(t).build();
    }

    static KvCommand compact(long revision, boolean physical) {
        return KvCommand.newBuilder()
                .setCompaction(CompactionRequest.newBuilder().setRevision(revision).setPhysical(physical))
                .build();
    }

    static RequestOp op(PutRequest p) {
        return RequestOp.newBuilder().setRequestPut(p).build();
    }

    static RequestOp op(DeleteRangeRequest d) {
        return RequestOp.newBuilder().setRequestDeleteRange(d).build();
    }

    static RequestOp op(RangeRequest r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    static RequestOp op(TxnRequest t) {
        return RequestOp.newBuilder().setRequestTxn(t).build();
    }

    static TxnRequest txn(List<Compare> compares, List<RequestOp> success, List<RequestOp> failure) {
        return TxnRequest.newBuilder().addAllCompare(compares).addAllSuccess(success).addAllFailure(failure).build();
    }

    static Compare versionIs(String key, long version) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.VERSION)
                .setResult(Compare.CompareResult.EQUAL).setVersion(version).build();
    }
}
