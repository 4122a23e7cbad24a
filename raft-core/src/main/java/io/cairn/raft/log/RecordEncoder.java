package io.cairn.raft.log;

import static io.cairn.raft.log.RecordFormat.HEADER_BYTES;

import io.cairn.raft.core.Invariants;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Encodes records into one reusable direct buffer: the write batch. The log writes the buffer with one call per
 * sync (or when it fills), so a batch of many small entries costs one copy into the buffer, one checksum pass and
 * one system call. Nothing is allocated per record.
 *
 * <p>Use: {@link #begin} writes the header, the caller puts the payload into {@link #buffer()}, {@link #finish}
 * checks the length, computes the checksum and pads. Owned by the log's writer thread.
 */
final class RecordEncoder {
    private ByteBuffer buf;
    private final RecordChecksum checksum = new RecordChecksum();
    private int payloadBytes;

    RecordEncoder(int capacityBytes) {
        this.buf = ByteBuffer.allocateDirect(capacityBytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Bytes encoded and not yet drained. */
    int pending() {
        return buf.position();
    }

    int remaining() {
        return buf.remaining();
    }

    /** Makes room for a record of {@code bytes}; the buffer must be empty if it has to grow. */
    void ensureCapacity(int bytes) {
        if (bytes <= buf.remaining()) {
            return;
        }
        Invariants.check(buf.position() == 0, "the write buffer must be drained before it grows");
        int capacity = Integer.highestOneBit(Math.max(bytes, 1) - 1) << 1;
        buf = ByteBuffer.allocateDirect(Math.max(capacity, bytes)).order(ByteOrder.LITTLE_ENDIAN);
    }

    ByteBuffer buffer() {
        return buf;
    }

    /** Writes a header (checksum still 0) and returns the record's start in the buffer. */
    int begin(byte type, int flags, long durableOffset, long group, long term, long index, int payload) {
        int start = buf.position();
        buf.putInt(0);
        buf.putInt(payload);
        buf.put(type);
        buf.put((byte) flags);
        buf.putShort((short) 0);
        buf.putInt((int) durableOffset);
        buf.putLong(group);
        buf.putLong(term);
        buf.putLong(index);
        payloadBytes = payload;
        return start;
    }

    /**
     * Ends the record begun at {@code start}: checks the payload put was as long as announced, stores the checksum
     * (salted with the segment and the record's file offset) and pads to the alignment.
     */
    void finish(int start, long segmentSeq, long fileOffset) {
        int end = buf.position();
        Invariants.check(end - start == HEADER_BYTES + payloadBytes,
                "encoded record is %d bytes, expected %d", end - start, HEADER_BYTES + payloadBytes);
        buf.putInt(start, checksum.of(buf, start, end, segmentSeq, fileOffset));
        int padded = start + RecordFormat.recordBytes(payloadBytes);
        while (buf.position() < padded) {
            buf.put((byte) 0);
        }
    }

    /** The encoded bytes, ready to write; call {@link #clear()} once written. */
    ByteBuffer drain() {
        buf.flip();
        return buf;
    }

    void clear() {
        buf.clear();
    }
}
