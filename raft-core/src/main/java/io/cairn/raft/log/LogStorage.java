package io.cairn.raft.log;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.SnapshotMeta;
import java.io.Closeable;
import java.io.IOException;
import java.util.List;

/**
 * The durable log of one member, shared by every Raft group the member hosts (records carry their group id),
 * so that one fdatasync covers the writes of all of them ("group commit").
 *
 * <p>Thread model: {@link #append}, {@link #saveSnapshot}, {@link #compact} and {@link #sync} are called by one
 * writer thread; {@link #recover} once per group before any write.
 */
public interface LogStorage extends Closeable {
    /** What a group left on disk: its hard state, latest snapshot (or null) and the entries after it. */
    record Recovered(HardState hardState, SnapshotMeta snapshot, List<Entry> entries) {}

    /** The durable state of {@code groupId} (an empty state for a group never written). */
    Recovered recover(long groupId) throws IOException;

    /**
     * Queues a write for {@code groupId}: its hard state (null when unchanged) and entries. If the first entry's
     * index is at or below the last index written for the group, the group's log is cut back first (a
     * conflicting suffix is replaced). Not durable until {@link #sync()} returns.
     */
    void append(long groupId, HardState hardState, List<Entry> entries) throws IOException;

    /**
     * Records that the group's state machine holds a durable snapshot covering {@code snapshot}: recovery returns
     * it and only the entries after it. When given with {@code replaceLog}, every entry the group had is
     * discarded (a snapshot received from the leader). Not durable until {@link #sync()} returns.
     */
    void saveSnapshot(long groupId, SnapshotMeta snapshot, boolean replaceLog) throws IOException;

    /** Entries of the group up to {@code index} (covered by a durable snapshot) may be deleted from disk. */
    void compact(long groupId, long index) throws IOException;

    /**
     * Hands everything appended so far to the file system (written, not yet durable: a crash may lose it or
     * keep a torn piece of it). {@link #sync()} does this too; a writer calls it first when it wants the
     * write and the data sync as two steps.
     */
    default void write() throws IOException {
    }

    /** Makes everything queued so far durable, with one data sync however many groups wrote. */
    void sync() throws IOException;
}
