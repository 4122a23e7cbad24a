package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.cairn.kv.KvService;
import io.cairn.kv.mvcc.KvErrors;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's KV service on gRPC: binds the five methods of {@link EtcdKvGrpc} to a {@link KvService}, and is the one
 * place where a call is admitted, sized, dispatched and answered.
 *
 * <p>A call goes through four steps. (1) Size: a write (Put, DeleteRange, Compact, a Txn with a write anywhere in
 * it) larger than {@link KvServerLimits#requestBytesMax()} is refused with etcd's InvalidArgument "etcdserver:
 * request is too large", as etcd refuses a proposal over {@code --max-request-bytes}; reads are not checked, as in
 * etcd (the transport limit still bounds them). (2) Admission: the call takes its size from the {@link CallBudget}
 * or is refused with "etcdserver: too many requests". (3) Dispatch: the KvService is called on a handler thread;
 * its methods return at once. (4) Answer: when the future completes, the response or the error is sent, from
 * the thread that completed it, and the budget is given back. Errors are translated by {@link GrpcErrors}: a
 * {@link KvException} is sent as etcd sends it; anything else is a bug, logged and sent as INTERNAL.
 *
 * <p>The budget is given back only when the KvService's future completes, not when the client gives up: the
 * KvService still holds the request then. So the KvService must bound its own waits (the contract: a proposal that
 * takes too long fails with UNAVAILABLE "etcdserver: request timed out"); a future that never completes keeps its
 * share of the budget for good.
 *
 * <p>Validation of the request's content (empty key, too many ops, duplicate keys) is the KvService's: it runs
 * {@link io.cairn.kv.mvcc.Validation} before proposing, in etcd's order.
 *
 * <p>Auth: the caller's token (the {@code token} metadata, {@link AuthMetadata}) is taken on the transport thread
 * and handed to the KvService with the request, which checks it (decision 0024).
 *
 * <p>Threads: steps 1 and 2 on the gRPC transport thread that finished reading the request (the server uses
 * grpc's direct executor, so this code must never block), step 3 on the handler executor, step 4 on whichever
 * thread completes the KvService's future; sending never blocks (grpc-java queues frames to the event loop).
 */
public final class KvGrpcService {
    private static final Logger log = LoggerFactory.getLogger(KvGrpcService.class);

    private final KvService kv;
    private final Executor handlers;
    private final CallBudget budget;
    private final int requestBytesMax;

    /**
     * @param handlers where the KvService is called; it may refuse work only when shutting down (the budget keeps
     *     the calls it holds within {@code limits.inFlightCallsMax()})
     */
    KvGrpcService(KvService kv, Executor handlers, KvServerLimits limits) {
        this.kv = kv;
        this.handlers = handlers;
        this.budget = new CallBudget(limits.inFlightCallsMax(), limits.inFlightRequestBytesMax());
        this.requestBytesMax = limits.requestBytesMax();
    }

    /** The service definition to add to a gRPC server. */
    public ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdKvGrpc.SERVICE)
                .addMethod(EtcdKvGrpc.RANGE, ServerCalls.asyncUnaryCall(
                        (request, out) -> serve(EtcdKvGrpc.RANGE, request, out, false, kv::range)))
                .addMethod(EtcdKvGrpc.PUT, ServerCalls.asyncUnaryCall(
                        (request, out) -> serve(EtcdKvGrpc.PUT, request, out, true, kv::put)))
                .addMethod(EtcdKvGrpc.DELETE_RANGE, ServerCalls.asyncUnaryCall(
                        (request, out) -> serve(EtcdKvGrpc.DELETE_RANGE, request, out, true, kv::deleteRange)))
                .addMethod(EtcdKvGrpc.TXN, ServerCalls.asyncUnaryCall(
                        (request, out) -> serve(EtcdKvGrpc.TXN, request, out, hasWrites(request), kv::txn)))
                .addMethod(EtcdKvGrpc.COMPACT, ServerCalls.asyncUnaryCall(
                        (request, out) -> serve(EtcdKvGrpc.COMPACT, request, out, true, kv::compact)))
                .build();
    }

    /** Calls admitted and not yet answered (for tests and metrics). */
    int inFlightCalls() {
        return budget.calls();
    }

    /** Steps 1 to 3 of the class comment; on the transport thread. */
    private <Q extends Message, R extends Message> void serve(MethodDescriptor<Q, R> method, Q request,
            StreamObserver<R> out, boolean proposed, BiFunction<Q, String, CompletableFuture<R>> call) {
        String token = AuthMetadata.token();
        int size = request.getSerializedSize();
        if (proposed && size > requestBytesMax) {
            respond(method, out, null, KvErrors.requestTooLarge());
            return;
        }
        if (!budget.tryAcquire(size)) {
            respond(method, out, null, GrpcErrors.tooManyRequests());
            return;
        }
        try {
            handlers.execute(() -> invoke(method, request, token, out, size, call));
        } catch (RejectedExecutionException e) {
            budget.release(size);
            respond(method, out, null, GrpcErrors.serverStopped());
        }
    }

    /** Step 3 and, when the future completes, step 4. */
    private <Q extends Message, R extends Message> void invoke(MethodDescriptor<Q, R> method, Q request,
            String token, StreamObserver<R> out, int size, BiFunction<Q, String, CompletableFuture<R>> call) {
        CompletableFuture<R> future;
        try {
            future = call.apply(request, token);
            if (future == null) {
                future = CompletableFuture.failedFuture(new IllegalStateException("KvService returned no future"));
            }
        } catch (RuntimeException e) {
            future = CompletableFuture.failedFuture(e);
        }
        future.whenComplete((response, failure) -> {
            budget.release(size);
            respond(method, out, response, failure);
        });
    }

    private static <R> void respond(MethodDescriptor<?, R> method, StreamObserver<R> out, R response,
            Throwable failure) {
        Throwable error = failure == null && response == null
                ? new IllegalStateException("KvService completed " + method.getBareMethodName() + " with no response")
                : failure;
        try {
            if (error == null) {
                out.onNext(response);
                out.onCompleted();
                return;
            }
            if (GrpcErrors.isInternal(error)) {
                log.warn("{} failed with an internal error; answered INTERNAL", method.getFullMethodName(),
                        GrpcErrors.unwrap(error));
            }
            out.onError(GrpcErrors.toStatus(error).asRuntimeException());
        } catch (RuntimeException e) {
            // The client cancelled or went away while the call was served: there is nobody left to answer.
            log.debug("{}: answer not sent: {}", method.getFullMethodName(), e.toString());
        }
    }

    /** etcd's {@code !isTxnReadonly}: a put or delete anywhere in the Txn. */
    static boolean hasWrites(TxnRequest txn) {
        return io.cairn.kv.mvcc.MvccStore.txnHasWrites(txn);
    }
}
