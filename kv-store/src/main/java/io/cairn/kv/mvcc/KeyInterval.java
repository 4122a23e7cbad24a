package io.cairn.kv.mvcc;

import com.google.protobuf.ByteString;

/**
 * A key range as etcd requests name it: {@code key} alone (empty {@code range_end}), every key {@code >= key}
 * ({@code range_end = "\0"}), or {@code [key, range_end)}. Immutable.
 *
 * @param end null for the single key {@code start}; empty for no upper bound; else the exclusive end
 */
public record KeyInterval(byte[] start, byte[] end) {
    public static KeyInterval of(ByteString key, ByteString rangeEnd) {
        return of(key.toByteArray(), rangeEnd.toByteArray());
    }

    /** etcd's {@code mkGteRange}: "\0" means no upper bound. */
    public static KeyInterval of(byte[] key, byte[] rangeEnd) {
        if (rangeEnd.length == 0) {
            return new KeyInterval(key, null);
        }
        if (rangeEnd.length == 1 && rangeEnd[0] == 0) {
            return new KeyInterval(key, new byte[0]);
        }
        return new KeyInterval(key, rangeEnd);
    }

    public boolean single() {
        return end == null;
    }

    public boolean contains(ByteString key) {
        return contains(key.toByteArray());
    }

    public boolean contains(byte[] key) {
        if (end == null) {
            return Keys.compare(key, start) == 0;
        }
        return Keys.compare(key, start) >= 0 && (end.length == 0 || Keys.compare(key, end) < 0);
    }

    /** True when {@code key} is past this interval (so a forward scan can stop). */
    boolean endsBefore(byte[] key) {
        if (end == null) {
            return Keys.compare(key, start) > 0;
        }
        return end.length != 0 && Keys.compare(key, end) >= 0;
    }
}
