package io.cairn.jepsen.sim;

import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import io.cairn.raft.core.RaftNode;
import java.util.SplittableRandom;

/**
 * Closed-loop clients reading and writing a few registers, recording every operation in a {@link History}.
 *
 * <p>Each client has one operation outstanding at a time. A write goes to the member the client believes
 * leads; a read goes to any member (followers answer through the leader's read index). A refusal that
 * guarantees nothing happened (not the leader, member down, read not servable) is retried elsewhere within
 * the same operation. The operation ends as {@code ok}, {@code fail} (the write's entry was certainly
 * replaced) or {@code info} (connection lost or timed out: it may or may not have happened); after an
 * {@code info} the client continues as a new process, as in Jepsen. Every written value is unique.
 */
final class Workload {
    private final class Client {
        int process;
        Op current;
        long opId;
        int key;
        long token;
        int leaderGuess;
    }

    private final Simulation sim;
    private final SimParams params;
    private final SplittableRandom random;
    private final History history;
    private final Client[] clients;
    private int nextProcess;
    private long nextOpId = 1;
    private long nextToken = 1;
    private boolean issuing = true;
    private int okOps;
    private final boolean kvOps;
    /** The value each register was last seen to hold by an ok operation (what a compare-and-set expects). */
    private final Long[] lastSeen;

    Workload(Simulation sim, SimParams params, SplittableRandom random, History history) {
        this(sim, params, random, history, false);
    }

    /**
     * With {@code kvOps} (members run the KV store), a third of the writes are compare-and-sets (a Txn comparing
     * the value the workload last saw) and one in forty a delete (a single-key DeleteRange, a write of "absent").
     */
    Workload(Simulation sim, SimParams params, SplittableRandom random, History history, boolean kvOps) {
        this.kvOps = kvOps;
        this.lastSeen = new Long[params.keys];
        this.sim = sim;
        this.params = params;
        this.random = random;
        this.history = history;
        this.clients = new Client[params.clients];
        for (int i = 0; i < clients.length; i++) {
            Client c = new Client();
            c.process = nextProcess++;
            c.leaderGuess = 1 + random.nextInt(params.nodes); // the initial members
            clients[i] = c;
        }
    }

    void start() {
        for (Client c : clients) {
            sim.events().after(random.nextLong(params.thinkMaxMicros + 1), () -> nextOp(c));
        }
    }

    int okOps() {
        return okOps;
    }

    /** Clients finish their current operation and issue no more. */
    void stopIssuing() {
        issuing = false;
    }

    boolean busy() {
        for (Client c : clients) {
            if (c.current != null) {
                return true;
            }
        }
        return false;
    }

    private void nextOp(Client c) {
        if (!issuing || sim.stopped()) {
            return;
        }
        boolean write = random.nextDouble() < params.writeFraction;
        c.key = random.nextInt(params.keys);
        c.opId = nextOpId++;
        c.token = nextToken++;
        // Deletes are few: each write of "absent" whose outcome is unknown multiplies the checker's search.
        int kind = write && kvOps ? random.nextInt(40) : 0; // 0-25 write, 26-38 compare-and-set, 39 delete
        if (kind >= 26 && kind <= 38) {
            c.current = history.invoke(c.process, OpFunction.CAS, "k" + c.key, c.opId, lastSeen[c.key], nowNanos());
        } else {
            c.current = history.invoke(c.process, write ? OpFunction.WRITE : OpFunction.READ, "k" + c.key,
                    write && kind != 39 ? c.opId : null, null, nowNanos());
        }
        long token = c.token;
        sim.events().after(params.requestTimeoutMicros, () -> {
            if (c.token == token && c.current != null) {
                end(c, "info (timeout)");
            }
        });
        attempt(c, write ? c.leaderGuess : anyMember());
    }

    private void attempt(Client c, int target) {
        long token = c.token;
        SimMember node = sim.node(target);
        Op op = c.current;
        sim.events().after(sim.clientLatency(), () -> {
            if (c.token != token) {
                return;
            }
            if (op.f() == OpFunction.CAS) {
                node.clientCas(c.opId, c.key, op.expected(), c.opId, reply -> replyLater(c, token, target, reply));
            } else if (op.f() == OpFunction.WRITE && op.value() == null) {
                node.clientDelete(c.opId, c.key, reply -> replyLater(c, token, target, reply));
            } else if (op.f() == OpFunction.WRITE) {
                node.clientWrite(c.opId, c.key, c.opId, reply -> replyLater(c, token, target, reply));
            } else {
                node.clientRead(c.key, reply -> replyLater(c, token, target, reply));
            }
        });
    }

    private void replyLater(Client c, long token, int from, Reply reply) {
        sim.events().after(sim.clientLatency(), () -> {
            if (c.token == token && c.current != null) {
                onReply(c, from, reply);
            }
        });
    }

    private void onReply(Client c, int from, Reply reply) {
        switch (reply.outcome()) {
            case OK -> {
                boolean write = c.current.f() != OpFunction.READ;
                c.leaderGuess = write ? from : c.leaderGuess;
                lastSeen[c.key] = write ? c.current.value() : reply.value();
                history.ok(c.current, reply.value(), nowNanos());
                okOps++;
                finish(c, write ? "ok" : "ok = " + reply.value());
                if (write) {
                    sim.onWriteAcked(from);
                }
            }
            case LOST -> {
                history.fail(c.current, nowNanos());
                finish(c, "fail (entry replaced)");
            }
            case FAILED -> {
                c.leaderGuess = from;
                history.fail(c.current, nowNanos());
                finish(c, "fail (no effect: compare failed or refused)");
            }
            case UNKNOWN -> end(c, "info (connection lost)");
            case NOT_LEADER -> retry(c, reply.leaderHint() != RaftNode.NONE ? (int) reply.leaderHint() : other(from));
            case UNAVAILABLE, RETRY -> retry(c, other(from));
        }
    }

    /** History times are in nanoseconds, as in Jepsen. */
    private long nowNanos() {
        return sim.events().now() * 1_000;
    }

    private int anyMember() {
        int[] ids = sim.activeIds();
        return ids[random.nextInt(ids.length)];
    }

    /** A member other than {@code from}, if there is one. */
    private int other(int from) {
        int[] candidates = java.util.Arrays.stream(sim.activeIds()).filter(id -> id != from).toArray();
        return candidates.length == 0 ? from : candidates[random.nextInt(candidates.length)];
    }

    private void retry(Client c, int target) {
        c.leaderGuess = target;
        long token = c.token;
        sim.events().after(2_000 + random.nextLong(10_000), () -> {
            if (c.token == token && c.current != null) {
                attempt(c, target);
            }
        });
    }

    /** The operation's outcome is unknown: record info and continue as a new process. */
    private void end(Client c, String why) {
        history.info(c.current, nowNanos());
        c.process = nextProcess++;
        finish(c, why);
    }

    private void finish(Client c, String outcome) {
        if (sim.tracing()) {
            Op op = c.current;
            sim.trace("client p" + op.process() + " " + op.f().name().toLowerCase(java.util.Locale.ROOT) + " " + op.key()
                    + (op.f() == OpFunction.WRITE ? "=" + op.value() : "")
                    + (op.f() == OpFunction.CAS ? " " + op.expected() + "->" + op.value() : "") + " -> " + outcome);
        }
        c.current = null;
        c.token = nextToken++;
        sim.events().after(random.nextLong(params.thinkMaxMicros + 1), () -> nextOp(c));
    }
}
