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
 * <p>Commands are 17 bytes: the client operation id (8), the key (1) and the value written (8).
 */
final class SimNode {
    private record PendingWrite(long opId, long term, Consumer<Reply> reply) {}

    private record PendingRead(int key, Consumer<Reply> reply) {}

    private static final int DEFERRED_MAX = 100_000;

    final int id;
    private final Simulation sim;
    private final RaftConfig config;
    private final SplittableRandom random;
    private final SimDisk disk = new SimDisk();
    private RaftNode core;
    private boolean up;
    private boolean paused;
    private int incarnation;
    private final Map<Integer, Long> registers = new HashMap<>();
    private long applied;
    /** By log index; one index may hold several, when this member led in several terms (only one can apply). */
    private final TreeMap<Long, List<PendingWrite>> pendingWrites = new TreeMap<>();
    private final Map<Long, PendingRead> pendingReads = new HashMap<>();
    private final TreeMap<Long, List<PendingRead>> readsWaitingForApply = new TreeMap<>();
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    private long nextReadId = 1;
    private long commitSeen;
    private long firstCommitTerm;

    SimNode(int id, Simulation sim, RaftConfig config, SplittableRandom random) {
        this.id = id;
        this.sim = sim;
        this.config = config;
        this.random = random;
    }

    boolean up() {
        return up;
    }

    boolean paused() {
        return paused;
    }

    /** Changes at every crash and restart; messages sent by an earlier incarnation die with it. */
    int incarnation() {
        return incarnation;
    }

    RaftNode core() {
        return core;
    }

    SimDisk disk() {
        return disk;
    }

    long applied() {
        return applied;
    }

    // ---------------------------------------------------------------------------------------------------
    // Life cycle
    // ---------------------------------------------------------------------------------------------------

    /** Starts (or restarts) the member from what its disk holds. */
    void start() {
        incarnation++;
        up = true;
        paused = false;
        registers.clear();
        applied = 0;
        commitSeen = 0;
        core = RaftNode.restart(config, disk.hardState(), new ArrayList<>(disk.entries()), 0,
                bound -> random.nextInt(bound), sim.tracerFor(id));
        sim.checker().onStart(id, disk.entries(), core.log().committed());
        int inc = incarnation;
        sim.events().after(random.nextLong(sim.params().tickMicros[id - 1]) + 1, () -> tickLoop(inc));
        drainReady();
    }

    /** A crash: volatile state and unsynced writes are gone; clients waiting here see their connection drop. */
    void crash() {
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

    void pause() {
        if (up) {
            paused = true;
        }
    }

    void resume() {
        if (!up || !paused) {
            return;
        }
        paused = false;
        while (!deferred.isEmpty() && up && !paused) {
            deferred.pollFirst().run();
        }
    }

    /** Runs {@code action} now, or when the member resumes if it is paused; drops it if the member is down. */
    private void whenRunning(Runnable action) {
        if (!up) {
            return;
        }
        if (paused) {
            if (deferred.size() < DEFERRED_MAX) {
                deferred.addLast(action);
            }
            return;
        }
        action.run();
    }

    private void tickLoop(int inc) {
        if (inc != incarnation) {
            return;
        }
        if (up && !paused) {
            core.tick();
            drainReady();
        }
        sim.events().after(sim.params().tickMicros[id - 1], () -> tickLoop(inc));
    }

    // ---------------------------------------------------------------------------------------------------
    // Inputs
    // ---------------------------------------------------------------------------------------------------

    void deliver(Message m) {
        whenRunning(() -> {
            core.step(m);
            drainReady();
        });
    }

    void clientWrite(long opId, int key, long value, Consumer<Reply> reply) {
        if (!up) {
            reply.accept(Reply.of(Reply.Outcome.UNAVAILABLE));
            return;
        }
        whenRunning(() -> {
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

    void clientRead(int key, Consumer<Reply> reply) {
        if (!up) {
            reply.accept(Reply.of(Reply.Outcome.UNAVAILABLE));
            return;
        }
        whenRunning(() -> {
            long requestId = nextReadId++;
            pendingReads.put(requestId, new PendingRead(key, reply));
            core.readIndex(requestId);
            drainReady();
        });
    }

    /** Proposes an empty barrier command; returns its index, or -1 if this member is not leader. */
    long proposeBarrier() {
        if (!up || paused) {
            return -1;
        }
        ProposeResult r = core.propose(encode(-1, 0, 0));
        drainReady();
        return r.accepted() ? r.firstIndex() : -1;
    }

    // ---------------------------------------------------------------------------------------------------
    // Handling Ready (the runtime's side of the contract)
    // ---------------------------------------------------------------------------------------------------

    private void drainReady() {
        while (up && !paused && core.hasReady()) {
            Ready r = core.ready();
            sim.checker().onEntries(id, r.entries);
            if (r.softState != null) {
                sim.onSoftState(this, r.softState);
            }
            for (Message m : r.messages) {
                sendPeer(m);
            }
            handlePersist(r);
            serveReadStates(r.readStates);
            apply(r.committedEntries);
            boolean leader = core.role() == Role.LEADER;
            long commit = core.log().committed();
            sim.checker().onCommit(id, commit, leader, core.term(), sim.durableCount(), sim.quorum());
            if (leader && commit > commitSeen && firstCommitTerm != core.term()) {
                firstCommitTerm = core.term();
                sim.onLeaderFirstCommit(this);
            }
            commitSeen = commit;
            sim.afterReady();
            if (sim.stopped()) {
                return;
            }
        }
    }

    private void handlePersist(Ready r) {
        if (r.mustPersist()) {
            SimDisk.Write w = new SimDisk.Write(r.hardState, r.entries);
            w.afterPersist.addAll(r.messagesAfterPersist);
            w.completesAtMicros = Math.max(sim.events().now(), disk.lastCompletionMicros()) + sim.fsyncLatency();
            disk.enqueue(w);
            int inc = incarnation;
            sim.events().at(w.completesAtMicros, () -> whenRunning(() -> onWriteComplete(inc)));
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
            sim.onVoteSent(this);
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
            if (e.index() > disk.lastIndex() || !e.equals(disk.entry(e.index()))) {
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
            sim.onApplied(this, e, opId);
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
