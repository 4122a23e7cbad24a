package io.cairn.kv.server;

import io.cairn.kv.Membership;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.util.concurrent.CompletableFuture;
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
 * <p>With auth enabled, every change needs the root role (decision 0024); MemberList needs nothing, as in etcd.
 *
 * <p>Threads: calls arrive on gRPC's transport thread and never block; answers are sent from the thread that
 * completes the future.
 */
final class ClusterGrpcService {
    private static final Logger log = LoggerFactory.getLogger(ClusterGrpcService.class);

    private final Membership membership;
    private final io.cairn.kv.KvAuth auth;

    ClusterGrpcService(Membership membership, io.cairn.kv.KvAuth auth) {
        this.membership = membership;
        this.auth = auth;
    }

    /**
     * {@code call} once the caller (the current call's token) may administer the cluster: etcd's
     * {@code checkMembershipOperationPermission} for MemberAdd, MemberRemove, MemberUpdate and MemberPromote.
     */
    private <T> java.util.function.Supplier<CompletableFuture<T>> asAdmin(
            java.util.function.Supplier<CompletableFuture<T>> call) {
        String token = AuthMetadata.token();
        return () -> auth.checkAdmin(token).thenCompose(v -> call.get());
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdClusterGrpc.SERVICE)
                .addMethod(EtcdClusterGrpc.MEMBER_LIST, unary((request, out) -> GrpcCalls.answer(
                        () -> CompletableFuture.completedFuture(membership.list()), out, log)))
                .addMethod(EtcdClusterGrpc.MEMBER_ADD, unary((request, out) -> GrpcCalls.answer(
                        asAdmin(() -> membership.add(request.getPeerURLsList(), request.getIsLearner())), out, log)))
                .addMethod(EtcdClusterGrpc.MEMBER_REMOVE, unary((request, out) -> GrpcCalls.answer(
                        asAdmin(() -> membership.remove(request.getID())), out, log)))
                .addMethod(EtcdClusterGrpc.MEMBER_UPDATE, unary((request, out) -> GrpcCalls.answer(
                        asAdmin(() -> membership.update(request.getID(), request.getPeerURLsList())), out, log)))
                .addMethod(EtcdClusterGrpc.MEMBER_PROMOTE, unary((request, out) -> GrpcCalls.answer(
                        asAdmin(() -> membership.promote(request.getID())), out, log)))
                .build();
    }

    private static <Q, R> io.grpc.ServerCallHandler<Q, R> unary(ServerCalls.UnaryMethod<Q, R> method) {
        return ServerCalls.asyncUnaryCall(method);
    }
}
