package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import com.google.protobuf.ByteString;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.rocksdb.RocksIterator;

/**
 * Lists the immediate children of a prefix ({@code /registry/pods/} to its namespaces) by skip-scan over the
 * current column family, so the cost grows with the number of children, not of descendants.
 *
 * <p>A child {@code c} owns the exact key {@code P+c} and the subtree {@code [P+c+"/", P+c+"0")} ('0' is '/' + 1).
 * When the scan lands in a subtree it reports the child and seeks past the whole subtree: one seek per child.
 * Children are reported in the order of their subtrees; an exact key {@code P+c} sorts before keys {@code P+c+x}
 * with x below '/' ("a" before "a-b"), whose subtrees come first, so exact keys wait on a stack until the scan
 * passes {@code P+c+"/"}, and then learn whether a subtree follows. The stack holds a chain of names each
 * extending the one below it, so it is bounded by the longest key.
 *
 * <p>Resuming after child {@code s}: seek to {@code P+s+"0"}; exact keys {@code P+t} for prefixes t of s followed by
 * a byte below '/' sort before that but come after s, so they are looked up and put on the stack first.
 *
 * <p>Runs on the caller's thread over one consistent {@link KvSource}.
 */
final class DirectoryLister {
    private static final byte SEPARATOR = '/';
    private static final byte AFTER_SEPARATOR = SEPARATOR + 1;

    private final KvSource source;
    private final Columns columns;
    private final KvSource.Steps steps;
    private final byte[] prefix;
    private final int limit;
    private final List<DirectoryListing.Child> out = new ArrayList<>();
    private final Deque<byte[]> pendingExact = new ArrayDeque<>();
    private boolean more;

    DirectoryLister(KvSource source, Columns columns, KvSource.Steps steps, byte[] prefix, int limit) {
        if (prefix.length == 0 || prefix[prefix.length - 1] != SEPARATOR) {
            throw KvErrors.badDirectoryPrefix();
        }
        Invariants.check(limit >= 1, "listing limit must be >= 1: %s", limit);
        this.source = source;
        this.columns = columns;
        this.steps = steps;
        this.prefix = prefix;
        this.limit = limit;
    }

    /** Lists from the start, or after the child {@code startAfter} (null: from the start). */
    DirectoryListing list(byte[] startAfter, long revision) {
        try (RocksIterator it = source.iterator(columns.current)) {
            if (startAfter == null) {
                seek(it, prefix);
            } else {
                seedPrefixesOf(startAfter);
                seek(it, Keys.append(Keys.concat(prefix, startAfter), AFTER_SEPARATOR));
            }
            scan(it);
            Scanner.checkStatus(it);
        }
        return new DirectoryListing(List.copyOf(out), more, revision, steps.count());
    }

    private void scan(RocksIterator it) {
        while (!more && it.isValid() && Keys.startsWith(it.key(), prefix)) {
            byte[] key = it.key();
            if (popPassed(key, it)) {
                continue;
            }
            int slash = indexOf(key, SEPARATOR, prefix.length);
            if (key.length == prefix.length) {
                it.next(); // the directory's own key is not one of its children
                steps.add(1);
            } else if (slash < 0) {
                pendingExact.push(Arrays.copyOfRange(key, prefix.length, key.length));
                it.next();
                steps.add(1);
            } else {
                byte[] name = Arrays.copyOfRange(key, prefix.length, slash);
                emit(name, false, true);
                seek(it, Keys.append(Arrays.copyOf(key, slash), AFTER_SEPARATOR));
            }
        }
        while (!more && !pendingExact.isEmpty()) {
            emit(pendingExact.pop(), true, false);
        }
    }

    /**
     * Emits the waiting exact keys whose subtree position the scan has reached at {@code key}; if {@code key} is in
     * the subtree of the one emitted, seeks past it and returns true (the caller looks at the new position).
     */
    private boolean popPassed(byte[] key, RocksIterator it) {
        while (!pendingExact.isEmpty() && !more) {
            byte[] name = pendingExact.peek();
            byte[] subtree = Keys.append(Keys.concat(prefix, name), SEPARATOR);
            if (Keys.compare(subtree, key) > 0) {
                return false;
            }
            pendingExact.pop();
            boolean inSubtree = Keys.startsWith(key, subtree);
            emit(name, true, inSubtree);
            if (inSubtree) {
                seek(it, Keys.append(Keys.concat(prefix, name), AFTER_SEPARATOR));
                return true;
            }
        }
        return more;
    }

    private void seedPrefixesOf(byte[] startAfter) {
        for (int n = 1; n < startAfter.length; n++) {
            if ((startAfter[n] & 0xFF) < SEPARATOR) {
                byte[] name = Arrays.copyOf(startAfter, n);
                steps.add(1);
                if (source.get(columns.current, Keys.concat(prefix, name)) != null) {
                    pendingExact.push(name);
                }
            }
        }
    }

    private void emit(byte[] name, boolean isKey, boolean hasChildren) {
        if (out.size() == limit) {
            more = true;
            return;
        }
        out.add(new DirectoryListing.Child(ByteString.copyFrom(name), isKey, hasChildren));
    }

    private void seek(RocksIterator it, byte[] target) {
        it.seek(target);
        steps.add(1);
    }

    private static int indexOf(byte[] b, byte value, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == value) {
                return i;
            }
        }
        return -1;
    }
}
