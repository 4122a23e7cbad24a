package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.util.Arrays;

/**
 * The value records of the history column family: one per version of a key, {@code (key, revision)} to what was
 * written then (see {@link Keys} for the key).
 *
 * <p>Layout: a {@link KvMeta} header ({@value KvMeta#BYTES} bytes), then the value. A live version's header is
 * byte for byte the current record that version had while it was current, and its {@code value_size} is the
 * length of what follows. A tombstone (a delete at {@code mod_revision}) has flags {@link KvMeta#TOMBSTONE}, its
 * mod revision, zeros elsewhere and no value.
 *
 * <p>This is where the value of a key's current version is read from: the current column family holds only the
 * header ({@link KvMeta}). That is sound because history always holds the entry of a key's current version: it
 * is written in the same batch as the current record, and compaction never removes a key's newest version when
 * it is live (see {@link Compactor}). {@link #value} checks, on every read, that the entry is there and that its
 * header is the current record it was fetched for.
 */
final class HistoryRecord {
    private HistoryRecord() {}

    /** The record of a live version whose header is {@code meta}. */
    static byte[] live(KvMeta meta, byte[] value) {
        Invariants.check(value.length == meta.valueSize(), "value of %s bytes under a header of %s",
                value.length, meta.valueSize());
        byte[] out = new byte[KvMeta.BYTES + value.length];
        meta.encodeInto(out);
        System.arraycopy(value, 0, out, KvMeta.BYTES, value.length);
        return out;
    }

    /** The record of a delete at {@code modRevision}. */
    static byte[] tombstone(long modRevision) {
        Invariants.check(modRevision >= 1, "tombstone at revision %s", modRevision);
        byte[] out = new byte[KvMeta.BYTES];
        out[0] = KvMeta.TOMBSTONE;
        Keys.putLong(out, 9, modRevision);
        return out;
    }

    /** True when the record (or its first {@value KvMeta#BYTES} bytes) is a tombstone's. */
    static boolean isTombstone(byte[] record) {
        Invariants.check(record.length >= KvMeta.BYTES, "history record too short: %s bytes", record.length);
        Invariants.check(record[0] == KvMeta.LIVE || record[0] == KvMeta.TOMBSTONE, "history record has flags %s",
                record[0]);
        return record[0] == KvMeta.TOMBSTONE;
    }

    /**
     * The value in {@code record}, the history entry read for the version {@code expected}: checks that the entry
     * exists, is that version's (its header equals the current record) and is whole.
     */
    static byte[] value(byte[] record, byte[] key, KvMeta expected) {
        Invariants.check(record != null, "history lacks the version of key %s at mod revision %s",
                Keys.printable(key), expected.modRevision());
        Invariants.check(record.length == KvMeta.BYTES + expected.valueSize()
                        && Arrays.equals(record, 0, KvMeta.BYTES, expected.encode(), 0, KvMeta.BYTES),
                "history entry of key %s at %s is not the version %s (%s bytes)", Keys.printable(key),
                expected.modRevision(), expected, record.length);
        return Arrays.copyOfRange(record, KvMeta.BYTES, record.length);
    }
}
