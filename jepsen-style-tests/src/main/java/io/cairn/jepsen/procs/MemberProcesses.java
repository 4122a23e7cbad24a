package io.cairn.jepsen.procs;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Members of {@code cairn raft member} as separate JVMs on loopback, started with this JVM's own classpath (so
 * a test or the shaded {@code cairn} jar can both use it): each gets a peer and a client port, a data directory,
 * and its log on stderr in the directory. {@link #kill} is a {@code kill -9}.
 */
public final class MemberProcesses implements AutoCloseable {
    private final Path dir;
    private final List<String> jvmOptions;
    private final Map<Long, int[]> ports = new TreeMap<>();
    private final Map<Long, Process> processes = new TreeMap<>();

    public MemberProcesses(Path dir, int members, List<String> jvmOptions) throws IOException {
        this.dir = dir;
        this.jvmOptions = List.copyOf(jvmOptions);
        for (long id = 1; id <= members; id++) {
            ports.put(id, new int[] {io.cairn.raft.transport.LoopbackPorts.free(), io.cairn.raft.transport.LoopbackPorts.free()});
        }
    }

    public String peersSpec() {
        StringBuilder b = new StringBuilder();
        ports.forEach((id, p) -> b.append(b.length() == 0 ? "" : ",").append(id).append("=127.0.0.1:").append(p[0])
                .append(':').append(p[1]));
        return b.toString();
    }

    public List<InetSocketAddress> clientAddresses() {
        List<InetSocketAddress> out = new ArrayList<>();
        ports.values().forEach(p -> out.add(new InetSocketAddress("127.0.0.1", p[1])));
        return out;
    }

    public InetSocketAddress clientAddress(long id) {
        return new InetSocketAddress("127.0.0.1", ports.get(id)[1]);
    }

    public InetSocketAddress peerAddress(long id) {
        return new InetSocketAddress("127.0.0.1", ports.get(id)[0]);
    }

    public Path dataDir(long id) {
        return dir.resolve("member-" + id);
    }

    /** Starts (or restarts, on its existing data directory) member {@code id}. */
    public void start(long id, String... extraArgs) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String option : jvmOptions) {
            cmd.add(option.replace("{member}", Long.toString(id))); // per-member file names (a profile, say)
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.cairn.raft.member.MemberMain");
        cmd.addAll(List.of("--id", Long.toString(id), "--peers", peersSpec(), "--data-dir", dataDir(id).toString()));
        cmd.addAll(List.of(extraArgs));
        java.nio.file.Files.createDirectories(dataDir(id));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir(id).resolve("member.log").toFile()));
        processes.put(id, pb.start());
    }

    public void startAll(String... extraArgs) throws IOException {
        for (long id : ports.keySet()) {
            start(id, extraArgs);
        }
    }

    /** {@code kill -9}: the process gets no chance to do anything. */
    public void kill(long id) throws InterruptedException {
        Process p = processes.remove(id);
        if (p != null) {
            p.destroyForcibly();
            p.waitFor();
        }
    }

    public boolean alive(long id) {
        Process p = processes.get(id);
        return p != null && p.isAlive();
    }

    public java.util.Set<Long> ids() {
        return ports.keySet();
    }

    @Override
    public void close() throws InterruptedException {
        for (long id : new ArrayList<>(processes.keySet())) {
            kill(id);
        }
    }
}
