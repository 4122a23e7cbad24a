package io.cairn.jepsen.sim;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.MessageType;
import io.cairn.raft.core.ProposeResult;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.ReadState;
import io.cairn.raft.core.Ready;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.SnapshotMeta;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One simulated member: the pure {@link RaftNode} plus what a runtime would give it: a disk ({@link SimDisk}), a
 * timer, a replicated register map as its state machine, and the client requests it is serving.
 *
 * <p>It follows the {@link Ready} contract exactly as a real runtime must: messages that may leave now are sent
 * at once, the rest leave with the write that backs them; {@code persisted} is reported when a write
 * completes; committed entries are applied in order. A crash loses the unsynced writes and all volatile state;
 * a restart rebuilds the node from what the disk holds. While paused (a stopped process) everything addressed
 * to it waits and its timer does not fire.
 *
 * <p>Snapshots: when the core asks, the member captures its register map at the applied index, stores it
 * durably and tells the core; a snapshot the leader must send is streamed by {@link SnapshotStreams}, and one
 * received is installed through the {@code Ready} like any other write.
 *
 * <p>Commands are 17 bytes: the client operation id (8), the key (1) and the value written (8).
 */
final class SimNode extends MemberLife {
    private record PendingWrite(long opId, long term, Consumer<Reply> reply) {}

    private record PendingRead(int key, Consumer<Reply> reply) {}

    /** What woke a member: while it is paused, each kind of input waits in its own queue. */
    enum Source {
        TIMER, PEER, CLIENT, DISK
    }

    /** Peer messages and client requests beyond this many per queue are dropped while paused (full buffers). */
    private static final int DEFERRED_MAX = 50_000;


    private final Simulation sim;
    private final RaftConfig config;
    private final SplittableRandom random;
    private final SimDisk disk = new SimDisk();
    private RaftNode core;
    private final Map<Integer, Long> registers = new HashMap<>();
    private long applied;
    /** By log index; one index may hold several, when this member led in several terms (only one can apply). */
    private final TreeMap<Long, List<PendingWrite>> pendingWrites = new TreeMap<>();
    private final Map<Long, PendingRead> pendingReads = new TreeMap<>();
    private final TreeMap<Long, List<PendingRead>> readsWaitingForApply = new TreeMap<>();
    private final java.util.EnumMap<Source, ArrayDeque<Runnable>> deferred = new java.util.EnumMap<>(Source.class);
    private long nextReadId = 1;
    private long commitSeen;
    private long firstCommitTerm;
    /** Snapshot data that arrived complete, by snapshot index, waiting for the core to decide to install it. */
    private final TreeMap<Long, Map<Integer, Long>> receivedSnapshots = new TreeMap<>();

    SimNode(int id, Simulation sim, RaftConfig config, SplittableRandom random) {
        super(id);
        this.sim = sim;
        this.config = config;
        this.random = random;
    }





    /** The member was removed from the group: it shuts down and never comes back. */
    @Override
    public void decommission() {
        removed = true;
        crash();
    }

    /** The member was removed from the group but keeps running (until a crash, after which it stays down). */
    @Override
    public void retire() {
        removed = true;
    }


    @Override
    public RaftNode core() {
        return core;
    }

    SimDisk disk() {
        return disk;
    }

    @Override
    public long applied() {
        return applied;
    }

    // ---------------------------------------------------------------------------------------------------
    // Life cycle
    // ---------------------------------------------------------------------------------------------------

    /** Starts (or restarts) the member from what its disk holds. */
    @Override
    public void start() {
        if (removed) {
            return;
        }
        started = true;
        incarnation++;
        up = true;
        paused = false;
        registers.clear();
        receivedSnapshots.clear();
        SnapshotMeta snapshot = disk.snapshot();
        registers.putAll(disk.snapshotRegisters());
        applied = snapshot == null ? 0 : snapshot.index();
        commitSeen = 0;
        core = RaftNode.restart(config, disk.hardState(), snapshot, new ArrayList<>(disk.entries()), applied,
                bound -> random.nextInt(bound), sim.tracerFor(id));
        sim.checker().onStart(id, applied, disk.entries(), core.log().committed());
        int inc = incarnation;
        sim.events().after(random.nextLong(sim.params().tickMicros[id - 1]) + 1, () -> tickLoop(inc));
        drainReady();
    }

