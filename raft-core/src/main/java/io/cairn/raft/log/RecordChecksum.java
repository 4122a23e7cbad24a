package io.cairn.raft.log;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The CRC32C of a record: the segment's sequence and the record's offset in its file (both not stored), then the
 * record from its length field to the end of its payload. One instance per thread; allocates nothing per use.
 */
final class RecordChecksum {
    private final CRC32C crc = new CRC32C();
    private final ByteBuffer salt = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);

    /** Checksum of the record in {@code b} from {@code start} to {@code end}; restores b's position and limit. */
    int of(ByteBuffer b, int start, int end, long segmentSeq, long fileOffset) {
        salt.clear();
        salt.putLong(segmentSeq).putLong(fileOffset).flip();
        crc.reset();
        crc.update(salt);
        int position = b.position();
        int limit = b.limit();
        b.limit(end).position(start + 4);
        crc.update(b);
        b.limit(limit).position(position);
        return (int) crc.getValue();
    }
}
