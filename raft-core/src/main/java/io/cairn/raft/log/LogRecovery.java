package io.cairn.raft.log;

import static io.cairn.raft.log.SegmentReader.VALID;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a log directory: replays every segment once, oldest first, rebuilding each group's state, and leaves the
 * newest segment ready for appending.
 *
 * <h2>Torn tail or damage in the middle</h2>
 * Replay of a segment stops at the first offset that does not hold a valid record. What that means depends on
 * where it is:
 * <ul>
 *   <li>In an <b>older</b> segment, nothing but zeros (unused pre-allocated space) may follow: the writer forced
 *       the segment completely before it started the next one, so no crash can have torn it. Anything else is
 *       damage, and open fails with {@link LogCorruptedException}.</li>
 *   <li>In the <b>newest</b> segment, a crash may have torn the last write batch (the file system may even have
 *       written its blocks out of order). Every record stores where the segment was durable when its batch was
 *       written. If any valid record after the bad offset belongs to a batch that started <em>after</em> it, the
 *       bad bytes had been synced before that batch, so they are damage, not a torn write: open fails. Otherwise
 *       everything from the bad offset on was never acknowledged; it is cut (truncated and zero-filled again, so
 *       that no stale record can reappear behind later writes) and replay ends there.</li>
 * </ul>
 * A valid record that contradicts the log before it (a gap, a term going back, a second vote in a term) is damage
 * wherever it is: the checksum proves these bytes were written so, so replaying around them cannot be right.
 *
 * <p>Segments are deleted oldest first only, each deletion synced before the next, so the remaining sequence
 * numbers must be consecutive; a hole is a missing file and fails the open.
 */
