package io.cairn.kv.server;

import io.cairn.kv.proto.etcd.WatchCancelRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.watch.WatchBackend;
import io.cairn.kv.watch.WatchSink;
import io.cairn.kv.watch.WatchSpec;
import io.cairn.kv.watch.Watcher;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Watch service on gRPC: one bidirectional stream carries any number of watches (etcdctl opens one per
 * command, jetcd one per watcher; both work), each a {@link Watcher} of the member's {@link
 * io.cairn.kv.watch.WatchHub}.
 *
 * <p>On a stream: a create request is answered {@code created} with its watch id (the client's, or the next free
 * one from 0 as etcd picks them; a client id already in use on the stream is answered created and canceled with
 * etcd's reason) and the header revision it starts after, and only then registered, so its events never overtake
 * that answer. A cancel request is answered {@code canceled}. A progress request is answered with watch id -1 and
 * the member's revision once every watch on the stream has reported everything up to it. Events of one watch
 * arrive whole revisions at a time; with {@code fragment} set, a response over the request size limit is split
 * into several, each marked {@code fragment} but the last.
 *
 * <p>Flow control: the hub delivers to a watch only while the stream is ready (gRPC's outbound buffer below its
 * threshold), and the stream's ready handler wakes the hub; a client that stops reading therefore holds at most
 * about one response in the server, and its watches are caught up from the store when it reads again.
 *
 * <p>Leader: a stream opened with etcd's {@code hasleader=true} metadata (etcdctl sends it) on a member that knows
 * no leader is refused with UNAVAILABLE "etcdserver: no leader"; an open one ends with that error after three
 * election timeouts without a leader, as etcd's monitor does.
 *
 * <p>Auth (decision 0024): a create is checked once, for the caller of the stream's token: read permission on its
 * keys, or it is answered created and canceled with etcd's reason ("etcdserver: permission denied").
 *
 * <p>Threads: requests arrive on gRPC's transport thread (direct executor; nothing here blocks); the hub's
 * dispatcher calls the sinks; a stream's sends are serialised by its lock.
 */
public final class WatchGrpcService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WatchGrpcService.class);
    /** etcd's rpctypes.MetadataRequireLeaderKey. */
    static final Metadata.Key<String> HAS_LEADER = Metadata.Key.of("hasleader", Metadata.ASCII_STRING_MARSHALLER);
    private static final Context.Key<Boolean> REQUIRE_LEADER = Context.key("cairn-require-leader");
    /** etcd's ErrGRPCNoLeader. */
    static final String NO_LEADER = "etcdserver: no leader";
    /** etcd's mvcc.ErrWatcherDuplicateID. */
    static final String DUPLICATE_ID = "mvcc: duplicate watch ID provided on the WatchStream";
    /** Leaderless election timeouts after which a {@code hasleader} stream ends (etcd's monitorLeader). */
    static final int LEADERLESS_TIMEOUTS_MAX = 3;

    private final WatchBackend backend;
    private final int responseBytesMax;
    private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService monitor;

    /** @param responseBytesMax with {@code fragment}, responses larger than this are split */
    WatchGrpcService(WatchBackend backend, int responseBytesMax) {
        this.backend = backend;
        this.responseBytesMax = responseBytesMax;
        this.monitor = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kv-watch-leader-monitor");
            t.setDaemon(true);
            return t;
        });
        long period = backend.electionTimeoutMillis();
        monitor.scheduleAtFixedRate(this::checkLeader, period, period, TimeUnit.MILLISECONDS);
    }

    public ServerServiceDefinition definition() {
        ServerServiceDefinition plain = ServerServiceDefinition.builder(EtcdWatchGrpc.SERVICE)
                .addMethod(EtcdWatchGrpc.WATCH, ServerCalls.asyncBidiStreamingCall(this::open))
                .build();
        return ServerInterceptors.intercept(plain, new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                    ServerCallHandler<Q, R> next) {
                boolean require = "true".equals(headers.get(HAS_LEADER));
                return Contexts.interceptCall(Context.current().withValue(REQUIRE_LEADER, require), call, headers,
                        next);
            }
        });
    }

    /** How Go's grpc prints a status error: {@code rpc error: code = PermissionDenied desc = <text>}. */
    static String goErrorText(io.cairn.kv.mvcc.KvException e) {
        String code = switch (e.code()) {
            case PERMISSION_DENIED -> "PermissionDenied";
            case UNAUTHENTICATED -> "Unauthenticated";
            case INVALID_ARGUMENT -> "InvalidArgument";
            case FAILED_PRECONDITION -> "FailedPrecondition";
            case NOT_FOUND -> "NotFound";
            case OUT_OF_RANGE -> "OutOfRange";
            case RESOURCE_EXHAUSTED -> "ResourceExhausted";
            case UNAVAILABLE -> "Unavailable";
            case INTERNAL -> "Internal";
            case UNKNOWN -> "Unknown";
        };
        return "rpc error: code = " + code + " desc = " + e.getMessage();
    }

    /** Open streams (tests). */
    int streams() {
        return streams.size();
    }

    private StreamObserver<WatchRequest> open(StreamObserver<WatchResponse> responses) {
        ServerCallStreamObserver<WatchResponse> out = (ServerCallStreamObserver<WatchResponse>) responses;
        boolean requireLeader = Boolean.TRUE.equals(REQUIRE_LEADER.get());
        if (requireLeader && !backend.hasLeader()) {
            out.onError(Status.UNAVAILABLE.withDescription(NO_LEADER).asRuntimeException());
            return new NoopObserver();
        }
        Stream s = new Stream(out, requireLeader, AuthMetadata.token());
        streams.add(s);
        out.setOnReadyHandler(backend.watchHub()::wake);
        out.setOnCancelHandler(s::end);
        return s;
    }

    private void checkLeader() {
        boolean leader = backend.hasLeader();
        for (Stream s : streams) {
            if (!s.requireLeader) {
                continue;
            }
            s.leaderlessChecks = leader ? 0 : s.leaderlessChecks + 1;
            if (s.leaderlessChecks >= LEADERLESS_TIMEOUTS_MAX) {
                log.info("ending a watch stream: no leader for {} election timeouts", LEADERLESS_TIMEOUTS_MAX);
                s.fail(Status.UNAVAILABLE.withDescription(NO_LEADER));
            }
        }
    }

    @Override
    public void close() {
        monitor.shutdownNow();
        for (Stream s : streams) {
            s.end();
        }
    }

    /** One client stream and its watches. */
    private final class Stream implements StreamObserver<WatchRequest> {
        private final ServerCallStreamObserver<WatchResponse> out;
        final boolean requireLeader;
        private final Map<Long, Watcher> watches = new ConcurrentHashMap<>();
        private final Object sendLock = new Object();
        private long nextAutoId;
        private volatile boolean ended;
        int leaderlessChecks;
        /** The auth token the stream was opened with (null: none); every create is checked for its caller. */
        private final String token;
        /** The request being handled while its create waits for the caller's permission; later ones wait for it. */
        private CompletableFuture<Void> pending = CompletableFuture.completedFuture(null);

        Stream(ServerCallStreamObserver<WatchResponse> out, boolean requireLeader, String token) {
            this.out = out;
            this.requireLeader = requireLeader;
            this.token = token;
        }

        /** Requests are handled in order; a create goes on once its caller's permission is known. */
        @Override
        public void onNext(WatchRequest r) {
            synchronized (this) {
                pending = pending.isDone() ? handle(r) : pending.thenCompose(v -> handle(r));
            }
        }

        private CompletableFuture<Void> handle(WatchRequest r) {
            if (r.getRequestUnionCase() != WatchRequest.RequestUnionCase.CREATE_REQUEST) {
                handleNow(r);
                return CompletableFuture.completedFuture(null);
            }
            WatchCreateRequest c = r.getCreateRequest();
            return backend.watchRefusal(c, token).handle((refusal, error) -> {
                try {
                    if (error != null || refusal != null) {
                        refuse(refusal != null ? refusal : io.cairn.kv.mvcc.KvErrors.permissionDenied());
                    } else {
                        create(c);
                    }
                } catch (RuntimeException e) {
                    log.warn("a watch create failed", e);
                }
                return null;
            });
        }

        /**
         * etcd's answer to a create the caller may not make: created and canceled at once, watch id -1, the reason
         * being the whole text of etcd's gRPC error as Go prints it ({@code rpctypes.ErrGRPCPermissionDenied.Error()}:
         * "rpc error: code = PermissionDenied desc = etcdserver: permission denied"), for an invalid token, an old auth
         * revision or no user that error, else "permission denied". etcdctl prints the reason as it is.
         */
        private void refuse(io.cairn.kv.mvcc.KvException e) {
            String m = e.getMessage();
            io.cairn.kv.mvcc.KvException why = m.equals(io.cairn.kv.mvcc.KvErrors.INVALID_AUTH_TOKEN)
                    || m.equals(io.cairn.kv.mvcc.KvErrors.AUTH_OLD_REVISION)
                    || m.equals(io.cairn.kv.mvcc.KvErrors.USER_EMPTY) ? e
                    : io.cairn.kv.mvcc.KvErrors.permissionDenied();
            send(WatchResponse.newBuilder().setHeader(backend.header(backend.revision())).setWatchId(-1)
                    .setCreated(true).setCanceled(true).setCancelReason(goErrorText(why)).build());
        }

        private void handleNow(WatchRequest r) {
            switch (r.getRequestUnionCase()) {
                case CREATE_REQUEST -> create(r.getCreateRequest());
                case CANCEL_REQUEST -> cancel(r.getCancelRequest());
                case PROGRESS_REQUEST -> backend.watchHub().whenSynced(new ArrayList<>(watches.values()),
                        () -> send(WatchResponse.newBuilder().setHeader(backend.header(backend.revision()))
                                .setWatchId(-1).build()));
                case REQUESTUNION_NOT_SET -> { } // etcd ignores an empty request too
            }
        }

        private void create(WatchCreateRequest c) {
            long revision = backend.revision();
            long id = c.getWatchId();
            if (id == 0) {
                while (watches.containsKey(nextAutoId)) {
                    nextAutoId++;
                }
                id = nextAutoId++;
            } else if (watches.containsKey(id)) {
                send(WatchResponse.newBuilder().setHeader(backend.header(revision)).setWatchId(id).setCreated(true)
                        .setCanceled(true).setCancelReason(DUPLICATE_ID).build());
                return;
            }
            send(WatchResponse.newBuilder().setHeader(backend.header(revision)).setWatchId(id).setCreated(true)
                    .build());
            long watchId = id;
            watches.put(watchId, backend.watchHub().watch(WatchSpec.of(c), new Sink(watchId, c.getFragment()),
                    revision));
        }

        private void cancel(WatchCancelRequest c) {
            Watcher w = watches.remove(c.getWatchId());
            if (w != null) {
                w.cancel();
                send(WatchResponse.newBuilder().setHeader(backend.header(backend.revision()))
                        .setWatchId(c.getWatchId()).setCanceled(true).build());
            }
        }

        void send(WatchResponse r) {
            synchronized (sendLock) {
                if (ended) {
                    return;
                }
                try {
                    out.onNext(r);
                } catch (RuntimeException e) {
                    // the client went away (cancelled): nothing left to tell it
                    log.debug("watch response not sent: {}", e.toString());
                    end();
                }
            }
        }

        void fail(Status status) {
            synchronized (sendLock) {
                if (!ended) {
                    end();
                    try {
                        out.onError(status.asRuntimeException());
                    } catch (RuntimeException e) {
                        log.debug("watch stream already closed: {}", e.toString());
                    }
                }
            }
        }

        /** Cancels every watch of the stream; no more responses are sent. */
        void end() {
            ended = true;
            streams.remove(this);
            for (Watcher w : watches.values()) {
                w.cancel();
            }
            watches.clear();
        }

        @Override
        public void onError(Throwable t) {
            end();
        }

        @Override
        public void onCompleted() {
            synchronized (sendLock) {
                if (!ended) {
                    end();
                    out.onCompleted();
                }
            }
        }

        /** Where the hub delivers one watch of this stream. */
        private final class Sink implements WatchSink {
            private final long watchId;
            private final boolean fragment;

            Sink(long watchId, boolean fragment) {
                this.watchId = watchId;
                this.fragment = fragment;
            }

            @Override
            public boolean ready() {
                return !ended && out.isReady();
            }

            @Override
            public void events(long revision, List<Event> events) {
                WatchResponse whole = WatchResponse.newBuilder().setHeader(backend.header(revision))
                        .setWatchId(watchId).addAllEvents(events).build();
                if (!fragment || whole.getSerializedSize() <= responseBytesMax) {
                    send(whole);
                    return;
                }
                for (WatchResponse part : fragments(whole, responseBytesMax)) {
                    send(part);
                }
            }

            @Override
            public void compacted(long compactRevision) {
                watches.remove(watchId);
                send(WatchResponse.newBuilder().setHeader(backend.header(backend.revision())).setWatchId(watchId)
                        .setCanceled(true).setCompactRevision(compactRevision)
                        .setCancelReason(io.cairn.kv.mvcc.KvErrors.COMPACTED).build());
            }

            @Override
            public void progress(long revision) {
                send(WatchResponse.newBuilder().setHeader(backend.header(revision)).setWatchId(watchId).build());
            }
        }
    }

    /**
     * etcd's sendFragments: the events of {@code whole} in responses of at most {@code bytesMax} bytes of events
     * each (a single larger event goes alone), every one but the last marked {@code fragment}.
     */
    static List<WatchResponse> fragments(WatchResponse whole, int bytesMax) {
        List<WatchResponse> parts = new ArrayList<>();
        WatchResponse.Builder part = whole.toBuilder().clearEvents();
        int bytes = 0;
        for (Event e : whole.getEventsList()) {
            int size = e.getSerializedSize();
            if (part.getEventsCount() > 0 && bytes + size > bytesMax) {
                parts.add(part.setFragment(true).build());
                part = whole.toBuilder().clearEvents();
                bytes = 0;
            }
            part.addEvents(e);
            bytes += size;
        }
        parts.add(part.setFragment(false).build());
        return parts;
    }

    private static final class NoopObserver implements StreamObserver<WatchRequest> {
        @Override
        public void onNext(WatchRequest value) { }

        @Override
        public void onError(Throwable t) { }

        @Override
        public void onCompleted() { }
    }
}
