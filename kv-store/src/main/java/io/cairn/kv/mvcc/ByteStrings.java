package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;

/** Comparisons of protobuf byte strings in etcd's order (unsigned bytewise), and wrapping without a copy. */
final class ByteStrings {
    private ByteStrings() {}

    static int compare(ByteString a, ByteString b) {
        return ByteString.unsignedLexicographicalComparator().compare(a, b);
    }

    /** Wraps an array nobody changes afterwards (arrays from RocksDB and from decoding are fresh). */
    static ByteString wrap(byte[] b) {
        return b.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b);
    }
}
