package io.cairn.kv.server;

import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.raft.server.SnapshotArchive;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code cairn kv snapshot restore <file> [--data-dir D] [--name N] [--initial-cluster C] [--initial-cluster-token T]
 * [--initial-advertise-peer-urls U] [--skip-hash-check]}: a new member's data directory from a file that
 * {@code etcdctl snapshot save} wrote from a Cairn member (the etcd Snapshot stream, see
 * {@link MaintenanceGrpcService#appendChecksum}), as {@code etcdctl snapshot restore} makes one from etcd's.
 *
 * <p>It checks the stream's SHA-256 (unless told not to), unpacks the store into {@code D/member/kv}, makes it the
 * start of a new log (applied index 0: {@link MvccStore#forgetAppliedIndex}) and writes the member's identity from
 * the flags, exactly as a new cluster's member computes it. Run it once per member of the new cluster, each with its
 * own {@code --name} and the same {@code --initial-cluster}; then start each with {@code cairn kv} on its data
 * directory. Refuses a data directory that exists.
 */
final class SnapshotRestore {
    private SnapshotRestore() {}

    /** Runs the command; returns the exit status (0, or 2 with one line on standard error). */
    static int run(String[] args) {
        try {
            restore(args);
            return 0;
        } catch (IOException | RuntimeException e) {
            System.err.println("cairn kv snapshot restore: " + e.getMessage());
            return 2;
        }
    }

    static Path restore(String[] args) throws IOException {
        List<String> rest = new ArrayList<>(Arrays.asList(args));
        boolean skipHash = rest.remove("--skip-hash-check") | rest.remove("--skip-hash-check=true");
        if (rest.isEmpty() || rest.get(0).startsWith("-")) {
            throw new IllegalArgumentException("snapshot restore needs the snapshot file first: "
                    + "cairn kv snapshot restore <file> --data-dir <dir> [--name ...] [--initial-cluster ...]");
        }
        Path file = Path.of(rest.remove(0));
        for (String a : rest) {
            String flag = a.replaceFirst("^--?", "").replaceFirst("=.*", "");
            if (a.startsWith("-") && !List.of("data-dir", "name", "initial-cluster", "initial-cluster-token",
                    "initial-advertise-peer-urls").contains(flag)) {
                throw new IllegalArgumentException("unknown flag: --" + flag);
            }
        }
        EtcdFlags flags = EtcdFlags.parse(rest.toArray(String[]::new));
        Path dataDir = Path.of(flags.get("data-dir"));
        if (Files.exists(dataDir)) {
            throw new IllegalArgumentException("data-dir \"" + dataDir + "\" exists");
        }
        MemberIdentity identity = MemberIdentity.fromFlags(flags);
        long size = Files.size(file);
        long archiveBytes = size;
        if (size % 512 == 32) {
            archiveBytes = size - 32;
            if (!skipHash) {
                checkHash(file, archiveBytes);
            }
        } else if (!skipHash) {
            throw new IllegalArgumentException("snapshot missing hash but --skip-hash-check=false");
        }
        Path memberDir = dataDir.resolve("member");
        Path staged = memberDir.resolve("kv.restore");
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            SnapshotArchive.unpack(new BoundedInput(in, archiveBytes), staged);
        }
        Files.move(staged, memberDir.resolve("kv"));
        MvccStore.forgetAppliedIndex(memberDir.resolve("kv"), KvLimits.DEFAULTS);
        identity.store(memberDir);
        System.err.println("cairn kv snapshot restore: restored " + file + " into " + dataDir + " as member "
                + identity.name() + " (" + MemberIdentity.hex(identity.memberId()) + ") of cluster "
                + MemberIdentity.hex(identity.clusterId()));
        return dataDir;
    }

    private static void checkHash(Path file, long archiveBytes) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
        byte[] expected = new byte[32];
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            byte[] buf = new byte[64 * 1024];
            long left = archiveBytes;
            while (left > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, left));
                if (n < 0) {
                    throw new IOException("snapshot file ended early");
                }
                sha.update(buf, 0, n);
                left -= n;
            }
            if (in.readNBytes(expected, 0, 32) != 32) {
                throw new IOException("snapshot file ended early");
            }
        }
        if (!MessageDigest.isEqual(sha.digest(), expected)) {
            throw new IllegalArgumentException("expected sha256 does not match the snapshot's data; the file is"
                    + " damaged");
        }
    }

    /** At most {@code limit} bytes of a stream: the archive without the padding and hash after it. */
    private static final class BoundedInput extends java.io.FilterInputStream {
        private long left;

        BoundedInput(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }
}
