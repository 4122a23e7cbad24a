package io.cairn.jepsen.sim;

import io.cairn.raft.log.FileHandle;
import io.cairn.raft.log.FileIO;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One simulated member's disk, as a {@link FileIO}: the real log runs on it in the simulator.
 *
 * <p>Each file has a durable image and a current one. Writes and truncations change the current image;
 * {@link FileHandle#force()} makes it durable. {@link #crash} throws the current images away (a power cut) and,
 * when asked to tear, first lets a random prefix of each file's last unsynced write reach the durable image (a
 * torn write: the sector-sized pieces a disk may have written before power failed). Directory entries (creation,
 * deletion, rename) are durable at once, a simplification the log does not rely on (it syncs directories).
 */
public final class SimFileIO implements FileIO {
    private static final class SimFile {
        byte[] durable = new byte[0];
        byte[] current = new byte[0];
        /** The last write since the last force: position and bytes (for tearing), or null. */
        long lastWritePosition = -1;
        byte[] lastWrite;
        /** The range written since the last force, and whether the length changed. */
        int dirtyFrom = Integer.MAX_VALUE;
        int dirtyTo;
        boolean resized;

        boolean dirty() {
            return resized || dirtyFrom < dirtyTo;
        }

        void makeDurable() {
            if (durable.length != current.length) {
                durable = Arrays.copyOf(durable, current.length);
            }
            int to = Math.min(dirtyTo, current.length);
            if (dirtyFrom < to) {
                System.arraycopy(current, dirtyFrom, durable, dirtyFrom, to - dirtyFrom);
            }
            clean();
        }

        void clean() {
            dirtyFrom = Integer.MAX_VALUE;
            dirtyTo = 0;
            resized = false;
            lastWrite = null;
            lastWritePosition = -1;
        }
    }

    private final TreeMap<Path, SimFile> files = new TreeMap<>();
    private long bytesWritten;
    private long forces;

    /** Whether the file's current image differs from its durable one (something is unsynced). */
    public boolean unsynced(Path path) {
        SimFile f = files.get(path.toAbsolutePath().normalize());
        return f != null && f.dirty();
    }

    public long forces() {
        return forces;
    }

    /**
     * A power cut: every file returns to its durable image; with {@code tear}, a random prefix of each file's
     * last unsynced write survives first. Returns how many files were torn.
     */
    public int crash(SplittableRandom random, boolean tear) {
        int torn = 0;
        for (SimFile f : files.values()) {
            if (tear && f.lastWrite != null && f.lastWrite.length > 1 && f.dirty()) {
                int keep = 1 + random.nextInt(f.lastWrite.length - 1);
                long end = f.lastWritePosition + keep;
                byte[] d = Arrays.copyOf(f.durable, (int) Math.max(f.durable.length, end));
                System.arraycopy(f.lastWrite, 0, d, (int) f.lastWritePosition, keep);
                f.durable = d;
                torn++;
            }
            f.current = f.durable.clone();
            f.clean();
        }
        return torn;
    }

    /** The unit a disk writes atomically, at best. */
    static final int SECTOR_BYTES = 512;

    /**
     * A power cut on a disk that writes sectors in any order: of every file's bytes written since its last sync, each
     * sector independently reached the platter or not, and one in sixteen of those being written when the power
     * failed holds garbage (scrambled). Synced bytes are never touched. Returns how many sectors were scrambled.
     */
    public int crashTearingSectors(SplittableRandom random) {
        int scrambled = 0;
        for (SimFile f : files.values()) {
            int to = Math.min(f.dirtyTo, f.current.length);
            if (f.dirty() && f.dirtyFrom < to) {
                byte[] d = f.durable;
                for (int sector = f.dirtyFrom / SECTOR_BYTES * SECTOR_BYTES; sector < to; sector += SECTOR_BYTES) {
                    int from = Math.max(sector, f.dirtyFrom);
                    int end = Math.min(sector + SECTOR_BYTES, to);
                    int fate = random.nextInt(32);
                    if (fate >= 16) {
                        continue; // never written
                    }
                    if (d.length < end) {
                        d = Arrays.copyOf(d, end);
                    }
                    if (fate == 0) {
                        for (int i = from; i < end; i++) {
                            d[i] = (byte) random.nextInt(256);
                        }
                        scrambled++;
                    } else {
                        System.arraycopy(f.current, from, d, from, end - from);
                    }
                }
                f.durable = d;
            }
            f.current = f.durable.clone();
            f.clean();
        }
        return scrambled;
    }

    private static Path key(Path p) {
        return p.toAbsolutePath().normalize();
    }

    @Override
    public FileHandle open(Path path, boolean create) throws IOException {
        Path k = key(path);
        SimFile f = files.get(k);
        if (f == null) {
            if (!create) {
                throw new FileNotFoundException(path.toString());
            }
            f = new SimFile();
            files.put(k, f);
        }
        SimFile file = f;
        return new FileHandle() {
            @Override
            public int write(ByteBuffer src, long position) {
                int n = src.remaining();
                byte[] bytes = new byte[n];
                src.get(bytes);
                long end = position + n;
                if (end > file.current.length) {
                    file.current = Arrays.copyOf(file.current, (int) end);
                    file.resized = true;
                }
                System.arraycopy(bytes, 0, file.current, (int) position, n);
                file.dirtyFrom = (int) Math.min(file.dirtyFrom, position);
                file.dirtyTo = (int) Math.max(file.dirtyTo, end);
                file.lastWrite = bytes;
                file.lastWritePosition = position;
                bytesWritten += n;
                return n;
            }

            @Override
            public int read(ByteBuffer dst, long position) {
                if (position >= file.current.length) {
                    return -1;
                }
                int n = (int) Math.min(dst.remaining(), file.current.length - position);
                dst.put(file.current, (int) position, n);
                return n;
            }

            @Override
            public void force() {
                file.makeDurable();
                forces++;
            }

            @Override
            public long size() {
                return file.current.length;
            }

            @Override
            public void truncate(long size) {
                if (size < file.current.length) {
                    file.dirtyFrom = (int) Math.min(file.dirtyFrom, size);
                    file.dirtyTo = Math.max(file.dirtyTo, file.current.length);
                    file.current = Arrays.copyOf(file.current, (int) size);
                    file.resized = true;
                }
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public List<Path> list(Path dir) {
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
    public boolean exists(Path path) {
        return files.containsKey(key(path));
    }

    @Override
    public void delete(Path path) {
        files.remove(key(path));
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        SimFile f = files.remove(key(from));
        if (f == null) {
            throw new FileNotFoundException(from.toString());
        }
        files.put(key(to), f);
    }

    @Override
    public void createDirectories(Path dir) {
    }

    @Override
    public void syncDirectory(Path dir) {
    }
}
