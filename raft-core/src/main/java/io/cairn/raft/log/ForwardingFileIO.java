package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link FileIO} that forwards everything to another; a wrapper overrides what it changes, and wraps handles
 * through {@link #wrap} with a {@link ForwardingFileIO.Handle}.
 */
public abstract class ForwardingFileIO implements FileIO {
    protected final FileIO base;

    protected ForwardingFileIO(FileIO base) {
        this.base = base;
    }

    /** The handle callers get for {@code opened} (itself, unless overridden). */
    protected FileHandle wrap(Path path, FileHandle opened) {
        return opened;
    }

    @Override
    public FileHandle open(Path path, boolean create) throws IOException {
        return wrap(path, base.open(path, create));
    }

    @Override
    public List<Path> list(Path dir) throws IOException {
        return base.list(dir);
    }

    @Override
    public boolean exists(Path path) {
        return base.exists(path);
    }

    @Override
    public void delete(Path path) throws IOException {
        base.delete(path);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
        base.rename(from, to);
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        base.createDirectories(dir);
    }

    @Override
    public void syncDirectory(Path dir) throws IOException {
        base.syncDirectory(dir);
    }

    /** A {@link FileHandle} that forwards everything to another. */
    public static class Handle implements FileHandle {
        protected final FileHandle base;

        public Handle(FileHandle base) {
            this.base = base;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return base.write(src, position);
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return base.read(dst, position);
        }

        @Override
        public void force() throws IOException {
            base.force();
        }

        @Override
        public long size() throws IOException {
            return base.size();
        }

        @Override
        public void truncate(long size) throws IOException {
            base.truncate(size);
        }

        @Override
        public void close() throws IOException {
            base.close();
        }
    }
}
