package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Cache;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.Filter;
import org.rocksdb.FlushOptions;
import org.rocksdb.HyperClockCache;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksObject;
import org.rocksdb.WriteOptions;

/**
 * The open RocksDB database of one store and its column families; owns every native handle and closes them.
 *
 * <p>Column families: {@code meta} (applied index, revision, compacted revisions, format), {@code current} (key to
 * its live version's metadata, {@link KvMeta}, without the value), {@code history} ((key, revision) to the
 * version written then with its value, or a tombstone, {@link HistoryRecord}; where the value of a current
 * version is read from) and {@code revlog} ((revision, sub) to the events of that revision). See {@link Keys} for
 * the encodings, decision 0012 for why values are not in {@code current}.
 *
 * <p>Durability (decision 0009): RocksDB's WAL is off on every write ({@link #writeOptions}); the Raft log is the
 * write-ahead log. Atomic flush is on, so a flush persists all column families at one consistent point: after a
 * crash the database holds exactly the state of some committed batch, whose meta tells its applied index.
 *
 * <p>Thread-safety: RocksDB handles are thread-safe; {@link MvccStore} guarantees none is used after
 * {@link #close()}.
 */
final class Columns implements AutoCloseable {
    static final String META = "meta";
    static final String CURRENT = "current";
    static final String HISTORY = "history";
    static final String REVLOG = "revlog";

    /**
     * Bloom filter bits per key in every SST file: a point lookup (a Get's two: the current record, then the
     * value in history; the apply thread's read of a key's previous version) skips the files whose filter says
     * the key is absent instead of reading one of their blocks. About 1% false positives.
     */
    static final double BLOOM_BITS_PER_KEY = 10;

    /**
     * The block cache all column families share: what RocksDB gives a table without a configuration of its own
     * (a 32 MiB HyperClockCache), made explicit because RocksJava's {@code BlockBasedTableConfig} would otherwise
     * make it an 8 MiB LRU cache.
     */
    static final long BLOCK_CACHE_BYTES = 32L << 20;

    final RocksDB db;
    final ColumnFamilyHandle meta;
    final ColumnFamilyHandle current;
    final ColumnFamilyHandle history;
    final ColumnFamilyHandle revlog;
    final WriteOptions writeOptions;
    private final ColumnFamilyHandle defaultFamily;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;
    /** The block cache and filter policy the family options' table configuration holds. */
    private final List<RocksObject> tableObjects;
    private final List<ColumnFamilyHandle> all;

    static {
        RocksDB.loadLibrary();
    }

    /** How RocksDB's own WAL is used: OFF is the design; the others exist to measure it (decision 0009). */
    enum Wal {
        OFF,
        ON_NO_SYNC,
        ON_SYNC
    }

    private Columns(RocksDB db, List<ColumnFamilyHandle> handles, DBOptions dbOptions,
            ColumnFamilyOptions familyOptions, List<RocksObject> tableObjects, Wal wal, boolean backgroundCompactions) {
        this.backgroundCompactions = backgroundCompactions;
        this.db = db;
        this.defaultFamily = handles.get(0);
        this.meta = handles.get(1);
        this.current = handles.get(2);
        this.history = handles.get(3);
        this.revlog = handles.get(4);
        this.all = List.copyOf(handles);
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.tableObjects = tableObjects;
        this.writeOptions = new WriteOptions().setDisableWAL(wal == Wal.OFF).setSync(wal == Wal.ON_SYNC);
    }

    static Columns open(Path dir) throws RocksDBException {
        return open(dir, Wal.OFF);
    }

    static Columns open(Path dir, Wal wal) throws RocksDBException {
        return open(dir, wal, true);
    }

    /**
     * Opens (or creates) the store's RocksDB. Memtables are never flushed implicitly at close: {@link #flushAll}
     * does it when the store closes, and a crash (or {@code MvccStore.crash}) loses them, WAL off (decision 0009).
     */
    static Columns open(Path dir, Wal wal, boolean backgroundCompactions) throws RocksDBException {
        try {
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new RocksDBException("cannot create " + dir + ": " + e);
        }
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setAvoidFlushDuringShutdown(true)
                .setMaxBackgroundJobs(2)
                .setMaxOpenFiles(backgroundCompactions ? -1 : 64); // the simulator runs many stores at once
        Cache blockCache = new HyperClockCache(BLOCK_CACHE_BYTES, 0, -1, false);
        Filter bloom = new BloomFilter(BLOOM_BITS_PER_KEY, false);
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions().setTableFormatConfig(new BlockBasedTableConfig()
                .setBlockCache(blockCache)
                .setFilterPolicy(bloom))
                .setDisableAutoCompactions(!backgroundCompactions);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        for (String name : List.of(new String(RocksDB.DEFAULT_COLUMN_FAMILY, StandardCharsets.US_ASCII), META,
                CURRENT, HISTORY, REVLOG)) {
            descriptors.add(new ColumnFamilyDescriptor(name.getBytes(StandardCharsets.US_ASCII), familyOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
        Invariants.check(handles.size() == 5, "expected 5 column families, got %s", handles.size());
        return new Columns(db, handles, dbOptions, familyOptions, List.of(blockCache, bloom), wal,
                backgroundCompactions);
    }

    /** Deletes, into {@code batch}, every committed key of {@code cf} that starts with {@code prefix}. */
    void deletePrefixInto(org.rocksdb.WriteBatchWithIndex batch, ColumnFamilyHandle cf, byte[] prefix)
            throws RocksDBException {
        try (org.rocksdb.RocksIterator it = db.newIterator(cf)) {
            for (it.seek(prefix); it.isValid() && Keys.startsWith(it.key(), prefix); it.next()) {
                batch.delete(cf, it.key());
            }
            Scanner.checkStatus(it);
        }
    }

    /** Persists every column family's memtable at one point (atomic flush) and waits for it. */
    void flushAll() throws RocksDBException {
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            db.flush(options, all);
        }
        if (!backgroundCompactions && ++flushesSinceCompaction >= FLUSHES_PER_COMPACTION) {
            // Without background compactions (the simulator) files pile up with every flush: merge them here, on
            // the flushing thread, where it happens at the same point of every replay.
            flushesSinceCompaction = 0;
            for (ColumnFamilyHandle h : all) {
                db.compactRange(h);
            }
        }
    }

    /** Without background compactions, the flushes between two compactions run in the foreground. */
    private static final int FLUSHES_PER_COMPACTION = 32;
    private final boolean backgroundCompactions;
    private int flushesSinceCompaction;

    @Override
    public void close() {
        for (ColumnFamilyHandle h : all) {
            h.close();
        }
        db.close();
        writeOptions.close();
        dbOptions.close();
        familyOptions.close();
        tableObjects.forEach(RocksObject::close);
    }

    ColumnFamilyHandle defaultFamily() {
        return defaultFamily;
    }
}
