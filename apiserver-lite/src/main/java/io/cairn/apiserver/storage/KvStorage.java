package io.cairn.apiserver.storage;

import com.google.protobuf.ByteString;
import io.cairn.kv.KvStore;
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
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link Storage} on the embedded {@link KvStore}: the same etcd requests a remote client would send, without the
 * network. Keys and values are etcd's bytes; keys here are UTF-8 paths.
 */
public final class KvStorage implements Storage {
    /** How many watch responses a store watch may have requested and not yet handled. */
    private static final int WATCH_DEMAND = 64;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KvStorage.class);

    private final KvStore store;
    private final boolean owned;

    /** @param owned whether {@link #close()} closes the store too */
    public KvStorage(KvStore store, boolean owned) {
        this.store = store;
        this.owned = owned;
    }

    public KvStore store() {
        return store;
    }

    @Override
    public CompletableFuture<Optional<Item>> get(String key) {
        return store.range(RangeRequest.newBuilder().setKey(bytes(key)).build())
                .thenApply(r -> r.getKvsCount() == 0 ? Optional.<Item>empty() : Optional.of(item(r.getKvs(0))))
                .exceptionallyCompose(KvStorage::failed);
    }

    @Override
    public CompletableFuture<Page> list(String prefix, String startKey, long revision, int limit) {
        RangeRequest.Builder r = RangeRequest.newBuilder()
                .setKey(bytes(startKey == null ? prefix : startKey))
                .setRangeEnd(prefixEnd(bytes(prefix)))
                .setRevision(revision)
                .setLimit(limit);
        return store.range(r.build()).thenApply(resp -> page(resp, revision)).exceptionallyCompose(KvStorage::failed);
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
        return store.txn(t.build()).thenApply(KvStorage::result).exceptionallyCompose(KvStorage::failed);
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
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        WatchCreateRequest request = WatchCreateRequest.newBuilder().setKey(bytes(prefix))
                .setRangeEnd(prefixEnd(bytes(prefix))).setStartRevision(fromRevision).setPrevKv(true).build();
        StoreWatch w = new StoreWatch(listener);
        store.watch(request).subscribe(w);
        return w;
    }

    @Override
    public CompletableFuture<Void> compact(long revision) {
        return store.compact(io.cairn.kv.proto.etcd.CompactionRequest.newBuilder().setRevision(revision).build())
                .<Void>thenApply(r -> null).exceptionallyCompose(KvStorage::failed);
    }

    @Override
    public long currentRevision() {
        return store.revision();
    }

    @Override
    public long compactedRevision() {
        return store.compactedRevision();
    }

    @Override
    public boolean ready() {
        return store.hasLeader() && store.failure() == null;
    }

    @Override
    public void close() {
        if (owned) {
            store.close();
        }
    }

    /** One store watch: hands each response's events to the listener and asks for more as it goes. */
    private static final class StoreWatch implements Flow.Subscriber<WatchResponse>, Watch {
        private final WatchListener listener;
        private final AtomicBoolean ended = new AtomicBoolean();
        private volatile Flow.Subscription subscription;
        private volatile boolean closed;

        StoreWatch(WatchListener listener) {
            this.listener = listener;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (closed) {
                s.cancel();
            } else {
                s.request(WATCH_DEMAND);
            }
        }

        @Override
        public void onNext(WatchResponse r) {
            if (closed) {
                return;
            }
            if (r.getCanceled()) {
                end(r.getCompactRevision(), r.getCancelReason().isEmpty() ? "watch cancelled" : r.getCancelReason());
                return;
            }
            long rev = r.getHeader().getRevision();
            try {
                deliver(r, rev);
            } catch (RuntimeException e) {
                // the store would cancel this watch without a word: end it here, so the listener hears of it
                log.warn("a store watch's listener failed; ending the watch", e);
                close();
                return;
            }
            subscription.request(1);
        }

        private void deliver(WatchResponse r, long rev) {
            if (r.getEventsCount() == 0) {
                listener.onProgress(rev);
            } else {
                List<Event> events = new ArrayList<>(r.getEventsCount());
                for (io.cairn.kv.proto.mvcc.Event e : r.getEventsList()) {
                    boolean delete = e.getType() == io.cairn.kv.proto.mvcc.Event.EventType.DELETE;
                    Item prev = e.hasPrevKv() ? item(e.getPrevKv()) : null;
                    events.add(new Event(delete, item(e.getKv()), prev));
                }
                long last = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
                listener.onEvents(events, last);
            }
        }

        @Override
        public void onError(Throwable t) {
            end(0, "store watch failed: " + t.getMessage());
        }

        @Override
        public void onComplete() {
            end(0, "store watch ended");
        }

        private void end(long compactRevision, String reason) {
            if (ended.compareAndSet(false, true)) {
                listener.onCancelled(compactRevision, reason);
            }
        }

        @Override
        public void close() {
            closed = true;
            Flow.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
            end(0, "closed");
        }
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
