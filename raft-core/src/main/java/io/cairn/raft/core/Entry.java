package io.cairn.raft.core;

import java.util.Arrays;

/**
 * One log entry: a position (index, 1-based as in the paper), the term of the leader that created it, a type,
 * and opaque bytes.
 *
 * <p>Entries are immutable once created; the {@code data} array is never copied and must not be changed by
 * anyone after it is handed to {@link RaftNode#propose}. Two entries are equal when all four parts are equal.
 */
public record Entry(long term, long index, EntryType type, byte[] data) {
    private static final byte[] EMPTY = new byte[0];

    /** Bytes counted for an entry's framing when limits are applied (term, index, type, length). */
    public static final int OVERHEAD_BYTES = 24;

    public Entry {
        Invariants.check(index > 0, "entry index must be positive, got %d", index);
        Invariants.check(term > 0, "entry term must be positive, got %d", term);
        if (data == null) {
            data = EMPTY;
        }
    }

    public static Entry command(long term, long index, byte[] data) {
        return new Entry(term, index, EntryType.COMMAND, data);
    }

    public static Entry noop(long term, long index) {
        return new Entry(term, index, EntryType.NOOP, EMPTY);
    }

    /** Size counted against byte limits: the payload plus a fixed framing overhead. */
    public long sizeBytes() {
        return (long) data.length + OVERHEAD_BYTES;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Entry e
                && e.term == term
                && e.index == index
                && e.type == type
                && Arrays.equals(e.data, data);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(term) * 31 + Long.hashCode(index) * 17 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return term + "/" + index + (type == EntryType.COMMAND ? "" : " " + type) + (data.length == 0 ? "" : " " + data.length + "B");
    }
}
