package io.cairn.kv.mvcc;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.StandardOpenOption;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Moving and deleting directory trees, for restoring a store from a checkpoint. */
final class FileTrees {
    private FileTrees() {}

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(dir)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            Files.delete(p);
        }
    }

    /**
     * Moves {@code from} to {@code to} (which must not exist); when a move is impossible (another file system),
     * copies it to {@code <to>.tmp}, syncs every file and directory of the copy, and renames that to {@code to}, so
     * {@code to} never names a partial copy.
     */
    static void moveOrCopyDurably(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return;
        } catch (AtomicMoveNotSupportedException e) {
            // another file system: copy below
        }
        Path tmp = to.resolveSibling(to.getFileName() + ".tmp");
        deleteTree(tmp);
        moveOrCopy(from, tmp);
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(tmp)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        }
        for (Path p : paths) {
            if (Files.isDirectory(p)) {
                syncDirectory(p);
            } else {
                try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
        }
        Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE);
    }

    /** fsync of a directory: makes the entries created, renamed or deleted in it durable (Linux). */
    static void syncDirectory(Path dir) throws IOException {
        io.cairn.raft.log.NioFileIO.fsyncDirectory(dir);
    }

    /** Moves {@code from} to {@code to} (which must not exist), copying when a move is impossible. */
    static void moveOrCopy(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            return;
        } catch (AtomicMoveNotSupportedException e) {
            // another file system: copy below
        } catch (FileSystemException e) {
            if (Files.exists(to)) {
                throw e;
            }
        }
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(from)) {
            paths = walk.toList();
        }
        for (Path p : paths) {
            Path target = to.resolve(from.relativize(p).toString());
            if (Files.isDirectory(p)) {
                Files.createDirectories(target);
            } else {
                Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
            }
        }
    }
}
