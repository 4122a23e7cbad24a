package io.cairn.raft.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link StateMachine} whose snapshots are directories of files, such as a RocksDB checkpoint: it writes its
 * state into an empty directory and restores from one. The runtime still keeps, sends and installs one
 * snapshot file per snapshot; the stream forms here pack the directory into it (a {@link SnapshotArchive}, each
 * file checked by CRC32C) and unpack it before {@link #restoreSnapshot(Path)}.
 *
 * <p>The directories live on the real file system under {@link #snapshotScratch()}, next to the state machine's
 * own storage (so a checkpoint can hard-link its files); each is deleted once packed or restored from.
 */
public interface FileSnapshotStateMachine extends StateMachine {
    /** A directory on the state machine's file system where snapshot directories are made and removed. */
    Path snapshotScratch();

    /**
     * Writes the state as of the last command applied into the empty directory {@code dir} (files and
     * subdirectories). Called on the apply thread, between two {@link #apply} calls.
     */
    void writeSnapshot(Path dir) throws IOException;

    /**
     * Replaces the whole state with the one in {@code dir}, which the state machine may take over (move its
     * files); whatever is left is deleted afterwards. Called on the apply thread.
     */
    void restoreSnapshot(Path dir) throws IOException;

    @Override
    default void writeSnapshot(OutputStream out) throws IOException {
        Files.createDirectories(snapshotScratch());
        Path dir = Files.createTempDirectory(snapshotScratch(), "out-");
        try {
            writeSnapshot(dir);
            SnapshotArchive.pack(dir, out);
        } finally {
            SnapshotArchive.deleteTree(dir);
        }
    }

    /** Writes the directory on the apply thread (a checkpoint is quick); packs it on the snapshot thread. */
    @Override
    default SnapshotWriter captureSnapshot() throws IOException {
        Files.createDirectories(snapshotScratch());
        Path dir = Files.createTempDirectory(snapshotScratch(), "out-");
        try {
            writeSnapshot(dir);
        } catch (IOException | RuntimeException e) {
            SnapshotArchive.deleteTree(dir);
            throw e;
        }
        return out -> {
            try {
                SnapshotArchive.pack(dir, out);
            } finally {
                SnapshotArchive.deleteTree(dir);
            }
        };
    }

    @Override
    default void restoreSnapshot(InputStream in) throws IOException {
        Files.createDirectories(snapshotScratch());
        Path dir = Files.createTempDirectory(snapshotScratch(), "in-");
        try {
            SnapshotArchive.unpack(in, dir);
            restoreSnapshot(dir);
        } finally {
            SnapshotArchive.deleteTree(dir);
        }
    }
}
