package io.cairn.raft.log;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One segment file, and for each group the highest index of its entries in this file that are still live (not
 * cut by a later conflicting append, not discarded by a snapshot that replaced the log). A segment other than the
 * newest can be deleted once every group's live entries in it are at or below the group's compaction index: its
 * hard-state and snapshot records are restated by the next segment's header, and cut entries are dead anyway.
 *
 * <p>Segments are deleted oldest first only, so replay always starts at a header that holds the full state of every
 * group at that point, and no record that cut or replaced entries is ever deleted while the entries it killed
 * remain. Owned by the writer thread.
 */
final class Segment {
    final long seq;
    final Path path;
    private final Map<Long, long[]> liveThrough = new HashMap<>();

    Segment(long seq, Path path) {
        this.seq = seq;
        this.path = path;
    }

    /** The mutable cell holding the group's highest live index in this segment (0: none). */
    long[] cell(long groupId) {
        return liveThrough.computeIfAbsent(groupId, g -> new long[1]);
    }

    /** Entries of the group above {@code index} in this segment are dead. */
    void clamp(long groupId, long index) {
        long[] c = liveThrough.get(groupId);
        if (c != null && c[0] > index) {
            c[0] = index;
        }
    }

    /** Every group's live entries here are covered by its compaction index. */
    boolean coveredBy(Map<Long, GroupState> groups) {
        for (Map.Entry<Long, long[]> e : liveThrough.entrySet()) {
            long live = e.getValue()[0];
            GroupState g = groups.get(e.getKey());
            if (live > 0 && (g == null || live > g.compactIndex)) {
                return false;
            }
        }
        return true;
    }

    /** A cut or replaced log: the group's entries above {@code index} are dead in every segment. */
    static void clampAll(List<Segment> segments, long groupId, long index) {
        for (Segment s : segments) {
            s.clamp(groupId, index);
        }
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
