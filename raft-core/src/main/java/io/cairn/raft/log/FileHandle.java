package io.cairn.raft.log;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/** One open file of a {@link FileIO}: positional reads and writes, a data sync, and truncation. */
public interface FileHandle extends Closeable {
    /** Writes all remaining bytes of {@code src} at {@code position}; returns how many. */
    int write(ByteBuffer src, long position) throws IOException;

    /** Reads up to {@code dst.remaining()} bytes at {@code position}; returns how many, or -1 at the end. */
    int read(ByteBuffer dst, long position) throws IOException;

    /** Makes every byte written so far durable (fdatasync: data and the size, not other metadata). */
    void force() throws IOException;

    long size() throws IOException;

    /** Cuts the file to {@code size} bytes. Durable after the next {@link #force()}. */
    void truncate(long size) throws IOException;
}
