package io.cairn.raft.core.log;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.Invariants;
import java.util.ArrayList;
import java.util.List;

/**
 * A growable circular array of consecutive entries, addressed by log index.
 *
 * <p>The log grows at the tail, is cut back at the tail on conflicts and, after a snapshot, loses its head:
 * a ring does all three in O(1) (amortised for growth) without the O(n) shifting of an {@code ArrayList}
 * prefix removal. Invariant: slot {@code (head + k) % capacity} holds the entry with index
 * {@code firstIndex + k} for {@code 0 <= k < size}.
 */
final class EntryRing {
    private Entry[] slots;
    private int head;
    private int size;
    private long firstIndex;

    EntryRing(long firstIndex) {
        this.slots = new Entry[64];
        this.firstIndex = firstIndex;
    }

    long firstIndex() {
        return firstIndex;
    }

    /** The index one past the last entry held. */
    long endIndex() {
        return firstIndex + size;
    }

    int size() {
        return size;
    }

    Entry get(long index) {
        long k = index - firstIndex;
        Invariants.check(k >= 0 && k < size, "entry %d is not held (have %d..%d)", index, firstIndex, endIndex() - 1);
        return slots[(int) ((head + k) & (slots.length - 1))];
    }

    void add(Entry e) {
        Invariants.check(e.index() == endIndex(), "appending entry %d, expected %d", e.index(), endIndex());
        if (size == slots.length) {
            grow();
        }
        slots[(head + size) & (slots.length - 1)] = e;
        size++;
    }

    /** Removes every entry with index {@code >= index}. */
    void truncateFrom(long index) {
        long keep = Math.max(0, Math.min(size, index - firstIndex));
        for (long k = keep; k < size; k++) {
            slots[(int) ((head + k) & (slots.length - 1))] = null;
        }
        size = (int) keep;
    }

    /** Empties the ring; the next entry added must have index {@code firstIndex}. */
    void reset(long newFirstIndex) {
        truncateFrom(firstIndex);
        head = 0;
        firstIndex = newFirstIndex;
    }

    /** Removes every entry with index {@code < index}; afterwards the ring starts at {@code index}. */
    void dropBefore(long index) {
        long drop = index - firstIndex;
        if (drop <= 0) {
            return;
        }
        if (drop >= size) {
            for (int k = 0; k < size; k++) {
                slots[(head + k) & (slots.length - 1)] = null;
            }
            head = 0;
            size = 0;
        } else {
            for (int k = 0; k < drop; k++) {
                slots[(head + k) & (slots.length - 1)] = null;
            }
            head = (int) ((head + drop) & (slots.length - 1));
            size -= (int) drop;
        }
        firstIndex = index;
    }

    /** Entries {@code [from, to)} as a new list. */
    List<Entry> slice(long from, long to) {
        Invariants.check(from >= firstIndex && to <= endIndex() && from <= to,
                "slice %d..%d outside %d..%d", from, to, firstIndex, endIndex());
        List<Entry> out = new ArrayList<>((int) (to - from));
        for (long i = from; i < to; i++) {
            out.add(slots[(int) ((head + (i - firstIndex)) & (slots.length - 1))]);
        }
        return out;
    }

    private void grow() {
        Entry[] bigger = new Entry[slots.length * 2];
        for (int k = 0; k < size; k++) {
            bigger[k] = slots[(head + k) & (slots.length - 1)];
        }
        slots = bigger;
        head = 0;
    }
}
