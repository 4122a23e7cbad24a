package io.cairn.raft.log;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The CRC32C of a record: the segment's sequence and the record's offset in its file (both not stored), then the
 * record from its length field to the end of its payload. Either in one call ({@link #of}) or piece by piece
 * ({@link #begin}, {@link #update}, {@link #value}) for a record read in chunks. One instance per thread; allocates
 * nothing per use.
 */
final class RecordChecksum {
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer salt = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);

    /** Checksum of the record in {@code b} from {@code start} to {@code end}; restores b's position and limit. */
    int of(ByteBuffer b, int start, int end, long segmentSeq, long fileOffset) {
        begin(segmentSeq, fileOffset);
        update(b, start + 4, end);
        return value();
    }

    void begin(long segmentSeq, long fileOffset) {
        salt.clear();
        salt.putLong(segmentSeq).putLong(fileOffset).flip();
        crc.reset();
        crc.update(salt);
    }

    /** Adds {@code b}'s bytes from {@code from} to {@code to}; restores b's position and limit. */
    void update(ByteBuffer b, int from, int to) {
        int position = b.position();
        int limit = b.limit();
        b.limit(to).position(from);
        crc.update(b);
        b.limit(limit).position(position);
    }

    int value() {
        return (int) crc.getValue();
    }
}
