package io.cairn.raft.log;

import io.cairn.raft.core.Invariants;
import java.util.Arrays;

/**
 * The term of every index of a group's log, without the entries: a base (the snapshot's index and term) and one
 * run per term change after it. The writer keeps this instead of the entries themselves, which is all it needs to
 * check that terms never decrease across a write; its size is the number of distinct terms since the snapshot.
 *
 * <p>During recovery the base can be a position whose term is {@link #UNKNOWN} (entries that lived in segments
 * compaction deleted); lookups there answer {@link #UNKNOWN} and checks against them are skipped.
 */
final class TermRuns {
    /** The term of an index that is not known. */
    static final long UNKNOWN = -1;

    private long baseIndex;
    private long baseTerm;
    private long lastIndex;
    private long[] starts = new long[4];
    private long[] terms = new long[4];
    private int count;

    /** Forgets everything: the log ends at {@code index}, whose term is {@code term}. */
    void reset(long index, long term) {
        baseIndex = index;
        baseTerm = term;
        lastIndex = index;
        count = 0;
    }

    long lastIndex() {
        return lastIndex;
    }

    /** Adds the entry after the last one. */
    void append(long index, long term) {
        Invariants.check(index == lastIndex + 1, "term index: appending %d after %d", index, lastIndex);
        long previous = count == 0 ? baseTerm : terms[count - 1];
        if (term != previous) {
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                terms = Arrays.copyOf(terms, count * 2);
            }
            starts[count] = index;
            terms[count] = term;
            count++;
        }
        lastIndex = index;
    }

    /** The term of the entry at {@code index}, or {@link #UNKNOWN} outside {@code [base, last]}. */
    long termAt(long index) {
        if (index == baseIndex) {
            return baseTerm;
        }
        if (index < baseIndex || index > lastIndex) {
            return UNKNOWN;
        }
        int lo = 0;
        int hi = count - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (starts[mid] <= index) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found < 0 ? baseTerm : terms[found];
    }

    /** Removes the entries at {@code index} and after. */
    void truncateFrom(long index) {
        if (index <= baseIndex) {
            reset(index - 1, UNKNOWN);
            return;
        }
        while (count > 0 && starts[count - 1] >= index) {
            count--;
        }
        lastIndex = Math.min(lastIndex, index - 1);
    }

    /** Makes {@code (index, term)} the new base, dropping what is before it (a snapshot covers it). */
    void compactTo(long index, long term) {
        if (index >= lastIndex) {
            reset(index, term);
            return;
        }
        if (index < baseIndex) {
            return;
        }
        int dropped = 0;
        while (dropped < count && starts[dropped] <= index) {
            dropped++;
        }
        System.arraycopy(starts, dropped, starts, 0, count - dropped);
        System.arraycopy(terms, dropped, terms, 0, count - dropped);
        count -= dropped;
        baseIndex = index;
        baseTerm = term;
    }
}
