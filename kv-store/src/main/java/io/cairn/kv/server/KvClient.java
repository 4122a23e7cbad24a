package io.cairn.kv.server;

import io.cairn.kv.KvService;
import io.cairn.raft.core.Invariants;
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
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link KvService} that calls an etcd-compatible KV server over gRPC: what a follower uses to forward a request
 * to its leader, and what tests use to drive the server with grpc-java.
 *
 * <p>Errors come back as the server sent them: a status with one of etcd's KV codes fails the future with a
 * {@link io.cairn.kv.mvcc.KvException} of the same code and text, so a forwarding server answers its own client
 * exactly what the leader answered ({@link GrpcErrors#toKvException(io.grpc.Status)} has the rules for other
 * codes; a missed deadline is etcd's UNAVAILABLE "etcdserver: request timed out"). Every call carries a deadline
 * of {@code callTimeout}, so no future waits forever; cancelling a future cancels its call.
 *
 * <p>The channel is the caller's (built, shared and shut down by it); this class holds no other state. Any thread;
 * futures complete on the channel's executor.
 */
public final class KvClient implements KvService {
    private final Channel channel;
    private final long callTimeoutNanos;

    public KvClient(Channel channel, Duration callTimeout) {
        Invariants.check(!callTimeout.isNegative() && !callTimeout.isZero(), "call timeout must be > 0: %s",
                callTimeout);
        this.channel = channel;
        this.callTimeoutNanos = callTimeout.toNanos();
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        return call(EtcdKvGrpc.RANGE, request);
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return call(EtcdKvGrpc.PUT, request);
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return call(EtcdKvGrpc.DELETE_RANGE, request);
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return call(EtcdKvGrpc.TXN, request);
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return call(EtcdKvGrpc.COMPACT, request);
    }

    private <Q, R> CompletableFuture<R> call(MethodDescriptor<Q, R> method, Q request) {
        CompletableFuture<R> result = new CompletableFuture<>();
        ClientCall<Q, R> call = channel.newCall(method,
                CallOptions.DEFAULT.withDeadlineAfter(callTimeoutNanos, TimeUnit.NANOSECONDS));
        try {
            ClientCalls.asyncUnaryCall(call, request, new StreamObserver<R>() {
                @Override
                public void onNext(R response) {
                    result.complete(response);
                }

                @Override
                public void onError(Throwable t) {
                    result.completeExceptionally(GrpcErrors.toKvException(t));
                }

                @Override
                public void onCompleted() {
                    // A unary call that ends without a response fails in onError instead (grpc-java's rule).
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(GrpcErrors.toKvException(e));
        }
        result.whenComplete((r, e) -> {
            if (result.isCancelled()) {
                call.cancel("cancelled by the caller", null);
            }
        });
        return result;
    }
}
