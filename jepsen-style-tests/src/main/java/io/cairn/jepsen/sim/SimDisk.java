package io.cairn.jepsen.sim;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.SnapshotMeta;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One member's simulated disk: what is durable, and the writes queued in front of it.
 *
 * <p>Durable state is a hard state, at most one snapshot (its metadata and the register map it captured) and
 * the log entries after it. Writes complete in order, each after an fsync latency drawn from the seed. A crash
 * throws the queue away: whatever was not yet synced is lost, as a power cut would lose it. Messages that the
 * {@code Ready} contract says may leave only after a write ride with that write (or, when a Ready writes nothing
 * but earlier writes are still queued, with the last queued write) and leave when it completes.
 */
final class SimDisk {
    /** A queued write. */
    static final class Write {
        final HardState hardState;
        final List<Entry> entries;
        final SnapshotMeta snapshot;
        final Map<Integer, Long> snapshotRegisters;
        final List<Message> afterPersist = new ArrayList<>();
        long completesAtMicros;

        Write(HardState hardState, List<Entry> entries, SnapshotMeta snapshot, Map<Integer, Long> snapshotRegisters) {
            this.hardState = hardState;
            this.entries = entries;
            this.snapshot = snapshot;
            this.snapshotRegisters = snapshotRegisters;
        }
    }

    private HardState hardState = HardState.EMPTY;
    private SnapshotMeta snapshot;
    private Map<Integer, Long> snapshotRegisters = Map.of();
    /** Durable entries after the snapshot: the entry at index i is at position i - base - 1. */
    private final ArrayList<Entry> entries = new ArrayList<>();
    private long base;
    private final ArrayDeque<Write> queue = new ArrayDeque<>();

    HardState hardState() {
        return hardState;
    }

    SnapshotMeta snapshot() {
        return snapshot;
    }

    Map<Integer, Long> snapshotRegisters() {
        return snapshotRegisters;
    }

    List<Entry> entries() {
        return entries;
    }

    long lastIndex() {
        return base + entries.size();
    }

    /** The durable entry at {@code index}, or null (not written, or folded into the snapshot). */
    Entry entry(long index) {
        return index > base && index <= lastIndex() ? entries.get((int) (index - base - 1)) : null;
    }

    boolean hasQueued() {
        return !queue.isEmpty();
    }

    Write lastQueued() {
        return queue.peekLast();
    }

    long lastCompletionMicros() {
        return queue.isEmpty() ? 0 : queue.peekLast().completesAtMicros;
    }

    void enqueue(Write w) {
        queue.addLast(w);
    }

    /** Makes the oldest queued write durable and returns it. */
    Write completeOldest() {
        Write w = queue.pollFirst();
        if (w.snapshot != null) {
            installSnapshot(w.snapshot, w.snapshotRegisters, true);
        }
        if (w.hardState != null) {
            hardState = w.hardState;
        }
        if (!w.entries.isEmpty()) {
            long first = w.entries.get(0).index();
            if (first > lastIndex() + 1 || first <= base) {
                throw new IllegalStateException("write of entries from " + first + " does not fit the durable log "
                        + base + ".." + lastIndex());
            }
            while (lastIndex() >= first) {
                entries.remove(entries.size() - 1);
            }
            entries.addAll(w.entries);
        }
        return w;
    }

    /**
     * Stores a snapshot durably. A snapshot received from the leader replaces the whole log
     * ({@code replaceLog}); one taken locally only folds the entries it covers.
     */
    void installSnapshot(SnapshotMeta meta, Map<Integer, Long> registers, boolean replaceLog) {
        if (snapshot != null && meta.index() <= snapshot.index() && !replaceLog) {
            return;
        }
        snapshot = meta;
        snapshotRegisters = new TreeMap<>(registers);
        if (replaceLog || meta.index() >= lastIndex()) {
            entries.clear();
        } else {
            entries.subList(0, (int) (meta.index() - base)).clear();
        }
        base = meta.index();
    }

    /** A crash: every queued, unsynced write is lost. Returns how many. */
    int loseUnsynced() {
        int lost = queue.size();
        queue.clear();
        return lost;
    }
}
