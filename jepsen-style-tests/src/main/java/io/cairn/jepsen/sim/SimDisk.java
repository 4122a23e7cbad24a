package io.cairn.jepsen.sim;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.Message;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One member's simulated disk: what is durable, and the writes queued in front of it.
 *
 * <p>Writes complete in order, each after an fsync latency drawn from the seed. A crash throws the queue away:
 * whatever was not yet synced is lost, as a power cut would lose it. Messages that the {@code Ready} contract
 * says may leave only after a write ride with that write (or, when a Ready writes nothing but earlier writes
 * are still queued, with the last queued write) and leave when it completes.
 */
final class SimDisk {
    /** A queued write. */
    static final class Write {
        final HardState hardState;
        final List<Entry> entries;
        final List<Message> afterPersist = new ArrayList<>();
        long completesAtMicros;

        Write(HardState hardState, List<Entry> entries) {
            this.hardState = hardState;
            this.entries = entries;
        }
    }

    private HardState hardState = HardState.EMPTY;
    /** Durable entries; entry at index i is at position i - 1 (no compaction in this version). */
    private final ArrayList<Entry> entries = new ArrayList<>();
    private final ArrayDeque<Write> queue = new ArrayDeque<>();

    HardState hardState() {
        return hardState;
    }

    List<Entry> entries() {
        return entries;
    }

    long lastIndex() {
        return entries.size();
    }

    /** The durable entry at {@code index}, or null. */
    Entry entry(long index) {
        return index >= 1 && index <= entries.size() ? entries.get((int) index - 1) : null;
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
        if (w.hardState != null) {
            hardState = w.hardState;
        }
        if (!w.entries.isEmpty()) {
            long first = w.entries.get(0).index();
            if (first > entries.size() + 1) {
                throw new IllegalStateException("write of entries from " + first + " leaves a gap after "
                        + entries.size());
            }
            while (entries.size() >= first) {
                entries.remove(entries.size() - 1);
            }
            entries.addAll(w.entries);
        }
        return w;
    }

    /** A crash: every queued, unsynced write is lost. Returns how many. */
    int loseUnsynced() {
        int lost = queue.size();
        queue.clear();
        return lost;
    }
}
