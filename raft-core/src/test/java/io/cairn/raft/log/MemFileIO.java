package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A file system in memory on which everything written is immediately durable: the "disk" under
 * {@link TearingFileIO} in property tests, which would otherwise spend most of their time in real data syncs.
 * Thread-safe (one lock).
 */
final class MemFileIO implements FileIO {
    private final Map<Path, byte[][]> files = new TreeMap<>();
    private final Set<Path> dirs = new HashSet<>();

    private static Path key(Path p) {
        return p.toAbsolutePath().normalize();
    }

    @Override
    public synchronized FileHandle open(Path path, boolean create) throws IOException {
        Path k = key(path);
        byte[][] content = files.get(k);
        if (content == null) {
            if (!create) {
                throw new NoSuchFileException(path.toString());
            }
            content = new byte[][] {new byte[0]};
            files.put(k, content);
        }
        byte[][] file = content;
        return new FileHandle() {
            @Override
            public int write(ByteBuffer src, long position) {
                synchronized (MemFileIO.this) {
                    int n = src.remaining();
                    long end = position + n;
                    if (end > file[0].length) {
                        file[0] = Arrays.copyOf(file[0], (int) end);
                    }
                    src.get(file[0], (int) position, n);
                    return n;
                }
            }

            @Override
            public int read(ByteBuffer dst, long position) {
                synchronized (MemFileIO.this) {
                    if (position >= file[0].length) {
                        return -1;
                    }
                    int n = (int) Math.min(dst.remaining(), file[0].length - position);
                    dst.put(file[0], (int) position, n);
                    return n;
                }
            }

            @Override
            public void force() {}

            @Override
            public long size() {
                synchronized (MemFileIO.this) {
                    return file[0].length;
                }
            }

            @Override
            public void truncate(long size) {
                synchronized (MemFileIO.this) {
                    if (size < file[0].length) {
                        file[0] = Arrays.copyOf(file[0], (int) size);
                    }
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public synchronized List<Path> list(Path dir) {
        Path d = key(dir);
        List<Path> out = new ArrayList<>();
        for (Path p : files.keySet()) {
            if (d.equals(p.getParent())) {
                out.add(p);
            }
        }
        return out;
    }

    @Override
    public synchronized boolean exists(Path path) {
        return files.containsKey(key(path)) || dirs.contains(key(path));
    }

    @Override
    public synchronized void delete(Path path) throws IOException {
        if (files.remove(key(path)) == null) {
            throw new NoSuchFileException(path.toString());
        }
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        byte[][] content = files.remove(key(from));
        if (content == null) {
            throw new NoSuchFileException(from.toString());
        }
        files.put(key(to), content);
    }

    @Override
    public synchronized void createDirectories(Path dir) {
        dirs.add(key(dir));
    }

    @Override
    public void syncDirectory(Path dir) {}
}
