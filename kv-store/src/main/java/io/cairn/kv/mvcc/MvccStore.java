package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;

import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.mvcc.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Checkpoint;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatchWithIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd v3 data model as a local MVCC store on RocksDB, shaped to be the state machine of a Raft group.
 *
 * <p>Writes arrive only through {@link #apply}: committed Raft entries, in log order, on one thread (the apply
 * thread). Each call is one RocksDB write batch (cut at {@link KvLimits#applyBatchBytesMax()} between commands)
 * holding every change of its commands together with the new applied index, revision and compacted revision, so
 * the database is always at a command boundary. A command at or below the applied index is skipped: replaying the
 * log above {@link #durableAppliedIndex()} after a restart is idempotent.
 *
 * <p>Reads ({@link #range}, {@link #listChildren}) run on any thread, concurrently with applies, each on a RocksDB
 * snapshot whose meta tells the revision it shows. Revision numbers and indexes read through the accessors are
 * those of the last committed batch.
 *
 * <p>Durability (docs/decisions/0009-kv-durability.md): RocksDB's WAL is off; the Raft log is the write-ahead log.
 * {@link #durableAppliedIndex()} is the highest applied index known to be on disk (after a flush); the Raft log
 * must keep every entry above it. {@link #close()} flushes, so a clean close loses nothing.
 *
 * <p>Invariants (checked): indexes of applied commands ascend; the revision moves by at most one per command;
 * {@code compactedRevision <= revision}; meta read at open passes the same checks.
 *
 * <p>Threads: {@link #apply}, {@link #checkpoint} and {@link #close} on the apply thread; reads anywhere. A
 * compactor thread and a flusher thread run in the background; {@link #close} stops both.
 */
public final class MvccStore implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MvccStore.class);
    /**
     * The store's layout (meta's {@code format}): 1 had values in the current column family; 2 keeps only
     * metadata there ({@link KvMeta}) and reads values from history (decision 0012).
     */
    static final long FORMAT = 2;

    private final Path dir;
    private final KvLimits limits;
    private final Columns columns;
    private final Compactor compactor;
    private final Durability durability;
    private final ReentrantReadWriteLock openLock = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private volatile long revision;
    private volatile long compactedRevision;
    private volatile long appliedIndex;
    /** The auth records as of the last committed batch (decision 0024). */
    private volatile AuthState authState;

    private MvccStore(Path dir, KvLimits limits, Columns columns, StoredMeta meta) {
        this.dir = dir;
        this.limits = limits;
        this.columns = columns;
        this.revision = meta.revision();
        this.compactedRevision = meta.compactedRevision();
        this.appliedIndex = meta.appliedIndex();
        try (KvSource.AtSnapshot snapshot = new KvSource.AtSnapshot(columns)) {
            this.authState = new AuthTable(snapshot, columns).load();
        }
        this.compactor = new Compactor(columns, limits, meta.physicalCompactedRevision(), meta.compactedRevision(),
                "kv-compactor-" + dir.getFileName());
        this.durability = new Durability(columns, () -> appliedIndex, meta.appliedIndex(),
                limits.flushIntervalMillis(), "kv-flusher-" + dir.getFileName());
    }

    public static MvccStore open(Path dir) {
        return open(dir, KvLimits.DEFAULTS);
    }

    /** Opens (or creates) the store in {@code dir}; a checkpoint directory opens as the store it was taken of. */
    public static MvccStore open(Path dir, KvLimits limits) {
        return open(dir, limits, Columns.Wal.OFF);
    }

    /** With RocksDB's WAL in another mode than the design's: only to measure decision 0009. */
    static MvccStore open(Path dir, KvLimits limits, Columns.Wal wal) {
        try {
            recoverSwitch(dir);
        } catch (IOException e) {
            throw new StorageException("cannot finish the snapshot switch interrupted in " + dir, e);
        }
        Columns columns = null;
        try {
            columns = Columns.open(dir, wal, limits.backgroundWork());
            StoredMeta meta = StoredMeta.readOrInit(columns, FORMAT, dir);
            log.info("kv store {} open: revision {}, compacted {}, applied index {}", dir, meta.revision(),
                    meta.compactedRevision(), meta.appliedIndex());
            return new MvccStore(dir, limits, columns, meta);
        } catch (RocksDBException | RuntimeException e) {
            if (columns != null) {
                columns.close();
            }
            throw e instanceof RuntimeException r ? r : new StorageException("cannot open " + dir, e);
        }
    }

    /**
     * Replaces whatever is in {@code dataDir} with the checkpoint in {@code checkpointDir} (whose files and
     * directories must be synced) and opens it. The switch survives a crash at any step: the checkpoint is moved
     * (or copied and synced) to {@code <dataDir>.new}, the old store is renamed to {@code <dataDir>.old}, the new one
     * to {@code dataDir}, the parent synced between steps, and the old one deleted. {@link #open} finishes or
     * rolls back a switch it finds half done ({@link #recoverSwitch}).
     */
    public static MvccStore restore(Path checkpointDir, Path dataDir, KvLimits limits) throws IOException {
        Path parent = dataDir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staged = sibling(dataDir, ".new");
        Path old = sibling(dataDir, ".old");
        FileTrees.deleteTree(staged);
        FileTrees.deleteTree(old);
        FileTrees.moveOrCopyDurably(checkpointDir, staged);
        FileTrees.syncDirectory(parent);
        io.cairn.raft.server.CrashPoints.reached("kv-switch:staged");
        if (Files.exists(dataDir)) {
            Files.move(dataDir, old, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.syncDirectory(parent);
            io.cairn.raft.server.CrashPoints.reached("kv-switch:old-aside");
        }
        Files.move(staged, dataDir, StandardCopyOption.ATOMIC_MOVE);
        FileTrees.syncDirectory(parent);
        io.cairn.raft.server.CrashPoints.reached("kv-switch:switched");
        FileTrees.deleteTree(old);
        return open(dataDir, limits);
    }

    /**
     * Makes the store in {@code dir} the start of a new cluster's log: its applied index becomes 0, the old cluster's
     * membership records and alarms go (the new cluster's members bootstrap theirs from their {@code --initial-cluster}, as
     * etcd's restore writes a new membership), and everything else (keys, history, revisions, leases) stays, so a
     * member whose Raft log is empty applies index 1 onto it. What {@code cairn kv snapshot restore} does to a
     * snapshot taken from another cluster. The store must not be open.
     */
    public static void forgetAppliedIndex(Path dir, KvLimits limits) {
        try (MvccStore s = open(dir, limits);
                WriteBatchWithIndex batch = new WriteBatchWithIndex()) {
            s.openLock.writeLock().lock();
            try {
                // Kept, the old members' records would have the new cluster's leader add them to Raft (robustness
                // row 79): voters that never answer, and a cluster without a quorum.
                MemberTable.clearInto(batch, s.columns);
                AlarmTable.clearInto(batch, s.columns); // raised by members the new cluster does not have
                StoredMeta.write(batch, s.columns, 0, s.revision, s.compactedRevision);
                s.columns.db.write(s.columns.writeOptions, batch);
                s.appliedIndex = 0;
                s.columns.flushAll(); // the WAL is off: only a flush makes the new meta durable
            } finally {
                s.openLock.writeLock().unlock();
            }
        } catch (RocksDBException e) {
            throw new StorageException("cannot reset the applied index of " + dir, e);
        }
    }

    private static Path sibling(Path dataDir, String suffix) {
        Path abs = dataDir.toAbsolutePath();
        return abs.resolveSibling(abs.getFileName() + suffix);
    }

    /**
     * Finishes a switch a crash interrupted ({@link #restore}): with no store but a complete staged one (it is
     * renamed into place only once synced), the switch rolls forward; with no store and only the old one aside,
     * it rolls back (the runtime then restores the snapshot again: its metadata is recorded before the switch
     * starts). Leftovers next to a store are deleted.
     */
    static void recoverSwitch(Path dataDir) throws IOException {
        Path staged = sibling(dataDir, ".new");
        Path old = sibling(dataDir, ".old");
        if (!Files.exists(dataDir)) {
            if (Files.exists(staged)) {
                log.warn("kv store {}: finishing a snapshot switch interrupted by a crash", dataDir);
                Files.move(staged, dataDir, StandardCopyOption.ATOMIC_MOVE);
                FileTrees.syncDirectory(dataDir.toAbsolutePath().getParent());
            } else if (Files.exists(old)) {
                log.warn("kv store {}: rolling back a snapshot switch interrupted by a crash", dataDir);
                Files.move(old, dataDir, StandardCopyOption.ATOMIC_MOVE);
                FileTrees.syncDirectory(dataDir.toAbsolutePath().getParent());
            }
        }
        FileTrees.deleteTree(staged);
        FileTrees.deleteTree(old);
        FileTrees.deleteTree(sibling(dataDir, ".new.tmp"));
    }

    /** Applies committed commands in log order; one result per command, in order. Apply thread only. */
    public List<KvResult> apply(List<Applied> commands) {
        List<KvResult> results = new ArrayList<>(commands.size());
        openLock.readLock().lock();
        try {
            ensureOpen();
            int next = 0;
            while (next < commands.size()) {
                next = applyBatch(commands, next, results);
            }
        } finally {
            openLock.readLock().unlock();
        }
        return results;
    }

    /** Applies commands from {@code from} into one write batch and commits it; returns the next to apply. */
    private int applyBatch(List<Applied> commands, int from, List<KvResult> results) {
        BatchState state = new BatchState(revision, compactedRevision, appliedIndex, authState);
        int i = from;
        try (WriteBatchWithIndex batch = new WriteBatchWithIndex(true); ReadOptions readOptions = new ReadOptions()) {
            KvSource view = new KvSource.ThroughBatch(columns, batch, readOptions);
            CommandExecutor executor = new CommandExecutor(columns, batch,
                    new Scanner(view, columns, new KvSource.Steps()), limits, txnIgnoresCompares);
            long bytes = 0;
            while (i < commands.size() && bytes < limits.applyBatchBytesMax()) {
                Applied a = commands.get(i++);
                if (a.index() <= state.appliedIndex) {
                    results.add(KvResult.alreadyApplied(a.index()));
                    continue;
                }
                batch.setSavePoint();
                KvResult result = applyOne(executor, a, state);
                if (result.isError()) {
                    batch.rollbackToSavePoint();
                } else {
                    batch.popSavePoint();
                }
                bytes += state.lastBytes;
                state.appliedIndex = a.index();
                results.add(result);
            }
            if (state.appliedIndex != appliedIndex) {
                commit(batch, state);
            }
        } catch (RocksDBException e) {
            throw new StorageException("apply failed", e);
        }
        for (PendingCompaction c : state.compactions) {
            compactor.request(c.revision(), c.waiter());
        }
        return i;
    }

    /** The revisions and index as the open batch leaves them. */
    private static final class BatchState {
        long revision;
        long compactedRevision;
        long appliedIndex;
        long lastBytes;
        /** The auth records as the batch's commands so far leave them. */
        AuthState auth;
        final List<PendingCompaction> compactions = new ArrayList<>();

        BatchState(long revision, long compactedRevision, long appliedIndex, AuthState auth) {
            this.auth = auth;
            this.revision = revision;
            this.compactedRevision = compactedRevision;
            this.appliedIndex = appliedIndex;
        }
    }

    private record PendingCompaction(long revision, CompletableFuture<Void> waiter) {}

    private KvResult applyOne(CommandExecutor executor, Applied a, BatchState state) {
        state.lastBytes = a.command().length;
        try {
            Validation.checkSize(a.command().length, limits);
            KvCommand command = KvCommand.parseFrom(a.command());
            CommandExecutor.Outcome o = executor.execute(command, state.revision, state.compactedRevision, state.auth,
                    a.index());
            if (command.hasAuth()) {
                state.auth = new AuthTable(executor.source(), columns).load();
            }
            Invariants.check(o.revision() == state.revision || o.revision() == state.revision + 1,
                    "command %s moved the revision from %s to %s", a.index(), state.revision, o.revision());
            state.revision = o.revision();
            state.lastBytes += o.bytesWritten();
            if (o.compactedRevision() != state.compactedRevision) {
                state.compactedRevision = o.compactedRevision();
                CompletableFuture<Void> waiter = o.physicalCompaction() ? new CompletableFuture<>() : null;
                state.compactions.add(new PendingCompaction(o.compactedRevision(), waiter));
                if (waiter != null) {
                    return KvResult.ok(a.index(), o.response(), waiter);
                }
            }
            return KvResult.ok(a.index(), o.response());
        } catch (InvalidProtocolBufferException e) {
            return KvResult.refused(a.index(), KvErrors.malformedCommand(e.getMessage()));
        } catch (KvException e) {
            return KvResult.refused(a.index(), e);
        }
    }

    private void commit(WriteBatchWithIndex batch, BatchState state) throws RocksDBException {
        Invariants.check(state.appliedIndex > appliedIndex, "applied index must grow: %s -> %s", appliedIndex,
                state.appliedIndex);
        Invariants.check(state.compactedRevision <= state.revision, "compacted %s above revision %s",
                state.compactedRevision, state.revision);
        StoredMeta.write(batch, columns, state.appliedIndex, state.revision, state.compactedRevision);
        columns.db.write(columns.writeOptions, batch);
        revision = state.revision;
        compactedRevision = state.compactedRevision;
        authState = state.auth;
        appliedIndex = state.appliedIndex;
    }

    /** etcd's Range, on a consistent snapshot; any thread. Header revision filled, other header fields not. */
    public RangeResponse range(RangeRequest request) {
        return range(request, new KvSource.Steps());
    }

    /** {@link #range(RangeRequest)}, counting what it reads into {@code steps} (tests of its cost). */
    RangeResponse range(RangeRequest request, KvSource.Steps steps) {
        Validation.checkRange(request);
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            StoredMeta meta = StoredMeta.read(snapshot, columns);
            Scanner scanner = new Scanner(snapshot, columns, steps);
            return new RangeExecutor(scanner, limits).execute(request, meta.revision(), meta.compactedRevision());
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Whether a Txn writes (etcd's {@code !isTxnReadonly}); one that does not may be served by {@link #readTxn}. */
    /** The raised alarms as of the last applied command (etcd's alarm list); any thread. */
    public List<io.cairn.kv.proto.etcd.AlarmMember> alarms() {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            return new AlarmTable(snapshot, columns).all();
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Whether a Txn could put (what a NOSPACE alarm refuses). */
    public static boolean txnHasPuts(io.cairn.kv.proto.etcd.TxnRequest t) {
        return CommandExecutor.hasPuts(t);
    }

    public static boolean txnHasWrites(io.cairn.kv.proto.etcd.TxnRequest t) {
        return ReadTxn.hasWrites(t);
    }

    /** Whether a read-only Txn may be served from this member's state at once (etcd's {@code isTxnSerializable}). */
    public static boolean txnSerializable(io.cairn.kv.proto.etcd.TxnRequest t) {
        return ReadTxn.serializable(t);
    }

    /**
     * A Txn without writes ({@link #txnHasWrites} false) on a consistent snapshot, as the log would have answered it
     * at the snapshot's revision; any thread. Header revision filled, other header fields not.
     */
    public io.cairn.kv.proto.etcd.TxnResponse readTxn(io.cairn.kv.proto.etcd.TxnRequest t) {
        Invariants.check(!ReadTxn.hasWrites(t), "readTxn takes a Txn without writes");
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            StoredMeta meta = StoredMeta.read(snapshot, columns);
            Scanner scanner = new Scanner(snapshot, columns, new KvSource.Steps());
            return new ReadTxn(scanner, new RangeExecutor(scanner, limits), meta.revision(), meta.compactedRevision())
                    .run(t);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * The immediate children of {@code prefix} (non-empty, ending with '/') at the current revision: at most
     * {@code limit} of them, starting after the child named {@code startAfter} (null: from the first). Any thread.
     */
    public DirectoryListing listChildren(byte[] prefix, byte[] startAfter, int limit) {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            StoredMeta meta = StoredMeta.read(snapshot, columns);
            return new DirectoryLister(snapshot, columns, new KvSource.Steps(), prefix, limit)
                    .list(startAfter, meta.revision());
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * The events of revisions {@code fromRevision} (0: the current one) and later, in order, at most
     * {@code eventsMax} of them, so the last revision returned may be cut (a watcher fragments or asks again):
     * the revision log that watchers catch up from. PUT events carry the new kv, DELETE events the key and the
     * delete's mod_revision. Refused below the compacted revision and above the current one, as a Range is.
     */
    public List<Event> events(long fromRevision, int eventsMax) {
        return eventsRead(fromRevision, eventsMax).events();
    }

    /** Events read on one view of the store, with that view's revision (see {@link #eventsRead}). */
    public record EventsRead(List<Event> events, long revision) {}

    /**
     * {@link #events}, with the revision of the view they were read from: when fewer than {@code eventsMax} came
     * back, they are every event up to that revision.
     */
    public EventsRead eventsRead(long fromRevision, int eventsMax) {
        Invariants.check(eventsMax >= 1, "eventsMax must be >= 1: %s", eventsMax);
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot();
                org.rocksdb.RocksIterator it = snapshot.iterator(columns.revlog)) {
            StoredMeta meta = StoredMeta.read(snapshot, columns);
            long from = RangeExecutor.readRevision(fromRevision, meta.revision(), meta.compactedRevision());
            List<Event> out = new ArrayList<>();
            for (it.seek(Keys.revlogStart(from)); it.isValid() && out.size() < eventsMax; it.next()) {
                out.add(Event.parseFrom(it.value()));
            }
            Scanner.checkStatus(it);
            return new EventsRead(out, meta.revision());
        } catch (InvalidProtocolBufferException e) {
            throw new StorageException("bad event in the revision log", e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Every lease: {id, granted TTL in seconds}. Any thread. */
    public List<long[]> leases() {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            return new LeaseTable(snapshot, columns).all();
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The auth records (decision 0024) as of the last applied batch. Any thread. */
    public AuthState authState() {
        return authState;
    }

    /** The membership records (decision 0023), as of the last applied batch. Any thread. */
    public MemberRecords memberRecords() {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            return new MemberTable(snapshot, columns).all();
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** Lease {@code id}'s granted TTL in seconds, or -1 if there is no such lease. Any thread. */
    public long leaseTtl(long id) {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            return new LeaseTable(snapshot, columns).ttl(id);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The keys attached to lease {@code id}, in key order. Any thread. */
    public List<byte[]> leaseKeys(long id) {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            return new LeaseTable(snapshot, columns).keys(id);
        } finally {
            openLock.readLock().unlock();
        }
    }

    private KvSource.AtSnapshot snapshot() {
        ensureOpen();
        return new KvSource.AtSnapshot(columns);
    }

    private void ensureOpen() {
        if (closed) {
            throw new KvException(KvException.Code.UNAVAILABLE, "cairn: the kv store is closed");
        }
    }

    /** The store revision after the last committed batch (1 for a fresh store). */
    public long revision() {
        return revision;
    }

    /** The revision at and above which reads are served (0 before the first Compact). */
    public long compactedRevision() {
        return compactedRevision;
    }

    /** The revision below which history is physically removed (trails {@link #compactedRevision()}). */
    public long physicalCompactedRevision() {
        return compactor.physicalCompactedRevision();
    }

    /** Failed attempts of the background compaction since open (each is retried with backoff). */
    public long compactionFailures() {
        return compactor.failures();
    }

    /** Test hook: the next {@code n} batches of the background compaction fail as a storage error would. */
    void failNextCompactionBatches(int n) {
        compactor.failNextBatches(n);
    }

    /** Test hook: after {@code ok} more compaction batches are written, the next {@code n} fail. */
    void failCompactionBatchesAfter(int ok, int n) {
        compactor.failBatchesAfter(ok, n);
    }

    /** Whether the compaction running since open went on from a point recorded by an earlier run (tests). */
    boolean compactionResumedFromRecordedPoint() {
        return compactor.resumedFromRecordedPoint();
    }

    /** The Raft index of the last command applied (0 for a fresh store). */
    public long appliedIndex() {
        return appliedIndex;
    }

    /** The highest applied index known to be on disk: the Raft log must keep every entry above it. */
    public long durableAppliedIndex() {
        return durability.durableAppliedIndex();
    }

    /** Makes everything applied durable now (a RocksDB atomic flush); returns the durable applied index. */
    public long flush() {
        openLock.readLock().lock();
        try {
            ensureOpen();
            return durability.flush();
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Writes a RocksDB checkpoint of the state as of the last applied command into {@code target}, which must
     * not exist or be an empty directory (as a {@code FileSnapshotStateMachine} hands over); {@link #open} on it,
     * or {@link #restore}, gives that state back. SST files are hard links when on the same file system. Any
     * thread: each applied batch is one atomic RocksDB write and the flush the checkpoint makes is atomic over the
     * column families, so the checkpoint holds the state after some whole batch, with that batch's applied index.
     */
    public void checkpoint(Path target) {
        openLock.readLock().lock();
        try {
            ensureOpen();
            if (Files.isDirectory(target)) {
                try (var entries = Files.list(target)) {
                    Invariants.check(entries.findAny().isEmpty(), "checkpoint target %s is not empty", target);
                }
                Files.delete(target); // RocksDB creates the directory itself
            }
            try (Checkpoint checkpoint = Checkpoint.create(columns.db)) {
                checkpoint.createCheckpoint(target.toString());
            }
        } catch (IOException e) {
            throw new StorageException("checkpoint into " + target + " failed", e);
        } catch (RocksDBException e) {
            throw new StorageException("checkpoint into " + target + " failed", e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** etcd's HashKV answer: the hash, the revision it covers and the compaction point then. */
    public record KvHash(int hash, long revision, long compactedRevision) {}

    /**
     * A hash of the store as it was at {@code revision} (0: now): CRC-32C over every live key in key order with its
     * value, create and mod revisions, version and lease. Members that applied the same log give the same hash at the
     * same revision (etcd's HashKV, whose purpose is that comparison; etcd hashes its own encoding, so the values of the
     * two servers do not compare). A revision above the current one or below the compaction point fails as a Range
     * there fails. Any thread; reads the whole store at that revision, a thousand values at a time.
     */
    public KvHash hashKv(long revision) {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            StoredMeta meta = StoredMeta.read(snapshot, columns);
            long at = revision <= 0 ? meta.revision() : revision;
            if (at > meta.revision()) {
                throw KvErrors.futureRevision();
            }
            if (at < meta.compactedRevision()) {
                throw KvErrors.compacted();
            }
            Scanner scanner = new Scanner(snapshot, columns, new KvSource.Steps());
            java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
            java.nio.ByteBuffer numbers = java.nio.ByteBuffer.allocate(32);
            List<Scanner.Hit> hits = new ArrayList<>();
            Runnable digest = () -> {
                List<byte[]> values = scanner.values(hits);
                for (int i = 0; i < hits.size(); i++) {
                    Scanner.Hit h = hits.get(i);
                    crc.update(h.key());
                    crc.update(values.get(i));
                    numbers.clear();
                    numbers.putLong(h.meta().createRevision()).putLong(h.meta().modRevision())
                            .putLong(h.meta().version()).putLong(h.meta().lease()).flip();
                    crc.update(numbers);
                }
                hits.clear();
            };
            scanner.scan(KeyInterval.of(new byte[0], new byte[] {0}), at, meta.revision(), Long.MAX_VALUE,
                    (key, m) -> {
                        hits.add(new Scanner.Hit(key, m));
                        if (hits.size() == 1000) {
                            digest.run();
                        }
                        return true;
                    });
            digest.run();
            return new KvHash((int) crc.getValue(), at, meta.compactedRevision());
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** The store's size on disk: its files' total (etcd's dbSize) and RocksDB's estimate of the live data in them. */
    public record DiskSize(long total, long inUse) {}

    /** {@link DiskSize} now; any thread. */
    public DiskSize diskSize() {
        openLock.readLock().lock();
        try {
            ensureOpen();
            long total = 0;
            try (var files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    if (Files.isRegularFile(f)) {
                        total += Files.size(f);
                    }
                }
            } catch (IOException e) {
                throw new StorageException("cannot list " + dir, e);
            }
            long live = 0;
            for (org.rocksdb.ColumnFamilyHandle cf : List.of(columns.meta, columns.current, columns.history,
                    columns.revlog)) {
                live += columns.db.getLongProperty(cf, "rocksdb.estimate-live-data-size");
            }
            return new DiskSize(total, Math.min(total, live));
        } catch (RocksDBException e) {
            throw new StorageException("cannot read RocksDB's size properties", e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * etcd's Defragment: gives back the space that deleted and compacted data still hold, by compacting every column
     * family's whole key range (RocksDB rewrites its files without what was removed). Reads and writes go on meanwhile.
     * Any thread; takes as long as rewriting the store.
     */
    public void defragment() {
        openLock.readLock().lock();
        try {
            ensureOpen();
            for (org.rocksdb.ColumnFamilyHandle cf : List.of(columns.meta, columns.current, columns.history,
                    columns.revlog)) {
                columns.db.compactRange(cf);
            }
        } catch (RocksDBException e) {
            throw new StorageException("defragmentation failed", e);
        } finally {
            openLock.readLock().unlock();
        }
    }

    /**
     * Reads the value of every live key's current version from history, checking each as every read does
     * ({@link HistoryRecord#value}: the entry exists and is that version); returns how many keys it checked. The
     * layout's invariant, for tests; scans the whole store.
     */
    long checkCurrentVersionsInHistory() {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            long now = StoredMeta.read(snapshot, columns).revision();
            Scanner scanner = new Scanner(snapshot, columns, new KvSource.Steps());
            List<Scanner.Hit> hits = new ArrayList<>();
            KeyInterval everything = KeyInterval.of(new byte[0], new byte[] {0});
            long checked = scanner.scan(everything, now, now, Long.MAX_VALUE, (key, meta) -> {
                hits.add(new Scanner.Hit(key, meta));
                if (hits.size() == 1000) {
                    scanner.values(hits);
                    hits.clear();
                }
                return true;
            });
            scanner.values(hits);
            return checked;
        } finally {
            openLock.readLock().unlock();
        }
    }

    /** How many entries a column family holds (tests of compaction; scans the whole family). */
    long countEntries(String family) {
        openLock.readLock().lock();
        try (KvSource.AtSnapshot snapshot = snapshot()) {
            org.rocksdb.ColumnFamilyHandle cf = switch (family) {
                case Columns.CURRENT -> columns.current;
                case Columns.HISTORY -> columns.history;
                case Columns.REVLOG -> columns.revlog;
                default -> columns.meta;
            };
            long n = 0;
            try (org.rocksdb.RocksIterator it = snapshot.iterator(cf)) {
                for (it.seekToFirst(); it.isValid(); it.next()) {
                    n++;
                }
            }
            return n;
        } finally {
            openLock.readLock().unlock();
        }
    }

    public Path directory() {
        return dir;
    }

    public KvLimits limits() {
        return limits;
    }

    /** Stops the background threads, flushes (nothing applied is lost) and closes RocksDB. Idempotent. */
    @Override
    public void close() {
        close(true);
    }

    /**
     * What a crash leaves (the simulator's and crash tests' hook): the store closes without flushing, so whatever
     * was applied after its last flush is gone when it reopens, and the Raft log replays it (decision 0009).
     */
    public void crash() {
        close(false);
    }

    private volatile boolean txnIgnoresCompares;

    /**
     * Injected bugs of the KV store (the simulator's, through {@code KvStateMachine}, which refuses them outside
     * a simulated runtime): {@link io.cairn.raft.core.InjectedBug#TXN_IGNORES_COMPARE}.
     */
    public void injectBugs(java.util.Set<io.cairn.raft.core.InjectedBug> bugs) {
        txnIgnoresCompares = bugs.contains(io.cairn.raft.core.InjectedBug.TXN_IGNORES_COMPARE);
    }

    private void close(boolean flush) {
        openLock.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            compactor.close();
            durability.close();
            if (flush) {
                try {
                    columns.flushAll();
                } catch (RocksDBException e) {
                    log.warn("flush at close of {} failed; the Raft log replays what was lost", dir, e);
                }
            }
            columns.close();
        } finally {
            openLock.writeLock().unlock();
        }
    }
}
