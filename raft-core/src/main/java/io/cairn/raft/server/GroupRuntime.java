package io.cairn.raft.server;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.ForwardResult;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.ProposeResult;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.RaftEvent;
import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.ReadMode;
import io.cairn.raft.core.ReadState;
import io.cairn.raft.core.Ready;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.SoftState;
import io.cairn.raft.core.Tracer;
import io.cairn.raft.core.TransferResult;
import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.log.LogStorage;
import io.cairn.raft.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One group's raft loop: the single thread that owns the group's {@link RaftNode}.
 *
 * <p>Everything reaches the core as a task on the group's {@link SerialExecutor} (messages from the transport,
 * proposals, reads, ticks, the log writer's acknowledgements); after each batch of tasks the loop drains the
 * core's {@link Ready}s and carries out their contract: messages to the transport at once, writes to the shared
 * {@link LogWriter} (whose sync releases the messages that must wait, and acknowledges), committed entries and
 * confirmed reads to the group's {@link Applier}, snapshot requests and installs to the applier and writer.
 *
 * <p>Writes of one group reach the writer in the order of their Readies; while a snapshot received from the
 * leader is being restored, later writes are held back so that order survives.
 */
final class GroupRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(GroupRuntime.class);

    private final long groupId;
    private final RaftConfig config;
    private final RaftNode core;
    private final SerialExecutor loop;
    private final LogWriter writer;
    private final Applier applier;
    private final Transport transport;
    private final StateMachine stateMachine;
    private final GroupMetrics metrics;
    private final Clock clock;
    private final long tickNanos;
    private long lastTickNanos;
    /** The core was quiesced at the end of the last batch: the server's ticker leaves this group alone. */
    private volatile boolean sleeping;

    private final TreeMap<Long, Applier.Pending> pendingProposals = new TreeMap<>();
    /** Proposals forwarded to the leader and not yet answered, by request id. */
    private final Map<Long, Forwarding> forwards = new HashMap<>();
    private long nextForwardId = 1;
    /** The last index handed to the applier: a forwarded proposal answered at or below it came too late. */
    private long handedOut;

    private record Forwarding(List<CompletableFuture<Object>> futures, long proposedNanos) {
        long proposedAt() {
            return proposedNanos;
        }
    }
    private final Map<Long, CompletableFuture<Void>> pendingReads = new HashMap<>();
    private long nextReadId = 1;
    private final Map<Long, Path> receivedSnapshots = new HashMap<>();
    private boolean holdingWrites;
    private final ArrayDeque<LogWriter.Write> heldWrites = new ArrayDeque<>();
    private final List<CompletableFuture<Long>> transferWaiters = new ArrayList<>();
    private volatile GroupStatus status;
    private long lastLeader = RaftNode.NONE;
    private volatile boolean closed;
    private volatile String closedBecause = "group closed";
    private final ReadyObserver observer;

    GroupRuntime(long groupId, RaftConfig config, StateMachine stateMachine, LogStorage.Recovered recovered,
            long appliedIndex, RuntimeEnvironment env, LogWriter writer, Applier applier, Transport transport,
            GroupMetrics metrics, long tickNanos, int inboxCapacity, Tracer tracer, ReadyObserver observer,
            java.util.function.Consumer<Throwable> fatal) {
        this.observer = observer;
        this.groupId = groupId;
        this.config = config;
        this.stateMachine = stateMachine;
        this.writer = writer;
        this.applier = applier;
        this.transport = transport;
        this.metrics = metrics;
        this.clock = env.clock();
        this.tickNanos = tickNanos;
        this.core = RaftNode.restart(config, recovered.hardState(), recovered.snapshot(), recovered.entries(),
                appliedIndex, env.random("raft-" + groupId + "-" + config.id), tracer);
        if (observer != null) {
            observer.onOpen(groupId, core);
        }
        // A task that throws leaves the core mid-Ready: the loop stops and the member with it (decision 0016).
        FailStopGuard guard = new FailStopGuard(fatal);
        this.loop = guard.guard(env.newExecutor("cairn-raft-" + groupId, inboxCapacity, guard.wrap(this::drainReady)));
        this.lastTickNanos = clock.nanoTime();
        this.status = statusNow();
    }

    long groupId() {
        return groupId;
    }

    /** The index up to which the core considers entries applied when it started (it hands out the next). */
    long appliedAtStart() {
        return core.log().applying();
    }

    GroupStatus status() {
        return status;
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs (any thread)
    // ---------------------------------------------------------------------------------------------------

    /**
     * The server's tick, every tick interval (one timer for all groups): wakes the raft loop to count the ticks
     * that elapsed, unless the group is quiesced, which then costs nothing at all.
     */
    void onTick() {
        if (!sleeping && !closed) {
            loop.trySubmit(this::catchUpTicks);
        }
    }

    /** A message from the transport; dropped if the loop's queue is full (Raft retransmits). */
    void deliver(Message m) {
        loop.trySubmit(() -> {
            if (m.type() == MessageType.READ_INDEX && leaseNeedsFreshTicks()) {
                catchUpTicks(); // the lease contract: every elapsed tick before any read (decision 0005)
            }
            core.step(m);
        });
    }

    /** A complete snapshot from the leader; the core decides whether to install it. */
    void deliverSnapshot(Message m, Path data) {
        if (!loop.trySubmit(() -> {
            receivedSnapshots.put(m.snapshot().index(), data);
            core.step(m);
        })) {
            data.toFile().delete();
        }
    }

    CompletableFuture<Object> propose(byte[] command, boolean waitIfFull, boolean forward) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        long proposedAt = clock.nanoTime();
        submit(() -> {
            if (forward && shouldForward()) {
                forwardAll(List.of(command), List.of(f), proposedAt);
                return;
            }
            ProposeResult r = core.propose(command);
            accepted(r, f, proposedAt, 1);
        }, f, waitIfFull);
        return f;
    }

    /**
     * One trip through the loop for all of {@code commands}: consecutive entries, one future each. With
     * {@code forward}, a follower hands them to its leader instead of refusing them.
     */
    List<CompletableFuture<Object>> proposeAll(List<byte[]> commands, boolean waitIfFull, boolean forward) {
        List<CompletableFuture<Object>> futures = new ArrayList<>(commands.size());
        for (int i = 0; i < commands.size(); i++) {
            futures.add(new CompletableFuture<>());
        }
        if (commands.isEmpty()) {
            return futures;
        }
        long proposedAt = clock.nanoTime();
        CompletableFuture<Object> first = futures.get(0);
        submit(() -> {
            if (forward && shouldForward()) {
                forwardAll(commands, futures, proposedAt);
                return;
            }
            ProposeResult r = core.propose(commands);
            if (!r.accepted()) {
                RaftException refused = refusal(r);
                futures.forEach(f -> f.completeExceptionally(refused));
                return;
            }
            metrics.proposed(commands.size());
            for (int i = 0; i < futures.size(); i++) {
                long index = r.firstIndex() + i;
                pendingProposals.put(index, new Applier.Pending(index, r.term(), futures.get(i), proposedAt));
            }
        }, first, waitIfFull);
        if (first.isCompletedExceptionally()) { // refused before the loop saw it (closed, or a full queue)
            first.whenComplete((v, e) -> futures.forEach(f -> f.completeExceptionally(e)));
        }
        return futures;
    }

    /** A follower that knows its leader forwards; one that knows none refuses at once (NOT_LEADER). */
    private boolean shouldForward() {
        return core.role() != Role.LEADER && core.leader() != RaftNode.NONE;
    }

    /**
     * Forwards {@code commands} to the leader in as few requests as fit one message each; their futures wait in
     * {@link #forwards} until the leader says where it appended them ({@link #onForwardResult}).
     */
    private void forwardAll(List<byte[]> commands, List<CompletableFuture<Object>> futures, long proposedAt) {
        int from = 0;
        long bytes = 0;
        for (int i = 0; i < commands.size(); i++) {
            long size = (long) commands.get(i).length + Entry.OVERHEAD_BYTES;
            if (i > from && bytes + size > config.messageBytesMax) {
                forwardChunk(commands.subList(from, i), futures.subList(from, i), proposedAt);
                from = i;
                bytes = 0;
            }
            bytes += size;
        }
        forwardChunk(commands.subList(from, commands.size()), futures.subList(from, futures.size()), proposedAt);
    }

    private void forwardChunk(List<byte[]> commands, List<CompletableFuture<Object>> futures, long proposedAt) {
        long requestId = nextForwardId++;
        forwards.put(requestId, new Forwarding(futures, proposedAt));
        core.forward(requestId, commands);
    }

    /**
     * The leader's answer to a forwarded proposal: its futures now wait for their indexes like local proposals
     * (and fail as LOST if other entries are applied there). An answer that comes after its entries were already
     * handed to the applier (it should not, since the leader answers before it replicates them) cannot be
     * matched any more and is reported as an unknown outcome, never as a success.
     */
    private void onForwardResult(ForwardResult fr) {
        Forwarding w = forwards.remove(fr.requestId());
        if (w == null) {
            return;
        }
        RaftException failure = null;
        if (fr.unknown()) {
            failure = new RaftException(RaftException.Reason.UNKNOWN_OUTCOME, "the leader changed or did not answer"
                    + " before the forwarded proposal was known to be appended; it may or may not be applied",
                    core.leader());
        } else if (!fr.accepted()) {
            failure = refusal(ProposeResult.rejected(fr.rejection(), fr.leaderHint()));
        } else if (fr.firstIndex() <= handedOut) {
            failure = new RaftException(RaftException.Reason.UNKNOWN_OUTCOME, "the forwarded proposal at "
                    + fr.firstIndex() + " was applied before the leader's answer arrived", core.leader());
        }
        if (failure != null) {
            for (CompletableFuture<Object> f : w.futures()) {
                f.completeExceptionally(failure);
            }
            return;
        }
        for (int i = 0; i < w.futures().size(); i++) {
            long index = fr.firstIndex() + i;
            pendingProposals.put(index, new Applier.Pending(index, fr.term(), w.futures().get(i), w.proposedAt()));
        }
    }

    CompletableFuture<Object> proposeConfigChange(ConfigChange change) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        long proposedAt = clock.nanoTime();
        submit(() -> accepted(core.proposeConfigChange(change), f, proposedAt, 0), f, true);
        return f;
    }

    CompletableFuture<Object> proposeLeaveJoint() {
        CompletableFuture<Object> f = new CompletableFuture<>();
        long proposedAt = clock.nanoTime();
        submit(() -> accepted(core.proposeLeaveJoint(), f, proposedAt, 0), f, true);
        return f;
    }

    /** Starts an election now rather than after an election timeout (a no-op on a leader or a non-voter). */
    void campaign() {
        loop.submitInternal(core::campaign);
    }

    /** Completes once a linearizable read may be served (on the apply thread). */
    CompletableFuture<Void> readIndex() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        submit(() -> {
            if (leaseNeedsFreshTicks()) {
                catchUpTicks();
            }
            long id = nextReadId++;
            pendingReads.put(id, f);
            core.readIndex(id);
        }, f, true);
        return f;
    }

    /** Runs {@code query} on the apply thread once a linearizable read may be served. */
    <T> CompletableFuture<T> query(Supplier<T> query) {
        CompletableFuture<T> result = new CompletableFuture<>();
        readIndex().whenComplete((ok, error) -> {
            if (error != null) {
                result.completeExceptionally(error);
            } else {
                applier.query(query, result); // the read future completes on the apply thread
            }
        });
        return result;
    }

    /** Completes with the new leader's id once it leads (or fails if the transfer is refused or abandoned). */
    CompletableFuture<Long> transferLeadership(long to) {
        CompletableFuture<Long> f = new CompletableFuture<>();
        submit(() -> {
            TransferResult r = core.transferLeadership(to);
            switch (r) {
                case STARTED -> transferWaiters.add(f);
                case ALREADY_LEADER -> f.complete(to);
                case NOT_LEADER -> f.completeExceptionally(new RaftException(RaftException.Reason.NOT_LEADER,
                        "member " + config.id + " does not lead group " + groupId, core.leader()));
                case NOT_A_VOTER -> f.completeExceptionally(new RaftException(
                        RaftException.Reason.CONFIG_CHANGE_REFUSED, "member " + to + " is not a voter", core.leader()));
            }
        }, f, true);
        return f;
    }

    private void submit(Runnable task, CompletableFuture<?> f, boolean waitIfFull) {
        if (closed) {
            f.completeExceptionally(new RaftException(RaftException.Reason.CLOSED, "group " + groupId + " is closed ("
                    + closedBecause + ")", 0));
            return;
        }
        if (loop.trySubmit(task)) {
            return;
        }
        if (!waitIfFull) {
            f.completeExceptionally(new RaftException(RaftException.Reason.OVERLOADED,
                    "the proposal queue of group " + groupId + " is full; retry later", core.leader()));
            return;
        }
        try {
            loop.submitBlocking(task);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            f.completeExceptionally(new RaftException(RaftException.Reason.CLOSED, "interrupted", 0));
        }
    }

    private void accepted(ProposeResult r, CompletableFuture<Object> f, long proposedAt, int commands) {
        if (!r.accepted()) {
            f.completeExceptionally(refusal(r));
            return;
        }
        if (commands > 0) {
            metrics.proposed(commands);
        }
        pendingProposals.put(r.firstIndex(), new Applier.Pending(r.firstIndex(), r.term(), f, proposedAt));
    }

    private RaftException refusal(ProposeResult r) {
        RaftException.Reason reason = switch (r.rejection()) {
            case NOT_LEADER -> RaftException.Reason.NOT_LEADER;
            case OVERLOADED -> RaftException.Reason.OVERLOADED;
            case TOO_LARGE, EMPTY -> RaftException.Reason.TOO_LARGE;
            case TRANSFERRING -> RaftException.Reason.TRANSFERRING;
            case CONFIG_CHANGE_REFUSED -> RaftException.Reason.CONFIG_CHANGE_REFUSED;
        };
        String message = switch (reason) {
            case NOT_LEADER -> "member " + config.id + " does not lead group " + groupId + "; the leader is "
                    + RaftNode.idString(r.leaderHint());
            default -> r.detail() != null ? r.detail() : reason.name().toLowerCase(java.util.Locale.ROOT);
        };
        return new RaftException(reason, message, r.leaderHint());
    }

    // ---------------------------------------------------------------------------------------------------
    // The loop: ticks and Ready
    // ---------------------------------------------------------------------------------------------------

    /**
     * Lease reads must see every tick that elapsed (decision 0005); the injected bug {@code lease-stale-clock}
     * (simulator only) skips that, so a leader that slept through its lease serves from it.
     */
    private boolean leaseNeedsFreshTicks() {
        return config.readMode == ReadMode.LEASE && !config.bug(io.cairn.raft.core.InjectedBug.LEASE_STALE_CLOCK);
    }

    /** Ticks the core once per elapsed tick interval (catching up after a stall, capped). */
    private void catchUpTicks() {
        long now = clock.nanoTime();
        if (sleeping) {
            // Quiesced, or woken by a task of this very batch: ticks slept through are owed to nobody (a woken core
            // starts its timers afresh), and catching them up would fire a follower's election timeout at once.
            lastTickNanos = now;
            return;
        }
        long due = (now - lastTickNanos) / tickNanos;
        if (due <= 0) {
            return;
        }
        lastTickNanos += due * tickNanos;
        long ticks = Math.min(due, 4L * config.electionTicks);
        for (long i = 0; i < ticks; i++) {
            core.tick();
        }
    }

    private void drainReady() {
        while (!closed && core.hasReady()) {
            Ready r = core.ready();
            if (observer != null) {
                observer.onReady(groupId, core, r);
            }
            if (r.softState != null) {
                onSoftState(r.softState);
            }
            for (Message m : r.messages) {
                send(m);
            }
            for (ForwardResult fr : r.forwardResults) {
                onForwardResult(fr); // before committedEntries, which may hold these very entries
            }
            persist(r);
            if (!r.committedEntries.isEmpty()) {
                apply(r.committedEntries);
            }
            for (ReadState s : r.readStates) {
                onReadState(s);
            }
            if (r.snapshotRequest != null) {
                takeSnapshot(r.snapshotRequest);
            }
        }
        metrics.committed(core.log().committed());
        boolean quiesced = core.quiesced();
        if (quiesced != sleeping) {
            if (!quiesced) {
                lastTickNanos = clock.nanoTime(); // count ticks from the wake-up, not from when it fell asleep
            }
            sleeping = quiesced;
            metrics.quiesced(quiesced);
        }
        status = statusNow();
    }

    private void send(Message m) {
        if (m.type() != MessageType.SNAPSHOT) {
            transport.send(groupId, m);
            return;
        }
        applier.snapshotFileFor(m.snapshot()).whenComplete((file, error) -> {
            if (error != null) {
                loop.submitInternal(() -> core.reportSnapshot(m.to(), false));
                return;
            }
            transport.sendSnapshot(groupId, m, applier.source(file),
                    ok -> loop.submitInternal(() -> core.reportSnapshot(m.to(), ok)));
        });
    }

    private void persist(Ready r) {
        if (r.snapshot != null) {
            installSnapshot(r);
            return;
        }
        if (!r.mustPersist() && r.messagesAfterPersist.isEmpty()) {
            return;
        }
        long index = r.persistIndex();
        long term = r.persistTerm();
        LogWriter.Write w = new LogWriter.Write(groupId, r.hardState, r.entries, null, false,
                r.messagesAfterPersist, done -> {
                    if (index > 0) {
                        loop.submitInternal(() -> core.persisted(index, term));
                    }
                });
        submitWrite(w);
    }

    private void submitWrite(LogWriter.Write w) {
        if (holdingWrites) {
            heldWrites.add(w);
        } else {
            writer.submit(groupId, w);
        }
    }

    /**
     * Thesis §7 / Ready contract, crash-safely: the applier keeps the received file as the group's snapshot; then the
     * snapshot's metadata (replacing the log) and this Ready's other writes are made durable, and only then is the
     * state machine switched to it and do the held-back messages (the acknowledgement to the leader) leave. A crash
     * before the metadata is durable leaves the old state and log; one after it, a log whose snapshot the restart
     * restores from the kept file. Writes of later Readies wait until this one is queued, to keep their order.
     */
    private void installSnapshot(Ready r) {
        SnapshotMeta meta = r.snapshot;
        Path data = receivedSnapshots.remove(meta.index());
        if (data == null) {
            throw new IllegalStateException("group " + groupId + " must install " + meta + " but has no data for it");
        }
        receivedSnapshots.values().forEach(p -> p.toFile().delete());
        receivedSnapshots.clear();
        failPendingCoveredBy(meta.index());
        holdingWrites = true;
        long index = r.persistIndex();
        long term = r.persistTerm();
        LogWriter.Write w = new LogWriter.Write(groupId, r.hardState, r.entries, meta, true, r.messagesAfterPersist,
                done -> {
                    applier.metadataDurable(meta); // queued on the applier before anything the ack below releases
                    if (index > 0) {
                        loop.submitInternal(() -> core.persisted(index, term));
                    }
                });
        applier.install(meta, data, () -> loop.submitInternal(() -> {
            writer.submit(groupId, w);
            while (!heldWrites.isEmpty()) {
                writer.submit(groupId, heldWrites.poll());
            }
            holdingWrites = false;
        }));
    }

    /**
     * A snapshot from the leader replaces the log up to {@code index}: proposals waiting at or below it will never
     * see their entry applied one by one, so nobody can tell whether they made it. They fail with an unknown
     * outcome instead of waiting forever (robustness row 24).
     */
    private void failPendingCoveredBy(long index) {
        handedOut = Math.max(handedOut, index);
        var covered = pendingProposals.headMap(index, true);
        if (covered.isEmpty()) {
            return;
        }
        RaftException unknown = new RaftException(RaftException.Reason.UNKNOWN_OUTCOME, "a snapshot from the leader"
                + " replaced the log up to " + index + " before this proposal's entry was applied here; it may or"
                + " may not be applied", core.leader());
        for (Applier.Pending p : covered.values()) {
            p.future().completeExceptionally(unknown);
        }
        covered.clear();
    }

    private void apply(List<Entry> entries) {
        long first = entries.get(0).index();
        long last = entries.get(entries.size() - 1).index();
        handedOut = last;
        List<Applier.Pending> pendings = new ArrayList<>();
        var range = pendingProposals.subMap(first, true, last, true);
        pendings.addAll(range.values());
        range.clear();
        applier.submitApply(entries, pendings);
    }

    private void onReadState(ReadState s) {
        CompletableFuture<Void> f = pendingReads.remove(s.requestId());
        if (f == null) {
            return;
        }
        if (s.rejected()) {
            f.completeExceptionally(new RaftException(RaftException.Reason.NOT_LEADER, s.reason(), core.leader()));
        } else {
            applier.submitRead(s.index(), () -> f.complete(null));
        }
    }

    /**
     * Asks the applier for a snapshot; once its file is written (on the snapshot thread, possibly much later),
     * the loop records it in the log, unless a snapshot at least as new was installed meanwhile (one from the
     * leader): recording an older one then would go backwards.
     */
    private void takeSnapshot(SnapshotMeta request) {
        applier.takeSnapshot(request, (taken, stateDurable) -> loop.submitInternal(() -> {
            if (taken.index() <= core.log().snapshotIndex()) {
                LOG.debug("group {}: snapshot at {} finished after one at {} was installed; dropped", groupId,
                        taken.index(), core.log().snapshotIndex());
                return;
            }
            long compactTo = stateDurable == StateMachine.VOLATILE ? taken.index()
                    : Math.min(taken.index(), stateDurable);
            submitWrite(new LogWriter.Write(groupId, null, List.of(), taken, false, List.of(),
                    done -> loop.submitInternal(() -> {
                        core.snapshotTaken(taken);
                        writer.submitTask(() -> compact(compactTo));
                        applier.deleteSnapshotsBefore(taken);
                    })));
        }));
    }

    private void compact(long index) {
        try {
            writer.storage().compact(groupId, index);
        } catch (IOException e) {
            LOG.warn("group {}: compaction to {} failed; the log keeps its entries", groupId, index, e);
        }
    }

    private void onSoftState(SoftState s) {
        if (s.leader() != lastLeader && s.leader() != RaftNode.NONE) {
            metrics.leaderChanged();
            lastLeader = s.leader();
            LOG.info("group {}: member {} sees leader {} in term {} ({})", groupId, config.id,
                    RaftNode.idString(s.leader()), s.term(), s.role());
        }
        if (s.role() == Role.LEADER || !transferWaiters.isEmpty()) {
            boolean done = s.role() != Role.LEADER && s.leader() != RaftNode.NONE;
            if (done || core.transferee() == RaftNode.NONE && s.role() == Role.LEADER) {
                for (CompletableFuture<Long> f : transferWaiters) {
                    if (done) {
                        f.complete(s.leader());
                    } else {
                        f.completeExceptionally(new RaftException(RaftException.Reason.TRANSFERRING,
                                "the transfer was abandoned after an election timeout", config.id));
                    }
                }
                transferWaiters.clear();
            }
        }
    }

    private GroupStatus statusNow() {
        return new GroupStatus(groupId, config.id, core.role(), core.term(), core.leader(), core.log().committed(),
                applier.applied(), core.log().lastIndex(), core.configuration(), core.quiesced());
    }

    void close() {
        close(null);
    }

    /**
     * Stops the loop; requests still waiting end: UNKNOWN_OUTCOME for proposals already appended or forwarded (they
     * may commit), CLOSED for reads. With a {@code cause}, the member stopped itself (fail-stop) and every answer,
     * including those to later requests, names it.
     */
    void close(Throwable cause) {
        String why = cause == null ? "group closed" : "member " + config.id + " stopped itself: " + cause;
        closedBecause = why;
        closed = true;
        loop.shutdown();
        for (Applier.Pending p : pendingProposals.values()) {
            // Appended already: it may commit (and be applied by the others, or here after a restart). Never
            // report as failed what may take effect.
            p.future().completeExceptionally(new RaftException(RaftException.Reason.UNKNOWN_OUTCOME,
                    why + " with the proposal appended; it may still commit", 0));
        }
        pendingReads.values().forEach(f -> f.completeExceptionally(
                new RaftException(RaftException.Reason.CLOSED, why, 0)));
        forwards.values().forEach(w -> w.futures().forEach(f -> f.completeExceptionally(
                new RaftException(RaftException.Reason.UNKNOWN_OUTCOME, why + " while forwarding", 0))));
    }

    /** Counts the core's events into metrics and logs its decisions at debug level. */
    static Tracer tracer(long groupId, Map<RaftEvent, io.micrometer.core.instrument.Counter> counters) {
        java.util.concurrent.atomic.AtomicBoolean missingReported = new java.util.concurrent.atomic.AtomicBoolean();
        return new Tracer() {
            @Override
            public boolean enabled() {
                return LOG.isDebugEnabled();
            }

            @Override
            public void trace(long nodeId, String line) {
                LOG.debug("group {} member {}: {}", groupId, nodeId, line);
            }

            @Override
            public void event(long nodeId, RaftEvent event) {
                if (event == RaftEvent.ACKNOWLEDGED_ENTRIES_MISSING && missingReported.compareAndSet(false, true)) {
                    LOG.error("group {} member {}: the leader vouches for entries this member acknowledged and no"
                            + " longer has: its storage was lost (a wiped data directory under the same member id?)."
                            + " Raft cannot keep its promises with it: remove this member and add it back as a new"
                            + " one", groupId, nodeId);
                }
                io.micrometer.core.instrument.Counter c = counters.get(event);
                if (c != null) {
                    c.increment();
                }
            }
        };
    }
}
