package io.cairn.kv.server;

import io.cairn.kv.mvcc.KvException;
import io.grpc.Status;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one translation between Cairn's {@link KvException} and gRPC's {@link Status}, in both directions, so that an
 * error crosses any number of hops unchanged: the server turns a refusal into the status etcd would send (etcdctl
 * prints "Error: " and the description), and {@link KvClient} turns that status back into the same refusal, which a
 * follower forwarding to its leader then hands to its own client.
 *
 * <p>Server side: a {@link KvException} becomes {@code Status.Code.valueOf(code.name())} with etcd's exact text as
 * the description; anything else is a bug and becomes INTERNAL with the exception's message (the caller logs it).
 *
 * <p>Client side: a status whose code is one of {@link KvException.Code} becomes that code with the description
 * as the text. DEADLINE_EXCEEDED becomes what etcd answers when a request outlives its proposal, UNAVAILABLE
 * "etcdserver: request timed out" (it may or may not have been applied). CANCELLED and ABORTED become UNAVAILABLE,
 * the rest INTERNAL, each with a "cairn:" text that names the original code.
 *
 * <p>Also the texts of etcd's server-level errors that the KV store itself never gives. Pure; any thread.
 */
public final class GrpcErrors {
    private GrpcErrors() {}

    /** etcd's ErrGRPCTooManyRequests: the server holds as many calls as its limits allow. */
    public static final String TOO_MANY_REQUESTS = "etcdserver: too many requests";

    /** etcd's ErrGRPCStopped: the server is shutting down. */
    public static final String SERVER_STOPPED = "etcdserver: server stopped";

    /** etcd's ErrGRPCTimeout: the request was not answered in time; a write may or may not have been applied. */
    public static final String REQUEST_TIMED_OUT = "etcdserver: request timed out";

    private static final Map<Status.Code, KvException.Code> KV_CODES = kvCodes();

    private static Map<Status.Code, KvException.Code> kvCodes() {
        Map<Status.Code, KvException.Code> codes = new EnumMap<>(Status.Code.class);
        for (KvException.Code c : KvException.Code.values()) {
            codes.put(Status.Code.valueOf(c.name()), c);
        }
        return codes;
    }

    public static KvException tooManyRequests() {
        return new KvException(KvException.Code.RESOURCE_EXHAUSTED, TOO_MANY_REQUESTS);
    }

    public static KvException serverStopped() {
        return new KvException(KvException.Code.UNAVAILABLE, SERVER_STOPPED);
    }

    /** The status a KvException is sent as. */
    public static Status toStatus(KvException e) {
        return Status.fromCode(Status.Code.valueOf(e.code().name())).withDescription(e.getMessage());
    }

    /** The status for any failure of a call: a refusal as etcd sends it, anything else INTERNAL. */
    public static Status toStatus(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof KvException e) {
            return toStatus(e);
        }
        String message = t.getMessage() != null ? t.getMessage() : t.getClass().getName();
        return Status.INTERNAL.withDescription(message).withCause(t);
    }

    /** True when {@code failure} is not a refusal but a bug, which the server logs. */
    public static boolean isInternal(Throwable failure) {
        return !(unwrap(failure) instanceof KvException);
    }

    /** The refusal a status from a KV server stands for (see the class comment for codes etcd's KV never uses). */
    public static KvException toKvException(Status status) {
        KvException.Code code = KV_CODES.get(status.getCode());
        String description = status.getDescription();
        if (code != null) {
            return new KvException(code, description != null ? description : status.getCode().name());
        }
        return switch (status.getCode()) {
            case DEADLINE_EXCEEDED -> new KvException(KvException.Code.UNAVAILABLE, REQUEST_TIMED_OUT);
            case CANCELLED, ABORTED -> new KvException(KvException.Code.UNAVAILABLE, foreign(status));
            default -> new KvException(KvException.Code.INTERNAL, foreign(status));
        };
    }

    /** The failure of a client call, whatever form grpc-java gave it. */
    public static KvException toKvException(Throwable failure) {
        Throwable t = unwrap(failure);
        return t instanceof KvException e ? e : toKvException(Status.fromThrowable(t));
    }

    private static String foreign(Status status) {
        return "cairn: KV call failed with " + status.getCode()
                + (status.getDescription() != null ? ": " + status.getDescription() : "");
    }

    /** The failure inside the wrappers CompletableFuture adds. */
    static Throwable unwrap(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
