package io.cairn.raft.log;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;

/**
 * The next segment's file, zero-filled and forced before the log needs it, so that rolling to a new segment only
 * renames a ready file and writes its header (etcd's WAL prepares its next file the same way). Without it the
 * writer would stop to write a whole segment of zeros (64 MiB by default) at every roll, and every sync waiting
 * behind it would wait too.
 *
 * <p>The spare lives in the log directory as {@value #FILE_NAME}, a name recovery never reads as a segment; a
 * spare left by a crash is deleted at open, however far it got. Preparation runs on the {@link Executor} of
 * {@link SegmentedLog.Options#preallocator()}: a shared background thread by default, or the writer itself
 * ({@code Runnable::run}) where a test needs one thread.
 */
final class SpareSegment {
    static final String FILE_NAME = "next-segment.tmp";

    /** One daemon thread for every log in the process; each log has at most one preparation queued. */
    static final Executor BACKGROUND = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "cairn-log-preallocate");
        t.setDaemon(true);
        return t;
    });

    private final FileIO io;
    private final Path path;
    private final long bytes;
    private final Executor executor;
    /** The preparation under way or done; null when none was started since the last take. */
    private CompletableFuture<Void> preparing;

    SpareSegment(FileIO io, Path dir, long bytes, Executor executor) {
        this.io = io;
        this.path = dir.resolve(FILE_NAME);
        this.bytes = bytes;
        this.executor = executor;
    }

    /** Deletes a spare a crash left behind (it may be only partly filled). */
    void deleteLeftover() throws IOException {
        if (io.exists(path)) {
            io.delete(path);
        }
    }

    /** Starts preparing the next spare. */
    void prepare() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        preparing = f;
        executor.execute(() -> {
            try (FileHandle file = io.open(path, true)) {
                file.truncate(0);
                Zeros.fill(file, 0, bytes);
                file.force();
                f.complete(null);
            } catch (IOException | RuntimeException e) {
                f.completeExceptionally(e);
            }
        });
    }

    /**
     * Waits for the spare (preparing it first if nothing is under way) and renames it to {@code target}; the caller
     * syncs the directory once the new segment has its header.
     */
    void moveTo(Path target) throws IOException {
        if (preparing == null) {
            prepare();
        }
        CompletableFuture<Void> f = preparing;
        preparing = null;
        await(f);
        io.rename(path, target);
    }

    /** Waits for a preparation under way to end (at close: nothing may write into the directory afterwards). */
    void quiesce() {
        if (preparing != null) {
            try {
                await(preparing);
            } catch (IOException e) {
                // nothing waits for this spare any more; a broken one is deleted at the next open
            }
        }
    }

    private static void await(CompletableFuture<Void> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for the next segment");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof UncheckedIOException u) {
                throw u.getCause();
            }
            throw new IOException("preparing the next segment failed", cause);
        }
    }
}
