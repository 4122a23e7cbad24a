package io.cairn.raft.log;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Builders for log tests, and a reader that lists the valid records of a segment with their offsets. */
final class LogFixtures {
    private LogFixtures() {}

    /** A record found in a segment file. */
    record Rec(long offset, long end, int type, long group, long term, long index, long durable) {}

    /** {@code count} command entries of {@code term} from {@code from}, each with {@code bytes} of payload. */
    static List<Entry> entries(long term, long from, int count, int bytes) {
        List<Entry> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(Entry.command(term, from + i, payload(term, from + i, bytes)));
        }
        return out;
    }

    /** A payload that differs per (term, index), so a mixed-up entry is noticed. */
    static byte[] payload(long term, long index, int bytes) {
        byte[] b = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            b[i] = (byte) (term * 31 + index * 7 + i);
        }
        return b;
    }

    static Entry config(long term, long index, long... voters) {
        return new Entry(term, index, EntryType.CONFIG, Configuration.ofVoters(voters).encode());
    }

    static SnapshotMeta snapshot(long index, long term) {
        return new SnapshotMeta(index, term, Configuration.ofVoters(1, 2, 3));
    }

    static SegmentedLog.Options small(long segmentBytes) {
        return SegmentedLog.Options.defaults().withSegmentSizeBytes(segmentBytes).withWriteBufferBytes(4096)
                .withPreallocator(Runnable::run);
    }

    /** The valid records at the start of {@code file}, up to the first offset that does not hold one. */
    static List<Rec> records(FileIO io, Path file) throws IOException {
        List<Rec> out = new ArrayList<>();
        long seq = RecordFormat.segmentSeq(file.getFileName().toString());
        try (FileHandle h = io.open(file, false)) {
            SegmentReader r = new SegmentReader(file, h, seq);
            long pos = 0;
            while (r.check(pos) == SegmentReader.VALID) {
                out.add(new Rec(pos, r.end(), r.type, r.group, r.term, r.index, r.durable));
                pos = r.end();
            }
        }
        return out;
    }

    /** The last valid record of {@code file}. */
    static Rec lastRecord(FileIO io, Path file) throws IOException {
        List<Rec> recs = records(io, file);
        return recs.get(recs.size() - 1);
    }
}
