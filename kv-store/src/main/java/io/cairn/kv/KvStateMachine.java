package io.cairn.kv;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.kv.lease.Lessor;
import io.cairn.kv.mvcc.Applied;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.mvcc.KvResult;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.LeaseRevokeResponse;
import io.cairn.kv.proto.etcd.MemberListResponse;
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
public final class KvStateMachine implements FileSnapshotStateMachine {
    private final io.cairn.raft.server.DurationHistogram commitDurations =
            io.cairn.raft.server.DurationHistogram.etcdDiskBuckets();
    private final Path storeDir;
    private final Path scratch;
    private final KvLimits limits;
    private final ReentrantReadWriteLock swap = new ReentrantReadWriteLock();
    private volatile MvccStore store;
    /** Told after every applied batch and restored snapshot (the watch hub's wake-up); never blocks. */
    private volatile Runnable appliedListener = () -> { };
    /** The member's lease clock, told of every applied lease command; null until attached. */
    private volatile Lessor lessor;
    /** This member's simple tokens, told of each applied Authenticate and of what voids tokens; null until attached. */
    private volatile io.cairn.kv.auth.SimpleTokens tokens;
    /** Told after a batch that changed the membership records, and after a restored snapshot; never blocks. */
    private volatile Runnable membershipListener = () -> { };

    /**
     * The store in {@code storeDir} as a state machine, for a program that runs its own Raft group (the
     * simulator); {@code cairn kv} members get theirs from {@link KvStore}.
     */
    public static KvStateMachine open(Path storeDir, Path scratch, KvLimits limits) {
        return new KvStateMachine(storeDir, scratch, limits);
    }

    KvStateMachine(Path storeDir, Path scratch, KvLimits limits) {
        this.storeDir = storeDir;
        this.scratch = scratch;
        this.limits = limits;
        this.store = MvccStore.open(storeDir, limits);
    }

    /**
     * Each applied batch's write into the store (one RocksDB write batch) since start, in etcd's disk buckets:
     * {@code etcd_disk_backend_commit_duration_seconds}.
     */
    public io.cairn.raft.server.DurationHistogram commitDurations() {
        return commitDurations;
    }

    /** Runs {@code query} against the store as it is now; a restore waits until it returns. Any thread. */
    public <T> T read(Function<MvccStore, T> query) {
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
        long start = System.nanoTime();
        List<KvResult> results = store.apply(batch);
        commitDurations.record(System.nanoTime() - start);
        Lessor l = lessor;
        if (l != null) {
            for (int i = 0; i < results.size(); i++) {
                tellLessor(l, results.get(i), commands.get(i));
            }
        }
        io.cairn.kv.auth.SimpleTokens t = tokens;
        if (t != null) {
            for (int i = 0; i < results.size(); i++) {
                tellTokens(t, results.get(i), commands.get(i));
            }
        }
        appliedListener.run();
        for (KvResult r : results) {
            if (r.response() instanceof MemberListResponse) {
                membershipListener.run();
                break;
            }
        }
        return new ArrayList<>(results);
    }

    /** What an applied lease command means for the lease clock. */
    private static void tellLessor(Lessor l, KvResult r, Command c) {
        if (r.isError() || r.skipped()) {
            return;
        }
        if (r.response() instanceof LeaseGrantResponse g) {
            l.onGranted(g.getID(), g.getTTL(), c.term());
        } else if (r.response() instanceof LeaseKeepAliveResponse k && k.getTTL() > 0) {
            l.onRenewed(k.getID(), c.term());
        } else if (r.response() instanceof LeaseRevokeResponse) {
            try {
                l.onRevoked(KvCommand.parseFrom(c.data()).getLeaseRevoke().getID());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("an applied revoke no longer parses", e);
            }
        }
    }

    /**
     * What an applied auth command means for the member's tokens (decision 0024): an Authenticate issues one, a
     * deleted user or a changed password voids the user's, a disable voids all.
     */
    private static void tellTokens(io.cairn.kv.auth.SimpleTokens t, KvResult r, Command c) {
        if (r.isError() || r.skipped() || !r.response().getDescriptorForType().getName().startsWith("Auth")) {
            return;
        }
        io.cairn.kv.proto.AuthCommand a;
        try {
            a = KvCommand.parseFrom(c.data()).getAuth();
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("an applied auth command no longer parses", e);
        }
        switch (a.getChangeCase()) {
            case AUTHENTICATE -> t.issue(((io.cairn.kv.proto.etcd.AuthenticateResponse) r.response()).getToken(),
                    a.getAuthenticate().getName());
            case USER_DELETE -> t.forgetUser(a.getUserDelete());
            case USER_CHANGE_PASSWORD -> t.forgetUser(a.getUserChangePassword().getName().toStringUtf8());
            case DISABLE -> t.forgetAll();
            default -> { }
        }
    }

    /** Tells {@code t} of every Authenticate applied from now on. */
    void attach(io.cairn.kv.auth.SimpleTokens t) {
        this.tokens = t;
    }

    /** Hands every lease of the store to {@code l} now and tells it what is applied from now on. */
    void attach(Lessor l) {
        swap.readLock().lock();
        try {
            l.reload(store.leases());
            this.lessor = l;
        } finally {
            swap.readLock().unlock();
        }
    }

    void onApplied(Runnable listener) {
        this.appliedListener = listener;
    }

    void onMembershipChanged(Runnable listener) {
        this.membershipListener = listener;
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
            store.injectBugs(injectedBugs);
            Lessor l = lessor;
            if (l != null) {
                l.reload(store.leases());
            }
            io.cairn.kv.auth.SimpleTokens t = tokens;
            if (t != null && !store.authState().enabled()) {
                t.forgetAll(); // the snapshot disabled auth: no token of before may be used if it comes back on
            }
        } finally {
            swap.writeLock().unlock();
        }
        appliedListener.run();
        membershipListener.run();
    }

    public void close() {
        swap.writeLock().lock();
        try {
            store.close();
        } finally {
            swap.writeLock().unlock();
        }
    }

    private volatile java.util.Set<io.cairn.raft.core.InjectedBug> injectedBugs = java.util.Set.of();

    /**
     * Breaks a rule of the store on purpose (the simulator's teeth): only on a runtime environment that accepts
     * injected bugs, never on real threads.
     */
    public void injectBugs(java.util.Set<io.cairn.raft.core.InjectedBug> bugs, io.cairn.raft.server.RuntimeEnvironment env) {
        if (!bugs.isEmpty() && !env.acceptsInjectedBugs()) {
            throw new IllegalArgumentException("injected bugs " + bugs + " are for the simulator only");
        }
        injectedBugs = java.util.Set.copyOf(bugs);
        store.injectBugs(injectedBugs);
    }

    /** Closes the store as a crash would: what was applied after its last flush is lost (test hook). */
    public void crash() {
        swap.writeLock().lock();
        try {
            store.crash();
        } finally {
            swap.writeLock().unlock();
        }
    }
}
