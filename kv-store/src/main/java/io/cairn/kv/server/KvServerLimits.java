package io.cairn.kv.server;

import java.util.concurrent.TimeUnit;

import io.cairn.raft.core.Invariants;
import io.cairn.kv.mvcc.KvLimits;

/**
 * Every limit of the etcd gRPC server in one place, with their relationships checked at construction.
 *
 * <p>Two sizes matter to clients. {@link #requestBytesMax} is etcd's {@code --max-request-bytes}: a write larger
 * than this is refused with etcd's InvalidArgument "etcdserver: request is too large". The transport's own limit,
 * {@link #maxInboundMessageBytes()}, sits {@link #GRPC_OVERHEAD_BYTES} above it, as etcd sets it, so that such a
 * request reaches the service and gets etcd's answer rather than gRPC's RESOURCE_EXHAUSTED; only a message past
 * the transport limit gets gRPC's error (etcd behaves the same).
 *
 * <p>The in-flight limits bound what the server holds for calls it has admitted and not yet answered (queued for
 * a handler thread, or waiting for Raft): a call past either is refused at once with etcd's ResourceExhausted
 * "etcdserver: too many requests". The handler queue is sized by {@link #inFlightCallsMax}, so it never fills.
 *
 * <p>Keep-alive: etcdctl pings every 2 s ({@code --keepalive-time}); grpc-java counts a ping that comes sooner
 * than {@link #permitKeepAliveTimeMillis} after the last acceptable one as a strike, never forgives a strike while
 * the connection carries no data, and sends GOAWAY "too_many_pings" at the third. So the permitted interval must
 * be below the clients' interval with room for jitter, not merely near it: 1 s by default, pings without calls
 * allowed (jetcd and etcdctl ping idle connections).
 *
 * @param requestBytesMax the largest write request accepted (etcd {@code --max-request-bytes}, 1.5 MiB); must be
 *     the store's {@link KvLimits#requestBytesMax()}
 * @param handlerThreads threads that call the {@link io.cairn.kv.KvService} (its methods return at once)
 * @param inFlightCallsMax calls admitted and not yet answered, over all connections
 * @param inFlightRequestBytesMax encoded request bytes of those calls
 * @param callsPerConnectionMax concurrent calls (HTTP/2 streams) one connection may open; more wait at the client
 * @param permitKeepAliveTimeMillis the shortest interval between client pings the server accepts
 * @param keepAliveTimeMillis the server pings a connection idle this long (etcd {@code --grpc-keepalive-interval},
 *     2 h)
 * @param keepAliveTimeoutMillis and closes it when the ping is not answered within this (etcd 20 s)
 * @param shutdownGraceMillis how long {@link KvGrpcServer#close()} lets admitted calls finish before cancelling them
 */
