package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.cairn.kv.KvAuth;
import io.grpc.ServerCallHandler;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;
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

    /**
     * A unary call answered by {@code call} with the call's token, which is read here, on the transport thread, where
     * the call's context is current.
     */
    private static <Q, R extends Message> ServerCallHandler<Q, R> asCaller(
            BiFunction<Q, String, CompletableFuture<R>> call) {
        return ServerCalls.asyncUnaryCall((request, out) -> {
            String token = AuthMetadata.token();
            GrpcCalls.answer(() -> call.apply(request, token), out, log);
        });
    }

    ServerServiceDefinition definition() {
        return ServerServiceDefinition.builder(EtcdAuthGrpc.SERVICE)
                .addMethod(EtcdAuthGrpc.AUTH_ENABLE, asCaller((request, token) -> auth.enable(token)))
                .addMethod(EtcdAuthGrpc.AUTH_DISABLE, asCaller((request, token) -> auth.disable(token)))
                .addMethod(EtcdAuthGrpc.AUTHENTICATE, asCaller((request, token) -> auth.authenticate(request)))
                .addMethod(EtcdAuthGrpc.USER_ADD, asCaller(auth::userAdd))
                .addMethod(EtcdAuthGrpc.USER_GET, asCaller(auth::userGet))
                .addMethod(EtcdAuthGrpc.USER_LIST, asCaller((request, token) -> auth.userList(token)))
                .addMethod(EtcdAuthGrpc.USER_DELETE, asCaller(auth::userDelete))
                .addMethod(EtcdAuthGrpc.USER_CHANGE_PASSWORD, asCaller(auth::userChangePassword))
                .addMethod(EtcdAuthGrpc.USER_GRANT_ROLE, asCaller(auth::userGrantRole))
                .addMethod(EtcdAuthGrpc.USER_REVOKE_ROLE, asCaller(auth::userRevokeRole))
                .addMethod(EtcdAuthGrpc.ROLE_ADD, asCaller(auth::roleAdd))
                .addMethod(EtcdAuthGrpc.ROLE_GET, asCaller(auth::roleGet))
                .addMethod(EtcdAuthGrpc.ROLE_LIST, asCaller((request, token) -> auth.roleList(token)))
                .addMethod(EtcdAuthGrpc.ROLE_DELETE, asCaller(auth::roleDelete))
                .addMethod(EtcdAuthGrpc.ROLE_GRANT_PERMISSION, asCaller(auth::roleGrantPermission))
                .addMethod(EtcdAuthGrpc.ROLE_REVOKE_PERMISSION, asCaller(auth::roleRevokePermission))
                .build();
    }
}
