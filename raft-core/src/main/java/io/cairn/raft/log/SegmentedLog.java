package io.cairn.raft.log;

import static io.cairn.raft.log.RecordFormat.recordBytes;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.Invariants;
import io.cairn.raft.core.SnapshotMeta;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The member's durable log: segmented, append-only files in one directory, shared by every group the member hosts,
 * so that one {@link #sync()} (one data sync of one file) makes every group's queued writes durable.
 *
 * <h2>Files</h2>
 * Segments are named by a sequence number ({@code 00000000000000000001.seg}, ...) and pre-allocated with zeros to
 * {@link Options#segmentSizeBytes()}, so that a data sync normally has no file size to update. A segment starts with
 * a header record holding every group's hard state, snapshot and last index at that moment; records follow (an
 * entry, a hard state, a snapshot; the layout is in {@link RecordFormat}). A record that does not fit the rest of
 * the segment starts a new one ("rolling"): the full segment is forced, the next one (pre-allocated ahead, off the
 * writer: {@link SpareSegment}) renamed into place, given its header, forced, and its directory synced.
 *
 * <h2>Semantics</h2>
 * Replay order is the truth. An entry at index {@code i} cuts the group's entries at {@code i} and after (a
 * conflicting suffix replaced); a snapshot drops the entries it covers, or all of them with {@code replaceLog}; a
 * hard state replaces the previous one. Within one {@link #append}, entries are written before the hard state, so
 * that a torn batch can keep entries without their hard state (which the core handles on restart) but never a
 * commit index beyond the entries.
 *
 * <h2>Compaction</h2>
 * {@link #compact} raises a group's compaction index (at most its latest snapshot's index). After the next
 * {@link #sync()}, or at once if nothing is waiting for one, segments are deleted oldest first while every group's
 * live entries in them are covered; the newest segment is never deleted. Compaction indexes are not persisted: after
 * a restart nothing is deleted until {@link #compact} is called again.
 *
 * <h2>Recovery</h2>
 * {@link #open} replays every segment once ({@code LogRecovery}): a torn or damaged tail of the newest segment is
 * cut, and reported in {@link #recoveryReport()}; damage that a crash cannot explain (a bad record followed by one
 * synced later, anything in an older segment, a missing segment) fails with {@link LogCorruptedException}, naming
 * the file and byte offset. Each group's recovered entries are then held in memory until the group is first
 * written.
 *
 * <h2>Invariants</h2>
 * Checked before a write is encoded and again when it is replayed (see {@link GroupState}): per group, entries are
 * consecutive after the snapshot, terms never decrease, the hard state's term never decreases and its vote changes
 * only with the term. A violation throws {@link Invariants.InvariantViolation} and writes nothing of that call.
 * After an {@link IOException} from the file system the log refuses every further write: a failed data sync must not
 * be retried into silent loss.
 *
 * <h2>Threads</h2>
 * As {@link LogStorage} says, one writer thread calls {@link #append}, {@link #saveSnapshot}, {@link #compact},
 * {@link #sync} and {@link #close} (close once that thread has stopped writing, or on it); these are not
 * thread-safe. {@link #recover} and {@link #recoveryReport} may be called on any thread, also while the writer
 * writes other groups, as long as a group's {@code recover} happens before its first write.
 */
public final class SegmentedLog implements LogStorage {
    private static final Logger LOG = LoggerFactory.getLogger(SegmentedLog.class);

    /**
     * Tuning and limits.
     *
     * @param segmentSizeBytes size each segment is pre-allocated to and rolled at (a single larger record still fits:
     *        its segment grows)
     * @param writeBufferBytes initial size of the direct buffer a write batch is encoded into; a batch larger than it
     *        is written in several calls (still one data sync), and a single larger record grows it
     * @param preallocate whether to fill new segments with zeros up front (faster data syncs later)
     * @param entryBytesMax the largest entry payload accepted
     * @param preallocator runs the zero-filling of the next segment ahead of its roll ({@link SpareSegment})
     */
    public record Options(long segmentSizeBytes, int writeBufferBytes, boolean preallocate, int entryBytesMax,
            Executor preallocator) {
        /** Default segment size: 64 MiB. */
        public static final long DEFAULT_SEGMENT_SIZE_BYTES = 64L << 20;
        /** Default write buffer: 1 MiB. */
        public static final int DEFAULT_WRITE_BUFFER_BYTES = 1 << 20;
        /** Default largest entry: 64 MiB. */
        public static final int DEFAULT_ENTRY_BYTES_MAX = 64 << 20;

        public Options {
            Invariants.check(segmentSizeBytes >= 4096 && segmentSizeBytes <= (1L << 30),
                    "segmentSizeBytes must be between 4 KiB and 1 GiB, got %d", segmentSizeBytes);
            Invariants.check(writeBufferBytes >= 4096 && writeBufferBytes <= (256 << 20),
                    "writeBufferBytes must be between 4 KiB and 256 MiB, got %d", writeBufferBytes);
            Invariants.check(entryBytesMax > 0 && entryBytesMax <= RecordFormat.PAYLOAD_BYTES_LIMIT - 1024,
                    "entryBytesMax must be positive and below 1 GiB, got %d", entryBytesMax);
            Objects.requireNonNull(preallocator, "preallocator");
        }

        /** 64 MiB segments, pre-allocated ahead on a shared background thread. */
        public static Options defaults() {
            return new Options(DEFAULT_SEGMENT_SIZE_BYTES, DEFAULT_WRITE_BUFFER_BYTES, true, DEFAULT_ENTRY_BYTES_MAX,
                    SpareSegment.BACKGROUND);
        }

        public Options withSegmentSizeBytes(long bytes) {
            return new Options(bytes, writeBufferBytes, preallocate, entryBytesMax, preallocator);
        }

        public Options withWriteBufferBytes(int bytes) {
            return new Options(segmentSizeBytes, bytes, preallocate, entryBytesMax, preallocator);
        }

        public Options withPreallocate(boolean on) {
            return new Options(segmentSizeBytes, writeBufferBytes, on, entryBytesMax, preallocator);
        }

        public Options withEntryBytesMax(int bytes) {
            return new Options(segmentSizeBytes, writeBufferBytes, preallocate, bytes, preallocator);
        }

        /**
         * Where the next segment is zero-filled while the current one is written: a background thread by default;
         * {@code Runnable::run} does it on the writer right after each roll (one thread, for deterministic tests).
         */
        public Options withPreallocator(Executor executor) {
            return new Options(segmentSizeBytes, writeBufferBytes, preallocate, entryBytesMax, executor);
        }
    }

    private final Path dir;
    private final FileIO io;
    private final Options options;
    private final RecoveryReport report;
    private final Map<Long, GroupState> groups;
    private final List<Segment> segments;
    private final RecordEncoder encoder;
    /** The next segment, pre-allocated ahead (only with {@link Options#preallocate()}). */
    private final SpareSegment spare;
    /** What open found, per group, until the group is first written; read by {@link #recover} on any thread. */
    private final Map<Long, Recovered> recoveredAtOpen = new ConcurrentHashMap<>();
    /** Groups written since open, for {@link #recover} on any thread. */
    private final Set<Long> writtenGroups = ConcurrentHashMap.newKeySet();

    private FileHandle active;
    private long activeSeq;
    /** File offset of the active segment where the encoder's first pending byte goes. */
    private long writePos;
    /** The active segment is durable up to here. */
    private long forcedPos;
    /** Offset just past the active segment's header. */
    private long headerEnd;
    /** Bytes were encoded or written since the last force. */
    private boolean dirty;
    private boolean compactionPending;
    private IOException failure;
    private boolean closed;

    private SegmentedLog(Path dir, FileIO io, Options options, LogRecovery recovered) {
        this.dir = dir;
        this.io = io;
        this.options = options;
        this.report = recovered.report();
        this.groups = recovered.groups;
        this.segments = recovered.segments;
        this.encoder = new RecordEncoder(options.writeBufferBytes());
        this.spare = new SpareSegment(io, dir, options.segmentSizeBytes(), options.preallocator());
        this.active = recovered.activeHandle;
        this.activeSeq = recovered.lastSeq;
        this.writePos = recovered.activeEnd;
        this.forcedPos = recovered.activeEnd;
        this.headerEnd = recovered.activeHeaderEnd;
        for (GroupState g : groups.values()) {
            recoveredAtOpen.put(g.groupId, g.toRecovered());
            g.recovered = null; // from now on the writer keeps no entries
        }
    }

    /** Opens (creating if needed) the log in {@code dir} with default options. */
    public static SegmentedLog open(Path dir, FileIO io) throws IOException {
        return open(dir, io, Options.defaults());
    }

    /**
     * Opens (creating if needed) the log in {@code dir}: replays every segment, cuts a torn tail, and fails with
     * {@link LogCorruptedException} on damage a crash cannot explain.
     */
    public static SegmentedLog open(Path dir, FileIO io, Options options) throws IOException {
        LogRecovery recovery = new LogRecovery(dir, io, options);
        try {
            recovery.run();
        } catch (IOException | RuntimeException e) {
            if (recovery.activeHandle != null) {
                recovery.activeHandle.close();
            }
            throw e;
        }
        SegmentedLog log = new SegmentedLog(dir, io, options, recovery);
        try {
            log.spare.deleteLeftover();
        } catch (IOException e) {
            if (recovery.activeHandle != null) {
                recovery.activeHandle.close();
            }
            throw e;
        }
        if (log.options.preallocate()) {
            log.spare.prepare();
        }
        if (log.active == null) {
            try {
                log.roll();
            } catch (IOException | RuntimeException e) {
                log.closed = true;
                log.spare.quiesce();
                if (log.active != null) {
                    log.active.close();
                }
                throw e;
            }
        }
        RecoveryReport r = log.report;
        LOG.info("log {} opened: {} segments, {} records, {} groups{}", dir, r.segmentCount(), r.recordCount(),
                r.groupCount(), r.tornTailCut() ? ", torn tail cut in " + r.tornFile() + " at " + r.tornOffset() : "");
        return log;
    }

    /** What open found on disk. */
    public RecoveryReport recoveryReport() {
        return report;
    }

    /**
     * What open found for the group. Safe on any thread, also while the writer thread writes other groups; for a
     * given group it must happen before that group's first write, after which its entries are no longer held.
     */
    @Override
    public Recovered recover(long groupId) {
        Recovered r = recoveredAtOpen.get(groupId);
        if (r != null) {
            return r;
        }
        if (writtenGroups.contains(groupId)) {
            throw new IllegalStateException("recover(" + groupId + ") after the group was written: its entries are "
                    + "no longer held");
        }
        return new Recovered(HardState.EMPTY, null, List.of());
    }

    /** The group's first write since open: what was recovered for it is released. */
    private void firstWrite(GroupState g) {
        g.written = true;
        writtenGroups.add(g.groupId);
        recoveredAtOpen.remove(g.groupId);
    }

    @Override
    public void append(long groupId, HardState hardState, List<Entry> entries) throws IOException {
        ensureWritable();
        if (entries.isEmpty() && hardState == null) {
            return;
        }
        GroupState g = groups.get(groupId);
        boolean fresh = g == null;
        if (fresh) {
            g = new GroupState(groupId);
        }
        if (!entries.isEmpty()) {
            g.checkEntries(entries, options.entryBytesMax());
        }
        if (hardState != null) {
            g.checkHardState(hardState);
        }
        if (fresh) {
            groups.put(groupId, g);
        }
        if (!g.written) {
            firstWrite(g);
        }
        try {
            for (Entry e : entries) {
                writeEntry(g, e);
            }
            if (hardState != null) {
                writeHardState(g, hardState);
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    @Override
    public void saveSnapshot(long groupId, SnapshotMeta snapshot, boolean replaceLog) throws IOException {
        ensureWritable();
        GroupState g = groups.get(groupId);
        boolean fresh = g == null;
        if (fresh) {
            g = new GroupState(groupId);
        }
        g.checkSnapshot(snapshot, replaceLog);
        if (fresh) {
            groups.put(groupId, g);
        }
        if (!g.written) {
            firstWrite(g);
        }
        byte[] config = snapshot.configuration().encode();
        try {
            long offset = reserve(recordBytes(config.length));
            int start = encoder.begin(RecordFormat.SNAPSHOT, replaceLog ? RecordFormat.FLAG_REPLACE_LOG : 0,
                    forcedPos, groupId, snapshot.term(), snapshot.index(), config.length);
            encoder.buffer().put(config);
            encoder.finish(start, activeSeq, offset);
            dirty = true;
        } catch (IOException e) {
            throw fail(e);
        }
        g.applySnapshot(snapshot, replaceLog);
        if (replaceLog) {
            Segment.clampAll(segments, groupId, 0);
        }
    }

    @Override
    public void compact(long groupId, long index) throws IOException {
        ensureWritable();
        GroupState g = groups.get(groupId);
        Invariants.check(g != null && index <= g.snapshotIndex(),
                "group %d: compaction to %d is not covered by a saved snapshot (at %d)", groupId, index,
                g == null ? 0 : g.snapshotIndex());
        if (index <= g.compactIndex) {
            return;
        }
        g.compactIndex = index;
        compactionPending = true;
        if (!dirty) {
            try {
                deleteCovered();
            } catch (IOException e) {
                throw fail(e);
            }
        }
    }

    @Override
    public void write() throws IOException {
        ensureWritable();
        try {
            writeBuffered();
        } catch (IOException e) {
            throw fail(e);
        }
    }

    @Override
    public void sync() throws IOException {
        ensureWritable();
        try {
            writeBuffered();
            if (dirty) {
                active.force();
                forcedPos = writePos;
                dirty = false;
            }
            if (compactionPending) {
                deleteCovered();
            }
        } catch (IOException e) {
            throw fail(e);
        }
    }

    /** Makes queued writes durable (unless the log failed) and closes the active segment. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        try {
            if (failure == null) {
                sync();
            }
        } finally {
            closed = true;
            spare.quiesce();
            if (active != null) {
                active.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------
    // Encoding
    // ------------------------------------------------------------------------------------------------------

    private void writeEntry(GroupState g, Entry e) throws IOException {
        byte[] data = e.data();
        long offset = reserve(recordBytes(data.length));
        int start = encoder.begin(RecordFormat.ENTRY, e.type().ordinal(), forcedPos, g.groupId, e.term(), e.index(),
                data.length);
        encoder.buffer().put(data);
        encoder.finish(start, activeSeq, offset);
        dirty = true;
        if (g.applyEntry(e.index(), e.term(), null)) {
            Segment.clampAll(segments, g.groupId, e.index() - 1);
        }
        long[] cell = activeCell(g);
        cell[0] = Math.max(cell[0], e.index());
    }

    private void writeHardState(GroupState g, HardState hs) throws IOException {
        long offset = reserve(recordBytes(8));
        int start = encoder.begin(RecordFormat.HARD_STATE, 0, forcedPos, g.groupId, hs.term(), hs.commit(), 8);
        encoder.buffer().putLong(hs.vote());
        encoder.finish(start, activeSeq, offset);
        dirty = true;
        g.applyHardState(hs);
    }

    private long[] activeCell(GroupState g) {
        if (g.activeCellSeq != activeSeq) {
            g.activeCell = segments.get(segments.size() - 1).cell(g.groupId);
            g.activeCellSeq = activeSeq;
        }
        return g.activeCell;
    }

    /**
     * Makes room for a record of {@code bytes}: rolls to a new segment if it does not fit the active one (unless
     * the active one holds nothing but its header), and drains the buffer if the record does not fit it. Returns
     * the file offset the record will have.
     */
    private long reserve(int bytes) throws IOException {
        long used = writePos + encoder.pending();
        if (used + bytes > options.segmentSizeBytes() && used > headerEnd) {
            roll();
        }
        if (encoder.remaining() < bytes) {
            writeBuffered();
            encoder.ensureCapacity(bytes);
        }
        return writePos + encoder.pending();
    }

    /** Writes the encoded bytes to the active segment (no sync). */
    private void writeBuffered() throws IOException {
        if (encoder.pending() == 0) {
            return;
        }
        ByteBuffer bytes = encoder.drain();
        int n = bytes.remaining();
        active.write(bytes, writePos);
        writePos += n;
        encoder.clear();
    }

    /**
     * Ends the active segment (written and forced completely) and starts the next: the pre-allocated spare renamed
     * to it (or a new empty file), headed with every group's state, forced, and its directory synced, before any
     * record goes into it; then the next spare is started.
     */
    private void roll() throws IOException {
        if (active != null) {
            writeBuffered();
            active.force();
            active.close();
            active = null;
        }
        long seq = activeSeq + 1;
        Path path = dir.resolve(RecordFormat.segmentName(seq));
        if (options.preallocate()) {
            spare.moveTo(path); // zero-filled and forced ahead; the directory sync below makes the name durable
        }
        FileHandle file = io.open(path, true);
        if (!options.preallocate() && file.size() > 0) {
            file.truncate(0); // left over from a start that crashed before its header was durable
        }
        active = file;
        activeSeq = seq;
        writePos = 0;
        forcedPos = 0;
        byte[] header = SegmentHeader.encode(groups.values());
        encoder.ensureCapacity(recordBytes(header.length));
        int start = encoder.begin(RecordFormat.SEGMENT_HEADER, 0, 0, 0, RecordFormat.FORMAT_VERSION, seq,
                header.length);
        encoder.buffer().put(header);
        encoder.finish(start, seq, 0);
        writeBuffered();
        headerEnd = writePos;
        file.force();
        io.syncDirectory(dir);
        forcedPos = writePos;
        if (options.preallocate()) {
            spare.prepare();
        }
        segments.add(new Segment(seq, path));
        compactionPending = true;
        LOG.debug("log {}: started segment {}", dir, path.getFileName());
    }

    /** Deletes the oldest segments while they are covered; each deletion is made durable before the next. */
    private void deleteCovered() throws IOException {
        compactionPending = false;
        List<Segment> deleted = new ArrayList<>();
        while (segments.size() > 1 && segments.get(0).coveredBy(groups)) {
            Segment s = segments.remove(0);
            io.delete(s.path);
            io.syncDirectory(dir);
            deleted.add(s);
        }
        if (!deleted.isEmpty()) {
            LOG.info("log {}: deleted compacted segments {}", dir, deleted);
        }
    }

    private void ensureWritable() throws IOException {
        if (closed) {
            throw new IOException("log " + dir + " is closed");
        }
        if (failure != null) {
            throw new IOException("log " + dir + " failed earlier and accepts no more writes", failure);
        }
    }

    private IOException fail(IOException e) {
        failure = e;
        LOG.error("log {}: write failed; the log accepts no more writes", dir, e);
        return e;
    }

    // ------------------------------------------------------------------------------------------------------
    // For tests in this package
    // ------------------------------------------------------------------------------------------------------

    /** Paths of the live segments, oldest first. */
    List<Path> segmentPaths() {
        List<Path> paths = new ArrayList<>(segments.size());
        for (Segment s : segments) {
            paths.add(s.path);
        }
        return paths;
    }
}
