package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.nio.file.Path;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;

/**
 * The meta column family: applied Raft index, store revision, compacted revision (logical: reads below it are
 * refused) and physically compacted revision (history below it is gone), plus a format number.
 *
 * <p>Invariants, checked on every read: {@code revision >= 1}, {@code 0 <= physical <= compacted <= revision},
 * {@code appliedIndex >= 0}. The first three are written in the same batch as the changes they describe.
 *
 * <p>The format number names the layout of the other column families ({@link Columns}); a store of another
 * format is refused at open with a message that says what to do, never read.
 */
record StoredMeta(long appliedIndex, long revision, long compactedRevision, long physicalCompactedRevision) {
    StoredMeta {
        Invariants.check(revision >= 1, "meta revision must be >= 1: %s", revision);
        Invariants.check(0 <= physicalCompactedRevision && physicalCompactedRevision <= compactedRevision
                        && compactedRevision <= revision,
                "meta must have 0 <= physical %s <= compacted %s <= revision %s", physicalCompactedRevision,
                compactedRevision, revision);
        Invariants.check(appliedIndex >= 0, "meta applied index must be >= 0: %s", appliedIndex);
    }

    /**
     * Reads the meta of an existing store, or writes a fresh store's (revision 1, nothing applied). A store of
     * another format is refused ({@link StorageException}) before anything else is read from it.
     */
    static StoredMeta readOrInit(Columns columns, long format, Path dir) throws RocksDBException {
        byte[] stored = columns.db.get(columns.meta, Keys.META_FORMAT);
        if (stored == null) {
            StoredMeta fresh = new StoredMeta(0, 1, 0, 0);
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_REVISION, Keys.longBytes(1));
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_COMPACTED_REVISION, Keys.longBytes(0));
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_PHYSICAL_COMPACTED_REVISION,
                    Keys.longBytes(0));
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_APPLIED_INDEX, Keys.longBytes(0));
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_FORMAT, Keys.longBytes(format));
            columns.flushAll();
            return fresh;
        }
        long found = Keys.bytesLong(stored);
        if (found != format) {
            throw new StorageException(formatMismatch(dir, found, format), null);
        }
        return new StoredMeta(
                get(columns, Keys.META_APPLIED_INDEX),
                get(columns, Keys.META_REVISION),
                get(columns, Keys.META_COMPACTED_REVISION),
                get(columns, Keys.META_PHYSICAL_COMPACTED_REVISION));
    }

    /** What to tell an operator who opens a store written by another build. */
    static String formatMismatch(Path dir, long found, long expected) {
        String what = found < expected
                ? "written by an older build; this build does not convert it"
                : "written by a newer build";
        return "kv store " + dir + " has format " + found + ", this build reads only format " + expected + " ("
                + what + "). Format 2 keeps metadata only in the current column family (docs/decisions/"
                + "0012-kv-metadata-index.md). Start this member on an empty data directory so that it catches up "
                + "from the cluster's snapshot, or run the build that wrote the store.";
    }

    private static long get(Columns columns, byte[] key) throws RocksDBException {
        byte[] v = columns.db.get(columns.meta, key);
        Invariants.check(v != null, "meta lacks %s", new String(key, java.nio.charset.StandardCharsets.US_ASCII));
        return Keys.bytesLong(v);
    }

    /** The revisions a reader's snapshot shows (applied index and physical revision are not needed there). */
    static StoredMeta read(KvSource source, Columns columns) {
        long revision = Keys.bytesLong(source.get(columns.meta, Keys.META_REVISION));
        long compacted = Keys.bytesLong(source.get(columns.meta, Keys.META_COMPACTED_REVISION));
        return new StoredMeta(0, revision, compacted, 0);
    }

    /** Adds the batch's new meta to it. */
    static void write(WriteBatchWithIndex batch, Columns columns, long appliedIndex, long revision,
            long compactedRevision) throws RocksDBException {
        batch.put(columns.meta, Keys.META_APPLIED_INDEX, Keys.longBytes(appliedIndex));
        batch.put(columns.meta, Keys.META_REVISION, Keys.longBytes(revision));
        batch.put(columns.meta, Keys.META_COMPACTED_REVISION, Keys.longBytes(compactedRevision));
    }
}
