package io.cairn.kv.server;

import io.cairn.kv.LeaseService;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Lease service on gRPC. The unary methods answer when the {@link LeaseService}'s future completes, with
 * etcd's error text and code when it fails ({@link GrpcErrors}). A keep-alive stream has up to
 * {@link #KEEP_ALIVE_WINDOW} requests in the store at once and answers them in the order they came (gRPC's flow
 * control holds the next request until an answer is sent), so a client that keeps many leases alive on one stream,
 * as etcd's clients do, waits for one round through the log rather than one per lease ahead of it, and a client that
 * floods the stream costs at most the window in the server. An answer carries the lease's TTL, or 0 once the lease
 * is gone (etcd's answer, not an error). A failure other than that (no leader, a timeout) ends the stream with its
 * status, as in etcd; the answers queued behind it are dropped.
 *
 * <p>Threads: calls arrive on gRPC's transport thread and never block; answers are sent from the thread that
 * completes the future.
 */
final class LeaseGrpcService {
    private static final Logger log = LoggerFactory.getLogger(LeaseGrpcService.class);

    /** Keep-alives of one stream in the store at once. */
    static final int KEEP_ALIVE_WINDOW = 64;

    private final LeaseService leases;

    LeaseGrpcService(LeaseService leases) {
        this.leases = leases;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdLeaseGrpc.SERVICE)
                .addMethod(EtcdLeaseGrpc.GRANT, ServerCalls.asyncUnaryCall(
                        (request, out) -> {
                            String token = AuthMetadata.token();
                            GrpcCalls.answer(() -> leases.leaseGrant(request, token), out, log);
                        }))
                .addMethod(EtcdLeaseGrpc.REVOKE, ServerCalls.asyncUnaryCall(
                        (request, out) -> {
                            String token = AuthMetadata.token();
                            GrpcCalls.answer(() -> leases.leaseRevoke(request, token), out, log);
                        }))
                .addMethod(EtcdLeaseGrpc.TIME_TO_LIVE, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(() -> leases.leaseTimeToLive(request), out, log)))
                .addMethod(EtcdLeaseGrpc.LEASES, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(leases::leaseLeases, out, log)))
                .addMethod(EtcdLeaseGrpc.KEEP_ALIVE, ServerCalls.asyncBidiStreamingCall(this::keepAlive))
                .build();
    }

    private StreamObserver<LeaseKeepAliveRequest> keepAlive(StreamObserver<LeaseKeepAliveResponse> responses) {
        ServerCallStreamObserver<LeaseKeepAliveResponse> out =
                (ServerCallStreamObserver<LeaseKeepAliveResponse>) responses;
        out.disableAutoRequest();
        out.request(KEEP_ALIVE_WINDOW);
        return new StreamObserver<>() {
            /** The keep-alives asked and not answered yet, oldest first; guarded by {@code this}. */
            private final ArrayDeque<CompletableFuture<LeaseKeepAliveResponse>> asked = new ArrayDeque<>();
            private boolean done; // guarded by this

            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                CompletableFuture<LeaseKeepAliveResponse> f;
                try {
                    f = leases.leaseKeepAlive(request);
                } catch (RuntimeException e) {
                    f = CompletableFuture.failedFuture(e);
                }
                synchronized (this) {
                    if (done) {
                        return;
                    }
                    asked.add(f);
                }
                f.whenComplete((response, error) -> answerInOrder());
            }

            /** Sends the answers whose turn has come: those at the head of {@link #asked} that are complete. */
            private synchronized void answerInOrder() {
                while (!done && !asked.isEmpty() && asked.peek().isDone()) {
                    CompletableFuture<LeaseKeepAliveResponse> f = asked.poll();
                    if (out.isCancelled()) {
                        end();
                        return;
                    }
                    try {
                        if (f.isCompletedExceptionally()) {
                            Throwable error = f.handle((r, e) -> e).join();
                            end();
                            out.onError(GrpcErrors.toStatus(error).asRuntimeException());
                        } else {
                            out.onNext(f.join());
                            out.request(1);
                        }
                    } catch (RuntimeException e) {
                        end();
                        log.debug("keep-alive answer not sent: {}", e.toString());
                    }
                }
            }

            private void end() {
                done = true;
                asked.clear();
            }

            @Override
            public synchronized void onError(Throwable t) {
                end();
            }

            @Override
            public synchronized void onCompleted() {
                if (!done) {
                    end();
                    out.onCompleted();
                }
            }
        };
    }
}
