package io.cairn.jepsen.sim;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.RaftEvent;
import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.Ready;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.Tracer;
import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.log.FaultFileIO;
import io.cairn.raft.log.SegmentedLog;
import io.cairn.raft.server.RaftException;
import io.cairn.raft.server.RaftGroup;
import io.cairn.raft.server.RaftServer;
import io.cairn.raft.server.ReadyObserver;
import io.cairn.raft.server.StateMachine;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A simulated member running the real runtime: {@link RaftServer} with its raft loop, group-commit log writer
 * and apply loop as events in virtual time ({@link SimRuntimeEnvironment}), the real {@link SegmentedLog} on a
 * simulated disk ({@link SimFileIO}, whose crashes lose unsynced bytes and tear the last write), and a
 * simulated transport. The simulator's safety checks watch every Ready through the runtime's observer hook and
 * the log's durability through {@link ObservedLogStorage}.
 *
 * <p>A crash stops the runtime's events and cuts the disk back to its durable image (torn); a restart opens a
 * new runtime on that disk, whose recovery must cut the torn tail.
 */
final class RuntimeSimNode extends MemberLife {
    static final long GROUP = 1;
    private static final Path DATA = Path.of("/sim");

    private final Simulation sim;
    private final RaftConfig config;
    private final SplittableRandom random;
    private final SimFileIO disk = new SimFileIO();
    /** What the member's log and snapshots run on: the simulated disk, which the nemesis can make fail. */
    private final FaultFileIO faults = new FaultFileIO(disk);
    private boolean failStopped;
    /** Sectors scrambled by crashes since the member last started. */
    private int scrambledSinceStart;
    /** After a restart on a repaired disk: the leader's commit index then, to count the member catching up. */
    private long catchUpTarget = -1;
    private SimRuntimeEnvironment env;
    private RaftServer server;
    private RaftGroup group;
    private ObservedLogStorage log;
    private RaftNode core;
    private final Registers registers = new Registers();
    /** The real KV store as the state machine instead of the registers (a fifth of the seeds), or null. */
    private final SimKvStore kvStore;
    private long commitSeen;
    private long firstCommitTerm;

    RuntimeSimNode(int id, Simulation sim, RaftConfig config, SplittableRandom random) {
        super(id);
        this.sim = sim;
        this.config = config;
        this.random = random;
        this.kvStore = sim.kvStore() ? new SimKvStore(sim.scratchDir().resolve("n" + id), sim) : null;
    }







    @Override
    public RaftNode core() {
        return up ? core : null;
    }

    @Override
    public long applied() {
        return up ? group.status().appliedIndex() : 0;
    }

    @Override
    public long durableLastIndex() {
        return log == null ? 0 : log.lastIndex();
    }

    @Override
    public boolean durablyHolds(long index, long term) {
        return log != null && log.holds(index, term);
    }

    // ---------------------------------------------------------------------------------------------------
    // Life cycle
    // ---------------------------------------------------------------------------------------------------

