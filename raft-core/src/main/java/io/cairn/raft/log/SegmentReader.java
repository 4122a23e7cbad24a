package io.cairn.raft.log;

import static io.cairn.raft.log.RecordFormat.ALIGNMENT;
import static io.cairn.raft.log.RecordFormat.DURABLE_AT;
import static io.cairn.raft.log.RecordFormat.FLAGS_AT;
import static io.cairn.raft.log.RecordFormat.GROUP_AT;
import static io.cairn.raft.log.RecordFormat.HEADER_BYTES;
import static io.cairn.raft.log.RecordFormat.INDEX_AT;
import static io.cairn.raft.log.RecordFormat.LENGTH_AT;
import static io.cairn.raft.log.RecordFormat.RESERVED_AT;
import static io.cairn.raft.log.RecordFormat.TERM_AT;
import static io.cairn.raft.log.RecordFormat.TYPE_AT;

import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Invariants;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;

/**
 * Reads and validates the records of one segment file through a window of at most {@value #WINDOW_BYTES} bytes, so
 * that recovering a large segment needs neither the whole file in memory nor a system call per record, and no
 * length field, however damaged, makes it allocate more (only a valid record's payload is copied out).
 *
 * <p>{@link #check(long)} validates the record at an offset (plausible header, length inside the file, checksum)
 * and, when it is valid, leaves its fields in this reader's public-to-the-package fields until the next call. The
 * result is a code rather than an exception or a string because recovery probes every aligned offset after a bad
 * record, and that probe must allocate nothing. Single-threaded.
 */
final class SegmentReader {
    static final int VALID = 0;
    /** Fewer bytes than a header remain in the file. */
    static final int SHORT = 1;
    /** The type byte is not a record type (zeros read here: pre-allocated space, or bytes never written). */
    static final int BAD_TYPE = 2;
    /** Reserved bits or flags that no writer sets. */
    static final int BAD_FIELDS = 3;
    /** The payload length is impossible: beyond the file's end or the format's limit. */
    static final int BAD_LENGTH = 4;
    /** The record claims a durable prefix beyond its own position. */
    static final int BAD_DURABLE = 5;
    /** Everything is plausible but the checksum does not match. */
    static final int BAD_CRC = 6;

    /** Bytes read from the file at a time. */
    private static final int WINDOW_BYTES = 1 << 20;

    final Path path;
    final long seq;
    final long size;
    private final FileHandle file;
    private final RecordChecksum checksum = new RecordChecksum();
    private final ByteBuffer window;
    private long windowStart;
    private int windowLength;

    // The record last passed to check(): its fields (all but the checksum are meaningful only when VALID).
    long position;
    int type;
    int flags;
    int length;
    long durable;
    long group;
    long term;
    long index;

