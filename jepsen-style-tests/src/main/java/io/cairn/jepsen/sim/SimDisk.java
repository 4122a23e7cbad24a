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
import java.util.function.LongSupplier;

/**
 * One member's simulated disk: what is durable, and the writes queued in front of it.
 *
 * <p>Durable state is a hard state, at most one snapshot (its metadata and the register map it captured) and
 * the log entries after it. Writes complete in order, each sync taking an fsync latency drawn from the seed. As
 * the real runtime's {@code LogWriter} does (group commit), writes submitted while a sync runs wait together and
 * become durable with the next sync: at most one write syncs and one waits behind it (robustness row 67; without
 * it, a follower fed one entry per message paid a whole fsync per entry, and a learner added late could not catch
 * up in the time a correct member has). A crash throws the queue away: whatever was not yet synced is lost, as a
 * power cut would lose it. Messages that the {@code Ready} contract says may leave only after a write ride with
 * that write (or, when a Ready writes nothing but earlier writes are still queued, with the last queued write) and
 * leave when it completes.
 */
final class SimDisk {
    /** A queued write. */
    static final class Write {
        HardState hardState;
        List<Entry> entries;
        final SnapshotMeta snapshot;
        final Map<Integer, Long> snapshotRegisters;
        final List<Message> afterPersist = new ArrayList<>();
        /** When its sync starts: once every write ahead of it is durable. */
        long syncStartsAtMicros;
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

    /**
     * Submits {@code w} at {@code nowMicros}. It joins the last queued write when that one still waits for the sync
     * in progress (group commit), and then returns false. Otherwise it is queued with its own sync, which starts
     * once the writes ahead of it are durable and lasts {@code fsyncMicros} (drawn only then), and it returns true:
     * the caller schedules the completion. A write that installs a snapshot never joins an earlier one (a write
     * installs its snapshot first, which would then go before the earlier write's entries).
     */
    boolean submit(Write w, long nowMicros, LongSupplier fsyncMicros) {
        Write last = queue.peekLast();
        if (last != null && last.syncStartsAtMicros > nowMicros && w.snapshot == null) {
            join(last, w);
            return false;
        }
        w.syncStartsAtMicros = Math.max(nowMicros, lastCompletionMicros());
        w.completesAtMicros = w.syncStartsAtMicros + fsyncMicros.getAsLong();
        queue.addLast(w);
        return true;
    }

    /** Folds {@code later} into {@code waiting}, as one write: a later entry cuts back what it replaces. */
    private static void join(Write waiting, Write later) {
        if (later.hardState != null) {
            waiting.hardState = later.hardState;
        }
        if (!later.entries.isEmpty()) {
            long first = later.entries.get(0).index();
            List<Entry> merged = new ArrayList<>(waiting.entries.size() + later.entries.size());
            for (Entry e : waiting.entries) {
                if (e.index() < first) {
                    merged.add(e);
                }
            }
            merged.addAll(later.entries);
            waiting.entries = merged;
        }
        waiting.afterPersist.addAll(later.afterPersist);
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
