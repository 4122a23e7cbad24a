package io.cairn.jepsen.sim;

import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Everything about one simulated run that the seed decides: cluster size, timing, fault rates, workload.
 *
 * <p>Fault probabilities are drawn from the seed rather than fixed ("swarm testing"): one seed loses many
 * messages and never crashes, another has slow disks and crashes often, another only partitions. Across many
 * seeds this reaches corners a fixed mix would visit rarely. All times are virtual microseconds.
 */
public final class SimParams {
    /** The "leader-churn" profile (otherwise "mixed"). */
    public final boolean churnProfile;
    public final int nodes;
    /** Each member's tick interval; drawn per member to model clock drift. */
    public final long[] tickMicros;
    public final int electionTicks;
    public final int heartbeatTicks;
    public final long netLatencyMinMicros;
    public final long netLatencyMaxMicros;
    public final double lossProbability;
    public final double duplicateProbability;
    /**
     * With duplication, copies may also arrive this much later than any latency (0: never), as a message re-sent
     * after a reconnect or retried through a proxy would; every message type, FORWARDs included.
     */
    public final long lateDuplicateMaxMicros;
    public final long fsyncMinMicros;
    public final long fsyncMaxMicros;
    public final boolean partitions;
    public final boolean crashes;
    public final boolean pauses;
    /** Probability that a member is crashed right after it sends a vote, while its write may be unsynced. */
    public final double crashAfterVoteProbability;
    /** Probability that a leader is crashed or cut off right after it acknowledges a client write. */
    public final double strikeAfterAckProbability;
    /** Probability that a newly elected leader is crashed or cut off within a few milliseconds. */
    public final double strikeNewLeaderProbability;
    /** Probability that a fault aimed at one member is aimed at the leader. */
    public final double leaderBias;
    public final long faultMeanMicros;
    public final long quietMeanMicros;
    public final long faultPhaseMicros;
    public final long messageBytesMax;
    public final int inflightMessagesMax;
    public final int clients;
    public final int keys;
    public final double writeFraction;
    public final long thinkMaxMicros;
    public final long requestTimeoutMicros;
    public final int okOpsTarget;
    /** Members that may join during the run (fresh ids after the initial ones); 0 when membership is fixed. */
    public final int spares;
    /** Whether the nemesis changes membership (add learner, promote, remove, replace) while faults run. */
    public final boolean membershipChanges;
    /** Whether the nemesis hands leadership from one member to another. */
    public final boolean transfers;
    /** Snapshot threshold in applied entries (0: never), and the tail kept after one. */
    public final long snapshotThresholdEntries;
    public final long snapshotRetainEntries;
    /** Serve reads from the leader's lease instead of a heartbeat round (only with check-quorum). */
    public final boolean leaseReads;
    public final boolean checkQuorum;
    public final boolean preVote;
    /** Probability that a message already sent still arrives after its sender crashes. */
    public final double messageSurvivesCrashProbability;
    /** Run the real runtime and the real log (over a simulated disk) instead of the core's minimal runtime. */
    public final boolean realRuntime;
    public final long meanOperationGapMicros;
    /** Ticks of idleness after which a leader quiesces its group (0: never). */
    public final int quiesceTicks;
    /** Partitions may cut one direction of a link only (a member that cannot hear, or cannot be heard). */
    public final boolean oneWayLinks;
    /** Some faults are two at once (both injected at the same instant, healed together). */
    public final boolean simultaneousFaults;
    /** One kind of fault cuts the power of every member at the same instant. */
    public final boolean powerLossAll;
    /** Real-runtime seeds only: a member's disk fails (EIO on sync or write, ENOSPC) until it is repaired. */
    public final boolean diskFaults;
    /** A member removed from the group keeps running (and campaigning) instead of shutting down. */
    public final boolean removedKeepRunning;
    /** Real-runtime seeds only: a crash tears any sectors of the unsynced bytes (in any order, some scrambled). */
    public final boolean sectorTears;
    /** Real-runtime seeds only: the state machine is the real KV store (MvccStore on RocksDB), not registers. */
    public final boolean kvStore;

    public SimParams(long seed) {
        this(seed, -1);
    }

