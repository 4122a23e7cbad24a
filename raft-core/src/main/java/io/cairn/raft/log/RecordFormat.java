package io.cairn.raft.log;

/**
 * The byte layout of a log record (little-endian, every record starting at a multiple of {@value #ALIGNMENT}).
 *
 * <pre>
 *  offset size field
 *   0     4   crc        CRC32C of: segment sequence (8 bytes) and this record's file offset (8 bytes), which
 *                        are not stored, then bytes 4 .. 40+length of the record
 *   4     4   length     payload bytes (excluding this header and the padding)
 *   8     1   type       1 SEGMENT_HEADER, 2 ENTRY, 3 HARD_STATE, 4 SNAPSHOT (0 is never a record: zeros)
 *   9     1   flags      ENTRY: the EntryType ordinal; SNAPSHOT: bit 0 = replaceLog; otherwise 0
 *  10     2   reserved   0
 *  12     4   durable    offset in this segment up to which the segment was durable (forced) when this record
 *                        was written: the start of its write batch
 *  16     8   group      group id (0 for SEGMENT_HEADER)
 *  24     8   term       ENTRY, SNAPSHOT: term; HARD_STATE: hard state term; SEGMENT_HEADER: format version
 *  32     8   index      ENTRY, SNAPSHOT: index; HARD_STATE: commit; SEGMENT_HEADER: segment sequence
 *  40     n   payload    ENTRY: data; HARD_STATE: vote (8); SNAPSHOT: Configuration.encode(); SEGMENT_HEADER:
 *                        see SegmentHeader
 *  40+n       padding    zeros up to the next multiple of 8
 * </pre>
 *
 * Feeding the segment sequence and the offset into the checksum means a copy of a valid record anywhere else (in
 * an entry's data, in a recycled block, in another segment) does not validate. The {@code durable} field is what
 * lets recovery tell a torn last batch from damage in the middle (see {@code LogRecovery}).
 */
final class RecordFormat {
    private RecordFormat() {}

    /** Bytes of the fixed header. */
    static final int HEADER_BYTES = 40;
    /** Every record starts at a multiple of this. */
    static final int ALIGNMENT = 8;
    /** The largest payload the format allows; a larger length field can only be damage. */
    static final int PAYLOAD_BYTES_LIMIT = 1 << 30;
    /** Version written in every segment header. */
    static final long FORMAT_VERSION = 1;

    static final int CRC_AT = 0;
    static final int LENGTH_AT = 4;
    static final int TYPE_AT = 8;
    static final int FLAGS_AT = 9;
    static final int RESERVED_AT = 10;
    static final int DURABLE_AT = 12;
    static final int GROUP_AT = 16;
    static final int TERM_AT = 24;
    static final int INDEX_AT = 32;

    static final byte SEGMENT_HEADER = 1;
    static final byte ENTRY = 2;
    static final byte HARD_STATE = 3;
    static final byte SNAPSHOT = 4;

    /** SNAPSHOT flag: every entry the group had is discarded. */
    static final int FLAG_REPLACE_LOG = 1;

    private static final String SUFFIX = ".seg";
    private static final int NAME_DIGITS = 20;

    /** Bytes a record with {@code payloadBytes} of payload takes, padding included. */
    static int recordBytes(int payloadBytes) {
        return (HEADER_BYTES + payloadBytes + ALIGNMENT - 1) & -ALIGNMENT;
    }

    static String typeName(int type) {
        return switch (type) {
            case SEGMENT_HEADER -> "SEGMENT_HEADER";
            case ENTRY -> "ENTRY";
            case HARD_STATE -> "HARD_STATE";
            case SNAPSHOT -> "SNAPSHOT";
            default -> "type " + type;
        };
    }

    /** File name of segment {@code seq}: zero-padded so that names sort as sequences do. */
    static String segmentName(long seq) {
        String digits = Long.toString(seq);
        return "0".repeat(NAME_DIGITS - digits.length()) + digits + SUFFIX;
    }

    /** The sequence of a segment file name, or -1 if the name is not a segment's. */
    static long segmentSeq(String name) {
        if (name.length() != NAME_DIGITS + SUFFIX.length() || !name.endsWith(SUFFIX)) {
            return -1;
        }
        for (int i = 0; i < NAME_DIGITS; i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(name.substring(0, NAME_DIGITS));
    }
}
