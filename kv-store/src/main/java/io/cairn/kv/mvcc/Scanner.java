package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Visits the live keys of an interval as they were at one revision, with their {@link KvMeta} and without their
 * values, and reads the values of the versions a caller keeps.
 *
 * <p>At the source's current revision the scan walks the current column family: one small record per live key,
 * no values. At an older revision it walks history (every retained version of every key in the interval): it
 * keeps the last entry at or below the revision, visits it unless it is a tombstone, and seeks past the key's
 * newer entries; it reads only each entry's {@value KvMeta#BYTES}-byte header, never a value. Its cost is the
 * number of retained versions in the interval, which compaction bounds. A single key at an older revision is one
 * seek back from {@code (key, revision)}.
 *
 * <p>A scan visits at most {@code visitMax} keys and then only counts the rest (etcd's Range reports every live
 * key of its range whatever the limit): past that point it reads neither values nor headers of the current
 * column family, and compares each key with the interval's end in a buffer it reuses.
 *
 * <p>Values come from history at {@code (key, mod_revision)} ({@link #values}, {@link #value}): one multi-get
 * for the kvs a Range returns (a point get for one), except that a single key read at an old revision keeps the
 * record its seek found and takes the value from it. {@link HistoryRecord#value} checks that the entry is there
 * and is the version visited.
 *
 * <p>Used by one thread at a time (its source's). Counts iterator seeks, steps and point lookups, and the values
 * read, into {@link KvSource.Steps}.
 */
final class Scanner {
    /** Receives each live key in key order with its version's metadata; returns false to stop the scan. */
    @FunctionalInterface
    interface Visitor {
        boolean visit(byte[] key, KvMeta meta);
    }

    /** A key a scan visited, and its version's metadata. */
    record Hit(byte[] key, KvMeta meta) {}

    private final KvSource source;
    private final Columns columns;
    private final KvSource.Steps steps;
    /** The history record a single-key scan at an old revision found, whose value is usually asked next. */
    private Found lastOne;

    /** A history record and the key and version it was read for. */
    private record Found(byte[] key, KvMeta meta, byte[] record) {}

    /** Where this scanner reads (the lease table reads through the same view). */
    KvSource source() {
        return source;
    }

    Scanner(KvSource source, Columns columns, KvSource.Steps steps) {
        this.source = source;
        this.columns = columns;
        this.steps = steps;
    }

    /** The live version of {@code key} now (in the source's current state), or null. */
    KvMeta current(byte[] key) {
        steps.add(1);
        byte[] raw = source.get(columns.current, key);
        return raw == null ? null : KvMeta.decode(raw);
    }

    /** Visits every live key of {@code interval} at {@code revision}, until the visitor stops the scan. */
    void scan(KeyInterval interval, long revision, long currentRevision, Visitor visitor) {
        scan(interval, revision, currentRevision, Long.MAX_VALUE, visitor);
    }

    /**
     * Visits the first {@code visitMax} live keys of {@code interval} at {@code revision} (which is
     * {@code currentRevision} or older) and counts the rest; returns how many live keys the interval holds, or
     * the number visited when the visitor stopped the scan.
     */
    long scan(KeyInterval interval, long revision, long currentRevision, long visitMax, Visitor visitor) {
        Invariants.check(revision <= currentRevision, "scan at %s above current %s", revision, currentRevision);
        Invariants.check(visitMax >= 0, "visitMax must be >= 0: %s", visitMax);
        return revision == currentRevision
                ? scanCurrent(interval, visitMax, visitor)
                : scanHistory(interval, revision, visitMax, visitor);
    }

    private long scanCurrent(KeyInterval interval, long visitMax, Visitor visitor) {
        if (interval.single()) {
            KvMeta meta = current(interval.start());
            if (meta != null && visitMax > 0) {
                visitor.visit(interval.start(), meta);
            }
            return meta == null ? 0 : 1;
        }
        try (RocksIterator it = source.iterator(columns.current)) {
            steps.add(1);
            long n = 0;
            for (it.seek(interval.start()); it.isValid(); it.next()) {
                steps.add(1);
                if (n == visitMax) {
                    return n + countRest(it, interval.end());
                }
                byte[] key = it.key();
                if (interval.endsBefore(key)) {
                    break;
                }
                n++;
                if (!visitor.visit(key, KvMeta.decode(it.value()))) {
                    return n;
                }
            }
            checkStatus(it);
            return n;
        }
    }

    /** Counts the current column family's keys from the iterator's position up to {@code end} (empty: no end). */
    private long countRest(RocksIterator it, byte[] end) {
        byte[] head = new byte[end.length];
        long n = 0;
        while (it.isValid() && (end.length == 0 || below(it, head, end))) {
            n++;
            it.next();
            steps.add(1);
        }
        checkStatus(it);
        return n;
    }

    /**
     * True when the iterator's key sorts below {@code end}, read into {@code head} ({@code end.length} bytes, so
     * nothing is allocated): a key below on its common part is below, above is above, and a key equal on it is
     * below only when it is shorter than {@code end} (a proper prefix of it).
     */
    private static boolean below(RocksIterator it, byte[] head, byte[] end) {
        int length = it.key(head);
        int common = Math.min(length, end.length);
        int c = Arrays.compareUnsigned(head, 0, common, end, 0, common);
        return c < 0 || (c == 0 && length < end.length);
    }

    private long scanHistory(KeyInterval interval, long revision, long visitMax, Visitor visitor) {
        if (interval.single()) {
            return historyOfOne(interval.start(), revision, visitMax, visitor);
        }
        try (RocksIterator it = source.iterator(columns.history)) {
            steps.add(1);
            long n = 0;
            it.seek(Keys.historyPrefix(interval.start()));
            while (it.isValid()) {
                byte[] entry = it.key();
                byte[] key = Keys.decodeHistoryUserKey(entry);
                if (interval.endsBefore(key)) {
                    break;
                }
                byte[] prefix = Arrays.copyOf(entry, entry.length - 8);
                byte[] newest = null;
                while (it.isValid() && Keys.isHistoryOf(entry = it.key(), prefix)
                        && Keys.decodeHistoryRevision(entry) <= revision) {
                    newest = header(it);
                    it.next();
                    steps.add(1);
                }
                if (newest != null && !HistoryRecord.isTombstone(newest)) {
                    n++;
                    if (n <= visitMax && !visitor.visit(key, KvMeta.decodeHeader(newest))) {
                        return n;
                    }
                }
                if (it.isValid() && Keys.isHistoryOf(it.key(), prefix)) {
                    it.seek(Keys.historyPrefixEnd(prefix));
                    steps.add(1);
                }
            }
            checkStatus(it);
            return n;
        }
    }

    /** One key at an old revision: its newest entry at or below it is one seek back from (key, revision). */
    private long historyOfOne(byte[] key, long revision, long visitMax, Visitor visitor) {
        byte[] prefix = Keys.historyPrefix(key);
        try (RocksIterator it = source.iterator(columns.history)) {
            steps.add(1);
            it.seekForPrev(Keys.withRevision(prefix, revision));
            if (!it.isValid()) {
                checkStatus(it);
                return 0;
            }
            byte[] entry = it.key();
            if (!Keys.isHistoryOf(entry, prefix)) {
                return 0;
            }
            Invariants.check(Keys.decodeHistoryRevision(entry) <= revision, "seek back from %s found %s", revision,
                    Keys.decodeHistoryRevision(entry));
            byte[] record = it.value();
            if (HistoryRecord.isTombstone(record)) {
                return 0;
            }
            if (visitMax > 0) {
                KvMeta meta = KvMeta.decodeHeader(record);
                lastOne = new Found(key, meta, record);
                visitor.visit(key, meta);
            }
            return 1;
        }
    }

    /** The header of the history record under the iterator (its value is not copied). */
    private static byte[] header(RocksIterator it) {
        byte[] header = new byte[KvMeta.BYTES];
        int length = it.value(header);
        Invariants.check(length >= KvMeta.BYTES, "history record too short: %s bytes", length);
        return header;
    }

    /** The value of the version {@code meta} of {@code key}, from history. */
    byte[] value(byte[] key, KvMeta meta) {
        byte[] record;
        if (lastOne != null && lastOne.meta() == meta && lastOne.key() == key) {
            record = lastOne.record(); // read by the seek that found this very version (the same objects)
            lastOne = null;
        } else {
            steps.add(1);
            record = source.get(columns.history, Keys.historyKey(key, meta.modRevision()));
        }
        byte[] value = HistoryRecord.value(record, key, meta);
        steps.addValueRead(record.length);
        return value;
    }

    /** The values of the versions {@code hits}, in order, from history in one multi-get. */
    List<byte[]> values(List<Hit> hits) {
        if (hits.size() == 1) {
            return List.of(value(hits.get(0).key(), hits.get(0).meta())); // a point get costs less than a multi-get
        }
        List<byte[]> historyKeys = new ArrayList<>(hits.size());
        for (Hit h : hits) {
            historyKeys.add(Keys.historyKey(h.key(), h.meta().modRevision()));
        }
        steps.add(hits.size());
        List<byte[]> records = source.multiGet(columns.history, historyKeys);
        Invariants.check(records.size() == hits.size(), "multi-get of %s keys gave %s values", hits.size(),
                records.size());
        List<byte[]> values = new ArrayList<>(hits.size());
        for (int i = 0; i < hits.size(); i++) {
            byte[] record = records.get(i);
            values.add(HistoryRecord.value(record, hits.get(i).key(), hits.get(i).meta()));
            steps.addValueRead(record.length);
        }
        return values;
    }

    static void checkStatus(RocksIterator it) {
        try {
            it.status();
        } catch (RocksDBException e) {
            throw new StorageException("iterator failed", e);
        }
    }
}
