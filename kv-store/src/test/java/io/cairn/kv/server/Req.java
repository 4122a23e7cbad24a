package io.cairn.kv.server;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Short builders for etcd requests, and readers for responses, in the gRPC tests. */
final class Req {
    private Req() {}

    static ByteString bs(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    static PutRequest put(String key, String value) {
        return PutRequest.newBuilder().setKey(bs(key)).setValue(bs(value)).build();
    }

    static RangeRequest get(String key) {
        return RangeRequest.newBuilder().setKey(bs(key)).build();
    }

    /** Every key starting with {@code prefix} (etcd's prefix range: the last byte plus one). */
    static RangeRequest.Builder prefix(String prefix) {
        byte[] end = prefix.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return RangeRequest.newBuilder().setKey(bs(prefix)).setRangeEnd(ByteString.copyFrom(end));
    }

    static DeleteRangeRequest deletePrefix(String prefix) {
        RangeRequest r = prefix(prefix).build();
        return DeleteRangeRequest.newBuilder().setKey(r.getKey()).setRangeEnd(r.getRangeEnd()).setPrevKv(true).build();
    }

    static RequestOp op(PutRequest p) {
        return RequestOp.newBuilder().setRequestPut(p).build();
    }

    static RequestOp op(RangeRequest r) {
        return RequestOp.newBuilder().setRequestRange(r).build();
    }

    static Compare valueIs(String key, String value) {
        return Compare.newBuilder().setKey(bs(key)).setTarget(Compare.CompareTarget.VALUE)
                .setResult(Compare.CompareResult.EQUAL).setValue(bs(value)).build();
    }

    static List<String> keys(List<KeyValue> kvs) {
        return kvs.stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    }
}
