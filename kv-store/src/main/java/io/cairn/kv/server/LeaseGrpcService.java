package io.cairn.kv.server;

import io.cairn.kv.LeaseService;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Lease service on gRPC. The unary methods answer when the {@link LeaseService}'s future completes, with
 * etcd's error text and code when it fails ({@link GrpcErrors}). A keep-alive stream takes one request at a time
 * (gRPC's flow control holds the next until the answer to this one is sent), so a client that floods it costs
 * one request in the server; the answer carries the lease's TTL, or 0 once the lease is gone (etcd's answer, not
 * an error). A failure other than that (no leader, a timeout) ends the stream with its status, as in etcd.
 *
 * <p>Threads: calls arrive on gRPC's transport thread and never block; answers are sent from the thread that
 * completes the future.
 */
final class LeaseGrpcService {
    private static final Logger log = LoggerFactory.getLogger(LeaseGrpcService.class);

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
        out.request(1);
        return new StreamObserver<>() {
            private volatile boolean done;

            @Override
            public void onNext(LeaseKeepAliveRequest request) {
                leases.leaseKeepAlive(request).whenComplete((response, error) -> {
                    synchronized (this) {
                        if (done || out.isCancelled()) {
                            return;
                        }
                        try {
                            if (error == null) {
                                out.onNext(response);
                                out.request(1);
                            } else {
                                done = true;
                                out.onError(GrpcErrors.toStatus(error).asRuntimeException());
                            }
                        } catch (RuntimeException e) {
                            done = true;
                            log.debug("keep-alive answer not sent: {}", e.toString());
                        }
                    }
                });
            }

            @Override
            public void onError(Throwable t) {
                done = true;
            }

            @Override
            public synchronized void onCompleted() {
                if (!done) {
                    done = true;
                    out.onCompleted();
                }
            }
        };
    }
}
