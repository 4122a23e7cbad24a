package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The real {@link FileIO}: positional I/O over {@link FileChannel}.
 *
 * <p>{@link FileHandle#force()} is {@code force(false)}, which the JDK implements as {@code fdatasync(2)} on
 * Linux: the data and what is needed to read it back (the size), not the modification time. The log
 * pre-allocates its segments, so a data sync normally has no metadata to write at all.
 * {@link #syncDirectory} opens the directory read-only and forces it, which on Linux and macOS makes the
 * directory's entries durable (it is not supported on Windows, where it fails with an {@link IOException}).
 *
 * <p>Stateless and thread-safe; each handle is as thread-safe as its {@link FileChannel} (positional reads and
 * writes may run concurrently).
 */
public final class NioFileIO implements FileIO {
    @Override
    public FileHandle open(Path path, boolean create) throws IOException {
        FileChannel channel = create
                ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
                : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        return new Handle(channel);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
        }
    }

    @Override
    public boolean exists(Path path) {
        return Files.exists(path);
    }

    @Override
    public void delete(Path path) throws IOException {
        Files.delete(path);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Files.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        fsyncDirectory(dir);
    }

    /** fsync of a directory: what makes the files created, renamed or deleted in it durable (Linux). */
    public static void fsyncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static final class Handle implements FileHandle {
        private final FileChannel channel;

        Handle(FileChannel channel) {
            this.channel = channel;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            int total = 0;
            while (src.hasRemaining()) {
                total += channel.write(src, position + total);
            }
            return total;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return channel.read(dst, position);
        }

        @Override
        public void force() throws IOException {
            channel.force(false);
        }

        @Override
        public long size() throws IOException {
            return channel.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            channel.truncate(size);
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }
}
