package io.cairn.jepsen.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The fault schedule: during the fault phase it alternates quiet periods and faults, each of random length, of
 * the kinds this seed enables: partitions of Jepsen's shapes, crashes (with loss of unsynced writes) and
 * pauses. It also strikes at the moments that matter most: right after a member votes (crash while the vote
 * may be unsynced, then a quick restart) and right after a leader acknowledges a write (crash or cut off the
 * leader while followers may not know the new commit index). {@link #healAll()} ends every fault.
 */
final class Nemesis {
    private final Simulation sim;
    private final SimParams params;
    private final SplittableRandom random;
    private boolean active = true;
    private final boolean[] crashed;
    private final boolean[] paused;
    private int faults;

    Nemesis(Simulation sim, SimParams params, SplittableRandom random) {
        this.sim = sim;
        this.params = params;
        this.random = random;
        this.crashed = new boolean[params.nodes + 1];
        this.paused = new boolean[params.nodes + 1];
    }

    int faults() {
        return faults;
    }

    void start() {
        scheduleNext();
    }

    private void scheduleNext() {
        sim.events().after(exp(params.quietMeanMicros), () -> {
            if (!active) {
                return;
            }
            Runnable heal = inject();
            sim.events().after(exp(params.faultMeanMicros), () -> {
                if (active) {
                    heal.run();
                    scheduleNext();
                }
            });
        });
    }

    private long exp(long meanMicros) {
        return 1 + (long) (-Math.log(1 - random.nextDouble()) * meanMicros);
    }

    /** Injects one fault of an enabled kind and returns what heals it. */
    private Runnable inject() {
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
        String kind = names.get(random.nextInt(names.size()));
        faults++;
        return switch (kind) {
            case "partition" -> partition();
            case "crash" -> crash(pickNode(params.leaderBias), "crash");
            default -> pause(pickNode(params.leaderBias));
        };
    }

    /** A node: the leader with probability {@code leaderBias} (if there is one), otherwise any. */
    private int pickNode(double leaderBias) {
        int leader = sim.currentLeader();
        if (leader != 0 && random.nextDouble() < leaderBias) {
            return leader;
        }
        return 1 + random.nextInt(params.nodes);
    }

    private Runnable crash(int node, String why) {
        if (crashed[node]) {
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
            sim.trace("nemesis: restart n" + node);
            sim.node(node).start();
        }
    }

    private Runnable pause(int node) {
        if (paused[node] || crashed[node]) {
            return () -> { };
        }
        paused[node] = true;
        sim.trace("nemesis: pause n" + node);
        sim.node(node).pause();
        return () -> {
            if (paused[node]) {
                paused[node] = false;
                sim.trace("nemesis: resume n" + node);
                sim.node(node).resume();
            }
        };
    }

    private Runnable partition() {
        int n = params.nodes;
        long[] order = shuffledNodes();
        int shape = random.nextInt(5);
        String description;
        switch (shape) {
            case 0 -> {
                int majority = n / 2 + 1;
                long[] a = java.util.Arrays.copyOfRange(order, 0, majority);
                long[] b = java.util.Arrays.copyOfRange(order, majority, n);
                sim.network().cutBetween(a, b);
                description = "halves " + java.util.Arrays.toString(a) + " | " + java.util.Arrays.toString(b);
            }
            case 1, 2 -> {
                long lone = shape == 2 && sim.currentLeader() != 0 ? sim.currentLeader() : order[0];
                long[] rest = new long[n - 1];
                int k = 0;
                for (long x : order) {
                    if (x != lone) {
                        rest[k++] = x;
                    }
                }
                sim.network().cutBetween(new long[] {lone}, rest);
                description = (shape == 2 ? "isolated leader " : "isolated node ") + lone;
            }
            case 3 -> {
                // Bridge: two groups that cannot see each other, and one node that sees both.
                int half = (n - 1) / 2;
                long[] a = java.util.Arrays.copyOfRange(order, 0, half);
                long[] b = java.util.Arrays.copyOfRange(order, half + 1, n);
                sim.network().cutBetween(a, b);
                description = "bridge " + order[half] + " between " + java.util.Arrays.toString(a) + " and "
                        + java.util.Arrays.toString(b);
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
                description = "majorities ring " + java.util.Arrays.toString(order);
            }
        }
        sim.trace("nemesis: partition " + description);
        sim.countPartition();
        return () -> {
            sim.trace("nemesis: heal partition");
            sim.network().healPartitions();
        };
    }

    private long[] shuffledNodes() {
        long[] order = new long[params.nodes];
        for (int i = 0; i < order.length; i++) {
            order[i] = i + 1;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            long t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    /** A member just granted a vote: maybe crash it before its write can sync, and bring it back quickly. */
    void onVoteSent(int node) {
        if (!active || params.crashAfterVoteProbability == 0 || crashed[node]
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
        if (!active || params.strikeAfterAckProbability == 0 || crashed[leader]
                || random.nextDouble() >= params.strikeAfterAckProbability) {
            return;
        }
        strike(leader, "after ack");
    }

    /**
     * A member just became leader: maybe crash it or cut it off before its no-op and its first rounds reach a
     * quorum. This leaves uncommitted entries of a newer term behind (the material of Figure 8) and elections
     * in quick succession.
     */
    void onLeaderElected(int leader) {
        if (!active || params.strikeNewLeaderProbability == 0 || crashed[leader]
                || random.nextDouble() >= params.strikeNewLeaderProbability) {
            return;
        }
        sim.events().after(random.nextLong(params.fsyncMaxMicros + 1), () -> {
            if (active && !crashed[leader] && sim.node(leader).up()) {
                // Short and long outages alike: log-uniform between 5 ms and the seed's mean fault length.
                double span = Math.log(Math.max(2.0, params.faultMeanMicros / 5_000.0));
                strike(leader, "new leader", (long) (5_000 * Math.exp(random.nextDouble() * span)));
            }
        });
    }

    private void strike(int leader, String why) {
        strike(leader, why, exp(params.faultMeanMicros));
    }

    /**
     * A new leader's commit index just moved for the first time in its term: maybe strike it at once, while
     * the followers may not yet hold what it just counted as committed.
     */
    void onLeaderFirstCommit(int leader) {
        if (!active || params.strikeNewLeaderProbability == 0 || crashed[leader]
                || random.nextDouble() >= params.strikeNewLeaderProbability) {
            return;
        }
        double span = Math.log(Math.max(2.0, params.faultMeanMicros / 5_000.0));
        strike(leader, "after first commit", (long) (5_000 * Math.exp(random.nextDouble() * span)));
    }

    /** Crashes, isolates or pauses {@code leader} (whichever this seed allows) for {@code micros}. */
    private void strike(int leader, String why, long micros) {
        Runnable heal;
        if (params.crashes) {
            heal = crash(leader, "crash " + why);
        } else if (params.partitions) {
            long[] rest = new long[params.nodes - 1];
            int k = 0;
            for (int i = 1; i <= params.nodes; i++) {
                if (i != leader) {
                    rest[k++] = i;
                }
            }
            sim.network().cutBetween(new long[] {leader}, rest);
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

    /** Ends every fault: heals partitions, restarts crashed members, resumes paused ones. */
    void healAll() {
        active = false;
        sim.network().healPartitions();
        sim.network().stopFaults();
        for (int i = 1; i <= params.nodes; i++) {
            if (crashed[i]) {
                restart(i);
            }
            if (paused[i]) {
                paused[i] = false;
                sim.node(i).resume();
            }
        }
        sim.trace("nemesis: healed everything");
    }
}