    @Override
    public void start() {
        if (removed) {
            return;
        }
        started = true;
        incarnation++;
        up = true;
        paused = false;
        commitSeen = 0;
        env = new SimRuntimeEnvironment(sim.events(), random.split(), sim.params().tickMicros[id - 1],
                sim::fsyncLatency);
        try {
            SegmentedLog segmented = SegmentedLog.open(DATA.resolve("log"), faults,
                    SegmentedLog.Options.defaults().withSegmentSizeBytes(32 << 10).withPreallocate(false));
            if (segmented.recoveryReport().tornTailCut()) {
                sim.count("torn-tail-cut");
                if (scrambledSinceStart > 0) {
                    sim.count("scrambled-tail-cut");
                }
                sim.trace("n" + id + " recovery cut a torn tail: " + segmented.recoveryReport());
            }
            scrambledSinceStart = 0;
            log = new ObservedLogStorage(segmented, GROUP);
            SimTransport transport = new SimTransport(sim, this);
            ReadyObserver observer = new ReadyObserver() {
                @Override
                public void onReady(long groupId, RaftNode node, Ready ready) {
                    observe(groupId, node, ready);
                }

                @Override
                public void onOpen(long groupId, RaftNode node) {
                    core = node;
                }

                @Override
                public Tracer tracer(long groupId) {
                    return configurationChanges(sim.tracerFor(id));
                }
            };
            server = RaftServer.start(RaftServer.Options.defaults(id, DATA, faults)
                    .withTickNanos(10_000_000L).withInjectedBugs(config.injectedBugs).withObserver(observer),
                    log, transport, env, new SimpleMeterRegistry());
            int life = incarnation;
            long failuresBefore = faults.injectedFailures();
            server.onFatal(cause -> onFailStop(life, failuresBefore, cause));
            registers.clear();
            if (kvStore != null) {
                kvStore.open(config.injectedBugs, env);
            }
            group = server.openGroup(GROUP, config, kvStore != null ? kvStore : registers);
            var r = log.recovered();
            sim.checker().onStart(id, r.snapshot() == null ? 0 : r.snapshot().index(), r.entries(),
                    r.hardState().commit());
        } catch (IOException | InterruptedException e) {
            if (faults.mode() != FaultFileIO.Mode.WORKING) {
                // Its disk still fails: the process exits at start, as a real one would; it comes back once repaired.
                sim.trace("n" + id + " cannot start on its failing disk: " + e);
                if (kvStore != null) {
                    kvStore.crash();
                }
                incarnation++;
                up = false;
                failStopped = true;
                env.stop();
                server = null;
                group = null;
                core = null;
                return;
            }
            throw new IllegalStateException("n" + id + " could not start: " + e, e);
        }
    }

    @Override
    public void crash() {
        if (!up) {
            return;
        }
        incarnation++;
        up = false;
        paused = false;
        env.stop();
        if (kvStore != null) {
            kvStore.crash();
        }
        if (sim.params().sectorTears) {
            int scrambled = disk.crashTearingSectors(random);
            scrambledSinceStart += scrambled;
            sim.trace("n" + id + " crashed; unsynced sectors torn in any order, " + scrambled + " scrambled");
        } else {
            int torn = disk.crash(random, true);
            sim.trace("n" + id + " crashed; " + torn + " files torn");
        }
        server = null;
        group = null;
        core = null;
    }

    @Override
    public void pause() {
        if (up) {
            paused = true;
            env.pause();
        }
    }

    @Override
    public void resume() {
        if (up && paused) {
            paused = false;
            env.resume();
        }
    }

    @Override
    public void decommission() {
        removed = true;
        crash();
    }

    @Override
    public void retire() {
        removed = true;
    }

    @Override
    public boolean failDisk(FaultFileIO.Mode mode) {
        if (!up) {
            return false;
        }
        faults.setMode(mode);
        return true;
    }

    @Override
    public void repairDisk() {
        faults.setMode(FaultFileIO.Mode.WORKING);
        if (failStopped && !up && !removed) {
            failStopped = false;
            sim.trace("n" + id + " restarted on a repaired disk");
            start();
            catchUpTarget = sim.leaderCommit();
        }
    }

    /**
     * The member stopped itself. Expected only after its disk failed an operation (the stop may come a little later,
     * even after the disk was repaired, e.g. when the member was paused meanwhile): then it is down (its process exited, losing
     * what was not synced) until the disk is repaired. Anything else means a check inside it failed.
     */
    private void onFailStop(int life, long failuresAtStart, Throwable cause) {
        if (life != incarnation || !up) {
            return;
        }
        if (faults.injectedFailures() == failuresAtStart) {
            Throwable root = cause;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            sim.violation("n" + id + " stopped itself (fail-stop) with no disk error: " + cause
                    + (root != cause ? " (cause: " + root + ")" : ""));
            return;
        }
        sim.count("fail-stop-after-io-error");
        sim.trace("n" + id + " stopped itself after a disk error: " + cause);
        failStopped = true;
        crash();
        if (faults.mode() == FaultFileIO.Mode.WORKING) {
            // The disk was repaired before the stop took effect (the member was paused meanwhile): nobody will
            // repair it again, so the member comes back as it would have then.
            sim.events().after(1_000, this::repairDisk);
        }
    }

    /** Runs {@code action} on this member later (as its runtime would, on one of its threads). */
    void later(Runnable action) {
        int inc = incarnation;
        sim.events().after(1, () -> {
            if (inc == incarnation && up) {
                action.run();
            }
        });
    }

