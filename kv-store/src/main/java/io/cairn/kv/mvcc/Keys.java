package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The byte encodings of the store's RocksDB keys, and the byte-string helpers the readers share.
 *
 * <p><b>current</b> column family: the user key as is (RocksDB's bytewise order is etcd's key order); the value
 * is the key's {@link KvMeta} (metadata only, no value).
 *
 * <p><b>history</b> column family: {@code escape(key) 0x00 0x01 revision(8 bytes, big-endian)} to a
 * {@link HistoryRecord} (header and value, or a tombstone). {@code escape}
 * writes each 0x00 byte of the key as {@code 0x00 0xFF}, so the terminator {@code 0x00 0x01} sorts below any
 * continuation of the key: the encoding is prefix-free and order-preserving, so entries sort by key, then by
 * revision (revisions are positive, so big-endian order is numeric order), and all entries of one key are
 * contiguous and start with {@link #historyPrefix}.
 *
 * <p><b>revlog</b> column family: {@code revision(8, big-endian) sub(4, big-endian)}: the events of one revision in
 * the order they happened.
 *
 * <p>Invariant: {@link #historyKey} and {@link #decodeHistoryUserKey} are inverses (checked on every decode).
 */
final class Keys {
    private Keys() {}

    private static final byte ESCAPE_NUL_FOLLOWER = (byte) 0xFF;
    private static final byte TERMINATOR_FOLLOWER = 0x01;

    /** The meta column family's keys. */
    static final byte[] META_APPLIED_INDEX = ascii("applied_index");
    static final byte[] META_REVISION = ascii("revision");
    static final byte[] META_COMPACTED_REVISION = ascii("compacted_revision");
    static final byte[] META_PHYSICAL_COMPACTED_REVISION = ascii("physical_compacted_revision");
    static final byte[] META_FORMAT = ascii("format");
    /** Where an unfinished physical compaction goes on: its target revision (8 bytes), then the history key. */
    static final byte[] META_COMPACTION_RESUME = ascii("compaction_resume");

    /** Meta keys of leases: {@code lease/<id>} holds the granted TTL; {@code leasekey/<id><key>} attaches a key. */
    static final byte[] META_LEASE_PREFIX = ascii("lease/");
    static final byte[] META_LEASE_KEY_PREFIX = ascii("leasekey/");

    /**
     * Meta keys of the membership: {@code member/<id>} holds a member's record, {@code memberremoved/<id>} marks an
     * ID removed.
     */
    static final byte[] META_MEMBER_PREFIX = ascii("member/");
    static final byte[] META_MEMBER_REMOVED_PREFIX = ascii("memberremoved/");

    /** Meta keys of raised alarms: {@code alarm/<member id><alarm type>}, empty values. */
    static final byte[] META_ALARM_PREFIX = ascii("alarm/");

    static byte[] alarmKey(long memberId, int type) {
        return concat(concat(META_ALARM_PREFIX, longBytes(memberId)), longBytes(type));
    }

    /**
     * Meta keys of auth (decision 0024): {@code auth/enabled} (one byte, 1 when on), {@code auth/revision} (8 bytes),
     * {@code authuser/<name>} an etcd {@code authpb.User}, {@code authrole/<name>} an etcd {@code authpb.Role}.
     */
    static final byte[] META_AUTH_ENABLED = ascii("auth/enabled");
    static final byte[] META_AUTH_REVISION = ascii("auth/revision");
    static final byte[] META_AUTH_USER_PREFIX = ascii("authuser/");
    static final byte[] META_AUTH_ROLE_PREFIX = ascii("authrole/");

    static byte[] authUserKey(String name) {
        return concat(META_AUTH_USER_PREFIX, name.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] authRoleKey(String name) {
        return concat(META_AUTH_ROLE_PREFIX, name.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] memberKey(long id) {
        return concat(META_MEMBER_PREFIX, longBytes(id));
    }

    static byte[] memberRemovedKey(long id) {
        return concat(META_MEMBER_REMOVED_PREFIX, longBytes(id));
    }

    static byte[] leaseKey(long id) {
        return concat(META_LEASE_PREFIX, longBytes(id));
    }

    static byte[] leaseAttachmentPrefix(long id) {
        return concat(META_LEASE_KEY_PREFIX, longBytes(id));
    }

    static byte[] leaseAttachmentKey(long id, byte[] key) {
        return concat(leaseAttachmentPrefix(id), key);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** {@code escape(key) 0x00 0x01}: every history entry of {@code key} starts with this, no other entry does. */
    static byte[] historyPrefix(byte[] key) {
        int zeros = 0;
        for (byte b : key) {
            if (b == 0) {
                zeros++;
            }
        }
        byte[] out = new byte[key.length + zeros + 2];
        int at = 0;
        for (byte b : key) {
            out[at++] = b;
            if (b == 0) {
                out[at++] = ESCAPE_NUL_FOLLOWER;
            }
        }
        out[at++] = 0;
        out[at] = TERMINATOR_FOLLOWER;
        return out;
    }

    static byte[] historyKey(byte[] key, long revision) {
        return withRevision(historyPrefix(key), revision);
    }

    /** The history entry {@code prefix + revision}, for a prefix from {@link #historyPrefix}. */
    static byte[] withRevision(byte[] historyPrefix, long revision) {
        Invariants.check(revision >= 0, "history revision must be >= 0: %s", revision);
        byte[] out = Arrays.copyOf(historyPrefix, historyPrefix.length + 8);
        putLong(out, historyPrefix.length, revision);
        return out;
    }

    /** The smallest encoded key above every history entry of the key whose prefix this is. */
    static byte[] historyPrefixEnd(byte[] historyPrefix) {
        byte[] out = historyPrefix.clone();
        out[out.length - 1] = (byte) (TERMINATOR_FOLLOWER + 1);
        return out;
    }

    /** The user key of a history entry. */
    static byte[] decodeHistoryUserKey(byte[] entry) {
        Invariants.check(entry.length >= 10, "history key too short: %s bytes", entry.length);
        int end = entry.length - 8;
        byte[] out = new byte[end];
        int n = 0;
        int i = 0;
        while (i < end) {
            byte b = entry[i];
            if (b == 0) {
                Invariants.check(i + 1 < end, "history key ends inside an escape at %s", i);
                byte follower = entry[i + 1];
                if (follower == TERMINATOR_FOLLOWER) {
                    Invariants.check(i + 2 == end, "history key has bytes after its terminator at %s", i);
                    return Arrays.copyOf(out, n);
                }
                Invariants.check(follower == ESCAPE_NUL_FOLLOWER, "history key has a bad escape at %s", i);
                out[n++] = 0;
                i += 2;
            } else {
                out[n++] = b;
                i++;
            }
        }
        throw new Invariants.InvariantViolation("history key has no terminator");
    }

    /** The revision of a history entry. */
    static long decodeHistoryRevision(byte[] entry) {
        return getLong(entry, entry.length - 8);
    }

    /** True when the history entry belongs to the key whose {@link #historyPrefix} this is. */
    static boolean isHistoryOf(byte[] entry, byte[] historyPrefix) {
        return entry.length == historyPrefix.length + 8 && startsWith(entry, historyPrefix);
    }

    static byte[] revlogKey(long revision, int sub) {
        byte[] out = new byte[12];
        putLong(out, 0, revision);
        out[8] = (byte) (sub >>> 24);
        out[9] = (byte) (sub >>> 16);
        out[10] = (byte) (sub >>> 8);
        out[11] = (byte) sub;
        return out;
    }

    /** The first revlog key of {@code revision}. */
    static byte[] revlogStart(long revision) {
        return revlogKey(revision, 0);
    }

    static long decodeRevlogRevision(byte[] key) {
        Invariants.check(key.length == 12, "revlog key must be 12 bytes: %s", key.length);
        return getLong(key, 0);
    }

    static byte[] longBytes(long v) {
        byte[] out = new byte[8];
        putLong(out, 0, v);
        return out;
    }

    static long bytesLong(byte[] b) {
        Invariants.check(b.length == 8, "meta value must be 8 bytes: %s", b.length);
        return getLong(b, 0);
    }

    static void putLong(byte[] out, int at, long v) {
        for (int i = 7; i >= 0; i--) {
            out[at + i] = (byte) v;
            v >>>= 8;
        }
    }

    static void putInt(byte[] out, int at, int v) {
        out[at] = (byte) (v >>> 24);
        out[at + 1] = (byte) (v >>> 16);
        out[at + 2] = (byte) (v >>> 8);
        out[at + 3] = (byte) v;
    }

    static int getInt(byte[] in, int at) {
        return (in[at] & 0xFF) << 24 | (in[at + 1] & 0xFF) << 16 | (in[at + 2] & 0xFF) << 8 | (in[at + 3] & 0xFF);
    }

    /** A key for a message: printable ASCII as is, other bytes as \xNN, at most 64 bytes of it. */
    static String printable(byte[] key) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < Math.min(key.length, 64); i++) {
            int b = key[i] & 0xFF;
            if (b >= 0x20 && b < 0x7F && b != '\\') {
                out.append((char) b);
            } else {
                out.append(String.format("\\x%02x", b));
            }
        }
        return key.length > 64 ? out.append("...").toString() : out.toString();
    }

    static long getLong(byte[] in, int at) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (in[at + i] & 0xFF);
        }
        return v;
    }

    static boolean startsWith(byte[] b, byte[] prefix) {
        return b.length >= prefix.length && Arrays.equals(b, 0, prefix.length, prefix, 0, prefix.length);
    }

    /** Unsigned bytewise comparison, etcd's key order. */
    static int compare(byte[] a, byte[] b) {
        return Arrays.compareUnsigned(a, b);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static byte[] append(byte[] a, byte b) {
        byte[] out = Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }
}
