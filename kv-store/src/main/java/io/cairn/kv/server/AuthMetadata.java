package io.cairn.kv.server;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * Where an etcd client's auth token travels: the {@code token} metadata (etcd's {@code TokenFieldNameGRPC}, what
 * etcdctl and jetcd send) or {@code authorization} (etcd's {@code TokenFieldNameSwagger}). The server's interceptor
 * ({@link #interceptor()}) puts it in the call's gRPC {@link Context}, and each service reads it ({@link #token()}) on
 * the thread gRPC calls it on, before handing the request on (decision 0024). Stateless; any thread.
 */
final class AuthMetadata {
    private AuthMetadata() {}

    static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<String> CALL_TOKEN = Context.key("cairn-auth-token");

    /** The current call's token, or null when it sent none; call on a thread gRPC runs the call's handler on. */
    static String token() {
        return CALL_TOKEN.get();
    }

    static ServerInterceptor interceptor() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                String token = headers.get(TOKEN);
                if (token == null) {
                    token = headers.get(AUTHORIZATION);
                }
                if (token == null) {
                    return next.startCall(call, headers);
                }
                return Contexts.interceptCall(Context.current().withValue(CALL_TOKEN, token), call, headers, next);
            }
        };
    }
}
