package io.cairn.jepsen.sim;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.cairn.kv.KvStateMachine;
import io.cairn.kv.mvcc.KvLimits;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.mvcc.KeyValue;
import io.cairn.raft.server.FileSnapshotStateMachine;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The real KV store as a simulated member's state machine: {@link KvStateMachine} and its {@code MvccStore} on
 * RocksDB, in a directory of its own on the real file system, with lazy snapshots (checkpoints packed when a
 * follower needs one), snapshot install through the crash-safe switch, and no background work whose timing could
 * change a replay ({@link KvLimits#deterministic()}: no periodic flush, no RocksDB compactions). A crash closes the
 * store without flushing, so what was applied after its last flush is lost and the Raft log replays it.
 *
 * <p>The register workload maps onto etcd's operations: register {@code k} is key {@code "k<k>"}, a write is a Put
 * whose value carries the operation's id (the simulator tracks what was applied) and the register's value.
 */
final class SimKvStore implements FileSnapshotStateMachine {
    private final Path dir;
    private final Simulation sim;
    private KvStateMachine kv;

    SimKvStore(Path dir, Simulation sim) {
        this.dir = dir;
        this.sim = sim;
    }

    /** Opens the store on what its directory holds (at every start of the member), with the run's bugs. */
    void open(java.util.Set<io.cairn.raft.core.InjectedBug> bugs, io.cairn.raft.server.RuntimeEnvironment env) {
        kv = KvStateMachine.open(dir.resolve("kv"), dir.resolve("kv-scratch"), KvLimits.DEFAULTS.deterministic());
        kv.injectBugs(bugs, env);
    }

    /** A crash: the store closes without flushing. */
    void crash() {
        if (kv != null) {
            kv.crash();
            kv = null;
        }
    }

    static ByteString key(int register) {
        return ByteString.copyFromUtf8("k" + register);
    }

    /** The command that writes {@code value} to register {@code key} as operation {@code opId}. */
    static byte[] put(long opId, int key, long value) {
        byte[] v = ByteBuffer.allocate(16).putLong(opId).putLong(value).array();
        return KvCommand.newBuilder().setPut(PutRequest.newBuilder().setKey(key(key)).setValue(ByteString.copyFrom(v)))
                .build().toByteArray();
    }

    /** The stored bytes of a register holding {@code v}: written by operation {@code v}, value {@code v}. */
    private static ByteString stored(long opId, long v) {
        return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(opId).putLong(v).array());
    }

    /**
     * The Txn that sets register {@code key} to {@code value} (as operation {@code opId}) if it holds
     * {@code expected}: every value the workload writes is the id of the operation that wrote it, so the stored
     * bytes of a register holding {@code e} are {@code (e, e)}; absent is version 0.
     */
    static byte[] cas(long opId, int key, Long expected, long value) {
        Compare.Builder compare = Compare.newBuilder().setKey(key(key));
        if (expected == null) {
            compare.setTarget(Compare.CompareTarget.VERSION).setResult(Compare.CompareResult.EQUAL).setVersion(0);
        } else {
            compare.setTarget(Compare.CompareTarget.VALUE).setResult(Compare.CompareResult.EQUAL)
                    .setValue(stored(expected, expected));
        }
        TxnRequest txn = TxnRequest.newBuilder().addCompare(compare)
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key(key))
                        .setValue(stored(opId, value))))
                .build();
        return KvCommand.newBuilder().setTxn(txn).build().toByteArray();
    }

    /**
     * A Compact that keeps the last {@code keep} revisions (physical: the history below goes too, on the apply thread
     * in the simulator), or null when there is nothing to compact.
     */
    byte[] compactKeeping(long keep) {
        long[] revisions = kv.read(s -> new long[] {s.revision(), s.compactedRevision()});
        long to = revisions[0] - keep;
        if (to <= revisions[1]) {
            return null;
        }
        return KvCommand.newBuilder().setCompaction(CompactionRequest.newBuilder().setRevision(to).setPhysical(true))
                .build().toByteArray();
    }

    /** The single-key DeleteRange of register {@code key}. */
    static byte[] delete(int key) {
        return KvCommand.newBuilder().setDeleteRange(DeleteRangeRequest.newBuilder().setKey(key(key))).build()
                .toByteArray();
    }

    /** Register {@code key}'s value as the store holds it now, or null when absent. */
    Long get(int key) {
        List<KeyValue> kvs = kv.read(s -> s.range(RangeRequest.newBuilder().setKey(key(key)).build())).getKvsList();
        return kvs.isEmpty() ? null : ByteBuffer.wrap(kvs.get(0).getValue().toByteArray()).getLong(8);
    }

    /**
     * A digest of the store as etcd's HashKV sees it: every live key with its value, create and mod revisions and
     * version, and the store's revision. Members that applied the same log have the same digest.
     */
    String digest() {
        return kv.read(s -> {
            CRC32C crc = new CRC32C();
            long count = 0;
            for (KeyValue e : s.range(RangeRequest.newBuilder().setKey(ByteString.copyFrom(new byte[] {0}))
                    .setRangeEnd(ByteString.copyFrom(new byte[] {0})).build()).getKvsList()) {
                crc.update(e.getKey().toByteArray());
                crc.update(e.getValue().toByteArray());
                crc.update(ByteBuffer.allocate(24).putLong(e.getCreateRevision()).putLong(e.getModRevision())
                        .putLong(e.getVersion()).array());
                count++;
            }
            return "revision " + s.revision() + ", " + count + " keys, crc " + Long.toHexString(crc.getValue());
        });
    }

    @Override
    public List<Object> apply(List<Command> commands) {
        List<Object> results = kv.apply(commands);
        for (Command c : commands) {
            try {
                KvCommand command = KvCommand.parseFrom(c.data());
                if (command.hasPut()) {
                    sim.onAppliedOp(command.getPut().getValue().asReadOnlyByteBuffer().getLong(0));
                } else if (command.hasCompaction()) {
                    sim.count("kv-compactions-applied");
                } else if (command.hasTxn() && command.getTxn().getSuccessCount() > 0) {
                    sim.onAppliedOp(command.getTxn().getSuccess(0).getRequestPut().getValue().asReadOnlyByteBuffer()
                            .getLong(0));
                }
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("an applied command does not parse", e);
            }
        }
        return results;
    }

    @Override
    public long durableAppliedIndex() {
        return kv.durableAppliedIndex();
    }

    @Override
    public boolean lazySnapshots() {
        return kv.lazySnapshots();
    }

    @Override
    public long makeDurable() {
        return kv.makeDurable();
    }

    @Override
    public Path snapshotScratch() {
        return kv.snapshotScratch();
    }

    @Override
    public void writeSnapshot(Path snapshotDir) throws IOException {
        kv.writeSnapshot(snapshotDir);
    }

    @Override
    public void restoreSnapshot(Path snapshotDir) throws IOException {
        kv.restoreSnapshot(snapshotDir);
    }
}
