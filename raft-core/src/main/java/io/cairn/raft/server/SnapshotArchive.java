package io.cairn.raft.server;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A directory of files as one stream, for {@link FileSnapshotStateMachine} (and the KV store's etcd Snapshot):
 *
 * <pre>
 *   magic "CAIRNSNP" (8 bytes), version 1 (int), file count (int), then per file, in name order:
 *     relative path ('/'-separated, modified UTF-8), length (long), the bytes, CRC32C of the bytes (int)
 * </pre>
 *
 * Unpacking refuses a damaged or truncated archive (checksum, length, count) and any path that would leave the
 * target directory, so a snapshot received from a peer cannot write elsewhere.
 */
public final class SnapshotArchive {
    private static final long MAGIC = 0x434149524E534E50L; // "CAIRNSNP"
    private static final int VERSION = 1;
    private static final int BUFFER = 1 << 16;

    private SnapshotArchive() {}

    public static void pack(Path dir, OutputStream out) throws IOException {
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.filter(Files::isRegularFile).sorted().forEach(files::add);
        }
        DataOutputStream d = new DataOutputStream(out);
        d.writeLong(MAGIC);
        d.writeInt(VERSION);
        d.writeInt(files.size());
        byte[] buf = new byte[BUFFER];
        for (Path f : files) {
            d.writeUTF(dir.relativize(f).toString().replace(f.getFileSystem().getSeparator(), "/"));
            d.writeLong(Files.size(f));
            CRC32C crc = new CRC32C();
            try (InputStream in = Files.newInputStream(f)) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    d.write(buf, 0, n);
                    crc.update(buf, 0, n);
                }
            }
            d.writeInt((int) crc.getValue());
        }
        d.flush();
    }

    public static void unpack(InputStream in, Path dir) throws IOException {
        DataInputStream d = new DataInputStream(in);
        try {
            if (d.readLong() != MAGIC) {
                throw new IOException("not a snapshot archive (bad magic)");
            }
            int version = d.readInt();
            if (version != VERSION) {
                throw new IOException("snapshot archive version " + version + " is not supported");
            }
            int count = d.readInt();
            if (count < 0) {
                throw new IOException("snapshot archive damaged: file count " + count);
            }
            Path root = dir.toAbsolutePath().normalize();
            byte[] buf = new byte[BUFFER];
            for (int i = 0; i < count; i++) {
                String name = d.readUTF();
                Path target = root.resolve(name).normalize();
                if (name.isEmpty() || !target.startsWith(root) || target.equals(root)) {
                    throw new IOException("snapshot archive names a file outside its directory: " + name);
                }
                long length = d.readLong();
                if (length < 0) {
                    throw new IOException("snapshot archive damaged: " + name + " has length " + length);
                }
                Files.createDirectories(target.getParent());
                CRC32C crc = new CRC32C();
                try (java.nio.channels.FileChannel out = java.nio.channels.FileChannel.open(target,
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                        java.nio.file.StandardOpenOption.TRUNCATE_EXISTING)) {
                    long left = length;
                    while (left > 0) {
                        int n = d.read(buf, 0, (int) Math.min(buf.length, left));
                        if (n < 0) {
                            throw new EOFException();
                        }
                        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(buf, 0, n);
                        while (b.hasRemaining()) {
                            out.write(b);
                        }
                        crc.update(buf, 0, n);
                        left -= n;
                    }
                    out.force(true); // the state machine may switch to these files: they must be on disk first
                }
                if (d.readInt() != (int) crc.getValue()) {
                    throw new IOException("snapshot archive damaged: checksum of " + name + " does not match");
                }
            }
            syncTree(root);
        } catch (EOFException e) {
            throw new IOException("snapshot archive truncated", e);
        }
    }

    /** Makes the entries of {@code dir} and of every directory under it durable (their files are synced already). */
    static void syncTree(Path dir) throws IOException {
        List<Path> dirs;
        try (Stream<Path> walk = Files.walk(dir)) {
            dirs = walk.filter(Files::isDirectory).sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : dirs) {
            io.cairn.raft.log.NioFileIO.fsyncDirectory(p);
        }
    }

    public static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
