package io.cairn.raft.log;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.SnapshotMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * What a log should hold, kept the simplest way: per group a hard state, a snapshot and the list of entries after
 * it, changed by the same records the log writes ({@link Op}). The property test keeps one model of what is durable
 * and the list of records written since, so after a crash the log must recover the durable model with some prefix
 * of those records applied.
 */
final class LogModel {
    /** One record the log writes, in the order it writes them. */
    sealed interface Op permits EntryOp, HardStateOp, SnapshotOp {}

    record EntryOp(long group, Entry entry) implements Op {}

    record HardStateOp(long group, HardState hardState) implements Op {}

    record SnapshotOp(long group, SnapshotMeta snapshot, boolean replaceLog) implements Op {}

    static final class Group {
        HardState hardState = HardState.EMPTY;
        SnapshotMeta snapshot;
        final ArrayList<Entry> entries = new ArrayList<>();

        long snapshotIndex() {
            return snapshot == null ? 0 : snapshot.index();
        }

        long lastIndex() {
            return snapshotIndex() + entries.size();
        }

        long termAt(long index) {
            if (index == snapshotIndex()) {
                return snapshot == null ? 0 : snapshot.term();
            }
            return entries.get((int) (index - snapshotIndex() - 1)).term();
        }

        LogStorage.Recovered recovered() {
            return new LogStorage.Recovered(hardState, snapshot, List.copyOf(entries));
        }

        Group copy() {
            Group g = new Group();
            g.hardState = hardState;
            g.snapshot = snapshot;
            g.entries.addAll(entries);
            return g;
        }
    }

    private final TreeMap<Long, Group> groups = new TreeMap<>();

    Group group(long id) {
        return groups.computeIfAbsent(id, k -> new Group());
    }

    /** The group's state, or an empty one (without adding it). */
    Group peek(long id) {
        Group g = groups.get(id);
        return g == null ? new Group() : g;
    }

    LogModel copy() {
        LogModel m = new LogModel();
        groups.forEach((id, g) -> m.groups.put(id, g.copy()));
        return m;
    }

    void apply(Op op) {
        if (op instanceof EntryOp e) {
            Group g = group(e.group());
            int keep = (int) (e.entry().index() - g.snapshotIndex() - 1);
            g.entries.subList(keep, g.entries.size()).clear();
            g.entries.add(e.entry());
        } else if (op instanceof HardStateOp h) {
            group(h.group()).hardState = h.hardState();
        } else if (op instanceof SnapshotOp s) {
            Group g = group(s.group());
            if (s.replaceLog()) {
                g.entries.clear();
            } else {
                g.entries.subList(0, (int) (s.snapshot().index() - g.snapshotIndex())).clear();
            }
            g.snapshot = s.snapshot();
        }
    }
}
