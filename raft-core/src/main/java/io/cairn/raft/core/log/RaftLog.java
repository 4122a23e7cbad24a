package io.cairn.raft.core.log;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.Invariants;
import java.util.List;

/**
 * The core's view of the log: every entry after the last snapshot, held in memory, and four positions in it.
 *
 * <pre>
 *   snapshotIndex &lt; applying &lt;= committed,  persisted &lt;= handedOut &lt;= lastIndex
 *   applying &lt;= min(committed, persisted)       (only locally durable, committed entries are applied)
 * </pre>
 * <ul>
 *   <li>{@code handedOut}: entries up to here were given to the runtime to write; later ones are "unstable".</li>
 *   <li>{@code persisted}: the runtime reported entries up to here durable.</li>
 *   <li>{@code committed}: known committed (durable on a quorum, final).</li>
 *   <li>{@code applying}: committed entries up to here were given to the runtime to apply.</li>
 * </ul>
 * Holding the log in memory (as etcd's server does with its MemoryStorage) lets the core stay free of I/O:
 * the runtime writes entries, and reads them back only when it restarts. Memory is bounded by snapshots and
 * compaction (raft-core II). Owned by the single thread that owns the {@code RaftNode}.
 */
public final class RaftLog {
    /** Returned by {@link #term(long)} for an index that is not held (compacted or beyond the end). */
    public static final long TERM_UNKNOWN = -1;

    private final EntryRing ring;
    private long snapshotIndex;
    private long snapshotTerm;
    private long committed;
    private long persisted;
    private long handedOut;
    private long applying;

    /**
     * A log recovered from storage: entries after {@code (snapshotIndex, snapshotTerm)}, all durable, of which
     * those up to {@code committed} are known committed and those up to {@code applied} already applied.
     */
    public RaftLog(long snapshotIndex, long snapshotTerm, List<Entry> durableEntries, long committed, long applied) {
        this.ring = new EntryRing(snapshotIndex + 1);
        this.snapshotIndex = snapshotIndex;
        this.snapshotTerm = snapshotTerm;
        for (Entry e : durableEntries) {
            ring.add(e);
        }
        this.persisted = lastIndex();
        this.handedOut = lastIndex();
        // Applied entries were committed, even when the commit hint in the hard state is older (the runtime may
        // apply a Ready's entries before that Ready's hard state is written): never hand them out again.
        this.committed = Math.min(Math.max(Math.max(committed, applied), snapshotIndex), lastIndex());
        this.applying = Math.min(Math.max(applied, snapshotIndex), this.committed);
    }

    /**
     * Drops every entry up to {@code index} (which must be applied, hence durable and committed), keeping the
     * entry's term as the new base. Called once a snapshot covering {@code index} is durable.
     */
    public void compact(long index) {
        if (index <= snapshotIndex) {
            return;
        }
        Invariants.check(index <= applying, "compacting to %d beyond the applied index %d", index, applying);
        long t = term(index);
        ring.dropBefore(index + 1);
        snapshotIndex = index;
        snapshotTerm = t;
    }

    /**
     * Replaces the whole log by a snapshot ending at {@code (index, term)}: everything up to it is committed,
     * durable (once the runtime installs it) and applied (by the restore).
     */
    public void restore(long index, long term) {
        ring.reset(index + 1);
        snapshotIndex = index;
        snapshotTerm = term;
        committed = index;
        persisted = index;
        handedOut = index;
        applying = index;
    }

    /** The term of the last entry covered by the log's base snapshot. */
    public long snapshotTerm() {
        return snapshotTerm;
    }

    public static RaftLog empty() {
        return new RaftLog(0, 0, List.of(), 0, 0);
    }

    public long firstIndex() {
        return snapshotIndex + 1;
    }

    public long lastIndex() {
        return ring.endIndex() - 1;
    }

    public long lastTerm() {
        return term(lastIndex());
    }

    public long committed() {
        return committed;
    }

    public long persisted() {
        return persisted;
    }

    public long applying() {
        return applying;
    }

    public long snapshotIndex() {
        return snapshotIndex;
    }

    /** The term of the entry at {@code index}, or {@link #TERM_UNKNOWN} if it is compacted away or beyond the end. */
    public long term(long index) {
        if (index == snapshotIndex) {
            return snapshotTerm;
        }
        if (index < snapshotIndex || index > lastIndex()) {
            return TERM_UNKNOWN;
        }
        return ring.get(index).term();
    }

    public Entry entry(long index) {
        return ring.get(index);
    }

