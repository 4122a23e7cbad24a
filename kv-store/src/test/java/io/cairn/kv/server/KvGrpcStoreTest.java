package io.cairn.kv.server;

import static io.cairn.kv.server.Req.bs;
import static io.cairn.kv.server.Req.keys;
import static io.cairn.kv.server.GrpcFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server over a real MVCC store ({@link TestOnlyMvccKvService}), driven by grpc-java through the hand-written
 * descriptors: etcd's semantics arrive intact over the wire (headers, limits, counts, prev_kv, Txn branches,
 * compaction), and refusals arrive as etcd's status code and text, both on the raw wire and through
 * {@link KvClient}. Request size: a write over etcd's 1.5 MiB gets etcd's text, not a transport error; a message
 * past the transport limit gets gRPC's RESOURCE_EXHAUSTED, as with etcd.
 */
class KvGrpcStoreTest {
    private GrpcFixture fixture;
    private KvGrpcServer server;
    private KvClient kv;

    @BeforeEach
    void start() throws Exception {
        fixture = new GrpcFixture();
        server = fixture.storeServer();
        kv = fixture.client(server);
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private static <T> T await(CompletableFuture<T> f) throws Exception {
        return f.get(30, TimeUnit.SECONDS);
    }

    private void seed() throws Exception {
        await(kv.put(Req.put("a", "1"))); // revision 2
        await(kv.put(Req.put("b", "2"))); // 3
        await(kv.put(Req.put("c", "3"))); // 4
        await(kv.put(Req.put("a", "11"))); // 5
    }

    @Test
    void putAndRangeCarryEtcdsHeaderAndMetadata() throws Exception {
        seed();
        RangeResponse r = await(kv.range(Req.get("a")));
        assertThat(r.getHeader()).isEqualTo(ResponseHeader.newBuilder().setClusterId(TestOnlyMvccKvService.CLUSTER_ID)
                .setMemberId(TestOnlyMvccKvService.MEMBER_ID).setRevision(5)
                .setRaftTerm(TestOnlyMvccKvService.RAFT_TERM).build());
        assertThat(r.getKvs(0).getValue().toStringUtf8()).isEqualTo("11");
        assertThat(r.getKvs(0).getCreateRevision()).isEqualTo(2);
        assertThat(r.getKvs(0).getModRevision()).isEqualTo(5);
        assertThat(r.getKvs(0).getVersion()).isEqualTo(2);

        var prev = await(kv.put(PutRequest.newBuilder(Req.put("b", "22")).setPrevKv(true).build()));
        assertThat(prev.getHeader().getRevision()).isEqualTo(6);
        assertThat(prev.getPrevKv().getValue().toStringUtf8()).isEqualTo("2");
    }

    @Test
    void rangeOptionsLimitCountKeysOnlyRevisionAndSort() throws Exception {
        seed();
        RangeResponse limited = await(kv.range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0"))
                .setLimit(2).build()));
        assertThat(keys(limited.getKvsList())).containsExactly("a", "b");
        assertThat(limited.getMore()).isTrue();
        assertThat(limited.getCount()).isEqualTo(3);

        RangeResponse counted = await(kv.range(RangeRequest.newBuilder().setKey(bs("a")).setRangeEnd(bs("\0"))
                .setCountOnly(true).build()));
        assertThat(counted.getKvsList()).isEmpty();
        assertThat(counted.getCount()).isEqualTo(3);

        RangeResponse keysOnly = await(kv.range(Req.prefix("b").setKeysOnly(true).build()));
        assertThat(keysOnly.getKvs(0).getKey().toStringUtf8()).isEqualTo("b");
        assertThat(keysOnly.getKvs(0).getValue()).isEqualTo(ByteString.EMPTY);

        RangeResponse old = await(kv.range(RangeRequest.newBuilder(Req.get("a")).setRevision(2).build()));
        assertThat(old.getKvs(0).getValue().toStringUtf8()).isEqualTo("1");

        RangeResponse byMod = await(kv.range(RangeRequest.newBuilder().setKey(bs("\0")).setRangeEnd(bs("\0"))
                .setSortTarget(RangeRequest.SortTarget.MOD).setSortOrder(RangeRequest.SortOrder.DESCEND).build()));
        assertThat(keys(byMod.getKvsList())).containsExactly("a", "c", "b");
    }

