package io.cairn.apiserver.protobuf;

import io.cairn.apiserver.api.ApiException;
import java.nio.charset.StandardCharsets;

/**
 * Reads the protobuf wire format from a slice of a byte array: tags, varints and length-delimited fields, and skips
 * the other wire types (fixed-width values, groups). Only what a schema-driven decoder needs; it knows nothing of
 * messages.
 *
 * <p>Every read is bounds-checked against the slice, so a truncated or lying length prefix is a 400
 * ({@link ApiException#badRequest}) naming the byte offset, never an {@code ArrayIndexOutOfBoundsException}. A
 * nested message is read through a new reader over its own slice of the same array (no copy). Not thread-safe; one
 * request owns it.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LEN = 2;
    static final int START_GROUP = 3;
    static final int END_GROUP = 4;
    static final int FIXED32 = 5;

    /** Deepest nesting of (deprecated) groups we skip over. */
    private static final int GROUP_DEPTH_MAX = 32;

    private final byte[] buf;
    private final int end;
    private int pos;

    ProtoReader(byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset + length > buf.length) {
            throw malformed("a length of " + length + " at byte " + offset + " runs past the end of the body");
        }
        this.buf = buf;
        this.pos = offset;
        this.end = offset + length;
    }

    static ProtoReader of(byte[] bytes) {
        return new ProtoReader(bytes, 0, bytes.length);
    }

    boolean hasMore() {
        return pos < end;
    }

    /** The next tag: field number in the high bits, wire type in the low three. */
    int readTag() {
        int at = pos;
        long tag = readVarint();
        int wire = (int) (tag & 7);
        long number = tag >>> 3;
        if (number == 0 || number > 0x1FFFFFFF || wire == 6 || wire == 7) {
            throw malformed("invalid field tag " + tag + " at byte " + at);
        }
        return (int) tag;
    }

    long readVarint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw malformed("a varint is cut short at byte " + pos);
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw malformed("a varint longer than 10 bytes ends at byte " + pos);
    }

    /** A length-delimited field's content as a reader over the same array. */
    ProtoReader readMessage() {
        int length = readLength();
        ProtoReader sub = new ProtoReader(buf, pos, length);
        pos += length;
        return sub;
    }

    byte[] readBytes() {
        int length = readLength();
        byte[] out = new byte[length];
        System.arraycopy(buf, pos, out, 0, length);
        pos += length;
        return out;
    }

    /** A string field. Go strings may hold any bytes; invalid UTF-8 becomes U+FFFD, as Go's JSON encoder does. */
    String readString() {
        int length = readLength();
        String s = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    /** Skips the value of a field whose tag was just read. */
    void skip(int wireType) {
        skip(wireType, 0);
    }

    private void skip(int wireType, int groupDepth) {
        switch (wireType) {
            case VARINT -> readVarint();
            case FIXED64 -> {
                require(8);
                pos += 8;
            }
            case FIXED32 -> {
                require(4);
                pos += 4;
            }
            case LEN -> {
                int length = readLength(); // before the +=, which would read pos first
                pos += length;
            }
            case START_GROUP -> skipGroup(groupDepth + 1);
            default -> throw malformed("unexpected wire type " + wireType + " before byte " + pos);
        }
    }

    private void skipGroup(int groupDepth) {
        if (groupDepth > GROUP_DEPTH_MAX) {
            throw malformed("groups nested deeper than " + GROUP_DEPTH_MAX + " at byte " + pos);
        }
        while (true) {
            if (!hasMore()) {
                throw malformed("a group is not closed before byte " + pos);
            }
            int wire = readTag() & 7;
            if (wire == END_GROUP) {
                return;
            }
            skip(wire, groupDepth);
        }
    }

    private int readLength() {
        int at = pos;
        long length = readVarint();
        if (length < 0 || length > end - pos) {
            throw malformed("a length of " + length + " at byte " + at + " runs past the end of its message");
        }
        return (int) length;
    }

    private void require(int count) {
        if (end - pos < count) {
            throw malformed("a fixed-width value is cut short at byte " + pos);
        }
    }

    static ApiException malformed(String why) {
        return ApiException.badRequest("the body of the request is not valid Kubernetes protobuf: " + why);
    }
}
