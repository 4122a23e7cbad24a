package io.cairn.bench.core;

import io.cairn.raft.core.Message;
import io.cairn.raft.core.ProposeResult;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.RaftNode;
import io.cairn.raft.core.Ready;
import io.cairn.raft.core.Role;
import io.cairn.raft.core.Tracer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The pure core alone: three in-memory members on one thread, messages passed by hand, storage writes
 * acknowledged at once, no I/O. Measures committed-and-applied entries of 256 bytes per second, i.e. the cost
 * of the consensus logic itself (the ceiling every runtime sits under).
 *
 * <p>The group is created afresh for every iteration (the log is not compacted until raft-core II).
 *
 * <p>Each invocation proposes one batch of {@code batch} commands on the leader and drives the group until
 * every member has applied it: the leader replicates, followers append and acknowledge, the leader commits
 * and tells the followers, all three apply.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g"})
public class CoreThroughputBenchmark {
    static final int BATCH = 64;

    @Param({"256"})
    public int valueBytes;

    private RaftNode[] nodes;
    private final ArrayDeque<Message> network = new ArrayDeque<>();
    private List<byte[]> commands;
    private long[] applied;

    @Setup(Level.Iteration)
    public void setUp() {
        long[] ids = {1, 2, 3};
        nodes = new RaftNode[4];
        applied = new long[4];
        for (long id : ids) {
            RaftConfig c = RaftConfig.builder(id, ids).uncommittedBytesMax(1L << 30).build();
            nodes[(int) id] = RaftNode.create(c, bound -> 0, Tracer.NONE);
        }
        nodes[1].campaign();
        drive();
        if (nodes[1].role() != Role.LEADER) {
            throw new IllegalStateException("member 1 did not become leader");
        }
        commands = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            byte[] v = new byte[valueBytes];
            v[0] = (byte) i;
            commands.add(v);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long proposeCommitApply() {
        ProposeResult r = nodes[1].propose(commands);
        long target = r.firstIndex() + BATCH - 1;
        drive();
        if (applied[1] < target || applied[2] < target || applied[3] < target) {
            throw new IllegalStateException("batch not applied everywhere: " + java.util.Arrays.toString(applied));
        }
        return applied[1];
    }

    /** Handles Readies and delivers messages until the group is quiet. */
    private void drive() {
        boolean busy = true;
        while (busy) {
            busy = false;
            for (int id = 1; id <= 3; id++) {
                RaftNode n = nodes[id];
                while (n.hasReady()) {
                    busy = true;
                    Ready rd = n.ready();
                    if (!rd.entries.isEmpty()) {
                        n.persisted(rd.persistIndex(), rd.persistTerm());
                    }
                    network.addAll(rd.messages);
                    network.addAll(rd.messagesAfterPersist);
                    if (!rd.committedEntries.isEmpty()) {
                        applied[id] = rd.committedEntries.get(rd.committedEntries.size() - 1).index();
                    }
                }
            }
            Message m;
            while ((m = network.poll()) != null) {
                busy = true;
                nodes[(int) m.to()].step(m);
            }
        }
    }
}
