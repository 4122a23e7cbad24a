package io.cairn.raft.server;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Invariants;
import io.cairn.raft.core.SnapshotMeta;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import io.cairn.raft.log.FileHandle;
import io.cairn.raft.log.FileIO;
import io.cairn.raft.transport.SnapshotSource;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A group's apply loop: the only thread that touches the user's {@link StateMachine}.
 *
 * <p>It applies committed entries in order and completes the futures of the proposals among them (with the
 * state machine's result, or {@link RaftException.Reason#LOST} when another leader's entry took the index); it
 * serves reads once the applied index reaches their read index; it writes snapshots when the core asks and
 * restores them (at start, or when the leader sends one). Snapshots are files in the group's snapshot
 * directory, named {@code snap-<term>-<index>}, written to a temporary file, synced and renamed, so a crash
 * never leaves half a snapshot under a final name.
 *
 * <p>Invariant: entries are applied exactly once, in index order, with no gap.
 */
final class Applier {
    private static final Logger LOG = LoggerFactory.getLogger(Applier.class);

    /** A proposal waiting for its entry: the index and term the leader gave it. */
    record Pending(long index, long term, CompletableFuture<Object> future, long proposedNanos) {}

    private record ReadWait(long index, Runnable release) {}

    private final StateMachine stateMachine;
    private final SerialExecutor executor;
    /** Writes captured snapshots out while the apply thread goes on. */
    private final SerialExecutor snapshotExecutor;
    private final Path snapshotDir;
    private final FileIO files;
    private final GroupMetrics metrics;
    private final Clock clock;
    private final PriorityQueue<ReadWait> reads = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));
    private volatile long applied;
    private volatile java.util.function.Consumer<RuntimeException> fatal = e -> { };
    /** The failure that stopped this applier, or null. */
    private volatile RuntimeException broken;
    /** The index of the last command handed to the state machine (or the state it restored or started from). */
    private long lastCommandApplied;

    Applier(StateMachine stateMachine, RuntimeEnvironment env, String name, int capacity, FileIO files,
            Path snapshotDir, GroupMetrics metrics) {
        this.stateMachine = stateMachine;
        this.files = files;
        this.executor = env.newExecutor(name, capacity, null);
        this.snapshotExecutor = env.newExecutor(name + "-snapshot", 4, null);
        this.snapshotDir = snapshotDir;
        this.metrics = metrics;
        this.clock = env.clock();
    }

    long applied() {
        return applied;
    }

    void setApplied(long index) {
        applied = index;
        lastCommandApplied = lastCommandAt(index);
    }

    /**
     * The last command a state machine starting (or restored) at {@code index} holds: for one that keeps its state
     * durably, what it says it holds, which is below {@code index} when the entries just before it reach no state
     * machine (empty entries of new leaders); counting them as commands broke the lazy-snapshot check (robustness
     * row 47).
     */
    private long lastCommandAt(long index) {
        long durable = stateMachine.durableAppliedIndex();
        return durable == StateMachine.VOLATILE ? index : Math.min(index, durable);
    }

    /** Queues committed entries (and the futures of the proposals among them), waiting for room. */
    void submitApply(List<Entry> entries, List<Pending> pendings) {
        submit(() -> {
            try {
                apply(entries, pendings);
            } catch (RuntimeException e) {
                failPendings(pendings, e);
                throw e;
            }
        }, () -> failPendings(pendings, broken));
    }

    /** Proposals whose entries were handed over but never applied: they may still commit elsewhere. */
    private static void failPendings(List<Pending> pendings, RuntimeException cause) {
        for (Pending p : pendings) {
            p.future().completeExceptionally(new RaftException(RaftException.Reason.UNKNOWN_OUTCOME,
                    "the apply thread stopped: " + cause, 0));
        }
    }

    /** Runs {@code release} on the apply thread once entries up to {@code index} are applied. */
    void submitRead(long index, Runnable release) {
        submit(() -> {
            if (index <= applied) {
                release.run();
            } else {
                reads.add(new ReadWait(index, release));
            }
        });
    }

    /** Who to tell when work on the apply thread throws (the member's fail-stop, decision 0016). */
    void onFatal(java.util.function.Consumer<RuntimeException> listener) {
        this.fatal = listener;
    }

    /**
     * Runs {@code task} on the apply thread after everything queued before it. A task that throws (a state machine
     * that throws, a broken invariant) stops this applier: nothing after it is applied, and the member is told to
     * stop (decision 0016), rather than applying the next batch on top of a half-applied one.
     */
    void submit(Runnable task) {
        submit(task, () -> { });
    }

    /** {@link #submit(Runnable)}, with what to do instead once the applier has stopped. */
    private void submit(Runnable task, Runnable ifBroken) {
        try {
            executor.submitBlocking(() -> runOrHold(() -> runGuarded(task, ifBroken)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RaftException(RaftException.Reason.CLOSED, "interrupted", 0);
        }
    }

    private void runGuarded(Runnable task, Runnable ifBroken) {
        if (broken != null) {
            ifBroken.run();
            return;
        }
        try {
            task.run();
        } catch (RuntimeException e) {
            broken = e;
            fatal.accept(e);
        }
    }

    /**
     * While a snapshot from the leader waits for its metadata to become durable ({@link #install}), the tasks queued
     * after it wait too, in order: they come after the snapshot and must see its state. Bounded: what the loop hands
     * out while one log write is pending (entries past the snapshot cannot be, until that write is durable).
     */
    private void runOrHold(Runnable task) {
        if (installing != null) {
            heldBehindInstall.addLast(task);
        } else {
            task.run();
        }
    }

    /** Apply thread only: the snapshot whose switch waits for its metadata to be durable, or null. */
    private SnapshotMeta installing;
    private final java.util.ArrayDeque<Runnable> heldBehindInstall = new java.util.ArrayDeque<>();

    <T> void query(Supplier<T> query, CompletableFuture<T> result) {
        try {
            result.complete(query.get());
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    private void apply(List<Entry> entries, List<Pending> pendings) {
        List<StateMachine.Command> commands = new ArrayList<>(entries.size());
        long expected = applied + 1;
        for (Entry e : entries) {
            Invariants.check(e.index() == expected++, "apply of entry %d after %d", e.index(), expected - 2);
            if (e.type() == EntryType.COMMAND) {
                commands.add(new StateMachine.Command(e.index(), e.term(), e.data()));
            }
        }
        List<Object> results = commands.isEmpty() ? List.of() : stateMachine.apply(commands);
        Invariants.check(results.size() == commands.size(), "state machine returned %d results for %d commands",
                results.size(), commands.size());
        if (!commands.isEmpty()) {
            lastCommandApplied = commands.get(commands.size() - 1).index();
        }
        applied = entries.get(entries.size() - 1).index();
        completeProposals(entries, commands, results, pendings);
        metrics.applied(applied);
        releaseReads();
    }

    private void completeProposals(List<Entry> entries, List<StateMachine.Command> commands, List<Object> results,
            List<Pending> pendings) {
        if (pendings.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        int c = 0;
        for (Pending p : pendings) {
            Entry e = entries.get((int) (p.index() - first));
            if (e.term() != p.term()) {
                p.future().completeExceptionally(new RaftException(RaftException.Reason.LOST,
                        "the entry at " + p.index() + " was replaced by another leader's", 0));
                continue;
            }
            metrics.commitLatency(clock.nanoTime() - p.proposedNanos());
            if (e.type() != EntryType.COMMAND) {
                p.future().complete(null); // a configuration change: done once its entry is applied
                continue;
            }
            while (commands.get(c).index() < p.index()) {
                c++;
            }
            p.future().complete(results.get(c));
        }
    }

    private void releaseReads() {
        while (!reads.isEmpty() && reads.peek().index <= applied) {
            reads.poll().release.run();
        }
    }

    /**
     * Writes a snapshot of the state machine as of {@code meta} (which must be the applied index) to its file,
     * durably, and hands the metadata on.
     */
    void takeSnapshot(SnapshotMeta meta, BiConsumer<SnapshotMeta, Long> taken) {
        submit(() -> {
            Invariants.check(meta.index() == applied, "snapshot at %d requested, but %d applied", meta.index(),
                    applied);
            if (stateMachine.lazySnapshots()) {
                takeLazily(meta, taken);
                return;
            }
            long durableApplied = stateMachine.durableAppliedIndex();
            try {
                StateMachine.SnapshotWriter captured = stateMachine.captureSnapshot();
                if (captured == null) {
                    writeSnapshotFile(meta, stateMachine::writeSnapshot);
                    taken.accept(meta, durableApplied);
                    return;
                }
                snapshotExecutor.submitInternal(() -> {
                    try {
                        writeSnapshotFile(meta, captured);
                        taken.accept(meta, durableApplied);
                    } catch (IOException e) {
                        LOG.error("snapshot at {} failed; the log is kept", meta.index(), e);
                    }
                });
            } catch (IOException e) {
                LOG.error("snapshot at {} failed; the log is kept", meta.index(), e);
            }
        });
    }

    /**
     * A lazy snapshot (decision 0011): the state machine makes what it applied durable, and the snapshot is only
     * its metadata; no file is written until a follower needs one ({@link #snapshotFileFor}).
     */
    private void takeLazily(SnapshotMeta meta, BiConsumer<SnapshotMeta, Long> taken) {
        try {
            long durable = stateMachine.makeDurable();
            // Entries after the last command (a new leader's empty entry, a configuration change) reach no state
            // machine: durable to its last command, it holds everything up to the snapshot's index. The log keeps
            // what follows the durable index, so those entries are replayed (harmlessly) after a restart.
            Invariants.check(durable >= Math.min(meta.index(), lastCommandApplied), "lazy snapshot at %d (last"
                    + " command %d), but the state machine is durable only to %d after makeDurable", meta.index(),
                    lastCommandApplied, durable);
            taken.accept(meta, durable);
        } catch (IOException e) {
            LOG.error("making the state durable for the snapshot at {} failed; the log is kept", meta.index(), e);
        }
    }

    /** On-demand snapshot files being written, by the index of the snapshot they stand for (apply thread). */
    private final java.util.Map<Long, CompletableFuture<Path>> onDemand = new java.util.HashMap<>();

    /**
     * The file to send for snapshot {@code meta}: the one taken for it, or for a state machine with lazy
     * snapshots one written now from the current state (at or past {@code meta}'s index), once for all the
     * followers that need it. Completes on the snapshot thread (or at once when the file exists).
     */
    CompletableFuture<Path> snapshotFileFor(SnapshotMeta meta) {
        Path file = snapshotFile(meta);
        if (!stateMachine.lazySnapshots() || files.exists(file)) {
            return CompletableFuture.completedFuture(file);
        }
        CompletableFuture<Path> result = new CompletableFuture<>();
        submit(() -> {
            if (files.exists(file)) {
                result.complete(file);
                return;
            }
            CompletableFuture<Path> writing = onDemand.get(meta.index());
            if (writing == null) {
                writing = new CompletableFuture<>();
                onDemand.put(meta.index(), writing);
                writeOnDemand(meta, file, writing);
            }
            writing.whenComplete((p, e) -> {
                if (e != null) {
                    result.completeExceptionally(e);
                } else {
                    result.complete(p);
                }
            });
        });
        return result;
    }

    /** Captures the state now (apply thread) and writes it under {@code meta}'s name on the snapshot thread. */
    private void writeOnDemand(SnapshotMeta meta, Path file, CompletableFuture<Path> done) {
        done.whenComplete((p, e) -> submit(() -> onDemand.remove(meta.index())));
        try {
            StateMachine.SnapshotWriter captured = stateMachine.captureSnapshot();
            StateMachine.SnapshotWriter writer = captured != null ? captured : stateMachine::writeSnapshot;
            LOG.info("writing the snapshot for {} on demand, from the state at {}", meta, applied);
            snapshotExecutor.submitInternal(() -> {
                try {
                    writeSnapshotFile(meta, writer);
                    done.complete(file);
                } catch (IOException | RuntimeException e) {
                    LOG.error("the snapshot for {} could not be written", meta, e);
                    done.completeExceptionally(e);
                }
            });
        } catch (IOException | RuntimeException e) {
            LOG.error("the snapshot for {} could not be captured", meta, e);
            done.completeExceptionally(e);
        }
    }

    /** Writes a snapshot file durably: to a temporary name, synced, renamed, directory synced. */
    private void writeSnapshotFile(SnapshotMeta meta, StateMachine.SnapshotWriter writer) throws IOException {
        Path file = snapshotFile(meta);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        files.createDirectories(snapshotDir);
        try (FileHandle h = files.open(tmp, true)) {
            h.truncate(0);
            try (OutputStream out = new BufferedOutputStream(new HandleOutputStream(h), 1 << 16)) {
                writer.writeTo(out);
            }
            h.force();
        }
        files.rename(tmp, file);
        files.syncDirectory(snapshotDir);
    }

    /**
     * Installs the snapshot in {@code data} (received from the leader) so that a crash at any step leaves a member
     * that starts: first the file is kept as the group's snapshot (it is synced; the rename is made durable), then
     * {@code kept} runs and the runtime records the snapshot's metadata in the log; only once that is durable
     * ({@link #metadataDurable}) is the state machine switched to it, so a member that crashes in between restarts
     * from the recorded metadata and restores the kept file. Tasks queued after this one wait for the switch.
     */
    void install(SnapshotMeta meta, Path data, Runnable kept) {
        submit(() -> {
            try {
                Path file = snapshotFile(meta);
                files.createDirectories(snapshotDir);
                files.rename(data, file);
                files.syncDirectory(snapshotDir);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("keeping the snapshot " + meta + " failed", e);
            }
            CrashPoints.reached("install:file-kept");
            installing = meta;
            kept.run();
        });
    }

    /**
     * The metadata of the snapshot being installed is durable in the log: switch the state machine to it, then run
     * what waited. Any thread.
     */
    void metadataDurable(SnapshotMeta meta) {
        executor.submitInternal(() -> {
            if (installing == null || installing.index() != meta.index() || installing.term() != meta.term()) {
                return; // the applier stopped meanwhile, or this is not the install it waits for
            }
            runGuarded(() -> {
                CrashPoints.reached("install:metadata-durable");
                try {
                    restore(snapshotFile(meta));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException("restoring the snapshot " + meta + " failed", e);
                }
                applied = meta.index();
                lastCommandApplied = lastCommandAt(meta.index());
                metrics.applied(applied);
                releaseReads();
            }, () -> { });
            installing = null;
            while (!heldBehindInstall.isEmpty() && installing == null) {
                heldBehindInstall.pollFirst().run();
            }
        });
    }

    /** Restores the state machine from {@code file} (at start, on the caller's thread, before anything runs). */
    void restore(Path file) throws IOException {
        try (FileHandle h = files.open(file, false);
                InputStream in = new BufferedInputStream(new HandleInputStream(h), 1 << 16)) {
            stateMachine.restoreSnapshot(in);
        }
    }

    Path snapshotFile(SnapshotMeta meta) {
        return snapshotDir.resolve("snap-" + meta.term() + "-" + meta.index());
    }

    /** Deletes snapshot files older than {@code keep}. */
    void deleteSnapshotsBefore(SnapshotMeta keep) {
        submit(() -> {
            try {
                for (Path p : files.list(snapshotDir)) {
                    String name = p.getFileName().toString();
                    if (name.startsWith("snap-") && !name.endsWith(".tmp")) {
                        long index = Long.parseLong(name.substring(name.lastIndexOf('-') + 1));
                        if (index < keep.index()) {
                            files.delete(p);
                        }
                    }
                }
            } catch (IOException | NumberFormatException e) {
                LOG.warn("could not clean old snapshots in {}", snapshotDir, e);
            }
        });
    }

    /** The bytes of a snapshot file, for the transport to stream. */
    SnapshotSource source(Path file) {
        return new SnapshotSource() {
            @Override
            public long size() throws IOException {
                try (FileHandle h = files.open(file, false)) {
                    return h.size();
                }
            }

            @Override
            public int read(long offset, ByteBuffer dst) throws IOException {
                try (FileHandle h = files.open(file, false)) {
                    return h.read(dst, offset);
                }
            }
        };
    }

    /** An OutputStream appending to a {@link FileHandle}. */
    private static final class HandleOutputStream extends OutputStream {
        private final FileHandle h;
        private long position;

        HandleOutputStream(FileHandle h) {
            this.h = h;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            position += h.write(ByteBuffer.wrap(b, off, len), position);
        }
    }

    /** An InputStream reading a {@link FileHandle} from the start. */
    private static final class HandleInputStream extends InputStream {
        private final FileHandle h;
        private long position;

        HandleInputStream(FileHandle h) {
            this.h = h;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n <= 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            int n = h.read(ByteBuffer.wrap(b, off, len), position);
            if (n > 0) {
                position += n;
            }
            return n <= 0 ? -1 : n;
        }
    }

    void shutdown() {
        executor.shutdown();
        snapshotExecutor.shutdown();
    }
}
