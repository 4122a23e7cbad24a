package io.cairn.raft.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;

/**
 * The user's replicated state: the runtime applies committed commands to it in log order, on one thread (the
 * group's apply thread), and asks it for snapshots.
 *
 * <p>Durability: a state machine either keeps nothing durable of its own ({@link #durableAppliedIndex()} returns
 * {@link #VOLATILE}: after a restart it is rebuilt from the latest snapshot and the log) or keeps its state
 * durably ({@link #durableAppliedIndex()} tells up to which index): the log then keeps every entry above that
 * index, and a restart replays only those.
 *
 * <p>Snapshots are a stream here; a state machine whose snapshot is a directory of files (a RocksDB checkpoint)
 * implements {@link FileSnapshotStateMachine} instead.
 */
public interface StateMachine {
    /** Returned by {@link #durableAppliedIndex()} by a state machine that keeps nothing durable itself. */
    long VOLATILE = -1;

    /** One committed command. */
    record Command(long index, long term, byte[] data) {}

    /**
     * Applies {@code commands} (consecutive, in log order) and returns one result per command (null allowed),
     * which completes the proposer's future on the member that proposed it.
     */
    List<Object> apply(List<Command> commands);

    /** The highest index whose effects are durable in the state machine's own storage, or {@link #VOLATILE}. */
    default long durableAppliedIndex() {
        return VOLATILE;
    }

    /**
     * Writes the state as of the last command applied to {@code out} (a stream: a snapshot is never one byte
     * array). Called on the apply thread, between two {@link #apply} calls, unless {@link #captureSnapshot}
     * captures the state instead.
     */
    void writeSnapshot(OutputStream out) throws IOException;

    /** A state captured on the apply thread, written out later on the group's snapshot thread. */
    @FunctionalInterface
    interface SnapshotWriter {
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Captures the state as of the last command applied, on the apply thread, and returns what writes it out:
     * the runtime runs the writer on a snapshot thread while commands keep being applied, so the capture must
     * not change with them (a copy, an immutable version, a RocksDB checkpoint). The default returns null, and
     * {@link #writeSnapshot(OutputStream)} runs on the apply thread instead, holding applies up meanwhile.
     */
    default SnapshotWriter captureSnapshot() throws IOException {
        return null;
    }

    /** Replaces the whole state with the snapshot read from {@code in}. Called on the apply thread. */
    void restoreSnapshot(InputStream in) throws IOException;

    /**
     * Whether the runtime may snapshot this state machine lazily (decision 0011). A state machine that says yes
     * keeps its state durably itself ({@link #durableAppliedIndex()}), makes everything applied durable on
     * {@link #makeDurable()}, and ignores commands at or below the index its state already holds. The runtime
     * then takes no snapshot file when the log grows past its threshold: it makes the state durable and lets the
     * log go below that point. A file is written only when a follower needs one, from the state as it is then (at
     * or past the snapshot's index; the follower's state machine skips the entries it already holds).
     */
    default boolean lazySnapshots() {
        return false;
    }

    /**
     * Makes every applied command durable in the state machine's own storage (a flush) and returns the durable
     * applied index. Called on the apply thread; only used when {@link #lazySnapshots()} says yes.
     */
    default long makeDurable() throws IOException {
        return durableAppliedIndex();
    }
}