public record KvServerLimits(
        int requestBytesMax,
        int handlerThreads,
        int inFlightCallsMax,
        long inFlightRequestBytesMax,
        int callsPerConnectionMax,
        long permitKeepAliveTimeMillis,
        long keepAliveTimeMillis,
        long keepAliveTimeoutMillis,
        long shutdownGraceMillis) {

    /** What etcd adds to {@code --max-request-bytes} for the transport's receive limit (etcd's grpcOverheadBytes). */
    public static final int GRPC_OVERHEAD_BYTES = 512 * 1024;

    /** etcd's defaults where etcd has the limit; Cairn's own bounds where it has none. */
    public static final KvServerLimits DEFAULTS = new KvServerLimits(
            KvLimits.ETCD_REQUEST_BYTES_MAX,
            Math.max(2, Runtime.getRuntime().availableProcessors()),
            10_000,
            256L << 20,
            1_000,
            1_000,
            2L * 60 * 60 * 1000,
            20_000,
            5_000);

    public KvServerLimits {
        Invariants.check(requestBytesMax >= 1024, "requestBytesMax must be >= 1 KiB: %s", requestBytesMax);
        Invariants.check(requestBytesMax <= Integer.MAX_VALUE - GRPC_OVERHEAD_BYTES, "requestBytesMax too large: %s",
                requestBytesMax);
        Invariants.check(handlerThreads >= 1, "handlerThreads must be >= 1: %s", handlerThreads);
        Invariants.check(inFlightCallsMax >= 1, "inFlightCallsMax must be >= 1: %s", inFlightCallsMax);
        Invariants.check(inFlightRequestBytesMax >= (long) requestBytesMax + GRPC_OVERHEAD_BYTES,
                "inFlightRequestBytesMax (%s) must admit one largest message (%s)", inFlightRequestBytesMax,
                requestBytesMax + GRPC_OVERHEAD_BYTES);
        Invariants.check(callsPerConnectionMax >= 1, "callsPerConnectionMax must be >= 1: %s", callsPerConnectionMax);
        Invariants.check(permitKeepAliveTimeMillis >= 0, "permitKeepAliveTimeMillis must be >= 0: %s",
                permitKeepAliveTimeMillis);
        Invariants.check(keepAliveTimeMillis >= 1, "keepAliveTimeMillis must be >= 1: %s", keepAliveTimeMillis);
        Invariants.check(keepAliveTimeoutMillis >= 1, "keepAliveTimeoutMillis must be >= 1: %s", keepAliveTimeoutMillis);
        Invariants.check(shutdownGraceMillis >= 0, "shutdownGraceMillis must be >= 0: %s", shutdownGraceMillis);
    }

    /** The defaults with the store's request limit, which the two layers must share. */
    public static KvServerLimits forStore(KvLimits store) {
        return DEFAULTS.withRequestBytesMax(store.requestBytesMax());
    }

    /** The transport's receive limit: a larger message is refused by gRPC before the service sees it. */
    public int maxInboundMessageBytes() {
        return requestBytesMax + GRPC_OVERHEAD_BYTES;
    }

    public KvServerLimits withRequestBytesMax(int bytes) {
        return new KvServerLimits(bytes, handlerThreads, inFlightCallsMax,
                Math.max(inFlightRequestBytesMax, (long) bytes + GRPC_OVERHEAD_BYTES), callsPerConnectionMax,
                permitKeepAliveTimeMillis, keepAliveTimeMillis, keepAliveTimeoutMillis, shutdownGraceMillis);
    }

    public KvServerLimits withInFlight(int callsMax, long requestBytesMax) {
        return new KvServerLimits(this.requestBytesMax, handlerThreads, callsMax, requestBytesMax,
                callsPerConnectionMax, permitKeepAliveTimeMillis, keepAliveTimeMillis, keepAliveTimeoutMillis,
                shutdownGraceMillis);
    }

    /** etcd's {@code --max-concurrent-streams}. */
    public KvServerLimits withCallsPerConnectionMax(int calls) {
        return new KvServerLimits(requestBytesMax, handlerThreads, inFlightCallsMax, inFlightRequestBytesMax, calls,
                permitKeepAliveTimeMillis, keepAliveTimeMillis, keepAliveTimeoutMillis, shutdownGraceMillis);
    }

    /**
     * etcd's {@code --grpc-keepalive-min-time}, {@code --grpc-keepalive-interval} and {@code --grpc-keepalive-timeout}
     * (a zero interval or timeout: no server pings, as etcd's 0 disables them).
     */
    public KvServerLimits withKeepAlive(long permitMillis, long intervalMillis, long timeoutMillis) {
        long never = TimeUnit.DAYS.toMillis(365_000);
        return new KvServerLimits(requestBytesMax, handlerThreads, inFlightCallsMax, inFlightRequestBytesMax,
                callsPerConnectionMax, permitMillis, intervalMillis == 0 ? never : intervalMillis,
                timeoutMillis == 0 ? never : timeoutMillis, shutdownGraceMillis);
    }

    public KvServerLimits withShutdownGraceMillis(long millis) {
        return new KvServerLimits(requestBytesMax, handlerThreads, inFlightCallsMax, inFlightRequestBytesMax,
                callsPerConnectionMax, permitKeepAliveTimeMillis, keepAliveTimeMillis, keepAliveTimeoutMillis,
                millis);
    }
}
