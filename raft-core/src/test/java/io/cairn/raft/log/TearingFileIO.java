package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A {@link FileIO} that can crash like a machine losing power in the middle of a write: unsynced bytes live in
 * memory (through {@link UnsyncedInMemoryFileIO}, so the production fault mode is exercised too) and this wrapper
 * remembers, per file, the writes and truncations since its last force. {@link #crash} drops them all, then puts
 * on disk only what the chosen {@link Crash} mode lets through: nothing, a prefix of them whose last write is torn,
 * or a random subset of their 512-byte sectors (a disk that writes back out of order).
 *
 * <p>Handles opened before a crash fail afterwards, so the log instance that "died" cannot write again. Counts
 * data syncs, for the group-commit test.
 */
final class TearingFileIO implements FileIO {
    /** What a crash keeps of the unsynced writes of each file. */
    enum Crash {
        /** Nothing: every unsynced byte is lost. */
        LOSE_ALL,
        /** Every unsynced operation but the last, and a random prefix of the last write. */
        TEAR_LAST,
        /** The operations before a random one, and a random prefix of that one (if it is a write). */
        TEAR_RANDOM,
        /** Each 512-byte sector of each unsynced write independently, with probability one half. */
        SCRAMBLE_SECTORS
    }

    /** One unsynced operation: a write of {@code data} at {@code position}, or a truncation to {@code position}. */
    private record Op(long position, byte[] data) {
        boolean isTruncate() {
            return data == null;
        }
    }

    private static final int SECTOR_BYTES = 512;

    private final UnsyncedInMemoryFileIO memory;
    private final FileIO durable;
    private final Map<Path, List<Op>> unsynced = new HashMap<>();
    private long generation;
    private long forces;

    TearingFileIO(FileIO durable) {
        this.durable = durable;
        this.memory = new UnsyncedInMemoryFileIO(durable);
    }

    /** A crash to run instead of a data sync. */
    @FunctionalInterface
    interface ArmedCrash {
        void run() throws IOException;
    }

    private ArmedCrash armed;

    /**
     * The next data sync of any file does not happen: power is lost instead (as {@link #crash}), and the sync
     * throws. Lets a test crash between a write and its sync, where a torn write can happen.
     */
    synchronized void crashAtNextForce(Crash mode, Random random) {
        armed = () -> crash(mode, random);
    }

    /** As {@link #crashAtNextForce}, keeping {@code keepBytes} of the last write ({@link #crashTearingLastWrite}). */
    synchronized void tearAtNextForce(int keepBytes) {
        armed = () -> crashTearingLastWrite(keepBytes);
    }

    /** Cancels an armed crash that no data sync triggered. */
    synchronized void disarm() {
        armed = null;
    }

    private synchronized ArmedCrash takeArmed() {
        ArmedCrash a = armed;
        armed = null;
        return a;
    }

    /** Data syncs so far. */
    synchronized long forces() {
        return forces;
    }

    /** Whether any file has unsynced operations. */
    synchronized boolean hasUnsynced() {
        return unsynced.values().stream().anyMatch(l -> !l.isEmpty());
    }

    /** Loses power: see {@link Crash}. Returns how many unsynced operations existed. */
    synchronized int crash(Crash mode, Random random) throws IOException {
        Map<Path, List<Op>> lost = new HashMap<>(unsynced);
        unsynced.clear();
        generation++;
        memory.dropUnsynced();
        int count = 0;
        for (Map.Entry<Path, List<Op>> e : lost.entrySet()) {
            List<Op> ops = e.getValue();
            count += ops.size();
            if (ops.isEmpty() || mode == Crash.LOSE_ALL || !durable.exists(e.getKey())) {
                continue;
            }
            try (FileHandle file = durable.open(e.getKey(), false)) {
                switch (mode) {
                    case TEAR_LAST -> persistPrefix(file, ops, ops.size() - 1, random);
                    case TEAR_RANDOM -> persistPrefix(file, ops, random.nextInt(ops.size()), random);
                    case SCRAMBLE_SECTORS -> scramble(file, ops, random);
                    default -> throw new IllegalStateException();
                }
                file.force();
            }
        }
        return count;
    }

    /**
     * Loses power with every unsynced operation on disk except the last write, of which only the first
     * {@code keepBytes} bytes reached it.
     */
    synchronized void crashTearingLastWrite(int keepBytes) throws IOException {
        Map<Path, List<Op>> lost = new HashMap<>(unsynced);
        unsynced.clear();
        generation++;
        memory.dropUnsynced();
        for (Map.Entry<Path, List<Op>> e : lost.entrySet()) {
            List<Op> ops = e.getValue();
            if (ops.isEmpty()) {
                continue;
            }
            try (FileHandle file = durable.open(e.getKey(), false)) {
                for (int i = 0; i < ops.size() - 1; i++) {
                    apply(file, ops.get(i), ops.get(i).isTruncate() ? 0 : ops.get(i).data().length);
                }
                Op last = ops.get(ops.size() - 1);
                apply(file, last, Math.min(keepBytes, last.isTruncate() ? 0 : last.data().length));
                file.force();
            }
        }
    }

    private static void persistPrefix(FileHandle file, List<Op> ops, int torn, Random random) throws IOException {
        for (int i = 0; i < torn; i++) {
            apply(file, ops.get(i), ops.get(i).isTruncate() ? 0 : ops.get(i).data().length);
        }
        Op last = ops.get(torn);
        if (last.isTruncate()) {
            if (random.nextBoolean()) {
                apply(file, last, 0);
            }
        } else {
            apply(file, last, random.nextInt(last.data().length + 1));
        }
    }

    private static void scramble(FileHandle file, List<Op> ops, Random random) throws IOException {
        for (Op op : ops) {
            if (op.isTruncate()) {
                if (random.nextBoolean()) {
                    apply(file, op, 0);
                }
                continue;
            }
            for (int from = 0; from < op.data().length; from += SECTOR_BYTES) {
                if (random.nextBoolean()) {
                    int to = Math.min(op.data().length, from + SECTOR_BYTES);
                    file.write(ByteBuffer.wrap(op.data(), from, to - from), op.position() + from);
                }
            }
        }
    }

    private static void apply(FileHandle file, Op op, int bytes) throws IOException {
        if (op.isTruncate()) {
            file.truncate(op.position());
        } else if (bytes > 0) {
            file.write(ByteBuffer.wrap(op.data(), 0, bytes), op.position());
        }
    }

    private static Path key(Path p) {
        return p.toAbsolutePath().normalize();
    }

    private synchronized void record(Path path, Op op) {
        unsynced.computeIfAbsent(path, k -> new ArrayList<>()).add(op);
    }

    private synchronized void synced(Path path) {
        forces++;
        unsynced.remove(path);
    }

    @Override
    public synchronized FileHandle open(Path path, boolean create) throws IOException {
        return new Handle(key(path), memory.open(path, create), generation);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return memory.list(dir);
    }

    @Override
    public boolean exists(Path path) {
        return memory.exists(path);
    }

    @Override
    public synchronized void delete(Path path) throws IOException {
        unsynced.remove(key(path));
        memory.delete(path);
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        memory.rename(from, to);
        unsynced.remove(key(to));
        List<Op> ops = unsynced.remove(key(from));
        if (ops != null) {
            unsynced.put(key(to), ops);
        }
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        memory.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        memory.syncDirectory(dir);
    }

    private final class Handle implements FileHandle {
        private final Path path;
        private final FileHandle inner;
        private final long openedIn;

        Handle(Path path, FileHandle inner, long openedIn) {
            this.path = path;
            this.inner = inner;
            this.openedIn = openedIn;
        }

        private void check() throws IOException {
            synchronized (TearingFileIO.this) {
                if (generation != openedIn) {
                    throw new IOException("handle of " + path + " lost in a crash");
                }
            }
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            check();
            byte[] copy = new byte[src.remaining()];
            src.duplicate().get(copy);
            int n = inner.write(src, position);
            record(path, new Op(position, copy));
            return n;
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            check();
            return inner.read(dst, position);
        }

        @Override
        public void force() throws IOException {
            check();
            ArmedCrash crash = takeArmed();
            if (crash != null) {
                crash.run();
                throw new IOException("simulated power loss during the data sync of " + path);
            }
            inner.force();
            synced(path);
        }

        @Override
        public long size() throws IOException {
            check();
            return inner.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            check();
            if (size < inner.size()) {
                inner.truncate(size);
                record(path, new Op(size, null));
            }
        }

        @Override
        public void close() throws IOException {
            inner.close();
        }
    }
}
