package io.cairn.apiserver.storage;

import com.google.protobuf.ByteString;
import io.cairn.kv.KvService;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.ResponseOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The reads, transactions and compaction of a {@link Storage} as etcd v3 KV requests to a {@link KvService}: the
 * embedded store ({@link KvStorage}) or a remote etcd-compatible cluster over gRPC ({@link EtcdStorage}) take the same
 * requests. Subclasses add the watch and the store's state.
 */
abstract class KvServiceStorage implements Storage {
    private final KvService kv;

    KvServiceStorage(KvService kv) {
        this.kv = kv;
    }

    /** Called with the revision of every answer (a remote store tracks its revision from them). */
    void observed(long revision) {
    }

    @Override
    public CompletableFuture<Optional<Item>> get(String key) {
        return kv.range(RangeRequest.newBuilder().setKey(bytes(key)).build())
                .thenApply(r -> r.getKvsCount() == 0 ? Optional.<Item>empty() : Optional.of(item(r.getKvs(0))))
                .exceptionallyCompose(KvServiceStorage::failed);
    }

    @Override
    public CompletableFuture<Page> list(String prefix, String startKey, long revision, int limit) {
        RangeRequest.Builder r = RangeRequest.newBuilder()
                .setKey(bytes(startKey == null ? prefix : startKey))
                .setRangeEnd(prefixEnd(bytes(prefix)))
                .setRevision(revision)
                .setLimit(limit);
        return kv.range(r.build()).thenApply(resp -> {
            observed(resp.getHeader().getRevision());
            return page(resp, revision);
        }).exceptionallyCompose(KvServiceStorage::failed);
    }

    /** A page read at {@code revision} (0: the latest, which the header names) reports that revision. */
    private static Page page(RangeResponse r, long revision) {
        List<Item> items = new ArrayList<>(r.getKvsCount());
        for (KeyValue kv : r.getKvsList()) {
            items.add(item(kv));
        }
        return new Page(items, revision > 0 ? revision : r.getHeader().getRevision(), r.getMore(),
                Math.max(0, r.getCount() - items.size()));
    }

    @Override
    public CompletableFuture<TxnResult> commit(Txn txn) {
        TxnRequest.Builder t = TxnRequest.newBuilder();
        for (Guard g : txn.guards()) {
            t.addCompare(Compare.newBuilder().setKey(bytes(g.key())).setTarget(Compare.CompareTarget.MOD)
                    .setResult(Compare.CompareResult.EQUAL).setModRevision(g.modRevision()));
            t.addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bytes(g.key()))));
        }
        for (Op op : txn.ops()) {
            if (op.value() != null) {
                t.addSuccess(RequestOp.newBuilder().setRequestPut(
                        PutRequest.newBuilder().setKey(bytes(op.key())).setValue(ByteString.copyFrom(op.value()))));
            } else {
                t.addSuccess(RequestOp.newBuilder().setRequestDeleteRange(
                        DeleteRangeRequest.newBuilder().setKey(bytes(op.key()))));
            }
        }
        return kv.txn(t.build()).thenApply(r -> {
            observed(r.getHeader().getRevision());
            return result(r);
        }).exceptionallyCompose(KvServiceStorage::failed);
    }

    private static TxnResult result(TxnResponse r) {
        List<Item> current = new ArrayList<>();
        if (!r.getSucceeded()) {
            for (ResponseOp op : r.getResponsesList()) {
                for (KeyValue kv : op.getResponseRange().getKvsList()) {
                    current.add(item(kv));
                }
            }
        }
        return new TxnResult(r.getSucceeded(), r.getHeader().getRevision(), current);
    }

    @Override
    public CompletableFuture<Void> compact(long revision) {
        return kv.compact(io.cairn.kv.proto.etcd.CompactionRequest.newBuilder().setRevision(revision).build())
                .<Void>thenApply(r -> null).exceptionallyCompose(KvServiceStorage::failed);
    }

    static Item item(KeyValue kv) {
        return new Item(kv.getKey().toStringUtf8(), kv.getValue().toByteArray(), kv.getModRevision(),
                kv.getCreateRevision());
    }

    static ByteString bytes(String s) {
        return ByteString.copyFrom(s, StandardCharsets.UTF_8);
    }

    /** etcd's range end for every key with {@code prefix}: the prefix with its last byte incremented. */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        for (int i = end.length - 1; i >= 0; i--) {
            if (end[i] != (byte) 0xFF) {
                end[i]++;
                return ByteString.copyFrom(end, 0, i + 1);
            }
        }
        return ByteString.copyFrom(new byte[] {0});
    }

    /** The store's errors as the API server's {@link StorageException}. */
    static <T> CompletableFuture<T> failed(Throwable t) {
        Throwable c = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        StorageException.Kind kind = StorageException.Kind.INTERNAL;
        if (c instanceof KvException k) {
            String m = k.getMessage();
            if (m.contains("compacted")) {
                kind = StorageException.Kind.COMPACTED;
            } else if (m.contains("too large")) {
                kind = StorageException.Kind.TOO_LARGE;
            } else if (m.contains("timed out") || m.contains("leader changed")) {
                kind = StorageException.Kind.TIMEOUT;
            } else if (k.code() == KvException.Code.UNAVAILABLE || k.code() == KvException.Code.RESOURCE_EXHAUSTED) {
                kind = StorageException.Kind.UNAVAILABLE;
            }
        }
        return CompletableFuture.failedFuture(new StorageException(kind, c.getMessage(), c));
    }
}
