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

    public static byte[] put(String key, byte[] value) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[3 + k.length + value.length];
        out[0] = PUT;
        out[1] = (byte) (k.length >>> 8);
        out[2] = (byte) k.length;
        System.arraycopy(k, 0, out, 3, k.length);
        System.arraycopy(value, 0, out, 3 + k.length, value.length);
        return out;
    }

    public static byte[] delete(String key) {
        byte[] k = key.getBytes(StandardCharsets.UTF_8);
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

    /**
     * The entries as they are now (values are never changed in place, so copying the references is a
     * consistent capture); sorting and writing happen on the snapshot thread.
     */
    @Override
    public SnapshotWriter captureSnapshot() {
        List<Map.Entry<String, byte[]>> entries = new ArrayList<>(map.size());
        for (Map.Entry<String, byte[]> e : map.entrySet()) {
            entries.add(Map.entry(e.getKey(), e.getValue()));
        }
        return out -> {
            entries.sort(Map.Entry.comparingByKey());
            DataOutputStream d = new DataOutputStream(out);
            d.writeInt(entries.size());
            for (Map.Entry<String, byte[]> e : entries) {
                d.writeUTF(e.getKey());
                d.writeInt(e.getValue().length);
                d.write(e.getValue());
            }
            d.flush();
        };
    }

    @Override
    public void restoreSnapshot(InputStream in) throws IOException {
        DataInputStream d = new DataInputStream(in);
        int n = d.readInt();
        Map<String, byte[]> restored = new java.util.HashMap<>();
        for (int i = 0; i < n; i++) {
            String k = d.readUTF();
            byte[] v = new byte[d.readInt()];
            d.readFully(v);
            restored.put(k, v);
        }
        map.clear();
        map.putAll(restored);
    }
}
