package io.cairn.raft.log;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.Invariants;
import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the log knows of one group: its hard state, latest snapshot, last index and the terms after the snapshot.
 * The same rules run when the writer accepts a write and when recovery replays the record of one, so that what is
 * replayed is exactly what was accepted: {@code check*} methods state the invariants (throwing
 * {@link Invariants.InvariantViolation}), {@code apply*} methods change the state.
 *
 * <p>Invariants (outside recovery): entries {@code (snapshotIndex, lastIndex]} exist, their terms never decrease
 * and start at or above the snapshot's term; the hard state's term never decreases and its vote changes only
 * with its term (one vote per term, §5.2). During recovery only, entries up to {@link #missingThrough} may be
 * unknown: they lived in segments that compaction deleted, and a snapshot replayed later must cover them.
 *
 * <p>Owned by recovery, then by the log's writer thread.
 */
final class GroupState {
    final long groupId;
    HardState hardState = HardState.EMPTY;
    SnapshotMeta snapshot;
    long lastIndex;
    final TermRuns terms = new TermRuns();
    /** Entries up to here may be deleted from disk (never above the snapshot); not persisted. */
    long compactIndex;
    /** Recovery only: the entries replayed so far (null once the log is open: the core holds them). */
    ArrayList<Entry> recovered;
    /** Written since the log was opened (writer thread only). */
    boolean written;
    /** Recovery only: entries up to here existed in deleted segments; 0 when none are unknown. */
    long missingThrough;
    /** The active segment's cell for this group (see {@link Segment}), cached to keep appends allocation-free. */
    long[] activeCell;
    long activeCellSeq = -1;

    GroupState(long groupId) {
        this.groupId = groupId;
        terms.reset(0, 0);
    }

    long snapshotIndex() {
        return snapshot == null ? 0 : snapshot.index();
    }

    /** Nothing to restore: a segment header leaves such a group out. */
    boolean isEmpty() {
        return hardState.equals(HardState.EMPTY) && snapshot == null && lastIndex == 0;
    }

    long lastTerm() {
        return terms.termAt(lastIndex);
    }

    // ------------------------------------------------------------------------------------------------------
    // Checks
    // ------------------------------------------------------------------------------------------------------

    /**
     * A batch of entries may be appended: consecutive, terms not decreasing, attached to the log, no payload above
     * {@code entryBytesMax}. Runs per entry on the write path, so the messages are built only on failure.
     */
    void checkEntries(List<Entry> entries, int entryBytesMax) {
        Entry prev = null;
        for (Entry e : entries) {
            if (prev == null) {
                checkEntry(e.index(), e.term());
            } else if (e.index() != prev.index() + 1) {
                throw violation("group %d: entry %d follows entry %d in one write", groupId, e.index(), prev.index());
            } else if (e.term() < prev.term()) {
                throw violation("group %d: entry %d has term %d below the previous entry's %d", groupId, e.index(),
                        e.term(), prev.term());
            }
            if (e.data().length > entryBytesMax) {
                throw violation("group %d: entry %d has %d bytes, above entryBytesMax %d", groupId, e.index(),
                        e.data().length, entryBytesMax);
            }
            prev = e;
        }
    }

    /** An entry at {@code index} may be written: after the snapshot, no gap, term not below its predecessor's. */
    void checkEntry(long index, long term) {
        if (index <= snapshotIndex()) {
            throw violation("group %d: entry %d is covered by the snapshot at %d", groupId, index, snapshotIndex());
        }
        if (index > lastIndex + 1) {
            throw violation("group %d: entry %d leaves a gap after the last entry %d", groupId, index, lastIndex);
        }
        long previous = terms.termAt(index - 1);
        if (previous != TermRuns.UNKNOWN && term < previous) {
            throw violation("group %d: entry %d has term %d below the previous entry's %d", groupId, index, term,
                    previous);
        }
    }

    private static Invariants.InvariantViolation violation(String format, Object... args) {
        return new Invariants.InvariantViolation(String.format(format, args));
    }

    /** The hard state may replace the current one: term never decreases, one vote per term. */
    void checkHardState(HardState hs) {
        if (hs.term() < hardState.term()) {
            throw violation("group %d: hard state term goes back from %d to %d", groupId, hardState.term(),
                    hs.term());
        }
        if (hs.term() == hardState.term() && hs.vote() != hardState.vote() && hardState.vote() != RaftNode.NONE) {
            throw violation("group %d: vote changes from %d to %d within term %d", groupId, hardState.vote(),
                    hs.vote(), hs.term());
        }
    }

    /** The snapshot may be recorded: not older than the current one; a local one must match the log. */
    void checkSnapshot(SnapshotMeta meta, boolean replaceLog) {
        Invariants.check(meta.index() >= snapshotIndex(), "group %d: snapshot at %d is older than the one at %d",
                groupId, meta.index(), snapshotIndex());
        if (!replaceLog) {
            Invariants.check(meta.index() <= lastIndex, "group %d: snapshot at %d is beyond the last entry %d "
                    + "(a snapshot from the leader is saved with replaceLog)", groupId, meta.index(), lastIndex);
            long known = terms.termAt(meta.index());
            Invariants.check(known == TermRuns.UNKNOWN || known == meta.term(),
                    "group %d: snapshot at %d has term %d but the entry there has term %d", groupId, meta.index(),
                    meta.term(), known);
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Changes
    // ------------------------------------------------------------------------------------------------------

    /**
     * Appends one entry (checked), cutting the entries at and after its index first. {@code entry} is kept only
     * while recovering. Returns whether entries were cut.
     */
    boolean applyEntry(long index, long term, Entry entry) {
        boolean cut = index <= lastIndex;
        if (cut) {
            terms.truncateFrom(index);
            if (recovered != null) {
                dropRecoveredFrom(index);
            }
            missingThrough = Math.min(missingThrough, index - 1);
        }
        terms.append(index, term);
        lastIndex = index;
        if (recovered != null && entry != null) {
            recovered.add(entry);
        }
        return cut;
    }

    void applyHardState(HardState hs) {
        hardState = hs;
    }

    /** Records a snapshot (checked): the entries it covers, or with {@code replaceLog} all of them, go. */
    void applySnapshot(SnapshotMeta meta, boolean replaceLog) {
        if (replaceLog) {
            terms.reset(meta.index(), meta.term());
            lastIndex = meta.index();
            if (recovered != null) {
                recovered.clear();
            }
            missingThrough = 0;
        } else {
            terms.compactTo(meta.index(), meta.term());
            lastIndex = Math.max(lastIndex, meta.index());
            if (recovered != null) {
                dropRecoveredThrough(meta.index());
            }
            if (missingThrough <= meta.index()) {
                missingThrough = 0;
            }
        }
        snapshot = meta;
    }

    private void dropRecoveredFrom(long index) {
        if (recovered.isEmpty()) {
            return;
        }
        long first = recovered.get(0).index();
        int keep = (int) Math.max(0, Math.min(recovered.size(), index - first));
        recovered.subList(keep, recovered.size()).clear();
    }

    private void dropRecoveredThrough(long index) {
        if (recovered.isEmpty()) {
            return;
        }
        long first = recovered.get(0).index();
        int drop = (int) Math.max(0, Math.min(recovered.size(), index - first + 1));
        recovered.subList(0, drop).clear();
    }

    // ------------------------------------------------------------------------------------------------------
    // Recovery
    // ------------------------------------------------------------------------------------------------------

    /** Starts replay from the header of the oldest segment left: entries before it are unknown. */
    void startFrom(SegmentHeader.Group h) {
        hardState = h.hardState();
        snapshot = h.snapshot();
        lastIndex = h.lastIndex();
        terms.reset(h.lastIndex(), h.lastTerm());
        missingThrough = h.lastIndex() > snapshotIndex() ? h.lastIndex() : 0;
        recovered = new ArrayList<>();
    }

    /**
     * Ends replay: the entries after the snapshot must be all there, consecutive and with terms that never
     * decrease (the check after decoding, paired with {@link #checkEntries} before encoding). Rebuilds the term
     * index from them.
     */
    void finishRecovery() {
        long base = snapshotIndex();
        long baseTerm = snapshot == null ? 0 : snapshot.term();
        Invariants.check(missingThrough <= base && recovered.size() == lastIndex - base,
                "group %d: recovered %d entries after the snapshot at %d but the last index is %d", groupId,
                recovered.size(), base, lastIndex);
        terms.reset(base, baseTerm);
        long prevTerm = baseTerm;
        for (int i = 0; i < recovered.size(); i++) {
            Entry e = recovered.get(i);
            if (e.index() != base + i + 1 || e.term() < prevTerm) {
                throw violation("group %d: recovered entry %d (term %d) at position %d after term %d", groupId,
                        e.index(), e.term(), base + i + 1, prevTerm);
            }
            terms.append(e.index(), e.term());
            prevTerm = e.term();
        }
        missingThrough = 0;
    }

    /** What {@code LogStorage.recover} answers for this group. */
    LogStorage.Recovered toRecovered() {
        return new LogStorage.Recovered(hardState, snapshot, Collections.unmodifiableList(recovered));
    }
}
