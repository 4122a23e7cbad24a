package io.cairn.kv;

import io.cairn.kv.mvcc.Applied;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.mvcc.KvResult;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.raft.server.FileSnapshotStateMachine;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * The MVCC store as the state machine of a Raft group: committed {@code KvCommand}s go to
 * {@link MvccStore#apply} (one RocksDB write batch per applied batch, with the applied index), snapshots are
 * RocksDB checkpoints (a directory, which the runtime packs and streams) taken when a follower needs one, and a
 * snapshot from the leader replaces the store's directory.
 *
 * <p>Durability: the store is durable on its own ({@link #durableAppliedIndex()} is its last flush), so the Raft
 * log keeps only the entries above that index and a restart replays just those; the store skips commands it
 * already holds (decision 0009).
 *
 * <p>Threads: {@link #apply}, snapshots and the restore run on the group's apply thread. Reads come from any
 * thread through {@link #read}, which holds off a restore while they run (a restore closes one RocksDB and opens
 * another in its place).
 */
final class KvStateMachine implements FileSnapshotStateMachine {
    private final Path storeDir;
    private final Path scratch;
    private final KvLimits limits;
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private volatile MvccStore store;
    /** Told after every applied batch and restored snapshot (the watch hub's wake-up); never blocks. */
    private volatile Runnable appliedListener = () -> { };

    KvStateMachine(Path storeDir, Path scratch, KvLimits limits) {
        this.storeDir = storeDir;
        this.scratch = scratch;
        this.limits = limits;
        this.store = MvccStore.open(storeDir, limits);
    }

    /** Runs {@code query} against the store as it is now; a restore waits until it returns. Any thread. */
    <T> T read(Function<MvccStore, T> query) {
        swap.readLock().lock();
        try {
            return query.apply(store);
        } finally {
            swap.readLock().unlock();
        }
    }

    /** One {@link KvResult} per command, which completes the proposer's future. */
    @Override
    public List<Object> apply(List<Command> commands) {
        List<Applied> batch = new ArrayList<>(commands.size());
        for (Command c : commands) {
            batch.add(new Applied(c.index(), c.data()));
        }
        List<Object> results = new ArrayList<>(store.apply(batch));
        appliedListener.run();
        return results;
    }

    void onApplied(Runnable listener) {
        this.appliedListener = listener;
    }

    @Override
    public long durableAppliedIndex() {
        return store.durableAppliedIndex();
    }

    /**
     * The store is durable on its own and skips commands it already holds, so snapshots are lazy (decision
     * 0011): a checkpoint is packed only when a follower needs one, not every {@code --snapshot-count} entries
     * (which for a large store wrote the whole database again each time).
     */
    @Override
    public boolean lazySnapshots() {
        return true;
    }

    @Override
    public long makeDurable() {
        return store.flush();
    }

    @Override
    public Path snapshotScratch() {
        return scratch;
    }

    @Override
    public void writeSnapshot(Path dir) {
        store.checkpoint(dir);
    }

    @Override
    public void restoreSnapshot(Path dir) throws IOException {
        swap.writeLock().lock();
        try {
            store.close();
            store = MvccStore.restore(dir, storeDir, limits);
        } finally {
            swap.writeLock().unlock();
        }
        appliedListener.run();
    }

    void close() {
        swap.writeLock().lock();
        try {
            store.close();
        } finally {
            swap.writeLock().unlock();
        }
    }
}
