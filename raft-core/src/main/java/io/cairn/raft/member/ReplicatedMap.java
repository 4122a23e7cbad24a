package io.cairn.raft.member;

import io.cairn.raft.server.StateMachine;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The demo state machine of {@code cairn raft member}: a replicated map from string keys to byte values.
 *
 * <p>Commands are binary: a 1-byte op ({@link #PUT} or {@link #DELETE}), a 2-byte key length, the key (UTF-8)
 * and, for a put, the value (the rest). Applying returns the previous value (or null). Reads come from
 * {@link #get}, which is safe from any thread (the map is concurrent); linearizable reads go through
 * {@code RaftGroup.read}. The map keeps nothing durable itself: it is rebuilt from snapshots and the log.
 */
public final class ReplicatedMap implements StateMachine {
    public static final byte PUT = 1;
    public static final byte DELETE = 2;

    private final Map<String, byte[]> map = new ConcurrentHashMap<>();
    private volatile long appliedIndex;

    /** The longest key a command can carry (its length field has two bytes). */
    public static final int KEY_BYTES_MAX = 0xFFFF;

    private static byte[] keyBytes(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        if (k.length > KEY_BYTES_MAX) {
            throw new IllegalArgumentException("a key of " + k.length + " bytes is over the limit of " + KEY_BYTES_MAX);
        }
        return k;
    }

    public static byte[] put(String key, byte[] value) {
        byte[] k = keyBytes(key);
        byte[] out = new byte[3 + k.length + value.length];
        out[0] = PUT;
        out[1] = (byte) (k.length >>> 8);
        out[2] = (byte) k.length;
        System.arraycopy(k, 0, out, 3, k.length);
        System.arraycopy(value, 0, out, 3 + k.length, value.length);
        return out;
    }

    /** {@link #put(String, byte[])} with the value copied once, straight out of a received message. */
    public static byte[] put(String key, com.google.protobuf.ByteString value) {
        byte[] k = keyBytes(key);
        byte[] out = new byte[3 + k.length + value.size()];
        out[0] = PUT;
        out[1] = (byte) (k.length >>> 8);
        out[2] = (byte) k.length;
        System.arraycopy(k, 0, out, 3, k.length);
        value.copyTo(out, 3 + k.length);
        return out;
    }

    public static byte[] delete(String key) {
        byte[] k = keyBytes(key);
        byte[] out = new byte[3 + k.length];
        out[0] = DELETE;
        out[1] = (byte) (k.length >>> 8);
        out[2] = (byte) k.length;
        System.arraycopy(k, 0, out, 3, k.length);
        return out;
    }

    @Override
    public List<Object> apply(List<Command> commands) {
        List<Object> results = new ArrayList<>(commands.size());
        for (Command c : commands) {
            results.add(applyOne(c.data()));
            appliedIndex = c.index();
        }
        return results;
    }

    private byte[] applyOne(byte[] cmd) {
        if (cmd.length < 3) {
            return null; // not a map command: ignored, so a stray proposal cannot stop the group
        }
        int keyLength = ((cmd[1] & 0xFF) << 8) | (cmd[2] & 0xFF);
        if (3 + keyLength > cmd.length) {
            return null;
        }
        String key = new String(cmd, 3, keyLength, StandardCharsets.UTF_8);
        return switch (cmd[0]) {
            case PUT -> map.put(key, java.util.Arrays.copyOfRange(cmd, 3 + keyLength, cmd.length));
            case DELETE -> map.remove(key);
            default -> null;
        };
    }

    public byte[] get(String key) {
        return map.get(key);
    }

    public int size() {
        return map.size();
    }

    /** A copy of the whole map (for tests that compare members). */
    public Map<String, byte[]> copy() {
        return new java.util.TreeMap<>(map);
    }

    /** A SHA-256 of the map's contents in key order: equal maps have equal digests. */
    public byte[] digest() {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            for (Map.Entry<String, byte[]> e : new java.util.TreeMap<>(map).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(e.getValue());
                md.update((byte) 0);
            }
            return md.digest();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public long appliedIndex() {
        return appliedIndex;
    }

    @Override
    public void writeSnapshot(OutputStream out) throws IOException {
        captureSnapshot().writeTo(out);
    }

    /** Snapshot format: this byte, the entry count, then per entry key length, key (UTF-8), value length, value. */
    private static final byte SNAPSHOT_FORMAT = 2;

    /**
     * The entries as they are now (values are never changed in place, so copying the references is a
     * consistent capture); writing happens on the snapshot thread, in the map's own order (a restore does not
     * care about order, and sorting a large map is the costliest part of a snapshot).
     */
    @Override
    public SnapshotWriter captureSnapshot() {
        String[] keys = new String[map.size() + 16];
        byte[][] values = new byte[keys.length][];
        int n = 0;
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            if (n == keys.length) { // the map grew meanwhile (gets from other threads never add; be safe)
                keys = java.util.Arrays.copyOf(keys, n * 2);
                values = java.util.Arrays.copyOf(values, n * 2);
            }
            keys[n] = e.getKey();
            values[n++] = e.getValue();
        }
        String[] capturedKeys = keys;
        byte[][] capturedValues = values;
        int count = n;
        return out -> {
            DataOutputStream d = new DataOutputStream(out);
            d.writeByte(SNAPSHOT_FORMAT);
            d.writeInt(count);
            for (int i = 0; i < count; i++) {
                byte[] k = capturedKeys[i].getBytes(StandardCharsets.UTF_8);
                d.writeInt(k.length);
                d.write(k);
                d.writeInt(capturedValues[i].length);
                d.write(capturedValues[i]);
            }
            d.flush();
        };
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        byte format = d.readByte();
        if (format != SNAPSHOT_FORMAT) {
            throw new IOException("replicated map snapshot format " + format + " is not " + SNAPSHOT_FORMAT);
        }
        int n = d.readInt();
        if (n < 0) {
            throw new IOException("replicated map snapshot damaged: " + n + " entries");
        }
        Map<String, byte[]> restored = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[d.readInt()];
            d.readFully(k);
            byte[] v = new byte[d.readInt()];
            d.readFully(v);
            restored.put(new String(k, StandardCharsets.UTF_8), v);
        }
        map.clear();
        map.putAll(restored);
    }
}
