package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;

/** Comparisons of protobuf byte strings in etcd's order (unsigned bytewise). */
final class ByteStrings {
    private ByteStrings() {}

    static int compare(ByteString a, ByteString b) {
        return ByteString.unsignedLexicographicalComparator().compare(a, b);
    }
}
