package io.cairn.jepsen.sim;

import io.cairn.jepsen.checker.CheckResult;
import io.cairn.jepsen.checker.LinearizabilityChecker;
import io.cairn.jepsen.checker.RegisterModel;
import io.cairn.jepsen.history.History;
import io.cairn.raft.core.Entry;
import io.cairn.raft.core.InjectedBug;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.RaftEvent;
import io.cairn.raft.core.ReadMode;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.core.SoftState;
import io.cairn.raft.core.Tracer;
import java.io.PrintStream;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * One deterministic run of a Raft group under faults, decided entirely by its seed.
 *
 * <p>Virtual time, one event queue, one seeded random source split per concern (network, disks, workload,
 * nemesis, each member's election jitter): running a seed twice gives the same events in the same order, so a
 * failing seed replays exactly, with a readable trace. The run has three phases:
 * <ol>
 *   <li><b>faults</b>: clients read and write while the {@link Nemesis} partitions, crashes and pauses members
 *       and the network loses, duplicates and delays messages;</li>
 *   <li><b>healed</b>: every fault ends; clients go on until the seed's target of successful operations is
 *       reached (at least 500), then stop;</li>
 *   <li><b>converge</b>: a barrier entry must commit and every member's log must become identical and fully
 *       applied within a bounded virtual time (liveness).</li>
 * </ol>
 * The {@link SafetyChecker} checks Raft's safety properties on every Ready, start and snapshot install; at the end the client history
 * must be linearizable. The first violation stops the run.
 *
 * <p>"Sometimes" counters prove that a run visited the states that matter; across 200 seeds each must be
 * non-zero, or the faults are not reaching what they should.
 */
public final class Simulation {
    /** The "sometimes" counters every large batch of seeds must reach. */
    public static final List<String> SOMETIMES = List.of("leader-change-under-load",
            RaftEvent.CHECK_QUORUM_STEP_DOWN.counterName(), RaftEvent.PRE_VOTE_REJECTED.counterName(),
            RaftEvent.LOG_TRUNCATED.counterName(), RaftEvent.READ_INDEX_SERVED.counterName(),
            RaftEvent.INFLIGHT_LIMIT_REACHED.counterName(), "leader-change-during-joint",
            RaftEvent.SNAPSHOT_SENT.counterName(), RaftEvent.TRANSFER_COMPLETED.counterName(),
            RaftEvent.LEARNER_PROMOTED.counterName(), RaftEvent.REMOVED_LEADER_STEPPED_DOWN.counterName(),
            RaftEvent.LEASE_READ_SERVED.counterName(), "torn-tail-cut", RaftEvent.QUIESCED.counterName(),
            RaftEvent.WOKE.counterName(), RaftEvent.PROPOSAL_FORWARDED.counterName(),
            RaftEvent.FORWARD_OUTCOME_UNKNOWN.counterName(), RaftEvent.FORWARD_DUPLICATE_DROPPED.counterName(),
            // the wider faults of raft-core V
            "fail-stop-after-io-error", "restarted-member-caught-up", "recovered-after-power-loss",
            "leader-elected-under-one-way-cut", "leader-elected-under-two-faults", "scrambled-tail-cut", "kv-stores-agree", "kv-compactions-applied", RaftEvent.REMOVED_MEMBER_CAMPAIGN_IGNORED.counterName());

    private static final long CONVERGE_LIMIT_MICROS = 10_000_000;
    private static final long WORKLOAD_LIMIT_MICROS = 60_000_000;
    private static final long EVENTS_MAX = 50_000_000;
    /**
     * The linearizability checker's step budget per key; a seed whose history needs more is reported "unknown", and
     * can be replayed with a larger budget: {@code -Dcairn.sim.checkSteps=200000000}.
     */
    private static final long CHECK_STEPS_MAX = Long.getLong("cairn.sim.checkSteps", 20_000_000);

    private final long seed;
    private final SimParams params;
    private final EventQueue events = new EventQueue();
    private final SplittableRandom diskRandom;
    private final SplittableRandom clientNetRandom;
    private final SplittableRandom crashRandom;
    private final SplittableRandom resumeRandom;
    private final SimNetwork network;
    private final SimMember[] nodes;
    private final SafetyChecker checker;
    private final History history = new History();
    private final Workload workload;
    private final Nemesis nemesis;
    private final SnapshotStreams snapshots = new SnapshotStreams(this);
    private final PrintStream traceOut;
    private boolean verbose;
    private final Map<String, Long> counters = new TreeMap<>();
    private String violation;
    /** Whether the members run the real runtime (the seed's draw, or forced for a runtime bug). */
    private final boolean realRuntime;
    /** Whether the members run the real KV store (the seed's draw, or forced for a KV store bug). */
    private final boolean kvStore;
    /** Whether reads use leases (the seed's draw, or forced for the injected stale-clock bug). */
    private final boolean realLeaseReads;
    private boolean stopped;
    private int leadersElected;
    private Configuration lastSeenConfig;
    /** The barrier command last proposed (negative ids, so no client write has them), or 0. */
    private long barrierOpId;
    private long barrierProposedMicros;
    private boolean barrierApplied;

    /**
     * A run of {@code seed} with {@code bugs} injected into every member; {@code traceOut} receives the readable
     * trace, or null for none.
     */
    public Simulation(long seed, Set<InjectedBug> bugs, PrintStream traceOut) {
        this(seed, bugs, traceOut, null);
    }

    /**
     * A run whose faults are exactly {@code schedule} (the seed still decides the network, disks, clocks and
     * clients); the fault phase lasts until the schedule's last fault ends.
     */
    public Simulation(long seed, Set<InjectedBug> bugs, PrintStream traceOut, FaultSchedule schedule) {
        this.seed = seed;
        this.params = schedule == null ? new SimParams(seed) : new SimParams(seed, schedule.endMicros() + 500_000);
        this.traceOut = traceOut;
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom netRandom = root.split();
        this.diskRandom = root.split();
        this.clientNetRandom = root.split();
        SplittableRandom workloadRandom = root.split();
        SplittableRandom nemesisRandom = root.split();
        this.crashRandom = root.split();
        this.resumeRandom = root.split();
        this.network = new SimNetwork(events, netRandom, params);
        long[] ids = new long[params.nodes];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = i + 1;
        }
        this.checker = new SafetyChecker(params.maxNodes(), Configuration.ofVoters(ids));
        this.nodes = new SimMember[params.maxNodes() + 1];
        // A bug injected into the real runtime (not the core) fires only where the runtime runs: most such seeds
        // run it, so that 300 seeds still catch it. Decided apart from the seed's other draws, which stay as they are.
        boolean runtimeBug = bugs.contains(InjectedBug.LEASE_STALE_CLOCK) || bugs.contains(InjectedBug.ACK_BEFORE_FSYNC);
        SplittableRandom weighting = new SplittableRandom(seed ^ 0x72756E74696D65L);
        // A bug in the KV store fires only where the store runs: most such seeds run it.
        this.kvStore = params.kvStore || bugs.contains(InjectedBug.TXN_IGNORES_COMPARE) && weighting.nextInt(10) < 8;
        this.realRuntime = params.realRuntime || kvStore || runtimeBug && weighting.nextInt(10) < 8;
        // A stale clock matters only to lease reads: most seeds with that bug read from leases.
        boolean leaseReads = params.leaseReads
                || bugs.contains(InjectedBug.LEASE_STALE_CLOCK) && weighting.nextInt(10) < 8;
        this.realLeaseReads = leaseReads;
        boolean pauseLeaders = bugs.contains(InjectedBug.LEASE_STALE_CLOCK) && weighting.nextInt(10) < 8;
        for (int i = 1; i <= params.maxNodes(); i++) {
            // Members beyond the initial ones join later: they start with no configuration and learn it.
            RaftConfig config = RaftConfig.builder(i, i <= params.nodes ? ids : new long[0])
                    .electionTicks(params.electionTicks)
                    .heartbeatTicks(params.heartbeatTicks)
                    // a KV command (a compare-and-set Txn is about 80 bytes) must fit one message
                    .messageBytesMax(kvStore ? Math.max(256, params.messageBytesMax) : params.messageBytesMax)
                    .inflightMessagesMax(params.inflightMessagesMax)
                    .inflightBytesMax(Math.max(params.messageBytesMax, 64L << 10))
                    .uncommittedBytesMax(Math.max(params.messageBytesMax, 1L << 20))
                    .snapshotThresholdEntries(params.snapshotThresholdEntries)
                    .snapshotRetainEntries(params.snapshotRetainEntries)
                    .readMode(leaseReads ? ReadMode.LEASE : ReadMode.READ_INDEX)
                    .checkQuorum(params.checkQuorum || leaseReads)
                    .preVote(params.preVote)
                    .quiesceTicks(params.quiesceTicks)
                    .injectedBugs(bugs)
                    .build();
            nodes[i] = realRuntime ? new RuntimeSimNode(i, this, config, root.split())
                    : new SimNode(i, this, config, root.split());
        }
        this.workload = new Workload(this, params, workloadRandom, history, kvStore);
        // Split last, so that every other random stream of the seed stays what it was.
        this.compactionRandom = kvStore ? root.split() : null;
        this.nemesis = new Nemesis(this, params, nemesisRandom, schedule, pauseLeaders);
    }

    public SimParams params() {
        return params;
    }

    /** Also trace every message sent and delivered (a much longer trace). */
    public Simulation verbose(boolean on) {
        this.verbose = on && traceOut != null;
        return this;
    }

    /** Runs the seed to the end (or to its first violation). */
    public SimResult run() {
        trace("seed " + seed + ": " + params + (realRuntime && !params.realRuntime
                ? " (runtime=real: the injected bug lives there)" : "")
                + (kvStore && !params.kvStore ? " (state=kv: the injected bug lives there)" : "")
                + (realLeaseReads && !params.leaseReads ? " (reads=lease, check-quorum: for the injected bug)" : ""));
        try {
            for (int i = 1; i <= params.nodes; i++) {
                nodes[i].start();
            }
            workload.start();
            nemesis.start();
            if (kvStore) {
                scheduleCompactions();
            }
            events.at(params.faultPhaseMicros, nemesis::healAll);
            runWorkload();
            if (!stopped) {
                converge();
            }
            if (!stopped) {
                checkHistory();
            }
        } catch (RuntimeException e) {
            violation("exception at " + time() + ": " + e);
            if (traceOut != null) {
                e.printStackTrace(traceOut);
            }
        }
        releaseScratch();
        boolean unknown = violation == null && counters.getOrDefault("history-unknown", 0L) > 0;
        trace("end: " + (violation == null ? "ok" : "VIOLATION " + violation) + "; ok ops " + workload.okOps()
                + ", history ops " + history.ops().size() + ", events " + events.executed() + ", faults "
                + nemesis.faults());
        Map<String, Long> sometimes = new TreeMap<>();
        for (String name : SOMETIMES) {
            sometimes.put(name, counters.getOrDefault(name, 0L));
        }
        return new SimResult(seed, violation, unknown, Collections.unmodifiableMap(sometimes), workload.okOps(),
                history.ops().size(), events.now(), events.executed());
    }

    private void runWorkload() {
        boolean issuing = true;
        long limit = params.faultPhaseMicros + WORKLOAD_LIMIT_MICROS;
        while (!stopped) {
            if (!events.runNext(Long.MAX_VALUE)) {
                violation("no events left at " + time());
                return;
            }
            guardEventBudget();
            long now = events.now();
            if (issuing && now >= params.faultPhaseMicros && workload.okOps() >= params.okOpsTarget) {
                workload.stopIssuing();
                issuing = false;
                trace("workload: target of " + params.okOpsTarget + " ok operations reached; clients stop");
            }
            if (issuing && now > limit) {
                violation("liveness: only " + workload.okOps() + " of " + params.okOpsTarget
                        + " operations succeeded " + (WORKLOAD_LIMIT_MICROS / 1_000_000)
                        + " s after the faults healed");
                return;
            }
            if (!issuing && !workload.busy()) {
                return;
            }
        }
    }

    /** After healing: a barrier must commit and all logs converge within a bounded virtual time. */
    private void converge() {
        long deadline = events.now() + CONVERGE_LIMIT_MICROS;
        trace("converge: proposing a barrier; every log must converge by " + String.format(Locale.ROOT, "%.6f",
                deadline / 1e6));
        while (!stopped) {
            if (events.now() > deadline) {
                violation("liveness: no convergence within " + CONVERGE_LIMIT_MICROS / 1_000_000
                        + " s after all faults healed: " + describeNodes());
                return;
            }
            boolean barrierStale = !barrierApplied && events.now() - barrierProposedMicros > 1_000_000;
            int leaderNow = currentLeader();
            if (leaderNow != 0 && checker.committedConfiguration().isJoint()) {
                nodes[leaderNow].leaveJoint(outcome -> { }); // an explicit joint must be left too
            }
            if (barrierOpId == 0 || barrierStale) {
                int leader = currentLeader();
                long next = barrierOpId - 1;
                if (leader != 0 && nodes[leader].proposeBarrier(next)) {
                    barrierOpId = next;
                    barrierProposedMicros = events.now();
                    barrierApplied = false;
                }
            }
            if (converged()) {
                // Not the leader's log: convergence does not need one at this instant (robustness row 30).
                int first = (int) checker.committedConfiguration().members()[0];
                trace("converged: every log identical up to " + nodes[first].core().log().lastIndex());
                checkStoresAgree();
                return;
            }
            long until = events.now() + 50_000;
            while (!stopped && events.runNext(until)) {
                guardEventBudget();
            }
        }
    }

    /**
     * With the real KV store: every member that converged holds the same store (etcd's HashKV: live keys, values,
     * revisions, versions).
     */
    private void checkStoresAgree() {
        String expected = null;
        int from = 0;
        for (long id : checker.committedConfiguration().members()) {
            if (nodes[(int) id] instanceof RuntimeSimNode r) {
                String d = r.storeDigest();
                if (d == null) {
                    continue;
                }
                if (expected == null) {
                    expected = d;
                    from = (int) id;
                } else if (!expected.equals(d)) {
                    violation("stores differ after convergence: n" + from + " " + expected + ", n" + id + " " + d);
                    return;
                }
            }
        }
        if (expected != null) {
            trace("stores agree: " + expected);
            count("kv-stores-agree");
        }
    }

    private final SplittableRandom compactionRandom;

    /**
     * With the KV store, an operator compacts its history now and then through the leader (keeping the last 50
     * revisions), as etcd's auto-compaction would, until the faults end.
     */
    private void scheduleCompactions() {
        long gap = 1 + (long) (-StrictMath.log(1 - compactionRandom.nextDouble()) * params.meanOperationGapMicros);
        events.after(gap, () -> {
            if (events.now() >= params.faultPhaseMicros || stopped) {
                return;
            }
            int leader = currentLeader();
            if (leader != 0) {
                nodes[leader].compactKv();
            }
            scheduleCompactions();
        });
    }

    /** Whether the members run the real KV store as their state machine. */
    boolean kvStore() {
        return kvStore;
    }

    /** Where members keep files outside the simulated disk (the KV store's RocksDB), deleted when the run ends. */
    java.nio.file.Path scratchDir() {
        if (scratch == null) {
            try {
                // Memory-backed when the machine has it: the stores' syncs then cost nothing, and a seed runs fast.
                java.nio.file.Path shm = java.nio.file.Path.of("/dev/shm");
                scratch = java.nio.file.Files.isDirectory(shm) && java.nio.file.Files.isWritable(shm)
                        ? java.nio.file.Files.createTempDirectory(shm, "cairn-sim-" + seed + "-")
                        : java.nio.file.Files.createTempDirectory("cairn-sim-" + seed + "-");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return scratch;
    }

    private java.nio.file.Path scratch;

    private void releaseScratch() {
        for (int i = 1; i < nodes.length; i++) {
            if (nodes[i] != null) {
                nodes[i].close();
            }
        }
        if (scratch == null) {
            return;
        }
        try (java.util.stream.Stream<java.nio.file.Path> walk = java.nio.file.Files.walk(scratch)) {
            for (java.nio.file.Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(p);
            }
        } catch (java.io.IOException e) {
            trace("could not delete " + scratch + ": " + e);
        }
    }

    /** Every member of the committed configuration is up, holds the same log, and has committed and applied it. */
    private boolean converged() {
        if (!barrierApplied) {
            return false;
        }
        Configuration c = checker.committedConfiguration();
        if (c.isJoint()) {
            return false;
        }
        long[] members = c.members();
        for (long id : members) {
            SimMember n = nodes[(int) id];
            if (!n.up() || n.paused()) {
                return false;
            }
            long last = n.core().log().lastIndex();
            if (n.core().log().committed() != last || n.applied() != last || !checker.sameLog((int) members[0], (int) id)
                    || n.durableLastIndex() != last) {
                return false;
            }
        }
        return true;
    }

    private void checkHistory() {
        if (workload.okOps() < 500) {
            violation("only " + workload.okOps() + " client operations succeeded (at least 500 required)");
            return;
        }
        CheckResult r = new LinearizabilityChecker().check(history, new RegisterModel(), CHECK_STEPS_MAX);
        trace("history: " + history.ops().size() + " ops checked: " + r.verdict() + " in " + r.stepsUsed()
                + " steps");
        switch (r.verdict()) {
            case INVALID -> violation("linearizability: " + r.explanation());
            case UNKNOWN -> counters.merge("history-unknown", 1L, Long::sum);
            default -> { }
        }
    }

    private void guardEventBudget() {
        if (events.executed() > EVENTS_MAX) {
            violation("simulation exceeded " + EVENTS_MAX + " events at " + time());
        }
    }

    private String describeNodes() {
        StringBuilder b = new StringBuilder(" committed configuration " + checker.committedConfiguration() + ":");
        for (int i = 1; i <= params.maxNodes(); i++) {
            SimMember n = nodes[i];
            if (!n.started()) {
                continue;
            }
            b.append(" n").append(i);
            if (!n.up()) {
                b.append("(down)");
                continue;
            }
            b.append('(').append(n.core().role()).append(" t").append(n.core().term()).append(" last=")
                    .append(n.core().log().lastIndex()).append(" commit=").append(n.core().log().committed())
                    .append(" applied=").append(n.applied()).append(')');
        }
        return b.toString();
    }

    // ---------------------------------------------------------------------------------------------------
    // Services for members, clients and the nemesis
    // ---------------------------------------------------------------------------------------------------

    EventQueue events() {
        return events;
    }

    SimNetwork network() {
        return network;
    }

    SafetyChecker checker() {
        return checker;
    }

    SimMember node(int id) {
        return nodes[id];
    }

    SnapshotStreams snapshots() {
        return snapshots;
    }

    /** Ids of the members that were started and not removed, ascending. */
    int[] activeIds() {
        int n = 0;
        int[] out = new int[params.maxNodes()];
        for (int i = 1; i <= params.maxNodes(); i++) {
            if (nodes[i].started() && !nodes[i].removed()) {
                out[n++] = i;
            }
        }
        return java.util.Arrays.copyOf(out, n);
    }

    void count(String counter) {
        counters.merge(counter, 1L, Long::sum);
    }

    boolean stopped() {
        return stopped;
    }

    void violation(String message) {
        if (violation == null) {
            violation = message;
            trace("VIOLATION: " + message);
        }
        stopped = true;
    }

    /**
     * Called after each Ready a member handled: stops the run at the checker's first violation, and shuts down
     * members the committed configuration no longer includes (as etcd members do once removed).
     */
    void afterReady() {
        if (checker.violation() != null) {
            violation(checker.violation());
            return;
        }
        Configuration c = checker.committedConfiguration();
        if (c != lastSeenConfig) {
            lastSeenConfig = c;
            for (int i = 1; i <= params.maxNodes(); i++) {
                SimMember n = nodes[i];
                if (n.started() && !n.removed() && !c.isMember(i)) {
                    if (params.removedKeepRunning) {
                        trace("n" + i + " was removed from the group; it keeps running");
                        n.retire();
                    } else {
                        trace("n" + i + " was removed from the group; it shuts down");
                        events.after(0, n::decommission);
                    }
                }
            }
        }
    }

    void sendPeer(Message m) {
        sendTraced(m, () -> ((SimNode) nodes[(int) m.to()]).deliver(m));
    }

    /** {@link #sendPeerRaw}, with the send and the delivery in the verbose trace. */
    void sendTraced(Message m, Runnable deliver) {
        if (verbose) {
            trace("send " + m);
        }
        sendPeerRaw(m, () -> {
            if (verbose) {
                trace("deliver " + m);
            }
            deliver.run();
        });
    }

    /**
     * Sends {@code m} over the simulated network; {@code deliver} runs at arrival unless it is lost, cut off, or
     * died with its crashed sender.
     */
    void sendPeerRaw(Message m, Runnable deliver) {
        SimMember sender = nodes[(int) m.from()];
        int incarnation = sender.incarnation();
        boolean survivesCrash = params.messageSurvivesCrashProbability > 0
                && crashRandom.nextDouble() < params.messageSurvivesCrashProbability;
        network.sendRaw(m.from(), m.to(), () -> survivesCrash || sender.incarnation() == incarnation, deliver);
    }

    long fsyncLatency() {
        return params.fsyncMinMicros + diskRandom.nextLong(params.fsyncMaxMicros - params.fsyncMinMicros + 1);
    }

    SplittableRandom resumeRandom() {
        return resumeRandom;
    }

    long clientLatency() {
        return 50 + clientNetRandom.nextLong(450);
    }

    /** The up, running member that believes it leads in the highest term, or 0. */
    int currentLeader() {
        int best = 0;
        long bestTerm = -1;
        for (int i = 1; i <= params.maxNodes(); i++) {
            SimMember n = nodes[i];
            if (n.up() && !n.paused() && !n.removed() && n.core().role() == Role.LEADER && n.core().term() > bestTerm) {
                best = i;
                bestTerm = n.core().term();
            }
        }
        return best;
    }

    /** The commit index of the current leader, or 0 when none leads. */
    long leaderCommit() {
        int leader = currentLeader();
        return leader == 0 ? 0 : nodes[leader].core().log().committed();
    }

    void onSoftState(SimMember node, SoftState s) {
        if (tracing()) {
            trace("n" + node.id() + " is now " + s);
        }
        checker.onSoftState(node.id(), s);
        if (checker.violation() != null) {
            violation(checker.violation());
        }
    }

    /** A member applied client operation (or barrier) {@code opId}. */
    void onAppliedOp(long opId) {
        if (opId < 0 && opId == barrierOpId) {
            barrierApplied = true;
        }
        if (checker.violation() != null) {
            violation(checker.violation());
        }
    }

    void onVoteSentBy(int node) {
        nemesis.onVoteSent(node);
    }

    void onLeaderFirstCommit(SimMember node) {
        nemesis.onLeaderFirstCommit(node.id());
    }

    void onWriteAcked(int node) {
        nemesis.onWriteAcked(node);
    }

    SafetyChecker.DurableCount durableCount() {
        return new SafetyChecker.DurableCount() {
            @Override
            public Entry entry(int node, long index) {
                return nodes[node].core().log().entry(index);
            }

            @Override
            public boolean holds(int node, long index, long term) {
                return node < nodes.length && nodes[node].started() && nodes[node].durablyHolds(index, term);
            }
        };
    }

    Tracer tracerFor(int id) {
        return new Tracer() {
            @Override
            public boolean enabled() {
                return traceOut != null;
            }

            @Override
            public void trace(long nodeId, String line) {
                Simulation.this.trace("n" + nodeId + ": " + line);
            }

            @Override
            public void event(long nodeId, RaftEvent event) {
                counters.merge(event.counterName(), 1L, Long::sum);
                if (event == RaftEvent.LEADER_ELECTED) {
                    if (leadersElected > 0 && workload.busy()) {
                        counters.merge("leader-change-under-load", 1L, Long::sum);
                    }
                    if (nodes[id].core() != null && nodes[id].core().configuration().isJoint()) {
                        counters.merge("leader-change-during-joint", 1L, Long::sum);
                    }
                    leadersElected++;
                    nemesis.onLeaderElected((int) nodeId);
                }
            }
        };
    }

    boolean tracing() {
        return traceOut != null;
    }

    void trace(String line) {
        if (traceOut != null) {
            traceOut.println(time() + " " + line);
        }
    }

    private String time() {
        return String.format(Locale.ROOT, "%11.6f", events.now() / 1e6);
    }
}