    /** A crash: volatile state and unsynced writes are gone; clients waiting here see their connection drop. */
    @Override
    public void crash() {
        if (!up) {
            return;
        }
        incarnation++;
        up = false;
        paused = false;
        int lost = disk.loseUnsynced();
        sim.trace("n" + id + " crashed; " + lost + " unsynced writes lost");
        deferred.clear();
        core = null;
        for (List<PendingWrite> ws : pendingWrites.values()) {
            for (PendingWrite w : ws) {
                w.reply.accept(Reply.of(Reply.Outcome.UNKNOWN));
            }
        }
        pendingWrites.clear();
        for (PendingRead r : pendingReads.values()) {
            r.reply.accept(Reply.of(Reply.Outcome.RETRY));
        }
        pendingReads.clear();
        for (List<PendingRead> rs : readsWaitingForApply.values()) {
            for (PendingRead r : rs) {
                r.reply.accept(Reply.of(Reply.Outcome.RETRY));
            }
        }
        readsWaitingForApply.clear();
    }

    @Override
    public void pause() {
        if (up) {
            paused = true;
        }
    }

    /**
     * Resumes a paused member. What queued up meanwhile runs in a seeded interleaving of the four sources, each
     * in its own order: a process that wakes up finds client requests, peer messages, timer expiries and disk
     * completions all pending, and which it handles first is up to its threads.
     */
    @Override
    public void resume() {
        if (!up || !paused) {
            return;
        }
        paused = false;
        java.util.List<ArrayDeque<Runnable>> queues = new ArrayList<>();
        while (up && !paused) {
            queues.clear();
            for (ArrayDeque<Runnable> q : deferred.values()) {
                if (!q.isEmpty()) {
                    queues.add(q);
                }
            }
            if (queues.isEmpty()) {
                return;
            }
            queues.get(sim.resumeRandom().nextInt(queues.size())).pollFirst().run();
        }
    }

    /**
     * Runs {@code action} now, or when the member resumes if it is paused; drops it if the member is down. Timer
     * expiries and disk completions are never dropped; peer messages and client requests beyond a bound are.
     */
    void whenRunning(Source source, Runnable action) {
        if (!up) {
            return;
        }
        if (paused) {
            ArrayDeque<Runnable> q = deferred.computeIfAbsent(source, k -> new ArrayDeque<>());
            boolean droppable = source == Source.PEER || source == Source.CLIENT;
            if (!droppable || q.size() < DEFERRED_MAX) {
                q.addLast(action);
            }
            return;
        }
        action.run();
    }

    /**
     * The contract of lease reads ({@link io.cairn.raft.core.ReadMode#LEASE}): before the core sees a read, the
     * runtime consults its monotonic clock and delivers every tick that has elapsed. After a pause, expiries
     * still queued are delivered first, so a leader that slept through its lease cannot serve from it.
     */
    private void catchUpTimerForLease() {
        if (config.readMode != io.cairn.raft.core.ReadMode.LEASE) {
            return;
        }
        ArrayDeque<Runnable> timers = deferred.get(Source.TIMER);
        while (timers != null && !timers.isEmpty() && up && !paused) {
            timers.pollFirst().run();
        }
    }

