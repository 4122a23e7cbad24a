package io.cairn.raft.server;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.log.LogStorage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link LogStorage} in memory for runtime tests: writes are pending until {@link #sync()}, and
 * {@link #crash()} drops what was not synced, as a power cut would. Survives "restarts" when the same instance
 * is given to a new server.
 */
final class MemoryLogStorage implements LogStorage {
    private static final class Group {
        HardState hardState = HardState.EMPTY;
        SnapshotMeta snapshot;
        List<Entry> entries = new ArrayList<>();

        Group copy() {
            Group g = new Group();
            g.hardState = hardState;
            g.snapshot = snapshot;
            g.entries = new ArrayList<>(entries);
            return g;
        }
    }

    private final Map<Long, Group> durable = new HashMap<>();
    private final Map<Long, Group> current = new HashMap<>();
    volatile int syncs;

    @Override
    public synchronized Recovered recover(long groupId) {
        Group g = durable.computeIfAbsent(groupId, k -> new Group());
        current.put(groupId, g.copy());
        return new Recovered(g.hardState, g.snapshot, List.copyOf(g.entries));
    }

    @Override
    public synchronized void append(long groupId, HardState hardState, List<Entry> entries) {
        RuntimeException e = failAppends;
        if (e != null) {
            throw e;
        }
        Group g = current.computeIfAbsent(groupId, k -> new Group());
        if (hardState != null) {
            g.hardState = hardState;
        }
        if (!entries.isEmpty()) {
            long first = entries.get(0).index();
            while (!g.entries.isEmpty() && g.entries.get(g.entries.size() - 1).index() >= first) {
                g.entries.remove(g.entries.size() - 1);
            }
            g.entries.addAll(entries);
        }
    }

    @Override
    public synchronized void saveSnapshot(long groupId, SnapshotMeta snapshot, boolean replaceLog) {
        Group g = current.computeIfAbsent(groupId, k -> new Group());
        // the contract SegmentedLog enforces: a recorded snapshot never goes back
        io.cairn.raft.core.Invariants.check(g.snapshot == null || snapshot.index() >= g.snapshot.index(),
                "group %d: snapshot at %d is older than the one at %d", groupId, snapshot.index(),
                g.snapshot == null ? 0 : g.snapshot.index());
        g.snapshot = snapshot;
        if (replaceLog) {
            g.entries.clear();
        } else {
            g.entries.removeIf(e -> e.index() <= snapshot.index());
        }
    }

    @Override
    public synchronized void compact(long groupId, long index) {
        Group g = current.get(groupId);
        if (g != null) {
            g.entries.removeIf(e -> e.index() <= index);
        }
    }

    /** When set, every append throws it (a bug in the storage, not an I/O error). */
    volatile RuntimeException failAppends;

    /** When set, every sync fails as a disk's fsync would (EIO). */
    volatile boolean failSyncs;

    @Override
    public synchronized void sync() throws java.io.IOException {
        if (failSyncs) {
            throw new java.io.IOException("injected: fsync failed (EIO)");
        }
        current.forEach((id, g) -> durable.put(id, g.copy()));
        syncs++;
    }

    /** Loses everything not synced. */
    synchronized void crash() {
        current.clear();
    }

    @Override
    public void close() {
    }
}
