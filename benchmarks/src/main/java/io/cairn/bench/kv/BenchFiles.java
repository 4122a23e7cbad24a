package io.cairn.bench.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;

/** Temporary directories of the kv benchmarks: their size, and their removal afterwards. */
final class BenchFiles {
    private BenchFiles() {}

    /** Deletes {@code dir} and everything below it; a missing directory is fine. */
    static void deleteTree(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * The bytes of the regular files below {@code dir}, each file counted once however many hard links it has
     * (a RocksDB checkpoint links the live SST files; inode numbers, so one file system): what {@code du -sb}
     * reports. Preallocated log segments count in full. A directory that a running process changes while we walk
     * it (RocksDB removes compaction inputs) is walked again, up to three times.
     */
    static long sizeBytes(Path dir) {
        if (!Files.exists(dir)) {
            return 0;
        }
        for (int attempt = 1; ; attempt++) {
            try (Stream<Path> s = Files.walk(dir)) {
                Set<Object> seen = new HashSet<>();
                long total = 0;
                for (Path p : (Iterable<Path>) s::iterator) {
                    if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)
                            && seen.add(Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS))) {
                        total += Files.size(p);
                    }
                }
                return total;
            } catch (IOException | UncheckedIOException e) {
                if (attempt == 3) {
                    throw new IllegalStateException("cannot measure " + dir + ": it keeps changing", e);
                }
            }
        }
    }
}
