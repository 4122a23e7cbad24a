package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.util.Arrays;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Visits the live keys of an interval as they were at one revision: from the current column family when the
 * revision is the source's current one (one entry per live key), else from history (every version of every key
 * in the interval that still exists).
 *
 * <p>History scan: entries of one key are contiguous and ascending by revision ({@link Keys}); the scan keeps the
 * last entry at or below the revision, visits it unless it is a tombstone, and seeks past the key's newer
 * entries. Its cost is the number of retained versions in the interval, which compaction bounds.
 *
 * <p>Used by one thread at a time (its source's). Counts iterator seeks and steps into {@link KvSource.Steps}.
 */
final class Scanner {
    /** Receives each live key in key order; returns false to stop the scan. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(byte[] key, StoredKv kv);
    }

    private final KvSource source;
    private final Columns columns;
    private final KvSource.Steps steps;

    Scanner(KvSource source, Columns columns, KvSource.Steps steps) {
        this.source = source;
        this.columns = columns;
        this.steps = steps;
    }

    /** The live version of {@code key} now (in the source's current state), or null. */
    StoredKv current(byte[] key) {
        steps.add(1);
        byte[] raw = source.get(columns.current, key);
        return raw == null ? null : StoredKv.decode(raw);
    }

    /** Visits {@code interval}'s live keys at {@code revision}, which is {@code currentRevision} or older. */
    void scan(KeyInterval interval, long revision, long currentRevision, Visitor visitor) {
        Invariants.check(revision <= currentRevision, "scan at %s above current %s", revision, currentRevision);
        if (revision == currentRevision) {
            scanCurrent(interval, visitor);
        } else {
            scanHistory(interval, revision, visitor);
        }
    }

    private void scanCurrent(KeyInterval interval, Visitor visitor) {
        if (interval.single()) {
            StoredKv kv = current(interval.start());
            if (kv != null) {
                visitor.visit(interval.start(), kv);
            }
            return;
        }
        try (RocksIterator it = source.iterator(columns.current)) {
            steps.add(1);
            for (it.seek(interval.start()); it.isValid(); it.next()) {
                steps.add(1);
                byte[] key = it.key();
                if (interval.endsBefore(key) || !visitor.visit(key, StoredKv.decode(it.value()))) {
                    return;
                }
            }
            checkStatus(it);
        }
    }

    private void scanHistory(KeyInterval interval, long revision, Visitor visitor) {
        try (RocksIterator it = source.iterator(columns.history)) {
            steps.add(1);
            it.seek(Keys.historyPrefix(interval.start()));
            while (it.isValid()) {
                byte[] entry = it.key();
                byte[] key = Keys.decodeHistoryUserKey(entry);
                if (interval.endsBefore(key)) {
                    return;
                }
                byte[] prefix = Arrays.copyOf(entry, entry.length - 8);
                byte[] newest = null;
                while (it.isValid() && Keys.isHistoryOf(entry = it.key(), prefix)
                        && Keys.decodeHistoryRevision(entry) <= revision) {
                    newest = it.value();
                    it.next();
                    steps.add(1);
                }
                if (newest != null) {
                    StoredKv kv = StoredKv.decode(newest);
                    if (!kv.tombstone() && !visitor.visit(key, kv)) {
                        return;
                    }
                }
                if (it.isValid() && Keys.isHistoryOf(it.key(), prefix)) {
                    it.seek(Keys.historyPrefixEnd(prefix));
                    steps.add(1);
                }
            }
            checkStatus(it);
        }
    }

    static void checkStatus(RocksIterator it) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new StorageException("iterator failed", e);
        }
    }
}
