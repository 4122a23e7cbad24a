package io.cairn.raft.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The log on disk is damaged somewhere a crash cannot explain: a record that fails its checksum (or cannot be a
 * record) with a record after it that was made durable later, a damaged older segment, a segment missing from the
 * middle of the sequence, or a record that contradicts the log before it. The member must not start on it:
 * replaying around the damage could silently drop or resurrect acknowledged writes.
 *
 * <p>A damaged <em>tail</em> (a write that a crash tore, or the pre-allocated zeros after the last record) is not
 * reported with this exception: it is cut, and the member starts with the records before it.
 */
public final class LogCorruptedException extends IOException {
    private static final long serialVersionUID = 1L;

    /** The damaged file. */
    private final transient Path file;
    /** Byte offset in {@link #file()} where the damage starts. */
    private final long offset;

    public LogCorruptedException(Path file, long offset, String problem) {
        super("log segment " + file + " is corrupt at byte offset " + offset + ": " + problem
                + ". The member cannot start on this log; restore its data directory from a backup, or remove it and "
                + "let the member rejoin its groups from their other members");
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
