package io.cairn.raft.log;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file operation the log makes, behind one small interface, so that the same log code runs over the real
 * file system ({@link NioFileIO}), over a mode that keeps unsynced bytes in memory so that {@code kill -9} loses
 * them as a power cut would, over test wrappers that tear writes and flip bits, and over the simulator's disk.
 *
 * <p>Durability model: bytes written to a {@link FileHandle} are durable only once {@link FileHandle#force()}
 * returns; a file's creation, deletion or renaming is durable only once {@link #syncDirectory} of its directory
 * returns.
 */
public interface FileIO {
    /** Opens {@code path} for reading and writing, creating it (empty) if {@code create} and it is absent. */
    FileHandle open(Path path, boolean create) throws IOException;

    /** The regular files directly inside {@code dir}, sorted by name. */
    List<Path> list(Path dir) throws IOException;

    boolean exists(Path path);

    void delete(Path path) throws IOException;

    /** Renames atomically, replacing {@code to} if it exists. */
    void rename(Path from, Path to) throws IOException;

    void createDirectories(Path dir) throws IOException;

    /** Makes the directory's entries (files created, deleted, renamed) durable. */
    void syncDirectory(Path dir) throws IOException;
}