    void receive(long groupId, Message m) {
        if (up) {
            ((SimTransport) server.transport()).inbound().onMessage(groupId, m);
        }
    }

    void receiveSnapshot(long groupId, Message m, byte[] data, long file) {
        if (!up) {
            return;
        }
        Path path = SimTransport.incomingFile(DATA, m.from(), file, incarnation);
        try (var h = disk.open(path, true)) {
            h.truncate(0);
            h.write(ByteBuffer.wrap(data), 0);
            h.force();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ((SimTransport) server.transport()).inbound().onSnapshot(groupId, m, path);
    }

    // ---------------------------------------------------------------------------------------------------
    // The checks, through the runtime's Ready observer
    // ---------------------------------------------------------------------------------------------------

    private void observe(long groupId, RaftNode node, Ready r) {
        core = node;
        if (r.snapshot != null) {
            sim.checker().onSnapshotInstalled(id, r.snapshot.index());
        }
        sim.checker().onEntries(id, r.entries);
        if (r.softState != null) {
            sim.onSoftState(this, r.softState);
        }
        boolean leader = node.role() == Role.LEADER;
        long commit = node.log().committed();
        sim.checker().onCommit(id, commit, leader, node.term(), node.configuration(), sim.durableCount());
        if (leader && commit > commitSeen && firstCommitTerm != node.term()) {
            firstCommitTerm = node.term();
            sim.onLeaderFirstCommit(this);
        }
        commitSeen = commit;
        if (catchUpTarget > 0 && commit >= catchUpTarget) {
            catchUpTarget = -1;
            sim.count("restarted-member-caught-up");
        }
        sim.afterReady();
    }

    /**
     * {@code tracer}, which also tells the checker of each configuration change as the core makes it: the runtime
     * hands out one Ready per batch of inputs, and a batch may commit under one configuration and then append
     * the next (the durability check must judge that commit by the first).
     */
    private Tracer configurationChanges(Tracer tracer) {
        return new Tracer() {
            @Override
            public boolean enabled() {
                return tracer.enabled();
            }

            @Override
            public void trace(long nodeId, String line) {
                tracer.trace(nodeId, line);
            }

            @Override
            public void event(long nodeId, RaftEvent event) {
                tracer.event(nodeId, event);
                if (event == RaftEvent.CONFIG_APPLIED && core != null) {
                    sim.checker().onConfigurationChanged(id, core.configuration(), core.log().committed());
                }
            }
        };
    }

    // ---------------------------------------------------------------------------------------------------
    // Clients and the operator
    // ---------------------------------------------------------------------------------------------------

    @Override
    public void clientWrite(long opId, int key, long value, Consumer<Reply> reply) {
        propose(command(opId, key, value), reply, r -> Reply.of(Reply.Outcome.OK));
    }

    @Override
    public void clientCas(long opId, int key, Long expected, long value, Consumer<Reply> reply) {
        propose(SimKvStore.cas(opId, key, expected, value), reply,
                r -> Reply.of(((io.cairn.kv.proto.etcd.TxnResponse) ((io.cairn.kv.mvcc.KvResult) r).response())
                        .getSucceeded() ? Reply.Outcome.OK : Reply.Outcome.FAILED));
    }

    @Override
    public void clientDelete(long opId, int key, Consumer<Reply> reply) {
        propose(SimKvStore.delete(key), reply, r -> Reply.of(Reply.Outcome.OK));
    }

    /** Proposes {@code command}; {@code ok} turns its result into the reply, failures map as a client sees them. */
    private void propose(byte[] command, Consumer<Reply> reply, java.util.function.Function<Object, Reply> ok) {
        if (!up) {
            reply.accept(Reply.of(Reply.Outcome.UNAVAILABLE));
            return;
        }
        group.propose(command).whenComplete((r, error) -> {
            if (error == null) {
                if (r instanceof io.cairn.kv.mvcc.KvResult kr && (kr.isError() || kr.skipped())) {
                    reply.accept(Reply.of(Reply.Outcome.UNKNOWN)); // applied, its answer unknown
                    return;
                }
                reply.accept(ok.apply(r));
                return;
            }
            Throwable cause = error.getCause() != null ? error.getCause() : error;
            if (!(cause instanceof RaftException e)) {
                reply.accept(Reply.of(Reply.Outcome.UNKNOWN));
                return;
            }
            switch (e.reason()) {
                case NOT_LEADER, OVERLOADED, TRANSFERRING ->
                        reply.accept(new Reply(Reply.Outcome.NOT_LEADER, null, e.leaderHint()));
                case TOO_LARGE -> reply.accept(Reply.of(Reply.Outcome.FAILED)); // refused: nothing appended
                case LOST -> reply.accept(Reply.of(Reply.Outcome.LOST));
                default -> reply.accept(Reply.of(Reply.Outcome.UNKNOWN));
            }
        });
    }

    @Override
    public void clientRead(int key, Consumer<Reply> reply) {
        if (!up) {
            reply.accept(Reply.of(Reply.Outcome.UNAVAILABLE));
            return;
        }
        group.read(() -> kvStore != null ? kvStore.get(key) : registers.get(key)).whenComplete((v, error) -> reply.accept(
                error == null ? new Reply(Reply.Outcome.OK, v, 0) : Reply.of(Reply.Outcome.RETRY)));
    }

    private byte[] command(long opId, int key, long value) {
        return kvStore != null ? SimKvStore.put(opId, key, value) : SimNode.encode(opId, key, value);
    }

    /** An operator's Compact through this member, keeping the last 50 revisions. */
    @Override
    public void compactKv() {
        if (kvStore != null && up && !paused) {
            byte[] compact = kvStore.compactKeeping(50);
            if (compact != null) {
                group.propose(compact);
            }
        }
    }

    /** A digest of the member's KV store (null for register seeds or while down). */
    String storeDigest() {
        return kvStore != null && up ? kvStore.digest() : null;
    }

    /** The end of the run: the store closes (its directory is the simulation's to delete). */
    @Override
    public void close() {
        if (kvStore != null) {
            kvStore.crash();
        }
    }

    @Override
    public boolean proposeBarrier(long barrierOpId) {
        if (!up || paused) {
            return false;
        }
        group.propose(command(barrierOpId, 0, 0));
        return true;
    }

    @Override
    public void transferLeadership(long to) {
        if (up) {
            group.transferLeadership(to);
        }
    }

    @Override
    public void changeMembership(ConfigChange change, Consumer<String> outcome) {
        if (up) {
            group.changeMembership(change).whenComplete((r, e) -> outcome.accept(e == null ? "applied"
                    : "refused: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())));
        }
    }

    @Override
    public void leaveJoint(Consumer<String> outcome) {
        if (up) {
            group.leaveJoint().whenComplete((r, e) -> outcome.accept(e == null ? "applied" : "refused"));
        }
    }

    /** The registers as a state machine of the real runtime; snapshots through its files. */
    private final class Registers implements StateMachine {
        private final Map<Integer, Long> values = new TreeMap<>();

        Long get(int key) {
            return values.get(key);
        }

        void clear() {
            values.clear();
        }

        @Override
        public List<Object> apply(List<Command> commands) {
            List<Object> results = new ArrayList<>(commands.size());
            for (Command c : commands) {
                ByteBuffer b = ByteBuffer.wrap(c.data());
                long opId = b.getLong();
                int key = b.get();
                long value = b.getLong();
                if (opId >= 0) {
                    values.put(key, value);
                }
                sim.onAppliedOp(opId);
                results.add(null);
            }
            return results;
        }

        @Override
        public void writeSnapshot(OutputStream out) throws IOException {
            captureSnapshot().writeTo(out);
        }

        /** A copy, written on the runtime's snapshot thread while applies go on (its asynchronous path). */
        @Override
        public SnapshotWriter captureSnapshot() {
            Map<Integer, Long> copy = new TreeMap<>(values);
            return out -> {
                DataOutputStream d = new DataOutputStream(out);
                d.writeInt(copy.size());
                for (Map.Entry<Integer, Long> e : copy.entrySet()) {
                    d.writeInt(e.getKey());
                    d.writeLong(e.getValue());
                }
                d.flush();
            };
        }

        @Override
        public void restoreSnapshot(InputStream in) throws IOException {
            DataInputStream d = new DataInputStream(in);
            int n = d.readInt();
            values.clear();
            for (int i = 0; i < n; i++) {
                values.put(d.readInt(), d.readLong());
            }
        }
    }
}