    /** The parameters of {@code seed}, with the fault phase set to {@code faultPhaseMicros} when not negative. */
    public SimParams(long seed, long faultPhaseOverrideMicros) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        // Two profiles: "mixed" draws every fault rate independently; "leader-churn" keeps striking new
        // leaders (crashing them within milliseconds of election or of their first commit) while small
        // messages make followers catch up in pieces: the conditions of Figure 8 and of split votes.
        churnProfile = r.nextInt(5) < 2;
        nodes = churnProfile ? (r.nextInt(5) == 0 ? 3 : 5) : (r.nextInt(3) == 0 ? 3 : 5);
        tickMicros = new long[nodes + 3]; // room for up to 3 members joining later
        for (int i = 0; i < tickMicros.length; i++) {
            tickMicros[i] = 10_000 + r.nextLong(-500, 501); // ±5% drift around 10 ms
        }
        electionTicks = 10;
        heartbeatTicks = 1 + r.nextInt(3);
        netLatencyMinMicros = 100 + r.nextInt(500);
        netLatencyMaxMicros = netLatencyMinMicros + pick(r, 500, 3_000, 10_000, 40_000);
        lossProbability = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.15;
        double drawnDuplicateProbability = r.nextInt(2) == 0 ? 0 : r.nextDouble() * 0.05;
        fsyncMinMicros = 100 + r.nextInt(400);
        fsyncMaxMicros = fsyncMinMicros + pick(r, 500, 2_000, 8_000, 30_000);
        int faultKinds = 1 + r.nextInt(7); // a non-empty subset of {partition, crash, pause}
        partitions = (faultKinds & 1) != 0;
        crashes = churnProfile || (faultKinds & 2) != 0;
        pauses = (faultKinds & 4) != 0;
        crashAfterVoteProbability = crashes && r.nextBoolean() ? 0.05 + r.nextDouble() * 0.3 : 0;
        strikeAfterAckProbability = r.nextBoolean() ? 0.002 + r.nextDouble() * 0.02 : 0;
        int churn = churnProfile ? 2 : r.nextInt(3); // none, some, or relentless strikes on new leaders
        strikeNewLeaderProbability = churn == 0 ? 0 : churn == 1 ? 0.1 + r.nextDouble() * 0.3
                : 0.5 + r.nextDouble() * 0.4;
        leaderBias = 0.2 + r.nextDouble() * 0.6;
        faultMeanMicros = pick(r, 200_000, 500_000, 1_500_000);
        quietMeanMicros = pick(r, 100_000, 400_000, 1_000_000);
        long drawnFaultPhase = churnProfile ? 40_000_000 + r.nextLong(80_000_000) : 10_000_000 + r.nextLong(30_000_000);
        faultPhaseMicros = faultPhaseOverrideMicros >= 0 ? faultPhaseOverrideMicros : drawnFaultPhase;
        messageBytesMax = r.nextInt(4) < (churnProfile ? 3 : 2) ? 48 + r.nextInt(200) : 1 << 20;
        inflightMessagesMax = r.nextInt(3) == 0 ? 1 + r.nextInt(4) : 256;
        clients = 3 + r.nextInt(6);
        keys = 2 + r.nextInt(5);
        writeFraction = 0.3 + r.nextDouble() * 0.4;
        thinkMaxMicros = pick(r, 1_000, 10_000, 40_000);
        requestTimeoutMicros = 1_000_000;
        okOpsTarget = 500 + r.nextInt(300);
        membershipChanges = r.nextInt(2) == 0;
        spares = membershipChanges ? 1 + r.nextInt(3) : 0;
        transfers = r.nextInt(5) < 2;
        snapshotThresholdEntries = r.nextInt(10) < 3 ? 0 : 10 + r.nextInt(150);
        snapshotRetainEntries = r.nextInt(3) == 0 ? 0 : r.nextInt(30);
        meanOperationGapMicros = pick(r, 200_000, 600_000, 1_500_000);
        checkQuorum = r.nextInt(5) > 0;
        preVote = r.nextInt(5) > 0;
        leaseReads = checkQuorum && r.nextInt(10) < 3;
        messageSurvivesCrashProbability = r.nextInt(3) == 0 ? 0 : r.nextDouble();
        // Clocks drift by up to 5%; without lease reads (which assume bounded drift) by up to 30% in some seeds.
        double drift = !leaseReads && r.nextInt(3) == 0 ? 0.30 : 0.05;
        for (int i = 0; i < tickMicros.length; i++) {
            tickMicros[i] = Math.round(10_000 * (1 + (r.nextDouble() * 2 - 1) * drift));
        }
        realRuntime = r.nextInt(10) < 3;
        // Drawn last, so that every other parameter of a seed stays what it was before quiescing existed.
        quiesceTicks = r.nextInt(2) == 0 ? 0 : electionTicks * (2 + r.nextInt(4));
        // Also drawn after the rest: one seed in six duplicates heavily, and in half of those some copies arrive
        // up to four election timeouts late. A duplicated FORWARD was applied twice on 1 seed in 1,000 before
        // (robustness row 27); seeds like these make such bugs cheap to find.
        boolean duplicateHeavy = r.nextInt(6) == 0;
        duplicateProbability = duplicateHeavy ? 0.1 + r.nextDouble() * 0.2 : drawnDuplicateProbability;
        lateDuplicateMaxMicros = duplicateHeavy && r.nextBoolean() ? electionTicks * 10_000L * (1 + r.nextInt(4)) : 0;
        // The wider faults of raft-core V, drawn after everything else so that earlier seeds keep their runs.
        oneWayLinks = partitions && r.nextInt(3) == 0;
        simultaneousFaults = r.nextInt(3) == 0;
        powerLossAll = crashes && r.nextInt(4) == 0;
        diskFaults = realRuntime && r.nextInt(3) < 2;
        removedKeepRunning = membershipChanges && r.nextBoolean();
        sectorTears = realRuntime && r.nextBoolean();
        kvStore = realRuntime && r.nextInt(4) < 3;
    }

    /** The highest member id a run can use. */
    public int maxNodes() {
        return nodes + spares;
    }

    private static long pick(SplittableRandom r, long... choices) {
        return choices[r.nextInt(choices.length)];
    }

    @Override
    public String toString() {
        return "profile=" + (churnProfile ? "leader-churn" : "mixed") + " nodes=" + nodes + " heartbeat=" + heartbeatTicks + " net=" + netLatencyMinMicros + ".."
                + netLatencyMaxMicros + "us loss=" + String.format(Locale.ROOT, "%.3f", lossProbability) + " dup="
                + String.format(Locale.ROOT, "%.3f", duplicateProbability)
                + (lateDuplicateMaxMicros > 0 ? " late-dup=" + lateDuplicateMaxMicros + "us" : "") + " fsync=" + fsyncMinMicros + ".." + fsyncMaxMicros
                + "us faults=" + (partitions ? "partition," : "") + (crashes ? "crash," : "")
                + (pauses ? "pause," : "") + " crash-after-vote=" + String.format(Locale.ROOT, "%.2f", crashAfterVoteProbability)
                + " strike-after-ack=" + String.format(Locale.ROOT, "%.3f", strikeAfterAckProbability)
                + " strike-new-leader=" + String.format(Locale.ROOT, "%.2f", strikeNewLeaderProbability)
                + " leader-bias=" + String.format(Locale.ROOT, "%.2f", leaderBias)
                + " msg-bytes=" + messageBytesMax + " inflight=" + inflightMessagesMax + " clients=" + clients
                + " keys=" + keys + " target=" + okOpsTarget + " spares=" + spares
                + " membership=" + membershipChanges + " transfers=" + transfers + " snapshot="
                + snapshotThresholdEntries + "/" + snapshotRetainEntries + " reads=" + (leaseReads ? "lease" : "read-index")
                + " runtime=" + (realRuntime ? "real" : "core") + " quiesce=" + quiesceTicks + " check-quorum=" + checkQuorum + " pre-vote=" + preVote + " survive-crash="
                + String.format(Locale.ROOT, "%.2f", messageSurvivesCrashProbability)
                + (oneWayLinks ? " one-way" : "") + (simultaneousFaults ? " two-at-once" : "")
                + (powerLossAll ? " power-loss-all" : "") + (diskFaults ? " disk-faults" : "")
                + (removedKeepRunning ? " removed-keep-running" : "") + (sectorTears ? " sector-tears" : "")
                + (kvStore ? " state=kv" : "");
    }
}
