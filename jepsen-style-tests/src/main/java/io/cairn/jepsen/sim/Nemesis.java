package io.cairn.jepsen.sim;

import io.cairn.raft.core.ProposeResult;
import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.confchange.ConfigChange;
import io.cairn.raft.core.confchange.Configuration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fault schedule: during the fault phase it alternates quiet periods and faults, each of random length, of
 * the kinds this seed enables: partitions of Jepsen's shapes, crashes (with loss of unsynced writes) and
 * pauses. It also strikes at the moments that matter most: right after a member votes (crash while the vote
 * may be unsynced, then a quick restart), right after a new leader is elected or first commits, and right after
 * a leader acknowledges a write. Beside the faults, an operator changes the membership (adds learners,
 * promotes them, removes and replaces voters) and hands leadership around, so that all of it happens under
 * fire. {@link #healAll()} ends every fault.
 */
final class Nemesis {
    private final Simulation sim;
    private final SimParams params;
    private final SplittableRandom random;
    private boolean active = true;
    private final boolean[] crashed;
    private final boolean[] paused;
    private int faults;
    private final boolean pauseLeaders;
    /** Whether two faults injected together hold now. */
    private boolean twoFaults;
    /** The shortest the fault just injected may last (0: as drawn). */
    private long faultMinMicros;
    /** The next member id that may join. */
    private int nextSpare;
    /** When not null, the only faults: no random ones, no strikes, no random operator. */
    private final FaultSchedule schedule;

    Nemesis(Simulation sim, SimParams params, SplittableRandom random, FaultSchedule schedule) {
        this(sim, params, random, schedule, false);
    }

    /**
     * With {@code pauseLeaders}, half the faults pause the leader for longer than an election timeout, whatever
     * the seed's fault kinds: the weighting for a bug that only a paused leader shows (a stale lease clock).
     */
    Nemesis(Simulation sim, SimParams params, SplittableRandom random, FaultSchedule schedule, boolean pauseLeaders) {
        this.pauseLeaders = pauseLeaders;
        this.sim = sim;
        this.params = params;
        this.random = random;
        this.schedule = schedule;
        this.crashed = new boolean[params.maxNodes() + 1];
        this.paused = new boolean[params.maxNodes() + 1];
        this.nextSpare = params.nodes + 1;
    }

    int faults() {
        return faults;
    }

    void start() {
        if (schedule != null) {
            for (FaultSchedule.Fault f : schedule.faults()) {
                sim.events().at(f.atMicros(), () -> {
                    if (active) {
                        runScheduled(f);
                    }
                });
            }
            return;
        }
        scheduleNext();
        if (params.membershipChanges || params.transfers) {
            scheduleOperation();
        }

    }

    private void runScheduled(FaultSchedule.Fault f) {
        int[] ids = sim.activeIds();
        int member = ids[Math.floorMod(f.member(), ids.length)];
        int leader = sim.currentLeader();
        faults++;
        sim.trace("schedule: " + f);
        Runnable heal = switch (f.kind()) {
            case CRASH -> crash(member, "crash");
            case CRASH_LEADER -> leader == 0 ? null : crash(leader, "crash leader");
            case PAUSE -> pause(member);
            case ISOLATE, ISOLATE_LEADER -> {
                long lone = f.kind() == FaultSchedule.Kind.ISOLATE ? member : leader;
                if (lone == 0) {
                    yield null;
                }
                long[] all = Arrays.stream(ids).asLongStream().toArray();
                sim.network().cutBetween(new long[] {lone}, othersThan(all, lone));
                yield () -> sim.network().healPartitions();
            }
            case HALVES -> {
                long[] others = othersThan(Arrays.stream(ids).asLongStream().toArray(), member);
                int minoritySize = Math.max(1, ids.length / 2); // the named member and the first others
                long[] minority = new long[minoritySize];
                minority[0] = member;
                System.arraycopy(others, 0, minority, 1, minoritySize - 1);
                long[] majority = Arrays.copyOfRange(others, minoritySize - 1, others.length);
                sim.network().cutBetween(minority, majority);
                yield () -> sim.network().healPartitions();
            }
            case TRANSFER -> {
                if (leader != 0) {
                    sim.node(leader).transferLeadership(member);
                }
                yield null;
            }
            case ADD_LEARNER, PROMOTE, REMOVE -> {
                if (leader != 0) {
                    scheduledMembership(f.kind(), leader, member);
                }
                yield null;
            }
        };
        if (heal != null) {
            sim.events().after(f.durationMicros(), () -> {
                if (active) {
                    heal.run();
                }
            });
        }
    }

    private void scheduledMembership(FaultSchedule.Kind kind, int leader, int member) {
        Configuration c = sim.node(leader).core().configuration();
        if (c.isJoint()) {
            return;
        }
        if (kind == FaultSchedule.Kind.ADD_LEARNER && nextSpare <= params.maxNodes()) {
            int id = nextSpare++;
            sim.node(id).start();
            propose(leader, "add learner n" + id, ConfigChange.addLearner(id));
        } else if (kind == FaultSchedule.Kind.PROMOTE && c.learners().length > 0) {
            long id = c.learners()[Math.floorMod(member, c.learners().length)];
            propose(leader, "promote n" + id, ConfigChange.addVoter(id));
        } else if (kind == FaultSchedule.Kind.REMOVE && c.isMember(member)
                && (c.isLearner(member) || c.voters().length > 3)) {
            propose(leader, "remove n" + member, ConfigChange.remove(member));
        }
    }

    private void scheduleNext() {
        sim.events().after(exp(params.quietMeanMicros), () -> {
            if (!active) {
                return;
            }
            Runnable first = inject();
            Runnable heal = first;
            if (params.simultaneousFaults && random.nextBoolean()) {
                Runnable second = inject();
                twoFaults = true;
                heal = () -> {
                    twoFaults = false;
                    first.run();
                    second.run();
                };
            }
            Runnable healAll = heal;
            long duration = Math.max(exp(params.faultMeanMicros), faultMinMicros);
            faultMinMicros = 0;
            sim.events().after(duration, () -> {
                if (active) {
                    healAll.run();
                    scheduleNext();
                }
            });
        });
    }

    private long exp(long meanMicros) {
        return 1 + (long) (-StrictMath.log(1 - random.nextDouble()) * meanMicros);
    }

    /** Injects one fault of an enabled kind and returns what heals it. */
    private Runnable inject() {
        if (pauseLeaders && random.nextBoolean() && sim.currentLeader() != 0) {
            faults++;
            // Long enough for clients to time out on it and ask it again after a new leader has committed.
            faultMinMicros = params.requestTimeoutMicros * (2 + random.nextInt(3));
            return pause(sim.currentLeader());
        }
        List<String> names = new ArrayList<>();
        if (params.partitions) {
            names.add("partition");
        }
        if (params.crashes) {
            names.add("crash");
        }
        if (params.pauses) {
            names.add("pause");
        }
        if (params.powerLossAll) {
            names.add("power-loss");
        }
        if (params.diskFaults) {
            names.add("disk");
        }
        String kind = names.get(random.nextInt(names.size()));
        faults++;
        return switch (kind) {
            case "partition" -> partition();
            case "crash" -> crash(pickNode(params.leaderBias), "crash");
            case "power-loss" -> powerLoss();
            case "disk" -> diskFault(pickNode(params.leaderBias));
            default -> pause(pickNode(params.leaderBias));
        };
    }

    /** Every member loses power at the same instant; all come back together. */
    private Runnable powerLoss() {
        int[] ids = sim.activeIds();
        sim.trace("nemesis: power loss of every member");
        List<Runnable> heals = new ArrayList<>();
        for (int id : ids) {
            heals.add(crash(id, "power loss"));
        }
        return () -> {
            heals.forEach(Runnable::run);
            awaitingRecoveryFromPowerLoss = true;
        };
    }

    /** Whether every member lost power and restarted, and no leader has committed since. */
    private boolean awaitingRecoveryFromPowerLoss;

    /** A member's disk starts failing (EIO on sync or write, or full) until repaired; it must stop itself. */
    private Runnable diskFault(int node) {
        if (crashed[node] || sim.node(node).removed()) {
            return () -> { };
        }
        io.cairn.raft.log.FaultFileIO.Mode[] modes = {io.cairn.raft.log.FaultFileIO.Mode.FAIL_SYNCS,
            io.cairn.raft.log.FaultFileIO.Mode.FAIL_WRITES, io.cairn.raft.log.FaultFileIO.Mode.FULL};
        io.cairn.raft.log.FaultFileIO.Mode mode = modes[random.nextInt(modes.length)];
        if (!sim.node(node).failDisk(mode)) {
            return () -> { };
        }
        sim.trace("nemesis: disk of n" + node + " now " + mode.flag());
        return () -> {
            sim.trace("nemesis: repair the disk of n" + node);
            sim.node(node).repairDisk();
        };
    }

    /** A member: the leader with probability {@code leaderBias} (if there is one), otherwise any active one. */
    private int pickNode(double leaderBias) {
        int leader = sim.currentLeader();
        if (leader != 0 && random.nextDouble() < leaderBias) {
            return leader;
        }
        int[] ids = sim.activeIds();
        return ids[random.nextInt(ids.length)];
    }

    private Runnable crash(int node, String why) {
        if (crashed[node] || sim.node(node).removed()) {
            return () -> { };
        }
        crashed[node] = true;
        sim.trace("nemesis: " + why + " n" + node);
        sim.node(node).crash();
        return () -> restart(node);
    }

    private void restart(int node) {
        if (crashed[node]) {
            crashed[node] = false;
            if (sim.node(node).up()) {
                // It came back meanwhile on its own (restarted on its repaired disk after a fail-stop): a second start
                // would be a second process on the same data directory (robustness 81).
                sim.trace("nemesis: n" + node + " is up again already, no restart");
            } else if (!sim.node(node).removed()) {
                sim.trace("nemesis: restart n" + node);
                sim.node(node).start();
            }
        }
    }

    private Runnable pause(int node) {
        if (paused[node] || crashed[node] || sim.node(node).removed()) {
            return () -> { };
        }
        paused[node] = true;
        sim.trace("nemesis: pause n" + node);
        sim.node(node).pause();
        return () -> resume(node);
    }

    private void resume(int node) {
        if (paused[node]) {
            paused[node] = false;
            sim.trace("nemesis: resume n" + node);
            sim.node(node).resume();
        }
    }

    private Runnable partition() {
        long[] order = shuffledNodes();
        int n = order.length;
        int shape = random.nextInt(params.oneWayLinks ? 7 : 5);
        String description;
        switch (shape) {
            case 5 -> {
                // One way: a member hears nobody, but everybody hears it (or the reverse): Jepsen's one-way cut.
                long lone = sim.currentLeader() != 0 && random.nextBoolean() ? sim.currentLeader() : order[0];
                boolean deaf = random.nextBoolean();
                for (long other : othersThan(order, lone)) {
                    if (deaf) {
                        sim.network().cutLink(other, lone);
                    } else {
                        sim.network().cutLink(lone, other);
                    }
                }
                description = "one-way: n" + lone + (deaf ? " hears nobody" : " is heard by nobody");

            }
            case 6 -> {
                long from = order[0];
                long to = order[1];
                sim.network().cutLink(from, to);
                description = "one-way: n" + to + " drops what arrives from n" + from;

            }
            case 0 -> {
                int majority = n / 2 + 1;
                long[] a = Arrays.copyOfRange(order, 0, majority);
                long[] b = Arrays.copyOfRange(order, majority, n);
                sim.network().cutBetween(a, b);
                description = "halves " + Arrays.toString(a) + " | " + Arrays.toString(b);
            }
            case 1, 2 -> {
                long lone = shape == 2 && sim.currentLeader() != 0 ? sim.currentLeader() : order[0];
                sim.network().cutBetween(new long[] {lone}, othersThan(order, lone));
                description = (shape == 2 ? "isolated leader " : "isolated node ") + lone;
            }
            case 3 -> {
                // Bridge: two groups that cannot see each other, and one node that sees both.
                int half = (n - 1) / 2;
                long[] a = Arrays.copyOfRange(order, 0, half);
                long[] b = Arrays.copyOfRange(order, half + 1, n);
                sim.network().cutBetween(a, b);
                description = "bridge " + order[half] + " between " + Arrays.toString(a) + " and "
                        + Arrays.toString(b);
            }
            default -> {
                // Majorities ring: each node sees its two ring neighbours; every node sees a majority, no two
                // see the same one.
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        int d = Math.abs(i - j);
                        if (d > 1 && d < n - 1) {
                            sim.network().cutLink(order[i], order[j]);
                        }
                    }
                }
                description = "majorities ring " + Arrays.toString(order);
            }
        }
        sim.trace("nemesis: partition " + description);
        sim.count("partitions");
        return () -> {
            sim.trace("nemesis: heal partition");
            sim.network().healPartitions();
        };
    }

    private static long[] othersThan(long[] ids, long lone) {
        return Arrays.stream(ids).filter(x -> x != lone).toArray();
    }

    private long[] shuffledNodes() {
        long[] order = Arrays.stream(sim.activeIds()).asLongStream().toArray();
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    // ---------------------------------------------------------------------------------------------------
    // Strikes at the moments that matter
    // ---------------------------------------------------------------------------------------------------

    /** A member just granted a vote: maybe crash it before its write can sync, and bring it back quickly. */
    void onVoteSent(int node) {
        if (schedule != null || !active || params.crashAfterVoteProbability == 0 || crashed[node]
                || random.nextDouble() >= params.crashAfterVoteProbability) {
            return;
        }
        long delay = random.nextLong(params.fsyncMinMicros + 1);
        sim.events().after(delay, () -> {
            if (active && !crashed[node]) {
                Runnable heal = crash(node, "crash after vote");
                sim.events().after(1_000 + random.nextLong(30_000), () -> {
                    if (active) {
                        heal.run();
                    }
                });
            }
        });
    }

    /** A leader just acknowledged a write: maybe crash it or cut it off before followers learn the commit. */
    void onWriteAcked(int leader) {
        if (schedule != null || !active || params.strikeAfterAckProbability == 0 || crashed[leader]
                || random.nextDouble() >= params.strikeAfterAckProbability) {
            return;
        }
        strike(leader, "after ack", exp(params.faultMeanMicros));
    }

    /**
     * A member just became leader: maybe crash it or cut it off before its no-op and its first rounds reach a
     * quorum. This leaves uncommitted entries of a newer term behind (the material of Figure 8) and elections
     * in quick succession.
     */
    void onLeaderElected(int leader) {
        // Effects of the wider faults: the group chose a leader while a link was cut one way only, or while two
        // faults held at once.
        if (active && sim.network().hasOneWayCut()) {
            sim.count("leader-elected-under-one-way-cut");
        }
        if (twoFaults && active) {
            sim.count("leader-elected-under-two-faults");
        }
        if (schedule != null || !active || params.strikeNewLeaderProbability == 0 || crashed[leader]
                || random.nextDouble() >= params.strikeNewLeaderProbability) {
            return;
        }
        sim.events().after(random.nextLong(params.fsyncMaxMicros + 1), () -> {
            if (active && !crashed[leader] && sim.node(leader).up()) {
                strike(leader, "new leader", shortOutage());
            }
        });
    }

    /**
     * A new leader's commit index just moved for the first time in its term: maybe strike it at once, while
     * the followers may not yet hold what it just counted as committed.
     */
    void onLeaderFirstCommit(int leader) {
        if (awaitingRecoveryFromPowerLoss) {
            awaitingRecoveryFromPowerLoss = false;
            sim.count("recovered-after-power-loss");
        }
        if (schedule != null || !active || params.strikeNewLeaderProbability == 0 || crashed[leader]
                || random.nextDouble() >= params.strikeNewLeaderProbability) {
            return;
        }
        long outage = shortOutage();
        sim.events().after(0, () -> {
            if (active && !crashed[leader] && sim.node(leader).up()) {
                strike(leader, "after first commit", outage);
            }
        });
    }

    /** Short and long outages alike: log-uniform between 5 ms and the seed's mean fault length. */
    private long shortOutage() {
        double span = StrictMath.log(Math.max(2.0, params.faultMeanMicros / 5_000.0));
        return (long) (5_000 * StrictMath.exp(random.nextDouble() * span));
    }

    /** Crashes, isolates or pauses {@code leader} (whichever this seed allows) for {@code micros}. */
    private void strike(int leader, String why, long micros) {
        Runnable heal;
        if (params.crashes) {
            heal = crash(leader, "crash " + why);
        } else if (params.partitions) {
            long[] all = Arrays.stream(sim.activeIds()).asLongStream().toArray();
            sim.network().cutBetween(new long[] {leader}, othersThan(all, leader));
            sim.trace("nemesis: isolate n" + leader + " " + why);
            heal = () -> sim.network().healPartitions();
        } else {
            heal = pause(leader);
        }
        sim.events().after(micros, () -> {
            if (active) {
                heal.run();
            }
        });
    }

    // ---------------------------------------------------------------------------------------------------
    // The operator: membership changes and leadership transfers
    // ---------------------------------------------------------------------------------------------------

    private void scheduleOperation() {
        sim.events().after(exp(params.meanOperationGapMicros), () -> {
            if (!active) {
                return;
            }
            int leader = sim.currentLeader();
            if (leader != 0) {
                boolean change = params.membershipChanges && (!params.transfers || random.nextInt(3) > 0);
                if (change) {
                    changeMembership(leader);
                } else {
                    transfer(leader);
                }
            }
            scheduleOperation();
        });
    }

    private void transfer(int leader) {
        long[] voters = sim.node(leader).core().configuration().voters();
        long[] others = othersThan(voters, leader);
        if (others.length == 0) {
            return;
        }
        long to = others[random.nextInt(others.length)];
        sim.trace("operator: transfer leadership from n" + leader + " to n" + to);
        sim.node(leader).transferLeadership(to);
    }

    /**
     * One membership step, chosen from what the configuration allows: add a fresh member as a learner, promote
     * a learner, remove a learner or a voter (the leader among them), or replace a voter by a learner. Voters
     * never drop below three; a joint configuration entered with an explicit leave is left.
     */
    private void changeMembership(int leader) {
        Configuration c = sim.node(leader).core().configuration();
        if (c.isJoint()) {
            if (!c.autoLeave()) {
                sim.node(leader).leaveJoint(outcome -> sim.trace("operator: leave joint via n" + leader + ": "
                        + outcome));
            }
            return;
        }
        long[] voters = c.voters();
        long[] learners = c.learners();
        boolean explicit = random.nextInt(4) == 0;
        int choice = random.nextInt(5);
        if (choice == 0 && nextSpare <= params.maxNodes()) {
            int id = nextSpare++;
            sim.trace("operator: start n" + id + " to join the group");
            sim.node(id).start();
            propose(leader, "add learner n" + id, ConfigChange.addLearner(id));
        } else if (choice == 1 && learners.length > 0) {
            long id = learners[random.nextInt(learners.length)];
            propose(leader, "promote n" + id, new ConfigChange(ConfigChange.addVoter(id).changes(), explicit));
        } else if (choice == 2 && learners.length > 0) {
            long id = learners[random.nextInt(learners.length)];
            propose(leader, "remove learner n" + id, ConfigChange.remove(id));
        } else if (choice == 3 && voters.length > 3) {
            long id = random.nextInt(3) == 0 ? leader : voters[random.nextInt(voters.length)];
            propose(leader, "remove voter n" + id, new ConfigChange(ConfigChange.remove(id).changes(), explicit));
        } else if (choice == 4 && learners.length > 0) {
            long in = learners[random.nextInt(learners.length)];
            long out = random.nextInt(3) == 0 ? leader : voters[random.nextInt(voters.length)];
            propose(leader, "replace voter n" + out + " by n" + in, new ConfigChange(ConfigChange.replace(out, in).changes(), explicit));
        }
    }

    private void propose(int leader, String what, ConfigChange change) {
        sim.node(leader).changeMembership(change, outcome -> sim.trace("operator: " + what + " via n" + leader
                + ": " + outcome));
    }

    /** Ends every fault: heals partitions, restarts crashed members, resumes paused ones. */
    void healAll() {
        active = false;
        sim.network().healPartitions();
        sim.network().stopFaults();
        for (int i = 1; i <= params.maxNodes(); i++) {
            if (crashed[i]) {
                restart(i);
            }
            resume(i);
            if (params.diskFaults) {
                sim.node(i).repairDisk();
            }
        }
        sim.trace("nemesis: healed everything");
    }
}