    /**
     * The timer. While the member is paused its ticks are held back and run, in order with everything else that
     * arrived meanwhile, when it resumes: a fixed-rate timer catches up after a stop, so a paused leader's lease
     * clock does not stand still.
     */
    private void tickLoop(int inc) {
        if (inc != incarnation) {
            return;
        }
        whenRunning(Source.TIMER, () -> {
            if (inc == incarnation) {
                core.tick();
                drainReady();
            }
        });
        sim.events().after(sim.params().tickMicros[id - 1], () -> tickLoop(inc));
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------------------

    void deliver(Message m) {
        whenRunning(Source.PEER, () -> {
            if (m.type() == MessageType.READ_INDEX) {
                catchUpTimerForLease();
            }
            core.step(m);
            drainReady();
        });
    }

    @Override
    public void clientWrite(long opId, int key, long value, Consumer<Reply> reply) {
        if (!up) {
            reply.accept(Reply.of(Reply.Outcome.UNAVAILABLE));
            return;
        }
        whenRunning(Source.CLIENT, () -> {
            ProposeResult r = core.propose(encode(opId, key, value));
            if (!r.accepted()) {
                reply.accept(new Reply(Reply.Outcome.NOT_LEADER, null, r.leaderHint()));
                return;
            }
            pendingWrites.computeIfAbsent(r.firstIndex(), k -> new ArrayList<>(1))
                    .add(new PendingWrite(opId, r.term(), reply));
            drainReady();
        });
    }

    @Override
    public void clientRead(int key, Consumer<Reply> reply) {
        if (!up) {
            reply.accept(Reply.of(Reply.Outcome.UNAVAILABLE));
            return;
        }
        whenRunning(Source.CLIENT, () -> {
            catchUpTimerForLease();
            long requestId = nextReadId++;
            pendingReads.put(requestId, new PendingRead(key, reply));
            core.readIndex(requestId);
            drainReady();
        });
    }

    /** A complete snapshot stream arrived: keep its data and let the core decide. */
    void receiveSnapshot(Message m, Map<Integer, Long> data) {
        whenRunning(Source.PEER, () -> {
            receivedSnapshots.put(m.snapshot().index(), data);
            core.step(m);
            drainReady();
        });
    }

    /** The stream of a snapshot this member sent ended. */
    void reportSnapshot(long to, boolean delivered) {
        whenRunning(Source.PEER, () -> {
            core.reportSnapshot(to, delivered);
            drainReady();
        });
    }

    /** Runs {@code action} against the core, if the member is running, and handles what it produced. */
    void act(java.util.function.Consumer<RaftNode> action) {
        if (up && !paused) {
            action.accept(core);
            drainReady();
        }
    }

    @Override
    public boolean proposeBarrier(long barrierOpId) {
        if (!up || paused) {
            return false;
        }
        ProposeResult r = core.propose(encode(barrierOpId, 0, 0));
        drainReady();
        return r.accepted();
    }

    @Override
    public void transferLeadership(long to) {
        act(c -> c.transferLeadership(to));
    }

    @Override
    public void changeMembership(io.cairn.raft.core.confchange.ConfigChange change, Consumer<String> outcome) {
        act(c -> outcome.accept(c.proposeConfigChange(change).toString()));
    }

    @Override
    public void leaveJoint(Consumer<String> outcome) {
        act(c -> outcome.accept(c.proposeLeaveJoint().toString()));
    }

    @Override
    public long durableLastIndex() {
        return disk.lastIndex();
    }

    @Override
    public boolean durablyHolds(long index, long term) {
        Entry e = disk.entry(index);
        return e != null && e.term() == term;
    }

    // ---------------------------------------------------------------------------------------------------
    // Handling Ready (the runtime's side of the contract)
    // ---------------------------------------------------------------------------------------------------

    private void drainReady() {
        while (up && !paused && core.hasReady()) {
            Ready r = core.ready();
            if (r.snapshot != null) {
                sim.checker().onSnapshotInstalled(id, r.snapshot.index());
            }
            sim.checker().onEntries(id, r.entries);
            if (r.softState != null) {
                sim.onSoftState(this, r.softState);
            }
            checkCommit();
            for (Message m : r.messages) {
                sendPeer(m);
            }
            Map<Integer, Long> installed = r.snapshot == null ? null : installSnapshot(r.snapshot);
            handlePersist(r, installed);
            serveReadStates(r.readStates);
            apply(r.committedEntries);
            if (r.snapshotRequest != null) {
                takeSnapshot(r.snapshotRequest);
            }
            sim.afterReady();
            if (sim.stopped()) {
                return;
            }
        }
    }

    /** Restores the state machine from a snapshot the leader sent; the disk gets it with this Ready's write. */
    private Map<Integer, Long> installSnapshot(SnapshotMeta meta) {
        Map<Integer, Long> data = receivedSnapshots.get(meta.index());
        if (data == null) {
            sim.violation("n" + id + " must install " + meta + " but never received its data");
            return Map.of();
        }
        receivedSnapshots.headMap(meta.index(), true).clear();
        registers.clear();
        registers.putAll(data);
        applied = meta.index();
        serveWaitingReads();
        return data;
    }

    /** The core asked for a snapshot: capture the registers at the applied index, store them, report back. */
    private void takeSnapshot(SnapshotMeta request) {
        if (request.index() != applied) {
            sim.violation("n" + id + " was asked for a snapshot at " + request.index() + " but applied " + applied);
            return;
        }
        disk.installSnapshot(request, registers, false);
        core.snapshotTaken(request);
    }

    /**
     * Checks the commit index as the Ready leaves the core, before anything (a snapshot, a compaction) changes the
     * log it refers to.
     */
    private void checkCommit() {
        boolean leader = core.role() == Role.LEADER;
        long commit = core.log().committed();
        sim.checker().onCommit(id, commit, leader, core.term(), core.configuration(), sim.durableCount());
        if (leader && commit > commitSeen && firstCommitTerm != core.term()) {
            firstCommitTerm = core.term();
            sim.onLeaderFirstCommit(this);
        }
        commitSeen = commit;
    }

    private void handlePersist(Ready r, Map<Integer, Long> installed) {
        if (r.mustPersist()) {
            SimDisk.Write w = new SimDisk.Write(r.hardState, r.entries, r.snapshot, installed);
            w.afterPersist.addAll(r.messagesAfterPersist);
            if (disk.submit(w, sim.events().now(), sim::fsyncLatency)) {
                int inc = incarnation;
                sim.events().at(w.completesAtMicros, () -> whenRunning(Source.DISK, () -> onWriteComplete(inc)));
            }
        } else if (disk.hasQueued()) {
            disk.lastQueued().afterPersist.addAll(r.messagesAfterPersist);
        } else {
            for (Message m : r.messagesAfterPersist) {
                sendPeer(m);
            }
        }
    }

    private void onWriteComplete(int inc) {
        if (inc != incarnation || !disk.hasQueued()) {
            return;
        }
        SimDisk.Write w = disk.completeOldest();
        for (Message m : w.afterPersist) {
            sendPeer(m);
        }
        if (!w.entries.isEmpty()) {
            Entry last = w.entries.get(w.entries.size() - 1);
            core.persisted(last.index(), last.term());
        }
        drainReady();
    }

    private void sendPeer(Message m) {
        if (m.type() == MessageType.VOTE_RESPONSE && !m.reject()) {
            sim.onVoteSentBy(id);
        }
        if (m.type() == MessageType.SNAPSHOT) {
            sim.snapshots().start(this, (SimNode) sim.node((int) m.to()), m);
            return;
        }
        sim.sendPeer(m);
    }

    /** Reads are served as soon as the applied index reaches their read index, before this Ready's entries. */
    private void serveReadStates(List<ReadState> states) {
        for (ReadState s : states) {
            PendingRead r = pendingReads.remove(s.requestId());
            if (r == null) {
                continue;
            }
            if (s.rejected()) {
                r.reply.accept(Reply.of(Reply.Outcome.RETRY));
            } else if (s.index() <= applied) {
                r.reply.accept(new Reply(Reply.Outcome.OK, registers.get(r.key), 0));
            } else {
                readsWaitingForApply.computeIfAbsent(s.index(), k -> new ArrayList<>()).add(r);
            }
        }
    }

    private void apply(List<Entry> entries) {
        for (Entry e : entries) {
            if (e.index() != applied + 1) {
                sim.violation("n" + id + " applied entry " + e.index() + " after " + applied);
                return;
            }
            if (!e.equals(disk.entry(e.index()))) {
                sim.violation("n" + id + " applied entry " + e.index() + " that is not durable locally");
                return;
            }
            applied = e.index();
            long opId = -1;
            if (e.type() == EntryType.COMMAND) {
                ByteBuffer b = ByteBuffer.wrap(e.data());
                opId = b.getLong();
                int key = b.get();
                long value = b.getLong();
                if (opId >= 0) {
                    registers.put(key, value);
                }
            }
            sim.onAppliedOp(opId);
            resolveWrite(e, opId);
            serveWaitingReads();
        }
    }

    private void resolveWrite(Entry e, long opId) {
        List<PendingWrite> ws = pendingWrites.remove(e.index());
        if (ws == null) {
            return;
        }
        // The entry at this index is now final: a write proposed here either is that entry or never applies.
        for (PendingWrite w : ws) {
            boolean ours = e.term() == w.term && opId == w.opId;
            w.reply.accept(Reply.of(ours ? Reply.Outcome.OK : Reply.Outcome.LOST));
        }
    }

    private void serveWaitingReads() {
        while (!readsWaitingForApply.isEmpty() && readsWaitingForApply.firstKey() <= applied) {
            for (PendingRead r : readsWaitingForApply.pollFirstEntry().getValue()) {
                r.reply.accept(new Reply(Reply.Outcome.OK, registers.get(r.key), 0));
            }
        }
    }

    static byte[] encode(long opId, int key, long value) {
        return ByteBuffer.allocate(17).putLong(opId).put((byte) key).putLong(value).array();
    }
}
