package io.cairn.kv.server;

import io.cairn.kv.KvAuth;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Auth service on one member's {@link KvAuth} (decision 0024): each call takes the caller's token from its
 * metadata ({@link AuthMetadata}) and is answered with etcd's codes and texts when refused ("etcdserver: root user
 * does not exist", "etcdserver: user name already exists", "etcdserver: permission denied", ...).
 *
 * <p>Threads: calls arrive on gRPC's transport thread and never block (password hashing runs on the store's read
 * pool); answers are sent from the thread that completes the future.
 */
final class AuthGrpcService {
    private static final Logger log = LoggerFactory.getLogger(AuthGrpcService.class);

    private final KvAuth auth;

    AuthGrpcService(KvAuth auth) {
        this.auth = auth;
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdAuthGrpc.SERVICE)
                .addMethod(EtcdAuthGrpc.AUTH_ENABLE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.enable(token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.AUTH_DISABLE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.disable(token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.AUTHENTICATE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.authenticate(request), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_ADD, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userAdd(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_GET, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userGet(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_LIST, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userList(token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_DELETE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userDelete(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_CHANGE_PASSWORD, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userChangePassword(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_GRANT_ROLE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userGrantRole(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.USER_REVOKE_ROLE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.userRevokeRole(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.ROLE_ADD, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.roleAdd(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.ROLE_GET, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.roleGet(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.ROLE_LIST, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.roleList(token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.ROLE_DELETE, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.roleDelete(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.ROLE_GRANT_PERMISSION, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.roleGrantPermission(request, token), out, log);
                }))
                .addMethod(EtcdAuthGrpc.ROLE_REVOKE_PERMISSION, ServerCalls.asyncUnaryCall((request, out) -> {
                    String token = AuthMetadata.token();
                    GrpcCalls.answer(() -> auth.roleRevokePermission(request, token), out, log);
                }))
                .build();
    }
}
