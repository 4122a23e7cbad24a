package io.cairn.kv.server;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import io.cairn.kv.KvStore;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.proto.mvcc.KeyValue;
import io.cairn.kv.proto.v3election.CampaignRequest;
import io.cairn.kv.proto.v3election.CampaignResponse;
import io.cairn.kv.proto.v3election.LeaderKey;
import io.cairn.kv.proto.v3election.LeaderRequest;
import io.cairn.kv.proto.v3election.LeaderResponse;
import io.cairn.kv.proto.v3election.ProclaimRequest;
import io.cairn.kv.proto.v3election.ProclaimResponse;
import io.cairn.kv.proto.v3election.ResignRequest;
import io.cairn.kv.proto.v3election.ResignResponse;
import io.cairn.kv.proto.v3lock.LockRequest;
import io.cairn.kv.proto.v3lock.LockResponse;
import io.cairn.kv.proto.v3lock.UnlockRequest;
import io.cairn.kv.proto.v3lock.UnlockResponse;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's Lock and Election services, built as etcd builds them: on the KV, Lease and Watch of the same member, with
 * the key layout of etcd's client recipes, so that a lock taken here and one taken by etcdctl's {@code lock} (the
 * client-side recipe) exclude each other, and likewise for elections.
 *
 * <ul>
 *   <li>A waiter's key is {@code name + "/" + lease in hex}, created with the lease (a lease of 0: one granted here,
 *       60 s, not kept alive, as etcd's orphaned session). The waiter with the oldest key holds the lock or leads: a
 *       waiter watches the newest older key until it is deleted, and so on (no herd: each watches one key).
 *   <li>Lock answers once held, with the key; Unlock deletes the key. A call cancelled while waiting deletes its key.
 *   <li>Campaign answers once leading, with the {@link LeaderKey} (name, key, creation revision, lease); Proclaim
 *       rewrites the value only while that key still has that creation revision ("election: not leader" otherwise);
 *       Resign deletes it under the same condition; Leader reads the oldest key ("election: no leader"); Observe
 *       streams the leader's value at each change, keeping at most one unsent response when the client reads slowly.
 * </ul>
 *
 * <p>At most {@link #WAITERS_MAX} calls wait at once on a member (each holds one watch); more are refused with
 * RESOURCE_EXHAUSTED. Threads: calls arrive on gRPC's threads and never block; steps run where the store completes
 * its futures and delivers its watch events.
 */
final class ConcurrencyGrpcService {
    private static final Logger log = LoggerFactory.getLogger(ConcurrencyGrpcService.class);
    static final int WAITERS_MAX = 10_000;
    /** TTL of the lease granted for a request with lease 0 (etcd's default session TTL). */
    static final long SESSION_TTL_SECONDS = 60;
    static final String NOT_LEADER = "election: not leader";
    static final String NO_LEADER = "election: no leader";
    static final String MISSING_LEADER_KEY = "\"leader\" field must be provided";

    private final KvStore store;
    private final Semaphore waiters = new Semaphore(WAITERS_MAX);

    ConcurrencyGrpcService(KvStore store) {
        this.store = store;
    }

    ServerServiceDefinition lockDefinition() {
        return ServerServiceDefinition.builder(EtcdConcurrencyGrpc.LOCK_SERVICE)
                .addMethod(EtcdConcurrencyGrpc.LOCK, ServerCalls.asyncUnaryCall(this::lock))
                .addMethod(EtcdConcurrencyGrpc.UNLOCK, ServerCalls.asyncUnaryCall((request, out) -> GrpcCalls.answer(
                        () -> caller().deleteRange(DeleteRangeRequest.newBuilder().setKey(request.getKey()).build())
                                .thenApply(d -> UnlockResponse.newBuilder().setHeader(d.getHeader()).build()),
                        out, log)))
                .build();
    }

    ServerServiceDefinition electionDefinition() {
        return ServerServiceDefinition.builder(EtcdConcurrencyGrpc.ELECTION_SERVICE)
                .addMethod(EtcdConcurrencyGrpc.CAMPAIGN, ServerCalls.asyncUnaryCall(this::campaign))
                .addMethod(EtcdConcurrencyGrpc.PROCLAIM, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(() -> proclaim(caller(), request), out, log)))
                .addMethod(EtcdConcurrencyGrpc.RESIGN, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(() -> resign(caller(), request), out, log)))
                .addMethod(EtcdConcurrencyGrpc.LEADER, ServerCalls.asyncUnaryCall(
                        (request, out) -> GrpcCalls.answer(() -> leader(caller(), request), out, log)))
                .addMethod(EtcdConcurrencyGrpc.OBSERVE, ServerCalls.asyncServerStreamingCall(
                        (request, out) -> new Observer(caller(), request.getName(),
                                (ServerCallStreamObserver<LeaderResponse>) out).start()))
                .build();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Lock

    private void lock(LockRequest request, StreamObserver<LockResponse> out) {
        Caller c = caller();
        Waiter w = waiter((ServerCallStreamObserver<?>) out);
        if (w == null) {
            return;
        }
        ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
        CompletableFuture<LockResponse> done = session(c, request.getLease()).thenCompose(lease -> {
            ByteString key = prefix.concat(hex(lease));
            w.key = key;
            TxnRequest txn = TxnRequest.newBuilder()
                    .addCompare(createRevision(key, 0))
                    .addSuccess(put(key, ByteString.EMPTY, lease)).addSuccess(firstCreated(prefix))
                    .addFailure(get(key)).addFailure(firstCreated(prefix)).build();
            return c.txn(txn).thenCompose(t -> {
                long myRev = t.getSucceeded() ? t.getHeader().getRevision()
                        : t.getResponses(0).getResponseRange().getKvs(0).getCreateRevision();
                w.rev = myRev;
                RangeResponse owner = t.getResponses(1).getResponseRange();
                if (owner.getKvsCount() == 0 || owner.getKvs(0).getCreateRevision() == myRev) {
                    return CompletableFuture.completedFuture(t.getHeader());
                }
                return waitDeletes(c, w, prefix, myRev - 1);
            }).thenApply(header -> LockResponse.newBuilder().setHeader(header).setKey(key).build());
        });
        finish(w, done, out, () -> w.key == null ? CompletableFuture.completedFuture(null)
                : c.deleteRange(DeleteRangeRequest.newBuilder().setKey(w.key).build()));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Election

    private void campaign(CampaignRequest request, StreamObserver<CampaignResponse> out) {
        Caller c = caller();
        Waiter w = waiter((ServerCallStreamObserver<?>) out);
        if (w == null) {
            return;
        }
        ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
        CompletableFuture<CampaignResponse> done = session(c, request.getLease()).thenCompose(lease -> {
            ByteString key = prefix.concat(hex(lease));
            w.key = key;
            TxnRequest txn = TxnRequest.newBuilder().addCompare(createRevision(key, 0))
                    .addSuccess(put(key, request.getValue(), lease)).addFailure(get(key)).build();
            return c.txn(txn).thenCompose(t -> {
                long rev = t.getHeader().getRevision();
                CompletableFuture<Void> proclaimed = CompletableFuture.completedFuture(null);
                if (!t.getSucceeded()) {
                    KeyValue kv = t.getResponses(0).getResponseRange().getKvs(0);
                    rev = kv.getCreateRevision();
                    if (!kv.getValue().equals(request.getValue())) {
                        proclaimed = proclaim(c, ProclaimRequest.newBuilder().setLeader(LeaderKey.newBuilder()
                                .setName(request.getName()).setKey(key).setRev(rev).setLease(lease))
                                .setValue(request.getValue()).build()).thenApply(p -> null);
                    }
                }
                long leaderRev = rev;
                w.rev = leaderRev;
                return proclaimed.thenCompose(x -> waitDeletes(c, w, prefix, leaderRev - 1))
                        .thenApply(h -> CampaignResponse.newBuilder().setHeader(t.getHeader()).setLeader(LeaderKey
                                .newBuilder().setName(request.getName()).setKey(key).setRev(leaderRev).setLease(lease))
                                .build());
            });
        });
        finish(w, done, out, () -> w.key == null ? CompletableFuture.completedFuture(null)
                : resign(c, ResignRequest.newBuilder().setLeader(LeaderKey.newBuilder().setKey(w.key).setRev(w.rev))
                        .build()));
    }

    private CompletableFuture<ProclaimResponse> proclaim(Caller c, ProclaimRequest request) {
        if (!request.hasLeader()) {
            return CompletableFuture.failedFuture(Status.UNKNOWN.withDescription(MISSING_LEADER_KEY)
                    .asRuntimeException());
        }
        LeaderKey l = request.getLeader();
        TxnRequest txn = TxnRequest.newBuilder().addCompare(createRevision(l.getKey(), l.getRev()))
                .addSuccess(put(l.getKey(), request.getValue(), l.getLease())).build();
        return c.txn(txn).thenApply(t -> {
            if (!t.getSucceeded()) {
                throw Status.UNKNOWN.withDescription(NOT_LEADER).asRuntimeException();
            }
            return ProclaimResponse.newBuilder().setHeader(t.getHeader()).build();
        });
    }

    private CompletableFuture<ResignResponse> resign(Caller c, ResignRequest request) {
        if (!request.hasLeader()) {
            return CompletableFuture.failedFuture(Status.UNKNOWN.withDescription(MISSING_LEADER_KEY)
                    .asRuntimeException());
        }
        LeaderKey l = request.getLeader();
        TxnRequest txn = TxnRequest.newBuilder().addCompare(createRevision(l.getKey(), l.getRev()))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(l.getKey()))).build();
        return c.txn(txn).thenApply(t -> ResignResponse.newBuilder().setHeader(t.getHeader()).build());
    }

    private CompletableFuture<LeaderResponse> leader(Caller c, LeaderRequest request) {
        ByteString prefix = request.getName().concat(ByteString.copyFromUtf8("/"));
        return c.range(firstCreated(prefix).getRequestRange()).thenApply(r -> {
            if (r.getKvsCount() == 0) {
                throw Status.UNKNOWN.withDescription(NO_LEADER).asRuntimeException();
            }
            return LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(r.getKvs(0)).build();
        });
    }

    /**
     * One Observe stream: the current leader's key and value, then each change of its value, then, once it is deleted,
     * the next leader (waiting for a first one when there is none). A slow reader gets the newest response only.
     */
    private final class Observer {
        private final Caller caller;
        private final ByteString prefix;
        private final ServerCallStreamObserver<LeaderResponse> out;
        private LeaderResponse unsent;
        private Flow.Subscription watch;
        private boolean done;

        Observer(Caller caller, ByteString name, ServerCallStreamObserver<LeaderResponse> out) {
            this.caller = caller;
            this.prefix = name.concat(ByteString.copyFromUtf8("/"));
            this.out = out;
        }

        void start() {
            if (!waiters.tryAcquire()) {
                out.onError(Status.RESOURCE_EXHAUSTED.withDescription("cairn: too many lock and election waiters ("
                        + WAITERS_MAX + ")").asRuntimeException());
                return;
            }
            out.setOnCancelHandler(this::stop);
            out.setOnReadyHandler(this::flush);
            next();
        }

        /** Reads the oldest key of the election and follows it, or waits for the first one. */
        private void next() {
            caller.range(firstCreated(prefix).getRequestRange()).whenComplete((r, e) -> {
                if (e != null) {
                    fail(e);
                } else if (r.getKvsCount() == 0) {
                    follow(WatchCreateRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                            .setStartRevision(r.getHeader().getRevision()).build(), true);
                } else {
                    KeyValue kv = r.getKvs(0);
                    send(LeaderResponse.newBuilder().setHeader(r.getHeader()).setKv(kv).build());
                    follow(WatchCreateRequest.newBuilder().setKey(kv.getKey())
                            .setStartRevision(r.getHeader().getRevision() + 1).build(), false);
                }
            });
        }

        /** Watches the prefix for a first leader ({@code anyPut}) or the leader's key for changes and deletion. */
        private void follow(WatchCreateRequest request, boolean anyPut) {
            store.watch(request).subscribe(new Flow.Subscriber<>() {
                @Override
                public void onSubscribe(Flow.Subscription s) {
                    synchronized (Observer.this) {
                        if (done) {
                            s.cancel();
                            return;
                        }
                        watch = s;
                    }
                    s.request(1);
                }

                @Override
                public void onNext(WatchResponse w) {
                    for (Event ev : w.getEventsList()) {
                        if (ev.getType() == Event.EventType.DELETE) {
                            if (!anyPut) {
                                cancelWatch();
                                next();
                                return;
                            }
                            continue;
                        }
                        ResponseHeader h = w.getHeader().toBuilder().setRevision(ev.getKv().getModRevision()).build();
                        send(LeaderResponse.newBuilder().setHeader(h).setKv(ev.getKv()).build());
                        if (anyPut) {
                            // a first leader: follow its key from here
                            cancelWatch();
                            follow(WatchCreateRequest.newBuilder().setKey(ev.getKv().getKey())
                                    .setStartRevision(ev.getKv().getModRevision() + 1).build(), false);
                            return;
                        }
                    }
                    Flow.Subscription s = watch;
                    if (s != null) {
                        s.request(1);
                    }
                }

                @Override
                public void onError(Throwable t) {
                    fail(t);
                }

                @Override
                public void onComplete() {
                    fail(new IllegalStateException("the watch of the election ended"));
                }
            });
        }

        private synchronized void cancelWatch() {
            if (watch != null) {
                watch.cancel();
                watch = null;
            }
        }

        private synchronized void send(LeaderResponse r) {
            if (done) {
                return;
            }
            unsent = r;
            flush();
        }

        private synchronized void flush() {
            if (!done && unsent != null && out.isReady()) {
                LeaderResponse r = unsent;
                unsent = null;
                try {
                    out.onNext(r);
                } catch (RuntimeException e) {
                    stop();
                }
            }
        }

        private void fail(Throwable t) {
            synchronized (this) {
                if (done) {
                    return;
                }
            }
            stop();
            try {
                out.onError(GrpcErrors.toStatus(t).asRuntimeException());
            } catch (RuntimeException e) {
                log.debug("observe stream already ended: {}", e.toString());
            }
        }

        private void stop() {
            synchronized (this) {
                if (done) {
                    return;
                }
                done = true;
            }
            cancelWatch();
            waiters.release();
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Waiting for older keys

    /** One waiting call: its key and creation revision once made, its current watch, and whether it ended. */
    private static final class Waiter {
        final ServerCallStreamObserver<?> call;
        volatile ByteString key;
        volatile long rev;
        private Flow.Subscription watch;
        private boolean ended;

        Waiter(ServerCallStreamObserver<?> call) {
            this.call = call;
        }

        synchronized boolean watching(Flow.Subscription s) {
            if (ended) {
                s.cancel();
                return false;
            }
            watch = s;
            return true;
        }

        synchronized void end() {
            ended = true;
            if (watch != null) {
                watch.cancel();
                watch = null;
            }
        }

        synchronized boolean ended() {
            return ended;
        }
    }

    private Waiter waiter(ServerCallStreamObserver<?> call) {
        if (!waiters.tryAcquire()) {
            call.onError(Status.RESOURCE_EXHAUSTED.withDescription("cairn: too many lock and election waiters ("
                    + WAITERS_MAX + ")").asRuntimeException());
            return null;
        }
        Waiter w = new Waiter(call);
        call.setOnCancelHandler(w::end);
        return w;
    }

    /**
     * Answers a waiting call with {@code done}'s outcome; a call that failed or was cancelled gives up its key
     * ({@code giveUp}), as etcd's recipes do.
     */
    private <R extends Message> void finish(Waiter w, CompletableFuture<R> done, StreamObserver<R> out,
            Supplier<CompletableFuture<?>> giveUp) {
        done.whenComplete((r, e) -> {
            boolean cancelled = w.ended();
            w.end();
            waiters.release();
            if (e != null || cancelled) {
                giveUp.get().whenComplete((x, e2) -> {
                    if (e2 != null) {
                        log.debug("could not give up a waiter's key: {}", e2.toString());
                    }
                });
            }
            if (cancelled) {
                return;
            }
            GrpcCalls.send(out, log, () -> {
                if (e == null) {
                    out.onNext(r);
                    out.onCompleted();
                } else {
                    out.onError(GrpcCalls.status(e, log));
                }
            });
        });
    }

    /**
     * Waits until no key of {@code prefix} created at or below {@code maxCreateRevision} is left (etcd's
     * waitDeletes): reads the newest such key and watches it until deleted, then reads again.
     */
    private CompletableFuture<ResponseHeader> waitDeletes(Caller c, Waiter w, ByteString prefix,
            long maxCreateRevision) {
        if (w.ended()) {
            return CompletableFuture.failedFuture(Status.CANCELLED.withDescription("the call was cancelled")
                    .asRuntimeException());
        }
        RangeRequest newestOlder = RangeRequest.newBuilder().setKey(prefix).setRangeEnd(prefixEnd(prefix))
                .setSortTarget(RangeRequest.SortTarget.CREATE).setSortOrder(RangeRequest.SortOrder.DESCEND)
                .setLimit(1).setMaxCreateRevision(maxCreateRevision).build();
        return c.range(newestOlder).thenCompose(r -> {
            if (r.getKvsCount() == 0) {
                return CompletableFuture.completedFuture(r.getHeader());
            }
            return waitDelete(w, r.getKvs(0).getKey(), r.getHeader().getRevision())
                    .thenCompose(x -> waitDeletes(c, w, prefix, maxCreateRevision));
        });
    }

    /** Completes once {@code key} is deleted at or after {@code revision}. */
    private CompletableFuture<Void> waitDelete(Waiter w, ByteString key, long revision) {
        CompletableFuture<Void> deleted = new CompletableFuture<>();
        store.watch(WatchCreateRequest.newBuilder().setKey(key).setStartRevision(revision).build())
                .subscribe(new Flow.Subscriber<>() {
                    private Flow.Subscription s;

                    @Override
                    public void onSubscribe(Flow.Subscription subscription) {
                        s = subscription;
                        if (w.watching(subscription)) {
                            subscription.request(1);
                        } else {
                            deleted.completeExceptionally(Status.CANCELLED.withDescription("the call was cancelled")
                                    .asRuntimeException());
                        }
                    }

                    @Override
                    public void onNext(WatchResponse r) {
                        if (r.getCanceled()) {
                            deleted.completeExceptionally(Status.UNAVAILABLE.withDescription(
                                    "lost watcher waiting for delete").asRuntimeException());
                            return;
                        }
                        for (Event ev : r.getEventsList()) {
                            if (ev.getType() == Event.EventType.DELETE) {
                                s.cancel();
                                deleted.complete(null);
                                return;
                            }
                        }
                        s.request(1);
                    }

                    @Override
                    public void onError(Throwable t) {
                        deleted.completeExceptionally(t);
                    }

                    @Override
                    public void onComplete() {
                        deleted.completeExceptionally(Status.CANCELLED.withDescription("lost watcher waiting for delete")
                                .asRuntimeException());
                    }
                });
        return deleted;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Pieces

    /** The current call's caller: its auth token, taken on the transport thread when the call arrives. */
    private Caller caller() {
        return new Caller(AuthMetadata.token());
    }

    /**
     * The store as one caller sees it: every read and write of a Lock or Election call is made with the caller's
     * token, so that with auth enabled it needs the permissions the same requests through KV would need (etcd's
     * lock and election servers call its KV API with the caller's credentials). The watches that wait for deletes
     * follow keys under the prefix the caller has just read, so they need no check of their own.
     */
    private final class Caller {
        private final String token;

        Caller(String token) {
            this.token = token;
        }

        CompletableFuture<RangeResponse> range(RangeRequest r) {
            return store.range(r, token);
        }

        CompletableFuture<TxnResponse> txn(TxnRequest t) {
            return store.txn(t, token);
        }

        CompletableFuture<io.cairn.kv.proto.etcd.DeleteRangeResponse> deleteRange(DeleteRangeRequest d) {
            return store.deleteRange(d, token);
        }

        CompletableFuture<io.cairn.kv.proto.etcd.LeaseGrantResponse> leaseGrant(LeaseGrantRequest g) {
            return store.leaseGrant(g, token);
        }
    }

    /** The lease a request names, or a new one of {@link #SESSION_TTL_SECONDS} for lease 0. */
    private CompletableFuture<Long> session(Caller c, long lease) {
        if (lease != 0) {
            return CompletableFuture.completedFuture(lease);
        }
        return c.leaseGrant(LeaseGrantRequest.newBuilder().setTTL(SESSION_TTL_SECONDS).build())
                .thenApply(g -> g.getID());
    }

    private static ByteString hex(long lease) {
        return ByteString.copyFrom(Long.toHexString(lease), StandardCharsets.US_ASCII);
    }

    private static Compare createRevision(ByteString key, long revision) {
        return Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.CREATE)
                .setResult(Compare.CompareResult.EQUAL).setCreateRevision(revision).build();
    }

    private static RequestOp put(ByteString key, ByteString value, long lease) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key).setValue(value)
                .setLease(lease)).build();
    }

    private static RequestOp get(ByteString key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)).build();
    }

    /** The oldest key under {@code prefix} (etcd's WithFirstCreate). */
    private static RequestOp firstCreated(ByteString prefix) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(prefix)
                .setRangeEnd(prefixEnd(prefix)).setSortTarget(RangeRequest.SortTarget.CREATE)
                .setSortOrder(RangeRequest.SortOrder.ASCEND).setLimit(1)).build();
    }

    private static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }
}
