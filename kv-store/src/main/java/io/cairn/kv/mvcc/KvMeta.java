package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import io.cairn.kv.proto.mvcc.KeyValue;

/**
 * Everything etcd says about one live version of a key except its value: the record of the {@code current}
 * column family, and the header of every live record of {@code history} (see {@link HistoryRecord}).
 *
 * <p>Why: etcd's Range must count every live key of its range whatever the limit, and a Kubernetes paginated
 * LIST asks for that count on every page. Counting over records that carry their values read every value of the
 * range to return 100 (docs/benchmarks.md, "kv-store I"). So {@code current} holds only this, and the value of a
 * key's current version is read from {@code history} at {@code (key, modRevision)}, for the kvs a request
 * returns and no others. {@link #valueSize} is kept here so that the response-size limit can be applied to kvs
 * whose values are not read (it is part of the replicated semantics: a Range inside a Txn runs on every member).
 *
 * <p>Layout ({@value #BYTES} bytes): {@code flags(1) create_revision(8) mod_revision(8) version(8) lease(8)
 * value_size(4)}, integers big-endian; {@code flags} is {@link #LIVE} (a history record's header may also be
 * {@link #TOMBSTONE}, which this record never is).
 *
 * <p>Invariants, checked on construction (so after every decode) and on decode: {@code 1 <= create_revision <=
 * mod_revision}, {@code version >= 1}, {@code value_size >= 0}, flags {@link #LIVE}, exactly {@value #BYTES} bytes
 * in the current column family. Immutable.
 */
record KvMeta(long createRevision, long modRevision, long version, long lease, int valueSize) {
    /** Encoded size: the whole current record, and the header of a history record. */
    static final int BYTES = 37;
    /** Flags of a live version. */
    static final byte LIVE = 0;
    /** Flags of a history tombstone's header (a delete at its mod revision). */
    static final byte TOMBSTONE = 1;

    KvMeta {
        Invariants.check(createRevision >= 1 && createRevision <= modRevision && version >= 1 && valueSize >= 0,
                "bad live version: create %s mod %s version %s value size %s", createRevision, modRevision, version,
                valueSize);
    }

    /** The first version of a key created at {@code revision}. */
    static KvMeta created(long revision, long lease, int valueSize) {
        return new KvMeta(revision, revision, 1, lease, valueSize);
    }

    /**
     * The version that follows this one when the key is put again at {@code revision} (the same revision when a
     * Txn puts a key twice: etcd counts both in the version).
     */
    KvMeta next(long revision, long lease, int valueSize) {
        Invariants.check(revision >= modRevision, "a key's next version at %s must not precede %s", revision,
                modRevision);
        return new KvMeta(createRevision, revision, version + 1, lease, valueSize);
    }

    byte[] encode() {
        byte[] out = new byte[BYTES];
        encodeInto(out);
        return out;
    }

    /** Writes this header into the first {@value #BYTES} bytes of {@code out}. */
    void encodeInto(byte[] out) {
        out[0] = LIVE;
        Keys.putLong(out, 1, createRevision);
        Keys.putLong(out, 9, modRevision);
        Keys.putLong(out, 17, version);
        Keys.putLong(out, 25, lease);
        Keys.putInt(out, 33, valueSize);
    }

    /** A record of the current column family. */
    static KvMeta decode(byte[] in) {
        Invariants.check(in.length == BYTES, "current record must be %s bytes: %s", BYTES, in.length);
        return decodeHeader(in);
    }

    /** The first {@value #BYTES} bytes of {@code in}, which must be a live header. */
    static KvMeta decodeHeader(byte[] in) {
        Invariants.check(in.length >= BYTES, "kv header too short: %s bytes", in.length);
        Invariants.check(in[0] == LIVE, "kv header has flags %s where a live version was expected", in[0]);
        return new KvMeta(Keys.getLong(in, 1), Keys.getLong(in, 9), Keys.getLong(in, 17), Keys.getLong(in, 25),
                Keys.getInt(in, 33));
    }

    /** The etcd form of this version of {@code key}; {@code value} null leaves the value empty (keys_only). */
    KeyValue toKeyValue(byte[] key, byte[] value) {
        Invariants.check(value == null || value.length == valueSize, "value of %s bytes for a version of %s",
                value == null ? 0 : value.length, valueSize);
        KeyValue.Builder kv = KeyValue.newBuilder()
                .setKey(ByteStrings.wrap(key))
                .setCreateRevision(createRevision)
                .setModRevision(modRevision)
                .setVersion(version)
                .setLease(lease);
        if (value != null) {
            kv.setValue(ByteStrings.wrap(value));
        }
        return kv.build();
    }
}
