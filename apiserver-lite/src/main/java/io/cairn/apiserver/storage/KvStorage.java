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
public final class KvStorage extends KvServiceStorage {
    /** How many watch responses a store watch may have requested and not yet handled. */
    private static final int WATCH_DEMAND = 64;
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(KvStorage.class);

    private final KvStore store;
    private final boolean owned;

    /** @param owned whether {@link #close()} closes the store too */
    public KvStorage(KvStore store, boolean owned) {
        super(store);
        this.store = store;
        this.owned = owned;
    }

    public KvStore store() {
        return store;
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
}