    /** Whether the log holds an entry at {@code index} with {@code term}; an unknown term never matches. */
    public boolean matchTerm(long index, long term) {
        long t = term(index);
        return t != TERM_UNKNOWN && t == term;
    }

    /** §5.4.1: a candidate's log is at least as up to date as ours. */
    public boolean isUpToDate(long candidateLastIndex, long candidateLastTerm) {
        long ourTerm = lastTerm();
        return candidateLastTerm > ourTerm || (candidateLastTerm == ourTerm && candidateLastIndex >= lastIndex());
    }

    /**
     * The index of the first entry in {@code entries} that is not already in the log with the same term, or 0
     * if every entry is already present.
     */
    public long findConflict(List<Entry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            if (!matchTerm(e.index(), e.term())) {
                return e.index();
            }
        }
        return 0;
    }

    /**
     * Fast log back-off: the largest index {@code <= index} whose entry has a term {@code <= term}. A leader
     * uses it to skip a whole conflicting term in one round trip instead of one entry at a time.
     */
    public long findConflictByTerm(long index, long term) {
        long i = Math.min(index, lastIndex());
        while (i > snapshotIndex) {
            long t = term(i);
            if (t <= term) {
                return i;
            }
            i--;
        }
        return i;
    }

    /**
     * Appends {@code entries}, cutting back any conflicting suffix first. Returns the number of existing
     * entries cut away. Never cuts a committed entry.
     */
    public long append(List<Entry> entries) {
        if (entries.isEmpty()) {
            return 0;
        }
        long first = entries.get(0).index();
        Invariants.check(first > committed, "append at %d would overwrite committed entries (committed=%d)", first,
                committed);
        Invariants.check(first <= lastIndex() + 1, "append at %d leaves a gap after %d", first, lastIndex());
        long cut = 0;
        if (first <= lastIndex()) {
            cut = lastIndex() - first + 1;
            ring.truncateFrom(first);
            handedOut = Math.min(handedOut, first - 1);
            persisted = Math.min(persisted, first - 1);
        }
        for (int i = 0; i < entries.size(); i++) {
            ring.add(entries.get(i));
        }
        return cut;
    }

    /** Appends one entry at the end of the log (leader path). */
    public void appendOne(Entry e) {
        ring.add(e);
    }

    /** Entries from {@code from} to the end, at most {@code maxBytes} of them but at least one. */
    public List<Entry> entriesFrom(long from, long maxBytes) {
        return slice(from, lastIndex() + 1, maxBytes);
    }

    /** Entries {@code [from, to)}, at most {@code maxBytes} of them but at least one when the range is not empty. */
    public List<Entry> slice(long from, long to, long maxBytes) {
        Invariants.check(from > snapshotIndex, "entries from %d are compacted (snapshot at %d)", from, snapshotIndex);
        long end = from;
        long bytes = 0;
        while (end < to) {
            long size = ring.get(end).sizeBytes();
            if (end > from && bytes + size > maxBytes) {
                break;
            }
            bytes += size;
            end++;
        }
        return ring.slice(from, end);
    }

    public void commitTo(long index) {
        if (index > committed) {
            Invariants.check(index <= lastIndex(), "commit index %d is beyond the last index %d", index, lastIndex());
            committed = index;
        }
    }

    /** Entries not yet handed to the runtime for writing; marks them handed out. */
    public List<Entry> takeUnstable() {
        long last = lastIndex();
        if (handedOut >= last) {
            return List.of();
        }
        List<Entry> out = ring.slice(handedOut + 1, last + 1);
        handedOut = last;
        return out;
    }

    public boolean hasUnstable() {
        return handedOut < lastIndex();
    }

    /**
     * The runtime reports entries up to {@code (index, term)} durable. Ignored when that entry has since been
     * replaced (a stale report after a truncation) or not yet handed out.
     */
    public void stableTo(long index, long term) {
        if (index > persisted && index <= handedOut && matchTerm(index, term)) {
            persisted = index;
        }
    }

    /** For the ack-before-durable injected bug only: pretend everything written is durable. */
    public long handedOut() {
        return handedOut;
    }

    /** Whether committed, locally durable entries wait to be applied. */
    public boolean hasNextCommitted() {
        return applying < Math.min(committed, persisted);
    }

    /** The next committed, locally durable entries to apply (at most {@code maxBytes}, at least one). */
    public List<Entry> takeNextCommitted(long maxBytes) {
        long upTo = Math.min(committed, persisted);
        if (applying >= upTo) {
            return List.of();
        }
        List<Entry> out = slice(applying + 1, upTo + 1, maxBytes);
        applying += out.size();
        return out;
    }
}
