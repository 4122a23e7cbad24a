package io.cairn.jepsen.sim;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.log.LogStorage;
import java.io.IOException;
import java.util.List;
import java.util.TreeMap;

/**
 * The real log, watched: it forwards every call to the segmented log and keeps, beside it, which entries are
 * durable (written and then synced), so that the simulator's durability check can ask about the real runtime
 * without parsing files. Entries only become durable here when {@link #sync()} returns, exactly as on disk: a
 * runtime that acknowledges before that (the ack-before-fsync bug) is caught.
 */
final class ObservedLogStorage implements LogStorage {
    private final LogStorage delegate;
    private final long groupId;
    /** Durable terms by index, and those written since the last sync. */
    private final TreeMap<Long, Long> durable = new TreeMap<>();
    private final TreeMap<Long, Long> current = new TreeMap<>();
    private long durableSnapshotIndex;
    private long currentSnapshotIndex;
    private Recovered recovered;

    ObservedLogStorage(LogStorage delegate, long groupId) {
        this.delegate = delegate;
        this.groupId = groupId;
    }

    /** What the group recovered at start. */
    Recovered recovered() {
        return recovered;
    }

    boolean holds(long index, long term) {
        Long t = durable.get(index);
        return t != null && t == term;
    }

    long lastIndex() {
        return durable.isEmpty() ? durableSnapshotIndex : Math.max(durable.lastKey(), durableSnapshotIndex);
    }

    @Override
    public Recovered recover(long group) throws IOException {
        Recovered r = delegate.recover(group);
        if (group == groupId) {
            recovered = r;
            durable.clear();
            current.clear();
            for (Entry e : r.entries()) {
                durable.put(e.index(), e.term());
                current.put(e.index(), e.term());
            }
            durableSnapshotIndex = r.snapshot() == null ? 0 : r.snapshot().index();
            currentSnapshotIndex = durableSnapshotIndex;
        }
        return r;
    }

    @Override
    public void append(long group, HardState hardState, List<Entry> entries) throws IOException {
        delegate.append(group, hardState, entries);
        if (group == groupId && !entries.isEmpty()) {
            current.tailMap(entries.get(0).index(), true).clear();
            for (Entry e : entries) {
                current.put(e.index(), e.term());
            }
        }
    }

    @Override
    public void saveSnapshot(long group, SnapshotMeta snapshot, boolean replaceLog) throws IOException {
        delegate.saveSnapshot(group, snapshot, replaceLog);
        if (group == groupId) {
            currentSnapshotIndex = snapshot.index();
            if (replaceLog) {
                current.clear();
            }
        }
    }

    @Override
    public void compact(long group, long index) throws IOException {
        delegate.compact(group, index);
    }

    @Override
    public void write() throws IOException {
        delegate.write();
    }

    @Override
    public void sync() throws IOException {
        delegate.sync();
        durable.clear();
        durable.putAll(current);
        durableSnapshotIndex = currentSnapshotIndex;
    }

    @Override
    public void close() throws IOException {
        delegate.close();
    }

}
