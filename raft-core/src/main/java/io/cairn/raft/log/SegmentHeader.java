package io.cairn.raft.log;

import io.cairn.raft.core.HardState;
import io.cairn.raft.core.Invariants;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * The payload of a segment's first record: the state of every group when the segment was started, so that the
 * segments before it can be deleted once compacted. Little-endian:
 *
 * <pre>
 *   u32 groupCount
 *   per group, by ascending id:
 *     u64 groupId, u64 hardState.term, u64 hardState.vote, u64 hardState.commit, u64 lastIndex, u64 lastTerm,
 *     u8 hasSnapshot, and if 1: u64 snapshot.index, u64 snapshot.term, u32 n, n bytes Configuration.encode()
 * </pre>
 *
 * Groups with nothing to restore (no hard state, snapshot or entry) are left out. The last index and term let
 * recovery check that the segments before this one replayed to exactly this state.
 */
final class SegmentHeader {
    private SegmentHeader() {}

    /** One group's state as a header records it. */
    record Group(long groupId, HardState hardState, SnapshotMeta snapshot, long lastIndex, long lastTerm) {
        static Group of(GroupState g) {
            return new Group(g.groupId, g.hardState, g.snapshot, g.lastIndex, g.lastTerm());
        }
    }

    static byte[] encode(Collection<GroupState> groups) {
        List<GroupState> sorted = new ArrayList<>(groups.size());
        for (GroupState g : groups) {
            if (!g.isEmpty()) {
                sorted.add(g);
            }
        }
        sorted.sort((a, b) -> Long.compare(a.groupId, b.groupId));
        List<byte[]> configs = new ArrayList<>(sorted.size());
        int size = 4;
        for (GroupState g : sorted) {
            byte[] config = g.snapshot == null ? null : g.snapshot.configuration().encode();
            configs.add(config);
            size += 6 * 8 + 1 + (config == null ? 0 : 8 + 8 + 4 + config.length);
        }
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(sorted.size());
        for (int i = 0; i < sorted.size(); i++) {
            GroupState g = sorted.get(i);
            b.putLong(g.groupId).putLong(g.hardState.term()).putLong(g.hardState.vote()).putLong(g.hardState.commit());
            b.putLong(g.lastIndex).putLong(g.lastTerm());
            byte[] config = configs.get(i);
            b.put((byte) (config == null ? 0 : 1));
            if (config != null) {
                b.putLong(g.snapshot.index()).putLong(g.snapshot.term()).putInt(config.length).put(config);
            }
        }
        Invariants.check(!b.hasRemaining(), "segment header: %d bytes left unwritten", b.remaining());
        return b.array();
    }

    /** Decodes a header; throws (an unchecked exception) if the bytes are not one. */
    static List<Group> decode(byte[] payload) {
        ByteBuffer b = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt();
        Invariants.check(count >= 0 && count <= payload.length / 49, "segment header: %d groups in %d bytes", count,
                payload.length);
        List<Group> groups = new ArrayList<>(count);
        long previousId = Long.MIN_VALUE;
        for (int i = 0; i < count; i++) {
            long id = b.getLong();
            Invariants.check(i == 0 || id > previousId, "segment header: group ids out of order");
            previousId = id;
            HardState hs = new HardState(b.getLong(), b.getLong(), b.getLong());
            long lastIndex = b.getLong();
            long lastTerm = b.getLong();
            byte hasSnapshot = b.get();
            Invariants.check(hasSnapshot == 0 || hasSnapshot == 1, "segment header: snapshot flag %d", hasSnapshot);
            SnapshotMeta snapshot = null;
            if (hasSnapshot == 1) {
                long index = b.getLong();
                long term = b.getLong();
                int n = b.getInt();
                Invariants.check(n >= 0 && n <= b.remaining(), "segment header: configuration of %d bytes", n);
                byte[] config = new byte[n];
                b.get(config);
                snapshot = new SnapshotMeta(index, term, Configuration.decode(config));
            }
            groups.add(new Group(id, hs, snapshot, lastIndex, lastTerm));
        }
        Invariants.check(!b.hasRemaining(), "segment header: %d trailing bytes", b.remaining());
        return groups;
    }
}
