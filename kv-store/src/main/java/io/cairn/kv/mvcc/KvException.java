package io.cairn.kv.mvcc;

import java.util.Objects;

/**
 * A request the store refused, in the form a gRPC server hands to an etcd client: a status code and etcd's exact
 * error text ("etcdserver: key is not provided").
 *
 * <p>Why a value and not only an exception: {@link MvccStore#apply} returns one {@link KvResult} per command, and a
 * refused command is a normal, deterministic outcome of applying it (every replica refuses it the same way and
 * changes nothing). The store throws it internally to unwind a command, and hands it back inside the result.
 * {@link Code} mirrors the gRPC status codes etcd uses, so the server maps it 1:1 ({@code Status.Code.valueOf(
 * code.name())}). No stack trace is filled in: it is an answer, not a bug report.
 */
public final class KvException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The gRPC status codes etcd answers KV requests with; names equal {@code io.grpc.Status.Code} names. */
    public enum Code {
        INVALID_ARGUMENT,
        OUT_OF_RANGE,
        NOT_FOUND,
        FAILED_PRECONDITION,
        RESOURCE_EXHAUSTED,
        UNAVAILABLE,
        INTERNAL,
        PERMISSION_DENIED,
        UNAUTHENTICATED,
        UNKNOWN
    }

    private final Code code;

    public KvException(Code code, String message) {
        super(Objects.requireNonNull(message, "message"), null, false, false);
        this.code = Objects.requireNonNull(code, "code");
    }

    public Code code() {
        return code;
    }

    @Override
    public String toString() {
        return code + ": " + getMessage();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof KvException e && e.code == code && e.getMessage().equals(getMessage());
    }

    @Override
    public int hashCode() {
        return code.hashCode() * 31 + getMessage().hashCode();
    }
}
