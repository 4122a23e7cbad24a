package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.grpc.MethodDescriptor;
import io.grpc.MethodDescriptor.MethodType;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * What the hand-written etcd services share: a method descriptor from a service, a name and the request and response
 * prototypes (the gRPC code generator is not available here), and a unary call answered from a future with etcd's
 * errors ({@link GrpcErrors}; a {@link StatusRuntimeException} the service chose passes as it is). Stateless.
 */
final class GrpcCalls {
    private GrpcCalls() {}

    static <Q extends Message, R extends Message> MethodDescriptor<Q, R> method(String service, String name,
            MethodType type, Q request, R response) {
        return MethodDescriptor.<Q, R>newBuilder()
                .setType(type)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, name))
                .setRequestMarshaller(ProtoUtils.marshaller(request))
                .setResponseMarshaller(ProtoUtils.marshaller(response))
                .build();
    }

    /**
     * Answers one unary call with {@code call}'s outcome when its future completes (a call that throws at once fails
     * the same way); an internal error (a bug, not a refusal) is logged to {@code log}.
     */
    static <R extends Message> void answer(Supplier<CompletableFuture<R>> call, StreamObserver<R> out, Logger log) {
        CompletableFuture<R> f;
        try {
            f = call.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((response, error) -> send(out, log, () -> {
            if (error == null) {
                out.onNext(response);
                out.onCompleted();
            } else {
                out.onError(status(error, log));
            }
        }));
    }

    /** The status a failure is answered with: one the service chose, else etcd's for it. */
    static StatusRuntimeException status(Throwable error, Logger log) {
        Throwable cause = GrpcErrors.unwrap(error);
        if (cause instanceof StatusRuntimeException sre) {
            return sre;
        }
        if (GrpcErrors.isInternal(error)) {
            log.warn("a call failed with an internal error", cause);
        }
        return GrpcErrors.toStatus(error).asRuntimeException();
    }

    /** Runs a send; a client that went away meanwhile is not an error. */
    static void send(StreamObserver<?> out, Logger log, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.debug("answer not sent: {}", e.toString());
        }
    }
}
