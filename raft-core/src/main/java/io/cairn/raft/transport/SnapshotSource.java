package io.cairn.raft.transport;

import java.io.IOException;
import java.nio.ByteBuffer;

/** The bytes of a snapshot to send, read in chunks (a file, or any stream a state machine provides). */
public interface SnapshotSource {
    /** Total size in bytes. */
    long size() throws IOException;

    /** Reads up to {@code dst.remaining()} bytes at {@code offset}; returns how many (-1 past the end). */
    int read(long offset, ByteBuffer dst) throws IOException;
}
