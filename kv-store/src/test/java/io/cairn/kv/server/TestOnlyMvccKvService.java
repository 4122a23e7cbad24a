package io.cairn.kv.server;

import com.google.protobuf.Message;
import io.cairn.kv.KvService;
import io.cairn.kv.mvcc.Applied;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.mvcc.Validation;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.CompactionResponse;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * TEST SCAFFOLDING, not Cairn's KV service: a {@link KvService} that applies each request straight to a local
 * {@link MvccStore} on one thread, with no Raft, no replication and no linearizable-read protocol, so that the
 * gRPC layer can be tested against real etcd semantics before (and independently of) the real, Raft-replicated
 * KvStore. Writes are validated as a proposer would ({@link Validation#checkCommand}), encoded as a
 * {@link KvCommand} and applied as the entry at the next index; Range runs on the same thread. Headers carry the
 * fixed {@link #CLUSTER_ID}, {@link #MEMBER_ID} and {@link #RAFT_TERM}.
 *
 * <p>Threads: one apply thread (bounded queue); the methods may be called from any thread.
 */
final class TestOnlyMvccKvService implements KvService, AutoCloseable {
    static final long CLUSTER_ID = 193;
    static final long MEMBER_ID = 161;
    static final long RAFT_TERM = 3;

    private final MvccStore store;
    private final ThreadPoolExecutor applyThread = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(1_000), r -> new Thread(r, "test-kv-apply"));
    private long index; // apply thread only

    TestOnlyMvccKvService(Path dir) {
        store = MvccStore.open(dir, KvLimits.DEFAULTS.withFlushIntervalMillis(0));
    }

    @Override
    public CompletableFuture<RangeResponse> range(RangeRequest request) {
        return onApplyThread(() -> store.range(request))
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader())).build());
    }

    @Override
    public CompletableFuture<PutResponse> put(PutRequest request) {
        return propose(KvCommand.newBuilder().setPut(request).build(), PutResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader())).build());
    }

    @Override
    public CompletableFuture<DeleteRangeResponse> deleteRange(DeleteRangeRequest request) {
        return propose(KvCommand.newBuilder().setDeleteRange(request).build(), DeleteRangeResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader())).build());
    }

    @Override
    public CompletableFuture<TxnResponse> txn(TxnRequest request) {
        return propose(KvCommand.newBuilder().setTxn(request).build(), TxnResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader())).build());
    }

    @Override
    public CompletableFuture<CompactionResponse> compact(CompactionRequest request) {
        return propose(KvCommand.newBuilder().setCompaction(request).build(), CompactionResponse.class)
                .thenApply(r -> r.toBuilder().setHeader(header(r.getHeader())).build());
    }

    private <T extends Message> CompletableFuture<T> propose(KvCommand command, Class<T> type) {
        try {
            Validation.checkCommand(command, store.limits());
        } catch (KvException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] bytes = command.toByteArray();
        return onApplyThread(() -> store.apply(List.of(new Applied(++index, bytes))).get(0))
                .thenCompose(result -> result.isError()
                        ? CompletableFuture.<T>failedFuture(result.error())
                        : result.completion().thenApply(v -> result.response(type)));
    }

    private <T> CompletableFuture<T> onApplyThread(Supplier<T> work) {
        return CompletableFuture.supplyAsync(work, applyThread);
    }

    private static ResponseHeader header(ResponseHeader fromStore) {
        return fromStore.toBuilder().setClusterId(CLUSTER_ID).setMemberId(MEMBER_ID).setRaftTerm(RAFT_TERM).build();
    }

    /** Closes the store on the apply thread (the store's rule), then stops the thread. */
    @Override
    public void close() throws ExecutionException, TimeoutException {
        try {
            CompletableFuture.runAsync(store::close, applyThread).get(30, TimeUnit.SECONDS);
            applyThread.shutdown();
            applyThread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
