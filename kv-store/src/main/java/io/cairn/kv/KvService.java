package io.cairn.kv;

import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.CompactionResponse;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import java.util.concurrent.CompletableFuture;

/**
 * etcd's KV service as Cairn serves it, in etcd's own messages: what the gRPC server calls for each request and
 * what an embedded program may call directly. Responses carry a complete header (cluster id, member id,
 * revision, Raft term).
 *
 * <p>A future fails with a {@link io.cairn.kv.mvcc.KvException} carrying etcd's status code and error text (bad
 * input, a compacted or future revision, no leader, a timeout); any other failure is a bug. A write whose future
 * fails with UNAVAILABLE ("leader changed", "request timed out") may or may not have been applied, as in etcd;
 * one that completes was committed and applied. Every method returns at once and may be called from any thread.
 *
 * <p>Auth (decision 0024): the methods without a token act for nobody, which is everything while etcd's auth is
 * disabled and nothing ("etcdserver: user name is empty") once it is enabled.
 */
public interface KvService {
    /** A Range: linearizable unless {@code serializable} is set (then this member's applied state). */
    CompletableFuture<RangeResponse> range(RangeRequest request);

    CompletableFuture<PutResponse> put(PutRequest request);

    CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request);

    /** A Txn; one without writes is served as a read (linearizable), as etcd does. */
    CompletableFuture<TxnResponse> txn(TxnRequest request);

    CompletableFuture<CompactionResponse> compact(CompactionRequest request);

    // The same requests from a caller named by an etcd auth token (null: none given), as the gRPC server receives
    // them; a service without auth ignores the token.

    default CompletableFuture<RangeResponse> range(RangeRequest request, String token) {
        return range(request);
    }

    default CompletableFuture<PutResponse> put(PutRequest request, String token) {
        return put(request);
    }

    default CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request, String token) {
        return deleteRange(request);
    }

    default CompletableFuture<TxnResponse> txn(TxnRequest request, String token) {
        return txn(request);
    }

    default CompletableFuture<CompactionResponse> compact(CompactionRequest request, String token) {
        return compact(request);
    }
}
