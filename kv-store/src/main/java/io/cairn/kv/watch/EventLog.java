package io.cairn.kv.watch;

import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.List;

/**
 * What the {@link WatchHub} reads: a member's applied state, as its MVCC store's revision log holds it. The KV
 * store's implementation reads whichever store the member has now, so a member that installed a snapshot is read
 * from the new store. Any thread.
 */
public interface EventLog {
    /** The revision of the last applied write. */
    long revision();

    /** The revision below which history is gone (events before it cannot be read). */
    long compactedRevision();

    /**
     * The events of revisions {@code fromRevision} and later, in revision order, at most {@code eventsMax} (so the
     * last revision may be cut), read on one consistent view of the store. Fails with a
     * {@link io.cairn.kv.mvcc.KvException} when {@code fromRevision} is compacted away.
     */
    Batch events(long fromRevision, int eventsMax);

    /**
     * Events read at one moment.
     *
     * @param revision the store's revision in the view they were read from: when fewer than the maximum came back,
     *     every event up to this revision is here
     */
    record Batch(List<Event> events, long revision) {}

    /** The key's version at {@code revision}, or null when it had none or that revision is compacted away. */
    KeyValue versionAt(byte[] key, long revision);
}