final class LogRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

    private final Path dir;
    private final FileIO io;
    private final SegmentedLog.Options options;

    final Map<Long, GroupState> groups = new HashMap<>();
    final List<Segment> segments = new ArrayList<>();
    /** The newest segment, open for appending; null if a new segment must be started. */
    FileHandle activeHandle;
    /** Offset after the newest segment's header, and after its last valid record. */
    long activeHeaderEnd;
    long activeEnd;
    /** Highest sequence in use (0 if none). */
    long lastSeq;
    private long recordCount;
    private Path tornFile;
    private long tornOffset = -1;
    private String tornReason;

    LogRecovery(Path dir, FileIO io, SegmentedLog.Options options) {
        this.dir = dir;
        this.io = io;
        this.options = options;
    }

    RecoveryReport report() {
        return new RecoveryReport(segments.size(), recordCount, groups.size(), tornFile, tornOffset, tornReason);
    }

    void run() throws IOException {
        io.createDirectories(dir);
        List<Long> seqs = segmentSeqs();
        for (int i = 0; i < seqs.size(); i++) {
            long seq = seqs.get(i);
            if (i > 0 && seq != seqs.get(i - 1) + 1) {
                throw new LogCorruptedException(dir.resolve(RecordFormat.segmentName(seqs.get(i - 1) + 1)), 0,
                        "this segment is missing between " + RecordFormat.segmentName(seqs.get(i - 1)) + " and "
                                + RecordFormat.segmentName(seq) + " (segments are only deleted oldest first)");
            }
            lastSeq = seq;
            replay(seq, i == 0, i == seqs.size() - 1);
        }
        for (GroupState g : groups.values()) {
            if (g.missingThrough > g.snapshotIndex()) {
                throw new LogCorruptedException(segments.get(0).path, 0, "group " + g.groupId + " had entries up to "
                        + g.missingThrough + " in deleted segments, but no snapshot covers them (latest snapshot at "
                        + g.snapshotIndex() + ")");
            }
            g.finishRecovery();
        }
        // Whatever open read must stay read: the bytes may have been in the page cache only (a process crash), and
        // records written from now on will claim the segment durable up to here.
        if (activeHandle != null) {
            activeHandle.force();
        }
        io.syncDirectory(dir);
    }

    private List<Long> segmentSeqs() throws IOException {
        List<Long> seqs = new ArrayList<>();
        for (Path p : io.list(dir)) {
            long seq = RecordFormat.segmentSeq(p.getFileName().toString());
            if (seq > 0) {
                seqs.add(seq);
            }
        }
        seqs.sort(null);
        return seqs;
    }

    private void replay(long seq, boolean oldest, boolean newest) throws IOException {
        Path path = dir.resolve(RecordFormat.segmentName(seq));
        FileHandle file = io.open(path, false);
        boolean keepOpen = false;
        boolean headerless = false;
        try {
            SegmentReader r = new SegmentReader(path, file, seq);
            int code = r.check(0);
            if (code != VALID || r.type != RecordFormat.SEGMENT_HEADER) {
                if (code == VALID || !newest) {
                    throw new LogCorruptedException(path, 0, code == VALID ? "the segment starts with a "
                            + RecordFormat.typeName(r.type) + " record instead of its header"
                            : "the segment header is not valid (" + r.describe(code) + ") and a newer segment exists");
                }
                endOfRecords(r, 0, code, true);
                headerless = true;
                return;
            }
            Segment segment = new Segment(seq, path);
            segments.add(segment);
            header(r, oldest);
            recordCount++;
            long headerEnd = r.end();
            long pos = headerEnd;
            while ((code = r.check(pos)) == VALID) {
                record(r, segment);
                recordCount++;
                pos = r.end();
            }
            boolean torn = endOfRecords(r, pos, code, newest);
            if (newest) {
                prepareActive(file, pos, torn);
                activeHandle = file;
                activeHeaderEnd = headerEnd;
                activeEnd = pos;
                keepOpen = true;
            }
        } finally {
            if (!keepOpen) {
                file.close();
            }
            if (headerless) {
                // The newest segment's header never became durable: the crash came while it was being started, after
                // the segment before it had been forced completely. Remove it; the writer starts it again.
                io.delete(path);
                io.syncDirectory(dir);
                lastSeq = seq - 1;
            }
        }
    }

    /**
     * Decides what the first invalid offset of a segment means (see the class comment). Returns true if the newest
     * segment has a torn tail to cut, false if only zeros follow; throws if it is damage.
     */
    private boolean endOfRecords(SegmentReader r, long pos, int code, boolean newest) throws IOException {
        String problem = r.describe(code);
        if (!newest) {
            long nonZero = r.firstNonZero(pos);
            if (nonZero >= 0) {
                throw new LogCorruptedException(r.path, pos, problem + "; this is not the newest segment, which was "
                        + "complete before the next was started, yet byte " + nonZero + " after it is not zero");
            }
            return false;
        }
        long later = r.findLaterBatch(pos);
        if (later >= 0) {
            throw new LogCorruptedException(r.path, pos, problem + "; the record at offset " + later
                    + " was written after this point had been synced, so this is not a torn write");
        }
        if (r.firstNonZero(pos) < 0) {
            return false;
        }
        tornFile = r.path;
        tornOffset = pos;
        tornReason = problem;
        LOG.warn("log segment {}: tail cut at byte offset {} ({}): the last write batch from there on is dropped, "
                + "torn by a crash or damaged before anything after it was synced", r.path, pos, problem);
        return true;
    }

    /** Cuts a torn tail and restores the pre-allocated zeros, so new records start on clean space. */
    private void prepareActive(FileHandle file, long end, boolean torn) throws IOException {
        if (torn) {
            file.truncate(end);
        }
        if (options.preallocate()) {
            long size = file.size();
            if (size < options.segmentSizeBytes()) {
                Zeros.fill(file, size, options.segmentSizeBytes());
            }
        }
    }

    private void header(SegmentReader r, boolean oldest) throws IOException {
        List<SegmentHeader.Group> header;
        try {
            header = SegmentHeader.decode(r.payload());
        } catch (RuntimeException e) {
            throw new LogCorruptedException(r.path, 0, "the segment header does not decode: " + e.getMessage());
        }
        if (r.index != r.seq || r.term != RecordFormat.FORMAT_VERSION) {
            throw new LogCorruptedException(r.path, 0, "the header is for segment " + r.index + ", format "
                    + r.term + " (expected segment " + r.seq + ", format " + RecordFormat.FORMAT_VERSION + ")");
        }
        if (oldest) {
            for (SegmentHeader.Group h : header) {
                GroupState g = new GroupState(h.groupId());
                g.startFrom(h);
                groups.put(h.groupId(), g);
            }
            return;
        }
        for (SegmentHeader.Group h : header) {
            GroupState g = groups.get(h.groupId());
            SegmentHeader.Group replayed = g == null ? null : SegmentHeader.Group.of(g);
            if (replayed == null || !sameState(h, replayed)) {
                throw new LogCorruptedException(r.path, 0, "the header disagrees with the segments before it on group "
                        + h.groupId() + ": header " + h + ", replayed " + replayed);
            }
        }
        long replayedGroups = groups.values().stream().filter(g -> !g.isEmpty()).count();
        if (header.size() != replayedGroups) {
            throw new LogCorruptedException(r.path, 0, "the header lists " + header.size() + " groups, the segments "
                    + "before it " + replayedGroups);
        }
    }

    private static boolean sameState(SegmentHeader.Group h, SegmentHeader.Group replayed) {
        return h.hardState().equals(replayed.hardState()) && Objects.equals(h.snapshot(), replayed.snapshot())
                && h.lastIndex() == replayed.lastIndex()
                && (replayed.lastTerm() == TermRuns.UNKNOWN || h.lastTerm() == replayed.lastTerm());
    }

    /** Replays one valid record; a record that breaks the log's rules is damage. */
    private void record(SegmentReader r, Segment segment) throws IOException {
        try {
            switch (r.type) {
                case RecordFormat.ENTRY -> entry(r, segment);
                case RecordFormat.HARD_STATE -> hardState(r);
                case RecordFormat.SNAPSHOT -> snapshot(r);
                default -> throw new IllegalStateException("a second segment header");
            }
        } catch (RuntimeException e) {
            throw new LogCorruptedException(r.path, r.position, "a valid " + RecordFormat.typeName(r.type)
                    + " record of group " + r.group + " contradicts the log before it: " + e.getMessage());
        }
    }

    private GroupState group(long id) {
        return groups.computeIfAbsent(id, g -> {
            GroupState s = new GroupState(g);
            s.recovered = new ArrayList<>();
            return s;
        });
    }

    private void entry(SegmentReader r, Segment segment) throws IOException {
        GroupState g = group(r.group);
        g.checkEntry(r.index, r.term);
        Entry e = new Entry(r.term, r.index, EntryType.ofOrdinal(r.flags), r.payload());
        if (g.applyEntry(r.index, r.term, e)) {
            Segment.clampAll(segments, g.groupId, r.index - 1);
        }
        long[] cell = segment.cell(g.groupId);
        cell[0] = Math.max(cell[0], r.index);
    }

    private void hardState(SegmentReader r) throws IOException {
        byte[] payload = r.payload();
        if (payload.length != 8) {
            throw new IllegalStateException("hard state payload of " + payload.length + " bytes");
        }
        long vote = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).getLong();
        HardState hs = new HardState(r.term, vote, r.index);
        GroupState g = group(r.group);
        g.checkHardState(hs);
        g.applyHardState(hs);
    }

    private void snapshot(SegmentReader r) throws IOException {
        SnapshotMeta meta = new SnapshotMeta(r.index, r.term, Configuration.decode(r.payload()));
        boolean replaceLog = (r.flags & RecordFormat.FLAG_REPLACE_LOG) != 0;
        GroupState g = group(r.group);
        g.checkSnapshot(meta, replaceLog);
        g.applySnapshot(meta, replaceLog);
        if (replaceLog) {
            Segment.clampAll(segments, g.groupId, 0);
        }
    }
}
