package io.cairn.kv.mvcc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatchWithIndex;

/**
 * Where a reader gets its bytes: either a RocksDB snapshot (a reader thread: one consistent committed state) or
 * the apply thread's open write batch on top of the database (so a later command of a batch, and a later op of a
 * Txn, sees what earlier ones wrote before it is committed).
 *
 * <p>Every iterator handed out must be closed by the caller. A source is used by one thread.
 */
interface KvSource {
    /** The value of {@code key} in column family {@code cf}, or null. */
    byte[] get(ColumnFamilyHandle cf, byte[] key);

    /** The values of {@code keys} in {@code cf}, in order, null for an absent key. */
    List<byte[]> multiGet(ColumnFamilyHandle cf, List<byte[]> keys);

    RocksIterator iterator(ColumnFamilyHandle cf);

    /** Visits every key of {@code cf} that starts with {@code prefix}, in order, with its value. */
    default void forEachWithPrefix(ColumnFamilyHandle cf, byte[] prefix, java.util.function.BiConsumer<byte[], byte[]>
            visitor) {
        try (RocksIterator it = iterator(cf)) {
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                visitor.accept(it.key(), it.value());
            }
            Scanner.checkStatus(it);
        }
    }

    /**
     * Counts what one operation touches, for tests of how much a read costs: iterator seeks, steps and point
     * lookups ({@link #count()}), and apart from those the history records read for their values
     * ({@link #valueReads()}, {@link #valueBytes()}).
     */
    final class Steps {
        private long count;
        private long valueReads;
        private long valueBytes;

        void add(long n) {
            count += n;
        }

        void addValueRead(long bytes) {
            valueReads++;
            valueBytes += bytes;
        }

        long count() {
            return count;
        }

        long valueReads() {
            return valueReads;
        }

        long valueBytes() {
            return valueBytes;
        }
    }

    /** A committed, consistent state: a RocksDB snapshot (released by {@link #close()}). */
    final class AtSnapshot implements KvSource, AutoCloseable {
        private final Columns columns;
        private final Snapshot snapshot;
        private final ReadOptions readOptions;

        AtSnapshot(Columns columns) {
            this.columns = columns;
            this.snapshot = columns.db.getSnapshot();
            this.readOptions = new ReadOptions().setSnapshot(snapshot);
        }

        @Override
        public byte[] get(ColumnFamilyHandle cf, byte[] key) {
            try {
                return columns.db.get(cf, readOptions, key);
            } catch (RocksDBException e) {
                throw new StorageException("read failed", e);
            }
        }

        @Override
        public List<byte[]> multiGet(ColumnFamilyHandle cf, List<byte[]> keys) {
            if (keys.isEmpty()) {
                return List.of();
            }
            try {
                return columns.db.multiGetAsList(readOptions, Collections.nCopies(keys.size(), cf), keys);
            } catch (RocksDBException e) {
                throw new StorageException("read failed", e);
            }
        }

        @Override
        public RocksIterator iterator(ColumnFamilyHandle cf) {
            return columns.db.newIterator(cf, readOptions);
        }

        @Override
        public void close() {
            readOptions.close();
            columns.db.releaseSnapshot(snapshot);
            snapshot.close();
        }
    }

    /** The apply thread's view: the uncommitted write batch over the latest committed state. */
    final class ThroughBatch implements KvSource {
        private final Columns columns;
        private final WriteBatchWithIndex batch;
        private final ReadOptions readOptions;

        ThroughBatch(Columns columns, WriteBatchWithIndex batch, ReadOptions readOptions) {
            this.columns = columns;
            this.batch = batch;
            this.readOptions = readOptions;
        }

        @Override
        public byte[] get(ColumnFamilyHandle cf, byte[] key) {
            try {
                return batch.getFromBatchAndDB(columns.db, cf, readOptions, key);
            } catch (RocksDBException e) {
                throw new StorageException("read failed", e);
            }
        }

        /** Point lookups: a write batch with index has no multi-get over batch and database. */
        @Override
        public List<byte[]> multiGet(ColumnFamilyHandle cf, List<byte[]> keys) {
            List<byte[]> out = new ArrayList<>(keys.size());
            for (byte[] key : keys) {
                out.add(get(cf, key));
            }
            return out;
        }

        @Override
        public RocksIterator iterator(ColumnFamilyHandle cf) {
            return batch.newIteratorWithBase(cf, columns.db.newIterator(cf, readOptions), readOptions);
        }
    }
}
