package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.bench.kv.KvProcess.Kind;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.server.KvClient;
import io.cairn.raft.transport.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Three members of one kind (etcd or {@code cairn kv}) forming a new static cluster on loopback, for one session
 * of {@code bench compare}: members {@code m1..m3}, the ports of {@link Ports} (the same for every cluster of a
 * run, so etcd and Cairn serve on the same addresses), a fresh data directory each under {@code dataRoot}, logs in
 * {@code logDir}.
 *
 * <p>Closing it stops every member (SIGTERM, {@link #STOP_GRACE_MILLIS} to exit, then SIGKILL) and removes
 * {@code dataRoot}; a cluster registers with {@link ExitCleanup} from its start, so Ctrl-C does the same. Close is
 * idempotent and may race with the hook (it is synchronized).
 *
 * <p>The main thread of the benchmark owns it.
 */
final class BenchCluster implements AutoCloseable {
    /** Members per cluster. */
    static final int MEMBERS = 3;
    /** How long a member may take to exit after SIGTERM before it is killed. */
    static final long STOP_GRACE_MILLIS = 10_000;
    /** The same token for every cluster: both systems get identical flags. */
    static final String CLUSTER_TOKEN = "bench-compare";

    /** The client and peer port of each member, chosen once per run. */
    record Ports(List<Integer> client, List<Integer> peer) {
        static Ports free() throws IOException {
            List<Integer> client = new ArrayList<>();
            List<Integer> peer = new ArrayList<>();
            for (int i = 0; i < MEMBERS; i++) {
                client.add(LoopbackPorts.free());
                peer.add(LoopbackPorts.free());
            }
            return new Ports(List.copyOf(client), List.copyOf(peer));
        }
    }

    private final Kind kind;
    private final Ports ports;
    private final Path dataRoot;
    private final List<KvProcess> members = new ArrayList<>();
    private boolean closed;

    BenchCluster(Kind kind, Ports ports, Path dataRoot, Path logDir, String logPrefix, List<String> jvmOptions,
            String etcdBinary) {
        this.kind = kind;
        this.ports = ports;
        this.dataRoot = dataRoot;
        String initialCluster = java.util.stream.IntStream.range(0, MEMBERS)
                .mapToObj(i -> name(i) + "=http://127.0.0.1:" + ports.peer().get(i)).collect(Collectors.joining(","));
        for (int i = 0; i < MEMBERS; i++) {
            members.add(KvProcess.clusterMember(kind, name(i), dataRoot.resolve(name(i)),
                    logDir.resolve(logPrefix + "-" + name(i) + ".log"), ports.client().get(i), ports.peer().get(i),
                    initialCluster, CLUSTER_TOKEN, jvmOptions, etcdBinary));
        }
    }

    private static String name(int i) {
        return "m" + (i + 1);
    }

    Kind kind() {
        return kind;
    }

    List<KvProcess> members() {
        return List.copyOf(members);
    }

    /** Starts the three members; returns at once. */
    void start() throws IOException {
        Files.createDirectories(dataRoot);
        ExitCleanup.register(this);
        for (KvProcess m : members) {
            m.start();
        }
    }

    /** The members' client addresses, member order. */
    List<InetSocketAddress> endpoints() {
        return ports.client().stream().map(p -> new InetSocketAddress("127.0.0.1", p)).toList();
    }

    /** {@code 127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3}, as etcdctl's {@code --endpoints} takes them. */
    String endpointsFlag() {
        return ports.client().stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    }

    /**
     * Waits until a put succeeds through every member (so a leader is elected and every member serves), at most
     * {@code timeout}; a member that exits meanwhile, or the timeout, fails with the end of its log.
     */
    void awaitReady(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int i = 0; i < MEMBERS; i++) {
            KvProcess m = members.get(i);
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", m.clientPort()).usePlaintext().build();
            try {
                KvClient kv = new KvClient(channel, Duration.ofSeconds(5));
                PutRequest put = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("/bench/ready/" + name(i)))
                        .setValue(ByteString.copyFromUtf8("ready")).build();
                while (true) {
                    try {
                        kv.put(put).get(10, TimeUnit.SECONDS); // the call's deadline is 5 s: this is a backstop
                        break;
                    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
                        if (!m.alive() || System.nanoTime() > deadline) {
                            Throwable why = e.getCause() != null ? e.getCause() : e;
                            throw new IllegalStateException(kind.label() + " member " + name(i) + (m.alive()
                                    ? " does not answer within " + timeout.toSeconds() + " s (" + why + ")"
                                    : " exited") + "; its log ends:\n" + m.logTail(20));
                        }
                        channel.resetConnectBackoff();
                        Thread.sleep(50);
                    }
                }
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /** The members' CPU time so far, summed, in nanoseconds. */
    long cpuNanos() throws IOException {
        long sum = 0;
        for (KvProcess m : members) {
            sum += m.cpuNanos();
        }
        return sum;
    }

    /** The members' resident memory now, summed, in KiB. */
    long rssKib() throws IOException {
        long sum = 0;
        for (KvProcess m : members) {
            sum += m.rssKib();
        }
        return sum;
    }

    /** The process ids of the members started so far. */
    List<Long> pids() {
        return members.stream().filter(KvProcess::started).map(KvProcess::pid).toList();
    }

    /** Stops every member (SIGTERM, then SIGKILL after the grace) and removes the data directories. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        for (KvProcess m : members) {
            m.terminate();
        }
        for (KvProcess m : members) {
            m.stop(STOP_GRACE_MILLIS);
        }
        BenchFiles.deleteTree(dataRoot);
        ExitCleanup.unregister(this);
    }
}
