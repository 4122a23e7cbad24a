package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.cairn.kv.Membership;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Cluster service on one member's {@link Membership}: MemberList from this member's records, MemberAdd,
 * MemberRemove, MemberUpdate and MemberPromote through the log (decision 0023), each answered with etcd's codes and
 * texts when refused ({@link GrpcErrors}): "etcdserver: member ID already exist", "etcdserver: Peer URLs already
 * exists", "etcdserver: member not found", "etcdserver: can only promote a learner member", "etcdserver: can only
 * promote a learner member which is in sync with leader", "etcdserver: too many learner members in cluster",
 * "etcdserver: given member URLs are invalid", "etcdserver: re-configuration failed due to not enough started
 * members".
 *
 * <p>Threads: calls arrive on gRPC's transport thread and never block; answers are sent from the thread that
 * completes the future.
 */
final class ClusterGrpcService {
    private static final Logger log = LoggerFactory.getLogger(ClusterGrpcService.class);

    private final Membership membership;

    ClusterGrpcService(Membership membership) {
        this.membership = membership;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdClusterGrpc.SERVICE)
                .addMethod(EtcdClusterGrpc.MEMBER_LIST, ServerCalls.asyncUnaryCall((request, out) -> answer(
                        () -> CompletableFuture.completedFuture(membership.list()), out)))
                .addMethod(EtcdClusterGrpc.MEMBER_ADD, ServerCalls.asyncUnaryCall((request, out) -> answer(
                        () -> membership.add(request.getPeerURLsList(), request.getIsLearner()), out)))
                .addMethod(EtcdClusterGrpc.MEMBER_REMOVE, ServerCalls.asyncUnaryCall((request, out) -> answer(
                        () -> membership.remove(request.getID()), out)))
                .addMethod(EtcdClusterGrpc.MEMBER_UPDATE, ServerCalls.asyncUnaryCall((request, out) -> answer(
                        () -> membership.update(request.getID(), request.getPeerURLsList()), out)))
                .addMethod(EtcdClusterGrpc.MEMBER_PROMOTE, ServerCalls.asyncUnaryCall((request, out) -> answer(
                        () -> membership.promote(request.getID()), out)))
                .build();
    }

    private static <R extends Message> void answer(Supplier<CompletableFuture<R>> call, StreamObserver<R> out) {
        CompletableFuture<R> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((response, error) -> {
            try {
                if (error == null) {
                    out.onNext(response);
                    out.onCompleted();
                } else {
                    if (GrpcErrors.isInternal(error)) {
                        log.warn("a cluster call failed with an internal error", GrpcErrors.unwrap(error));
                    }
                    out.onError(GrpcErrors.toStatus(error).asRuntimeException());
                }
            } catch (RuntimeException e) {
                log.debug("cluster answer not sent: {}", e.toString()); // the client went away
            }
        });
    }
}
