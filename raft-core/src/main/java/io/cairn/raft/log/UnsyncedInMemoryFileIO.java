package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link FileIO} for the fault mode: bytes written stay in this process's memory until {@link FileHandle#force()},
 * which writes them through to the wrapped {@code FileIO} and forces it there. A {@code kill -9} therefore loses
 * every unsynced byte, as a power cut would, while the wrapped (real) file system would have kept them in its
 * page cache. Enabled in production with {@code -Dcairn.fault.lose-unsynced=true} (see {@link FileIOs}); tests and
 * the simulator get the same effect in-process with {@link #dropUnsynced()}.
 *
 * <p>Per file, an overlay holds what happened since the last force: dirty pages of {@value #PAGE_BYTES} bytes, the
 * logical size, and the lowest size the file was truncated to (bytes of the wrapped file at or beyond it are
 * logically gone, and read as zeros if the file grows again). Reads see the overlay. A force applies the
 * truncation, then the dirty pages in order, then forces the wrapped file. Every handle of the same path shares
 * one overlay, as every process shares one page cache.
 *
 * <p>Scope of the model: file data and sizes only. Creating, deleting and renaming files pass straight through
 * (they stay done after a kill), which is what a process crash does; a power cut could also undo them if the
 * directory was not synced, and the simulator's disk models that where it matters.
 *
 * <p>Thread-safe: the map of overlays is guarded by this object, each overlay by itself.
 */
public final class UnsyncedInMemoryFileIO implements FileIO {
    /** Granularity of the overlay: a write dirties whole pages of this size. */
    static final int PAGE_BYTES = 4096;
    /** Consecutive dirty pages written through with one call, at most. */
    private static final int WRITE_THROUGH_PAGES = 64;

    private final FileIO durable;
    private final Map<Path, Overlay> overlays = new HashMap<>();
    /** Bumped by {@link #dropUnsynced()}: handles of an older generation refuse to work. */
    private volatile long generation;

    public UnsyncedInMemoryFileIO(FileIO durable) {
        this.durable = durable;
    }

    /** The file system bytes go to once forced. */
    public FileIO durable() {
        return durable;
    }

    /**
     * Forgets every byte not yet forced and closes every file, as a power cut would. Handles opened before this
     * call throw on every use afterwards, so a log instance left over from before the "crash" cannot write.
     */
    public synchronized void dropUnsynced() throws IOException {
        generation++;
        IOException first = null;
        for (Overlay o : overlays.values()) {
            try {
                o.base.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        overlays.clear();
        if (first != null) {
            throw first;
        }
    }

    /** Bytes held in memory that a crash would lose, summed over all files (for tests and diagnostics). */
    public synchronized long unsyncedBytes() {
        long n = 0;
        for (Overlay o : overlays.values()) {
            n += o.dirtyBytes();
        }
        return n;
    }

    @Override
    public synchronized FileHandle open(Path path, boolean create) throws IOException {
        Path key = key(path);
        Overlay o = overlays.get(key);
        if (o == null) {
            o = new Overlay(durable.open(path, create), key);
            overlays.put(key, o);
        }
        o.refs++;
        return new Handle(o, generation);
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return durable.list(dir);
    }

    @Override
    public boolean exists(Path path) {
        return durable.exists(path);
    }

    @Override
    public synchronized void delete(Path path) throws IOException {
        Overlay o = overlays.remove(key(path));
        if (o != null) {
            o.base.close();
        }
        durable.delete(path);
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        Overlay replaced = overlays.remove(key(to));
        if (replaced != null) {
            replaced.base.close();
        }
        durable.rename(from, to);
        Overlay moved = overlays.remove(key(from));
        if (moved != null) {
            moved.key = key(to);
            overlays.put(moved.key, moved);
        }
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        durable.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        durable.syncDirectory(dir);
    }

    private static Path key(Path path) {
        return path.toAbsolutePath().normalize();
    }

    private synchronized void release(Overlay o) throws IOException {
        o.refs--;
        if (o.refs == 0 && o.isClean() && overlays.get(o.key) == o) {
            overlays.remove(o.key);
            o.base.close();
        }
    }

    /** One open file's unsynced state. */
    private static final class Overlay {
        final FileHandle base;
        Path key;
        int refs;
        /** The wrapped file's size as of the last force (only a force changes it). */
        long baseSize;
        /** Wrapped bytes at or beyond this offset were truncated away since the last force. */
        long baseValid;
        /** The size readers see. */
        long size;
        final TreeMap<Long, byte[]> pages = new TreeMap<>();

        Overlay(FileHandle base, Path key) throws IOException {
            this.base = base;
            this.key = key;
            this.baseSize = base.size();
            this.baseValid = baseSize;
            this.size = baseSize;
        }

        synchronized boolean isClean() {
            return pages.isEmpty() && baseValid == baseSize && size == baseSize;
        }

        synchronized long dirtyBytes() {
            return (long) pages.size() * PAGE_BYTES;
        }

        synchronized long size() {
            return size;
        }

        synchronized int read(ByteBuffer dst, long position) throws IOException {
            if (position >= size) {
                return -1;
            }
            int n = (int) Math.min(dst.remaining(), size - position);
            int done = 0;
            while (done < n) {
                long at = position + done;
                long index = at / PAGE_BYTES;
                int offset = (int) (at % PAGE_BYTES);
                int chunk = Math.min(PAGE_BYTES - offset, n - done);
                byte[] page = pages.get(index);
                if (page != null) {
                    dst.put(page, offset, chunk);
                } else {
                    readBase(dst, at, chunk);
                }
                done += chunk;
            }
            return n;
        }

        /** Copies {@code count} bytes at {@code position} as the wrapped file holds them (zeros where cut). */
        private void readBase(ByteBuffer dst, long position, int count) throws IOException {
            long validEnd = Math.min(baseValid, baseSize);
            int fromBase = (int) Math.max(0, Math.min(count, validEnd - position));
            if (fromBase > 0) {
                ByteBuffer part = dst.duplicate();
                part.limit(part.position() + fromBase);
                while (part.hasRemaining()) {
                    int r = base.read(part, position + (part.position() - dst.position()));
                    if (r < 0) {
                        throw new IOException("file " + key + " is shorter than its last forced size " + baseSize);
                    }
                }
                dst.position(dst.position() + fromBase);
            }
            for (int i = fromBase; i < count; i++) {
                dst.put((byte) 0);
            }
        }

        synchronized int write(ByteBuffer src, long position) throws IOException {
            int n = src.remaining();
            int done = 0;
            while (done < n) {
                long at = position + done;
                long index = at / PAGE_BYTES;
                int offset = (int) (at % PAGE_BYTES);
                int chunk = Math.min(PAGE_BYTES - offset, n - done);
                byte[] page = pages.get(index);
                if (page == null) {
                    page = loadPage(index);
                    pages.put(index, page);
                }
                src.get(page, offset, chunk);
                done += chunk;
            }
            size = Math.max(size, position + n);
            return n;
        }

        private byte[] loadPage(long index) throws IOException {
            byte[] page = new byte[PAGE_BYTES];
            long start = index * PAGE_BYTES;
            long validEnd = Math.min(baseValid, baseSize);
            if (start < validEnd) {
                readBase(ByteBuffer.wrap(page), start, PAGE_BYTES);
            }
            return page;
        }

        synchronized void truncate(long newSize) {
            if (newSize >= size) {
                return; // as FileChannel.truncate: never extends
            }
            size = newSize;
            baseValid = Math.min(baseValid, newSize);
            long firstDropped = (newSize + PAGE_BYTES - 1) / PAGE_BYTES;
            pages.tailMap(firstDropped, true).clear();
            int offset = (int) (newSize % PAGE_BYTES);
            byte[] partial = offset == 0 ? null : pages.get(newSize / PAGE_BYTES);
            if (partial != null) {
                java.util.Arrays.fill(partial, offset, PAGE_BYTES, (byte) 0);
            }
        }

        synchronized void force() throws IOException {
            if (baseValid < baseSize) {
                base.truncate(baseValid);
            }
            List<Map.Entry<Long, byte[]>> run = new ArrayList<>(WRITE_THROUGH_PAGES);
            for (Map.Entry<Long, byte[]> e : pages.entrySet()) {
                if (!run.isEmpty() && (e.getKey() != run.get(run.size() - 1).getKey() + 1
                        || run.size() == WRITE_THROUGH_PAGES)) {
                    writeRun(run);
                    run.clear();
                }
                run.add(e);
            }
            writeRun(run);
            if (base.size() < size) {
                // The end is a hole no dirty page covers (truncated, then grown by a write further on): zeros.
                base.write(ByteBuffer.allocate(1), size - 1);
            }
            base.force();
            pages.clear();
            baseSize = size;
            baseValid = size;
        }

        private void writeRun(List<Map.Entry<Long, byte[]>> run) throws IOException {
            if (run.isEmpty()) {
                return;
            }
            long start = run.get(0).getKey() * PAGE_BYTES;
            int length = (int) Math.min((long) run.size() * PAGE_BYTES, size - start);
            if (length <= 0) {
                return;
            }
            ByteBuffer buf = ByteBuffer.allocate(length);
            for (Map.Entry<Long, byte[]> e : run) {
                buf.put(e.getValue(), 0, Math.min(PAGE_BYTES, buf.remaining()));
            }
            buf.flip();
            base.write(buf, start);
        }
    }

    private final class Handle implements FileHandle {
        private final Overlay overlay;
        private final long openedIn;
        private boolean closed;

        Handle(Overlay overlay, long openedIn) {
            this.overlay = overlay;
            this.openedIn = openedIn;
        }

        private void check() throws IOException {
            if (closed) {
                throw new IOException("file handle of " + overlay.key + " is closed");
            }
            if (generation != openedIn) {
                throw new IOException("file handle of " + overlay.key + " was lost in a simulated crash");
            }
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            check();
            return overlay.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            check();
            return overlay.read(dst, position);
        }

        @Override
        public void force() throws IOException {
            check();
            overlay.force();
        }

        @Override
        public long size() throws IOException {
            check();
            return overlay.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            check();
            overlay.truncate(size);
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (generation == openedIn) {
                release(overlay);
            }
        }
    }
}