    SegmentReader(Path path, FileHandle file, long seq) throws IOException {
        this.path = path;
        this.file = file;
        this.seq = seq;
        this.size = file.size();
        int windowBytes = (int) Math.max(RecordFormat.HEADER_BYTES, Math.min(WINDOW_BYTES, size));
        this.window = ByteBuffer.allocate(windowBytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Validates the record at {@code pos}; returns {@link #VALID} or the first problem found. */
    int check(long pos) throws IOException {
        position = pos;
        if (pos + HEADER_BYTES > size) {
            return SHORT;
        }
        load(pos, HEADER_BYTES);
        int at = (int) (pos - windowStart);
        type = window.get(at + TYPE_AT);
        if (type < RecordFormat.SEGMENT_HEADER || type > RecordFormat.SNAPSHOT) {
            return BAD_TYPE;
        }
        flags = window.get(at + FLAGS_AT) & 0xff;
        if (window.getShort(at + RESERVED_AT) != 0 || !flagsValid(type, flags)) {
            return BAD_FIELDS;
        }
        length = window.getInt(at + LENGTH_AT);
        if (length < 0 || length > RecordFormat.PAYLOAD_BYTES_LIMIT || pos + HEADER_BYTES + length > size) {
            return BAD_LENGTH;
        }
        durable = Integer.toUnsignedLong(window.getInt(at + DURABLE_AT));
        if (durable > pos) {
            return BAD_DURABLE;
        }
        group = window.getLong(at + GROUP_AT);
        term = window.getLong(at + TERM_AT);
        index = window.getLong(at + INDEX_AT);
        int stored = window.getInt(at);
        return stored == checksum() ? VALID : BAD_CRC;
    }

    /**
     * The checksum of the record at {@link #position} whose header fields were just read. A record larger than the
     * window is summed in window-sized pieces, so a damaged length field can never make recovery allocate more.
     */
    private int checksum() throws IOException {
        int total = HEADER_BYTES + length;
        if (total <= window.capacity()) {
            load(position, total);
            int at = (int) (position - windowStart);
            return checksum.of(window, at, at + total, seq, position);
        }
        checksum.begin(seq, position);
        long p = position + 4;
        long end = position + total;
        while (p < end) {
            int chunk = (int) Math.min(window.capacity(), end - p);
            load(p, chunk);
            int at = (int) (p - windowStart);
            checksum.update(window, at, at + chunk);
            p += chunk;
        }
        return checksum.value();
    }

    private static boolean flagsValid(int type, int flags) {
        return switch (type) {
            case RecordFormat.ENTRY -> flags < EntryType.values().length;
            case RecordFormat.SNAPSHOT -> (flags & ~RecordFormat.FLAG_REPLACE_LOG) == 0;
            default -> flags == 0;
        };
    }

    /** What is wrong with the record last checked, in words, for an error message or a log line. */
    String describe(int code) {
        return switch (code) {
            case VALID -> "valid " + RecordFormat.typeName(type) + " record";
            case SHORT -> "the file ends " + (size - position) + " bytes after it, inside a record header";
            case BAD_TYPE -> "no record starts here (type byte " + type + ")";
            case BAD_FIELDS -> "reserved bits or flags are set (" + RecordFormat.typeName(type) + ", flags " + flags
                    + ")";
            case BAD_LENGTH -> "impossible payload length " + Integer.toUnsignedString(length) + " (" + (size
                    - position - HEADER_BYTES) + " bytes remain in the file)";
            case BAD_DURABLE -> "the record claims the segment was durable up to " + durable + ", beyond itself";
            case BAD_CRC -> "CRC32C mismatch (" + RecordFormat.typeName(type) + " record, " + length
                    + " payload bytes, group " + group + ", index " + index + ")";
            default -> "problem " + code;
        };
    }

    /** Offset just past the valid record last checked, padding included. */
    long end() {
        return position + RecordFormat.recordBytes(length);
    }

    /** A copy of the valid record's payload. */
    byte[] payload() throws IOException {
        byte[] out = new byte[length];
        if (HEADER_BYTES + length <= window.capacity()) {
            load(position, HEADER_BYTES + length);
            window.get((int) (position - windowStart) + HEADER_BYTES, out);
            return out;
        }
        ByteBuffer dst = ByteBuffer.wrap(out);
        while (dst.hasRemaining()) {
            if (file.read(dst, position + HEADER_BYTES + dst.position()) < 0) {
                throw new IOException("segment " + path + " ends inside the record at " + position);
            }
        }
        return out;
    }

    /** The offset of the first byte that is not zero at or after {@code from}, or -1 if there is none. */
    long firstNonZero(long from) throws IOException {
        long p = from;
        while (p < size) {
            int chunk = (int) Math.min(window.capacity(), size - p);
            load(p, chunk);
            byte[] a = window.array();
            int base = window.arrayOffset() + (int) (p - windowStart);
            for (int i = 0; i < chunk; i++) {
                if (a[base + i] != 0) {
                    return p + i;
                }
            }
            p += chunk;
        }
        return -1;
    }

    /**
     * Looks at every aligned offset after {@code bad} for a valid record that was written after the segment was
     * durable beyond {@code bad}, that is, one whose write batch started after {@code bad}. Returns its offset, or
     * -1 if there is none. Leaves the reader's fields undefined.
     */
    long findLaterBatch(long bad) throws IOException {
        long q = (bad + ALIGNMENT) & -ALIGNMENT;
        while (q + HEADER_BYTES <= size) {
            load(q, HEADER_BYTES);
            int t = window.get((int) (q - windowStart) + TYPE_AT);
            if (t < RecordFormat.SEGMENT_HEADER || t > RecordFormat.SNAPSHOT || check(q) != VALID) {
                q += ALIGNMENT;
                continue;
            }
            if (durable > bad) {
                return q;
            }
            q = end();
        }
        return -1;
    }

    /** Makes bytes {@code [pos, pos + len)} available in the window; false if the file ends before. */
    private boolean load(long pos, int len) throws IOException {
        if (pos >= windowStart && pos + len <= windowStart + windowLength) {
            return true;
        }
        Invariants.check(len <= window.capacity(), "segment reader: %d bytes do not fit its window of %d", len,
                window.capacity());
        window.clear();
        window.limit((int) Math.min(window.capacity(), size - pos));
        while (window.hasRemaining()) {
            if (file.read(window, pos + window.position()) < 0) {
                break;
            }
        }
        windowStart = pos;
        windowLength = window.position();
        if (windowLength < len) {
            throw new IOException("segment " + path + " is shorter than its size " + size + " at offset " + pos);
        }
        return true;
    }
}
