package io.cairn.apiserver.storage;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * What the API server needs from a key-value store with etcd's data model: linearizable reads at a revision,
 * transactions guarded on a key's mod revision, and a watch of a prefix from a revision. The first implementation is
 * the embedded {@link io.cairn.kv.KvStore} ({@link KvStorage}); an etcd v3 client is the second (so the same server
 * runs on a Cairn cluster or on etcd).
 *
 * <p>Futures complete exceptionally with {@link StorageException} (compacted, too large, unavailable, timed out).
 */
public interface Storage extends AutoCloseable {

    /** A stored value and its revisions (etcd's mod_revision and create_revision). */
    record Item(String key, byte[] value, long modRevision, long createRevision) {
    }

    /**
     * One page of a range read at one revision.
     *
     * @param revision the revision the read was served at (a later page asks for the same one)
     * @param more whether keys after the last item remain
     * @param remaining how many keys remain after this page (when {@code more})
     */
    record Page(List<Item> items, long revision, boolean more, long remaining) {
    }

    /** The current value of {@code key}, read linearizably. */
    CompletableFuture<Optional<Item>> get(String key);

    /**
     * Keys with {@code prefix} from {@code startKey} (inclusive; null for the prefix's first), at {@code revision}
     * (0 for the latest, linearizable), at most {@code limit} of them (0 for all).
     */
    CompletableFuture<Page> list(String prefix, String startKey, long revision, int limit);

    /**
     * Applies {@code txn}'s operations if every guard holds; the result says which, with the revision after the
     * write (or the current revision) and, when the guards failed, the current items of the guarded keys.
     */
    CompletableFuture<TxnResult> commit(Txn txn);

    /**
     * Watches every key with {@code prefix}, from revision {@code fromRevision} (inclusive), delivering events in
     * revision order to {@code listener}, one call per revision batch, on one thread at a time. The store may cancel a
     * watch (compaction, shutdown): the listener is then told why, once.
     */
    Watch watch(String prefix, long fromRevision, WatchListener listener);

    /** Removes the history before {@code revision} (etcd's Compact); the API server does this every few minutes. */
    CompletableFuture<Void> compact(long revision);

    /** The store's revision now (may be a little behind a linearizable read). */
    long currentRevision();

    /** Revisions up to this one are compacted away. */
    long compactedRevision();

    /** Whether the store can serve writes now (for {@code /readyz}). */
    boolean ready();

    @Override
    void close();

    /** A change to a key: the new item (value empty on delete) and the one before it (null when created). */
    record Event(boolean delete, Item item, Item previous) {
    }

    interface WatchListener {
        void onEvents(List<Event> events, long revision);

        /** The store's revision moved to {@code revision} with no event for this watch (progress). */
        default void onProgress(long revision) {
        }

        /** The watch ended: compacted ({@code compactRevision} > 0) or closed. Called once. */
        void onCancelled(long compactRevision, String reason);
    }

    interface Watch extends AutoCloseable {
        @Override
        void close();
    }

    /** A conditional write: guards on mod revisions (0 = the key is absent), then puts and deletes. */
    record Txn(List<Guard> guards, List<Op> ops) {
        public static Txn of(Guard guard, Op... ops) {
            return new Txn(List.of(guard), List.of(ops));
        }
    }

    record Guard(String key, long modRevision) {
        public static Guard absent(String key) {
            return new Guard(key, 0);
        }
    }

    /** A put (value not null) or a delete (value null) of one key. */
    record Op(String key, byte[] value) {
        public static Op put(String key, byte[] value) {
            return new Op(key, value);
        }

        public static Op delete(String key) {
            return new Op(key, null);
        }
    }

    /**
     * @param revision the revision of the write when it succeeded, else the store's revision
     * @param current when it failed, the current item of each guarded key that exists
     */
    record TxnResult(boolean succeeded, long revision, List<Item> current) {
        public Optional<Item> current(String key) {
            return current.stream().filter(i -> i.key().equals(key)).findFirst();
        }
    }
}
