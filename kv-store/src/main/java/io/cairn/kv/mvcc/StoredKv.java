package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.Arrays;

/**
 * One stored version of a key: the value record of the current and history column families.
 *
 * <p>Layout (33-byte header, then the value): {@code flags(1) create_revision(8) mod_revision(8) version(8)
 * lease(8) value}, integers big-endian. {@code flags} is 0 for a live version, 1 for a tombstone (history only: a
 * delete at {@code mod_revision}; its other fields are 0).
 *
 * <p>Invariants, checked on encode and on decode: a live version has {@code 1 <= create_revision <=
 * mod_revision} and {@code version >= 1}; a tombstone has only {@code mod_revision >= 1}. The value array is owned
 * by the record (never copied again, never changed).
 */
record StoredKv(boolean tombstone, long createRevision, long modRevision, long version, long lease, byte[] value) {
    private static final int HEADER_BYTES = 33;
    private static final byte LIVE = 0;
    private static final byte TOMBSTONE = 1;
    private static final byte[] NO_VALUE = new byte[0];

    StoredKv {
        if (tombstone) {
            Invariants.check(modRevision >= 1 && createRevision == 0 && version == 0 && value.length == 0,
                    "bad tombstone: mod %s create %s version %s", modRevision, createRevision, version);
        } else {
            Invariants.check(createRevision >= 1 && createRevision <= modRevision && version >= 1,
                    "bad live version: create %s mod %s version %s", createRevision, modRevision, version);
        }
    }

    static StoredKv live(long createRevision, long modRevision, long version, long lease, byte[] value) {
        return new StoredKv(false, createRevision, modRevision, version, lease, value);
    }

    static StoredKv tombstoneAt(long modRevision) {
        return new StoredKv(true, 0, modRevision, 0, 0, NO_VALUE);
    }

    byte[] encode() {
        byte[] out = new byte[HEADER_BYTES + value.length];
        out[0] = tombstone ? TOMBSTONE : LIVE;
        Keys.putLong(out, 1, createRevision);
        Keys.putLong(out, 9, modRevision);
        Keys.putLong(out, 17, version);
        Keys.putLong(out, 25, lease);
        System.arraycopy(value, 0, out, HEADER_BYTES, value.length);
        return out;
    }

    static StoredKv decode(byte[] in) {
        Invariants.check(in.length >= HEADER_BYTES, "stored kv too short: %s bytes", in.length);
        Invariants.check(in[0] == LIVE || in[0] == TOMBSTONE, "stored kv has bad flags: %s", in[0]);
        return new StoredKv(in[0] == TOMBSTONE, Keys.getLong(in, 1), Keys.getLong(in, 9), Keys.getLong(in, 17),
                Keys.getLong(in, 25), Arrays.copyOfRange(in, HEADER_BYTES, in.length));
    }

    /** True when the encoded record is a tombstone (without decoding the rest). */
    static boolean isTombstone(byte[] encoded) {
        Invariants.check(encoded.length >= HEADER_BYTES, "stored kv too short: %s bytes", encoded.length);
        return encoded[0] == TOMBSTONE;
    }

    /** The etcd form of this (live) version of {@code key}. */
    KeyValue toKeyValue(byte[] key) {
        Invariants.check(!tombstone, "a tombstone has no KeyValue");
        return KeyValue.newBuilder()
                .setKey(wrap(key))
                .setCreateRevision(createRevision)
                .setModRevision(modRevision)
                .setVersion(version)
                .setLease(lease)
                .setValue(wrap(value))
                .build();
    }

    /** Wraps an array nobody changes afterwards (arrays from RocksDB and from decode are fresh). */
    static ByteString wrap(byte[] b) {
        return b.length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(b);
    }
}
