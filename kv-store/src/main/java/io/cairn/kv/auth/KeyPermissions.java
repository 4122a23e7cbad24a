package io.cairn.kv.auth;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One user's key permissions of one kind (read or write), merged from all its roles, and the two questions etcd asks
 * of them (etcd 3.4 {@code auth/range_perm_cache.go} on its interval tree):
 *
 * <ul>
 *   <li>a single key ({@link #permits(byte[], byte[])} with no range end) is permitted when some permission's interval
 *       holds it;
 *   <li>a range {@code [key, rangeEnd)} (range end {@code "\0"}: every key from {@code key} on) is permitted only when
 *       the permissions' intervals that meet it, taken in order of their start, join without a gap and together
 *       cover the whole range: two adjacent prefixes cover the range across both; a range that reaches past every
 *       permission is refused.
 * </ul>
 *
 * <p>A permission's interval: its key alone when its range end is empty; {@code [key, rangeEnd)}; or {@code [key, ∞)}
 * for range end {@code "\0"}. As in etcd's byte-affine intervals, an empty bound sorts after every key (so an empty
 * end means "to the end of the key space").
 *
 * <p>Immutable; any thread.
 */
public final class KeyPermissions {
    /** Permits nothing. */
    public static final KeyPermissions NONE = new KeyPermissions(List.of());

    /** {@code [begin, end)} with etcd's affine bounds: an empty array is above every key. */
    private record Interval(byte[] begin, byte[] end) {}

    private final List<Interval> intervals;

    private KeyPermissions(List<Interval> intervals) {
        List<Interval> sorted = new ArrayList<>(intervals);
        sorted.sort(Comparator.comparing(Interval::begin, KeyPermissions::compareAffine));
        this.intervals = List.copyOf(sorted);
    }

    /** Builds a permission set one permission at a time. Not thread-safe. */
    public static final class Builder {
        private final List<Interval> intervals = new ArrayList<>();

        /** Adds etcd's permission {@code (key, rangeEnd)} as a role holds it. */
        public Builder add(byte[] key, byte[] rangeEnd) {
            if (rangeEnd.length == 0) {
                intervals.add(new Interval(key, pointEnd(key)));
            } else if (isFromKey(rangeEnd)) {
                intervals.add(new Interval(key, new byte[0]));
            } else {
                intervals.add(new Interval(key, rangeEnd));
            }
            return this;
        }

        public KeyPermissions build() {
            return intervals.isEmpty() ? NONE : new KeyPermissions(intervals);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether a request for {@code key} (range end empty: that key alone; {@code "\0"}: all keys from it) may go. */
    public boolean permits(byte[] key, byte[] rangeEnd) {
        if (rangeEnd == null || rangeEnd.length == 0) {
            return intersects(key, pointEnd(key));
        }
        return covers(key, isFromKey(rangeEnd) ? new byte[0] : rangeEnd);
    }

    /** etcd's {@code Intersects}: some interval meets {@code [begin, end)}. */
    private boolean intersects(byte[] begin, byte[] end) {
        for (Interval i : intervals) {
            if (meets(i, begin, end)) {
                return true;
            }
        }
        return false;
    }

    /** etcd's {@code Contains}: the intervals meeting {@code [begin, end)}, by start, join up and cover it all. */
    private boolean covers(byte[] begin, byte[] end) {
        byte[] minBegin = null;
        byte[] maxEnd = null;
        for (Interval i : intervals) {
            if (!meets(i, begin, end)) {
                continue;
            }
            if (minBegin == null) {
                minBegin = i.begin();
                maxEnd = i.end();
                continue;
            }
            if (compareAffine(maxEnd, i.begin()) < 0) {
                return false; // a gap
            }
            if (compareAffine(i.end(), maxEnd) > 0) {
                maxEnd = i.end();
            }
        }
        return minBegin != null && compareAffine(maxEnd, end) >= 0 && compareAffine(minBegin, begin) <= 0;
    }

    private static boolean meets(Interval i, byte[] begin, byte[] end) {
        return compareAffine(i.begin(), end) < 0 && compareAffine(begin, i.end()) < 0;
    }

    /** The end of the interval holding only {@code key}: {@code key + "\0"}. */
    private static byte[] pointEnd(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    private static boolean isFromKey(byte[] rangeEnd) {
        return rangeEnd.length == 1 && rangeEnd[0] == 0;
    }

    /** Bytewise unsigned order, with an empty array above every other (etcd's {@code BytesAffineComparable}). */
    static int compareAffine(byte[] a, byte[] b) {
        if (a.length == 0) {
            return b.length == 0 ? 0 : 1;
        }
        if (b.length == 0) {
            return -1;
        }
        return Arrays.compareUnsigned(a, b);
    }

    @Override
    public String toString() {
        return "KeyPermissions" + intervals.size();
    }
}
