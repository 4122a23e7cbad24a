package io.cairn.jepsen.sim;

import io.cairn.raft.core.Message;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * The simulated network between members: per-message latency (which also reorders), loss, duplication, and
 * partitions as a matrix of cut directed links. A link is checked when a message is delivered, so messages in
 * flight when a partition starts are lost, as on a real network; so are messages whose sender crashed before
 * they arrived. Member ids are 1..n.
 */
final class SimNetwork {
    private final EventQueue events;
    private final SplittableRandom random;
    private final SimParams params;
    private final boolean[][] cut;
    private boolean faultsOn = true;
    private long sent;
    private long dropped;

    SimNetwork(EventQueue events, SplittableRandom random, SimParams params) {
        this.events = events;
        this.random = random;
        this.params = params;
        this.cut = new boolean[params.maxNodes() + 1][params.maxNodes() + 1];
    }

    /**
     * Sends {@code m}; {@code deliver} runs at arrival unless the message is lost, its link is cut then, or its
     * sender crashed in between ({@code senderAlive} answers false): a crash is a power cut, and what was still
     * queued in the sender's machine is lost with it.
     */
    void send(Message m, java.util.function.BooleanSupplier senderAlive, Consumer<Message> deliver) {
        sendRaw(m.from(), m.to(), senderAlive, () -> deliver.accept(m));
    }

    /**
     * Sends something other than a Raft message (a snapshot chunk or its acknowledgement) between members, with
     * the same latency, loss, duplication and partitions.
     */
    void sendRaw(long from, long to, java.util.function.BooleanSupplier senderAlive, Runnable deliver) {
        sent++;
        if (faultsOn && params.lossProbability > 0 && random.nextDouble() < params.lossProbability) {
            dropped++;
            return;
        }
        int copies = faultsOn && params.duplicateProbability > 0 && random.nextDouble() < params.duplicateProbability
                ? 2 : 1;
        for (int i = 0; i < copies; i++) {
            long delay = latency();
            if (i > 0 && params.lateDuplicateMaxMicros > 0 && random.nextBoolean()) {
                delay += random.nextLong(params.lateDuplicateMaxMicros); // a re-send after a reconnect
            }
            events.after(delay, () -> {
                if (isCut(from, to) || !senderAlive.getAsBoolean()) {
                    dropped++;
                    return;
                }
                deliver.run();
            });
        }
    }

    long latency() {
        return params.netLatencyMinMicros + random.nextLong(params.netLatencyMaxMicros - params.netLatencyMinMicros + 1);
    }

    boolean isCut(long from, long to) {
        return cut[(int) from][(int) to];
    }

    /** Cuts both directions between every member of {@code a} and every member of {@code b}. */
    void cutBetween(long[] a, long[] b) {
        for (long x : a) {
            for (long y : b) {
                if (x != y) {
                    cut[(int) x][(int) y] = true;
                    cut[(int) y][(int) x] = true;
                }
            }
        }
    }

    void cutLink(long from, long to) {
        cut[(int) from][(int) to] = true;
    }

    void healPartitions() {
        for (boolean[] row : cut) {
            Arrays.fill(row, false);
        }
    }

    /** Whether some link is cut in one direction only. */
    boolean hasOneWayCut() {
        for (int a = 0; a < cut.length; a++) {
            for (int b = 0; b < cut.length; b++) {
                if (cut[a][b] && !cut[b][a]) {
                    return true;
                }
            }
        }
        return false;
    }

    boolean partitioned() {
        for (boolean[] row : cut) {
            for (boolean c : row) {
                if (c) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Stops loss and duplication (partitions are healed separately). */
    void stopFaults() {
        faultsOn = false;
    }

    long sent() {
        return sent;
    }

    long dropped() {
        return dropped;
    }
}
