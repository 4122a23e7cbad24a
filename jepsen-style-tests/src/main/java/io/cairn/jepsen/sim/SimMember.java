package io.cairn.jepsen.sim;

import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.confchange.ConfigChange;
import java.util.function.Consumer;

/**
 * A simulated member as the simulator's clients, nemesis and checks see it. Two implementations: {@link SimNode}
 * (the pure core with a minimal simulated runtime, fast, for most seeds) and {@link RuntimeSimNode} (the real
 * runtime, the real segmented log over a simulated disk, and a simulated transport).
 */
interface SimMember {
    int id();

    boolean up();

    boolean paused();

    boolean started();

    boolean removed();

    /** Changes at every crash and restart. */
    int incarnation();

    /** The member's core, for observation only (role, term, log, configuration); null while down. */
    RaftNode core();

    /** The index up to which the state machine has applied. */
    long applied();

    /** The last log index durable on the member's disk. */
    long durableLastIndex();

    /** Whether entry {@code (index, term)} is on the member's disk. */
    boolean durablyHolds(long index, long term);

    void start();

    void crash();

    void pause();

    void resume();

    /** Removed from the group: stopped for good. */
    void decommission();

    /** Removed from the group, but left running (it may campaign with its old configuration). */
    void retire();

    /** Makes the member's disk fail as {@code mode} says; false where disks cannot fail (the core-only runtime). */
    default boolean failDisk(io.cairn.raft.log.FaultFileIO.Mode mode) {
        return false;
    }

    /** Asks the member to compact its KV store's history (a no-op where no KV store runs). */
    default void compactKv() {
    }

    /** The run is over: release what the member holds outside the simulation (a store's files). */
    default void close() {
    }

    /** A working disk again; a member that stopped itself because of it is started again. */
    default void repairDisk() {
    }

    void clientWrite(long opId, int key, long value, Consumer<Reply> reply);

    void clientRead(int key, Consumer<Reply> reply);

    /**
     * Sets register {@code key} to {@code value} if it holds {@code expected} (null: absent), as one Txn; OK when
     * it did, FAILED when the compare failed. Only members that run the KV store.
     */
    default void clientCas(long opId, int key, Long expected, long value, Consumer<Reply> reply) {
        throw new UnsupportedOperationException("compare-and-set needs the KV store");
    }

    /** Deletes register {@code key} (a single-key DeleteRange). Only members that run the KV store. */
    default void clientDelete(long opId, int key, Consumer<Reply> reply) {
        throw new UnsupportedOperationException("delete needs the KV store");
    }

    /** Proposes the barrier command with id {@code barrierOpId} (negative); false if refused at once. */
    boolean proposeBarrier(long barrierOpId);

    void transferLeadership(long to);

    /** Proposes a membership change; {@code outcome} gets a one-line description for the trace. */
    void changeMembership(ConfigChange change, Consumer<String> outcome);

    void leaveJoint(Consumer<String> outcome);
}
