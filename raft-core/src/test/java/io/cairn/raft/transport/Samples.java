package io.cairn.raft.transport;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Messages for transport tests: one of every type with every field set, and plain ones to count. */
final class Samples {
    private Samples() {}

    /** A message of {@code type} from {@code from} to {@code to} with every field non-zero. */
    static Message full(MessageType type, long from, long to) {
        List<Entry> entries = List.of(
                Entry.command(7, 41, "hello".getBytes(StandardCharsets.UTF_8)),
                Entry.noop(7, 42),
                new Entry(7, 43, EntryType.CONFIG, Configuration.ofVoters(1, 2, 3).encode()),
                Entry.command(8, 44, new byte[0]));
        Configuration joint = new Configuration(new long[] {1, 2, 4}, new long[] {1, 2, 3}, new long[] {5}, true);
        return new Message(type, from, to, 8, 7, 40, entries, 39, true, 38, Long.MAX_VALUE - 1,
                new SnapshotMeta(37, 6, joint));
    }

    /** Every field at its extreme: ids and terms that are negative as Java longs (uint64 on the wire). */
    static Message extremes(MessageType type) {
        return new Message(type, -1L, Long.MIN_VALUE, Long.MAX_VALUE, -2L, -3L,
                List.of(Entry.command(Long.MAX_VALUE, Long.MAX_VALUE, new byte[] {0, -1, 127})), -4L, false, -5L,
                -6L, type == MessageType.SNAPSHOT ? new SnapshotMeta(1, 1, Configuration.unknown()) : null);
    }

    /** A heartbeat numbered {@code seq} (in its commit field), to count and order what arrives. */
    static Message numbered(long from, long to, long seq) {
        return Message.heartbeat(from, to, 3, seq, seq);
    }

    /** An APPEND carrying {@code count} entries of {@code bytes} bytes each. */
    static Message append(long from, long to, int count, int bytes) {
        List<Entry> entries = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            byte[] data = new byte[bytes];
            data[0] = (byte) i;
            entries.add(Entry.command(2, i, data));
        }
        return Message.append(from, to, 2, 0, 0, entries, 0);
    }
}