    @Test
    void deleteRangeWithPrevKvAndTxnBranches() throws Exception {
        seed();
        DeleteRangeResponse deleted = await(kv.deleteRange(Req.deletePrefix("b")));
        assertThat(deleted.getDeleted()).isEqualTo(1);
        assertThat(deleted.getPrevKvs(0).getValue().toStringUtf8()).isEqualTo("2");
        assertThat(deleted.getHeader().getRevision()).isEqualTo(6);

        TxnRequest txn = TxnRequest.newBuilder().addCompare(Req.valueIs("a", "11"))
                .addSuccess(Req.op(Req.put("a", "12"))).addSuccess(Req.op(Req.get("c")))
                .addFailure(Req.op(Req.put("a", "nope"))).build();
        TxnResponse taken = await(kv.txn(txn));
        assertThat(taken.getSucceeded()).isTrue();
        assertThat(taken.getHeader().getRevision()).isEqualTo(7);
        assertThat(taken.getResponses(1).getResponseRange().getKvs(0).getValue().toStringUtf8()).isEqualTo("3");

        TxnResponse other = await(kv.txn(txn));
        assertThat(other.getSucceeded()).isFalse();
        assertThat(await(kv.range(Req.get("a"))).getKvs(0).getValue().toStringUtf8()).isEqualTo("nope");
    }

    @Test
    void compactionThenOldRevisionIsOutOfRangeWithEtcdsText() throws Exception {
        seed();
        assertThat(await(kv.compact(CompactionRequest.newBuilder().setRevision(4).setPhysical(true).build()))
                .getHeader().getRevision()).isEqualTo(5);
        KvException compacted = refusal(kv.range(RangeRequest.newBuilder(Req.get("a")).setRevision(3).build()));
        assertThat(compacted).isEqualTo(KvErrors.compacted());
        assertThat(refusal(kv.compact(CompactionRequest.newBuilder().setRevision(3).build())))
                .isEqualTo(KvErrors.compacted());
        assertThat(refusal(kv.range(RangeRequest.newBuilder(Req.get("a")).setRevision(99).build())))
                .isEqualTo(KvErrors.futureRevision());
    }

    /** On the wire itself, not only through KvClient: the status etcdctl reads. */
    @Test
    void emptyKeyIsInvalidArgumentWithEtcdsTextOnTheWire() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(fixture.channel(server), EtcdKvGrpc.PUT,
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), Req.put("", "v")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
                    assertThat(e.getStatus().getDescription()).isEqualTo("etcdserver: key is not provided");
                });
        assertThat(refusal(kv.range(Req.get("")))).isEqualTo(KvErrors.emptyKey());
    }

    @Test
    void writeOverTheRequestLimitGetsEtcdsTextNotATransportError() throws Exception {
        String value = "x".repeat(KvLimits.ETCD_REQUEST_BYTES_MAX);
        assertThat(refusal(kv.put(Req.put("big", value)))).isEqualTo(KvErrors.requestTooLarge());
        assertThat(refusal(kv.txn(TxnRequest.newBuilder().addSuccess(Req.op(Req.put("big", value))).build())))
                .isEqualTo(KvErrors.requestTooLarge());
        // A read of that size is not a proposal: etcd serves it (here: no such key).
        assertThat(await(kv.range(Req.get(value))).getCount()).isZero();
        // Just under the limit is accepted.
        String fits = "y".repeat(KvLimits.ETCD_REQUEST_BYTES_MAX - 100);
        assertThat(await(kv.put(Req.put("fits", fits))).getHeader().getRevision()).isEqualTo(2);
        // Past the transport's limit (request limit + 512 KiB) gRPC itself refuses, as etcd's gRPC server does.
        String huge = "z".repeat(KvServerLimits.DEFAULTS.maxInboundMessageBytes() + 1);
        KvException transport = refusal(kv.put(Req.put("huge", huge)));
        assertThat(transport.code()).isEqualTo(KvException.Code.RESOURCE_EXHAUSTED);
        assertThat(server.inFlightCalls()).isZero();
    }

    @Test
    void descriptorsNameEtcdsMethods() {
        assertThat(EtcdKvGrpc.SERVICE.getMethods()).extracting(m -> m.getFullMethodName()).containsExactly(
                "etcdserverpb.KV/Range", "etcdserverpb.KV/Put", "etcdserverpb.KV/DeleteRange",
                "etcdserverpb.KV/Txn", "etcdserverpb.KV/Compact");
        assertThat(EtcdKvGrpc.SERVICE.getMethods()).allSatisfy(
                m -> assertThat(m.getType()).isEqualTo(io.grpc.MethodDescriptor.MethodType.UNARY));
    }
}
