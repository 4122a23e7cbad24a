package io.cairn.raft.log;

import java.io.IOException;
import java.nio.ByteBuffer;

/** Writes zeros: pre-allocating a segment, and clearing a cut tail so no stale record can reappear after it. */
final class Zeros {
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(1 << 16).asReadOnlyBuffer();

    private Zeros() {}

    /** Writes zeros over {@code [from, to)} of {@code file}. */
    static void fill(FileHandle file, long from, long to) throws IOException {
        ByteBuffer z = ZEROS.duplicate();
        long p = from;
        while (p < to) {
            z.clear();
            z.limit((int) Math.min(z.capacity(), to - p));
            p += file.write(z, p);
        }
    }
}
