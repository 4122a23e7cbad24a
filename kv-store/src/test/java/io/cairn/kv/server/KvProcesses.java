package io.cairn.kv.server;

import io.cairn.raft.transport.LoopbackPorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code cairn kv} members as real processes on loopback, started as a script starts etcd: each with etcd's flags
 * ({@code --name}, {@code --initial-cluster}, ...), run from this test's classpath ({@code KvMain}), logging into
 * its data directory. Members can be killed ({@code kill -9}), stopped (SIGTERM) and started again on their data.
 */
final class KvProcesses implements AutoCloseable {
    private final Path dir;
    private final Map<Integer, int[]> ports = new TreeMap<>();
    private final Map<Integer, Process> processes = new TreeMap<>();
    private final Map<Integer, ManagedChannel> channels = new TreeMap<>();

    KvProcesses(Path dir, int members) throws IOException {
        this.dir = dir;
        for (int i = 1; i <= members; i++) {
            ports.put(i, new int[] {LoopbackPorts.free(), LoopbackPorts.free()});
        }
    }

    String name(int i) {
        return "kv" + i;
    }

    Path dataDir(int i) {
        return dir.resolve(name(i) + ".cairn");
    }

    String endpoint(int i) {
        return "127.0.0.1:" + ports.get(i)[0];
    }

    String endpoints() {
        return String.join(",", ports.keySet().stream().map(this::endpoint).toList());
    }

    String peerUrl(int i) {
        return "http://127.0.0.1:" + ports.get(i)[1];
    }

    String clientUrl(int i) {
        return "http://" + endpoint(i);
    }

    /**
     * Ports for member {@code i} that is not in the initial cluster (one {@code etcdctl member add} will add);
     * {@link #initialCluster()} and {@link #endpoints()} name it from now on.
     */
    void reserve(int i) throws IOException {
        ports.put(i, new int[] {LoopbackPorts.free(), LoopbackPorts.free()});
    }

    /** Member {@code i} listens for peers on a new port from now on (after {@code etcdctl member update}). */
    void movePeerPort(int i) throws IOException {
        ports.get(i)[1] = LoopbackPorts.free();
    }

    /** Forgets member {@code i} (removed from the cluster): {@link #endpoints()} no longer names it. */
    void forget(int i) {
        ports.remove(i);
    }

    /**
     * The flags etcd's documented procedure gives a member added to a running cluster: its name, its URLs, the
     * {@code --initial-cluster} that {@code etcdctl member add} printed, and {@code --initial-cluster-state
     * existing}.
     */
    List<String> joinFlags(int i, String initialCluster) {
        return List.of("--name", name(i), "--data-dir", dataDir(i).toString(), "--listen-client-urls", clientUrl(i),
                "--advertise-client-urls", clientUrl(i), "--listen-peer-urls", peerUrl(i),
                "--initial-advertise-peer-urls", peerUrl(i), "--initial-cluster", initialCluster,
                "--initial-cluster-state", "existing");
    }

    String initialCluster() {
        List<String> parts = new ArrayList<>();
        ports.forEach((i, p) -> parts.add(name(i) + "=http://127.0.0.1:" + p[1]));
        return String.join(",", parts);
    }

    /** The flags etcd's own docs use for a static three-member cluster. */
    List<String> flags(int i) {
        String peer = peerUrl(i);
        String client = clientUrl(i);
        return List.of("--name", name(i), "--data-dir", dataDir(i).toString(), "--listen-client-urls", client,
                "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster-token", "etcd-cluster-1", "--initial-cluster", initialCluster(),
                "--initial-cluster-state", "new");
    }

    void start(int i) throws IOException {
        start(i, flags(i));
    }

    void start(int i, List<String> flags) throws IOException {
        start(i, List.of(), flags);
    }

    /** Starts member {@code i} with {@code jvmArgs} (system properties such as the fault hooks) and {@code flags}. */
    void start(int i, List<String> jvmArgs, List<String> flags) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m"));
        cmd.addAll(jvmArgs);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), KvMain.class.getName()));
        cmd.addAll(flags);
        Files.createDirectories(dir);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(name(i) + ".log").toFile()));
        processes.put(i, pb.start());
    }

    void startAll() throws IOException {
        for (int i : ports.keySet()) {
            start(i);
        }
    }

    /** {@code kill -9}: no chance to flush or close anything. */
    void kill(int i) throws InterruptedException {
        Process p = processes.remove(i);
        if (p != null) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** The process of member {@code i} while it runs (it may have exited by itself), or null. */
    Process process(int i) {
        return processes.get(i);
    }

    /**
     * A plaintext gRPC channel to member {@code i}'s client URL, made once and kept across its restarts (gRPC
     * reconnects); closed with the cluster.
     */
    synchronized ManagedChannel channel(int i) {
        return channels.computeIfAbsent(i, k -> NettyChannelBuilder.forTarget(endpoint(k)).usePlaintext().build());
    }

    String log(int i) throws IOException {
        Path f = dir.resolve(name(i) + ".log");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Override
    public void close() throws InterruptedException {
        synchronized (this) {
            channels.values().forEach(ManagedChannel::shutdownNow);
            channels.clear();
        }
        for (int i : new ArrayList<>(processes.keySet())) {
            kill(i);
        }
    }
}
