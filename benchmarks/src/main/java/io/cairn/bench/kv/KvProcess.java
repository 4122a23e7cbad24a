package io.cairn.bench.kv;

import io.cairn.raft.transport.LoopbackPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * One KV server as a child process on loopback, started with etcd's flags: a {@code cairn kv} member
 * ({@code io.cairn.kv.server.KvMain} from this JVM's own classpath, the shaded benchmarks or cairn jar) or a real
 * etcd. A process keeps its command line (flags, data directory, ports) for every (re)start, so a restart finds its
 * data. Two shapes: {@link #single} (what {@link KvLoad} measures: one member named {@code default}) and
 * {@link #clusterMember} (what {@link BenchCompare} starts three of: the flags etcd's clustering guide gives each
 * member of a new static cluster, the very same for etcd and Cairn).
 *
 * <p>What is measured of it: its resident memory ({@code VmRSS} of {@code /proc/<pid>/status}; the JVM is the child
 * itself, no wrapper script), its CPU time ({@code utime + stime} of {@code /proc/<pid>/stat}), a GC ({@code jcmd
 * GC.run}, Java only), a clean stop ({@link Process#destroy()}: SIGTERM) and a crash ({@link
 * Process#destroyForcibly()}: SIGKILL, no chance to flush anything). The server's own output goes to {@code log},
 * outside the data directory, appended across restarts.
 *
 * <p>Not thread-safe: one caller (the benchmark's main thread), except {@link #stop(long)} and {@link #close()},
 * which a shutdown hook may call while that thread still runs (both only signal and wait).
 */
final class KvProcess implements AutoCloseable {
    /** Which server. */
    enum Kind {
        CAIRN,
        ETCD;

        /** The name in reports, file names and progress lines. */
        String label() {
            return this == CAIRN ? "cairn" : "etcd";
        }
    }

    private final Kind kind;
    private final Path dataDir;
    private final Path log;
    private final int clientPort;
    private final List<String> serverFlags;
    private final List<String> jvmOptions;
    private final String etcdBinary;
    private volatile Process process;

    private KvProcess(Kind kind, Path dataDir, Path log, int clientPort, List<String> serverFlags,
            List<String> jvmOptions, String etcdBinary) {
        this.kind = kind;
        this.dataDir = dataDir;
        this.log = log;
        this.clientPort = clientPort;
        this.serverFlags = List.copyOf(serverFlags);
        this.jvmOptions = List.copyOf(jvmOptions);
        this.etcdBinary = etcdBinary;
    }

    /**
     * A single member named {@code default} on two free loopback ports, data in {@code workDir/<kind>-data}, its
     * log in {@code workDir/<kind>.log} (etcd also gets {@code --advertise-client-urls}, which it requires once the
     * listen URL is not its default).
     */
    static KvProcess single(Kind kind, Path workDir, List<String> jvmOptions, String etcdBinary) throws IOException {
        Path dataDir = workDir.resolve(kind.label() + "-data");
        int clientPort = LoopbackPorts.free();
        int peerPort = LoopbackPorts.free();
        List<String> flags = new ArrayList<>();
        if (kind == Kind.ETCD) {
            flags.addAll(List.of("--advertise-client-urls", url(clientPort)));
        }
        flags.addAll(List.of("--name", "default", "--data-dir", dataDir.toString(),
                "--listen-client-urls", url(clientPort), "--listen-peer-urls", url(peerPort),
                "--initial-advertise-peer-urls", url(peerPort), "--initial-cluster", "default=" + url(peerPort)));
        return new KvProcess(kind, dataDir, workDir.resolve(kind.label() + ".log"), clientPort, flags, jvmOptions,
                etcdBinary);
    }

    /**
     * One member of a new static cluster: {@code --name}, {@code --data-dir}, client and peer URLs (listened on and
     * advertised, {@code http://127.0.0.1:<port>}), {@code --initial-cluster}, {@code --initial-cluster-state new}
     * and {@code --initial-cluster-token}; nothing else, so both kinds run with their defaults. {@code jvmOptions}
     * apply to Cairn only.
     */
    static KvProcess clusterMember(Kind kind, String name, Path dataDir, Path log, int clientPort, int peerPort,
            String initialCluster, String clusterToken, List<String> jvmOptions, String etcdBinary) {
        List<String> flags = List.of("--name", name, "--data-dir", dataDir.toString(),
                "--listen-client-urls", url(clientPort), "--advertise-client-urls", url(clientPort),
                "--listen-peer-urls", url(peerPort), "--initial-advertise-peer-urls", url(peerPort),
                "--initial-cluster", initialCluster, "--initial-cluster-state", "new",
                "--initial-cluster-token", clusterToken);
        return new KvProcess(kind, dataDir, log, clientPort, flags, jvmOptions, etcdBinary);
    }

    Kind kind() {
        return kind;
    }

    String name() {
        return kind.label();
    }

    int clientPort() {
        return clientPort;
    }

    Path dataDir() {
        return dataDir;
    }

    Path log() {
        return log;
    }

    long pid() {
        return process.pid();
    }

    boolean started() {
        return process != null;
    }

    boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /** The command line {@link #start()} runs, program first: what a report prints as "how it was started". */
    List<String> command() {
        List<String> cmd = new ArrayList<>();
        if (kind == Kind.CAIRN) {
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmOptions);
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.cairn.kv.server.KvMain"));
        } else {
            cmd.add(etcdBinary);
        }
        cmd.addAll(serverFlags);
        return cmd;
    }

    /** Starts the server (a restart when the data directory holds one). Returns at once. */
    void start() throws IOException {
        if (alive()) {
            throw new IllegalStateException(name() + " is running already");
        }
        List<String> cmd = command();
        Files.writeString(log, "---- " + String.join(" ", cmd) + "\n", java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
        process = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    private static String url(int port) {
        return "http://127.0.0.1:" + port;
    }

    /** SIGTERM and wait for the process to end; returns how long that took, in nanoseconds. */
    long stop() throws InterruptedException {
        long t0 = System.nanoTime();
        process.destroy();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            throw new IllegalStateException(name() + " did not stop within 2 minutes of SIGTERM");
        }
        return System.nanoTime() - t0;
    }

    /** SIGTERM if it runs, without waiting (several members then stop at once). */
    void terminate() {
        Process p = process;
        if (p != null && p.isAlive()) {
            p.destroy();
        }
    }

    /**
     * SIGTERM, up to {@code graceMillis} for the process to end, then SIGKILL and wait for it: the process is gone
     * when this returns. Nothing happens if it never started or has ended. Returns whether SIGKILL was needed.
     */
    boolean stop(long graceMillis) throws InterruptedException {
        Process p = process;
        if (p == null || !p.isAlive()) {
            return false;
        }
        p.destroy();
        if (p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
            return false;
        }
        p.destroyForcibly();
        p.waitFor();
        return true;
    }

    /** SIGKILL ({@code kill -9}) and wait until it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** VmRSS, in KiB, and the rest of the memory lines of {@code /proc/<pid>/status} for the progress output. */
    long rssKib() throws IOException {
        for (String line : statusLines()) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS in /proc/" + pid() + "/status");
    }

    /** {@code VmRSS, RssAnon, RssFile, VmHWM} of the process, one line. */
    String memoryLine() throws IOException {
        StringBuilder b = new StringBuilder();
        for (String line : statusLines()) {
            if (line.startsWith("VmRSS:") || line.startsWith("RssAnon:") || line.startsWith("RssFile:")
                    || line.startsWith("VmHWM:") || line.startsWith("Threads:")) {
                b.append(b.length() == 0 ? "" : ", ").append(line.replaceAll("\\s+", " "));
            }
        }
        return b.toString();
    }

    /**
     * Bytes the process has caused to be written to storage so far ({@code write_bytes} of {@code /proc/<pid>/io}:
     * its own writes and the page-cache writeback charged to it, fsyncs or not; its background threads included).
     */
    long writtenBytes() throws IOException {
        for (String line : procLines("io")) {
            if (line.startsWith("write_bytes:")) {
                return Long.parseLong(line.substring("write_bytes:".length()).trim());
            }
        }
        throw new IOException("no write_bytes in /proc/" + pid() + "/io");
    }

    /**
     * {@code write_bytes}, {@code wchar} and {@code syscw} of {@code /proc/<pid>/task/<tid>/io} for the process's
     * live threads so far, summed by thread name (RocksDB's {@code rocksdb:high}, Cairn's {@code cairn-log-writer};
     * trailing digits as N). {@code write_bytes} is charged to the thread that dirtied the pages, page by page;
     * {@code wchar} is what it handed to write calls, {@code syscw} how many it made. Threads that have ended are
     * missing; the process total ({@link #writtenBytes()}) still has them.
     */
    Map<String, long[]> writtenByThread() throws IOException {
        Map<String, long[]> byName = new TreeMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid()), "task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readAllLines(t.resolve("comm")).get(0).replaceAll("[0-9]+$", "N");
                    long[] sum = byName.computeIfAbsent(name, n -> new long[3]);
                    for (String line : Files.readAllLines(t.resolve("io"))) {
                        String[] kv = line.split(":\\s*");
                        int at = List.of("write_bytes", "wchar", "syscw").indexOf(kv[0]);
                        if (at >= 0) {
                            sum[at] += Long.parseLong(kv[1].trim());
                        }
                    }
                } catch (IOException ended) {
                    // the thread ended while we looked
                }
            }
        }
        return byName;
    }

    /** What {@link #writtenByThread()} grew by since {@code before}, largest first, 1 MiB of write_bytes or more. */
    static String growth(Map<String, long[]> before, Map<String, long[]> after) {
        Map<String, long[]> grown = new TreeMap<>();
        after.forEach((name, now) -> {
            long[] then = before.getOrDefault(name, new long[3]);
            grown.put(name, new long[] {now[0] - then[0], now[1] - then[1], now[2] - then[2]});
        });
        StringBuilder b = new StringBuilder();
        grown.entrySet().stream().filter(e -> e.getValue()[0] >= 1 << 20)
                .sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
                .forEach(e -> b.append(b.length() == 0 ? "" : "; ").append(e.getKey()).append(' ')
                        .append(e.getValue()[0] >> 20).append(" MiB (wrote ").append(e.getValue()[1] >> 20)
                        .append(" MiB in ").append(e.getValue()[2]).append(" calls)"));
        return b.length() == 0 ? "none" : b.toString();
    }

    /**
     * Bytes written to the machine's disks so far (sectors written of every whole disk in {@code /proc/diskstats}):
     * what reaches the devices, from every process on the machine, the page cache's write-back included.
     */
    static long diskWrittenBytes() throws IOException {
        long sectors = 0;
        for (String line : Files.readAllLines(Path.of("/proc/diskstats"))) {
            String[] f = line.trim().split("\\s+");
            boolean wholeDisk = Files.isDirectory(Path.of("/sys/block", f[2], "device"));
            if (wholeDisk && f.length > 9) {
                sectors += Long.parseLong(f[9]);
            }
        }
        return sectors * 512;
    }

    /**
     * CPU time the process has used so far, user and system, in nanoseconds: {@code utime + stime} of
     * {@code /proc/<pid>/stat} (every thread's, those that ended included), in clock ticks of {@link
     * ProcStat#clockTicksPerSecond()}, so at a 10 ms resolution.
     */
    long cpuNanos() throws IOException {
        return ProcStat.cpuNanos(pid());
    }

    private List<String> statusLines() throws IOException {
        return procLines("status");
    }

    private List<String> procLines(String file) throws IOException {
        // read line-wise: Files.readString trusts the size /proc reports
        try (var in = Files.newBufferedReader(Path.of("/proc", Long.toString(pid()), file))) {
            List<String> lines = new ArrayList<>();
            for (String l = in.readLine(); l != null; l = in.readLine()) {
                lines.add(l);
            }
            return lines;
        }
    }

    /**
     * A full GC in the member ({@code jcmd <pid> GC.run}, which lets G1 give back heap it does not need) and its
     * heap afterwards ({@code GC.heap_info}); for etcd nothing (Go's runtime returns memory by itself).
     */
    String gc() throws IOException, InterruptedException {
        if (kind != Kind.CAIRN) {
            return "";
        }
        jcmd("GC.run");
        return heapInfo();
    }

    /** {@code jcmd <pid> GC.heap_info} on one line (Java only; empty for etcd). */
    String heapInfo() throws IOException, InterruptedException {
        return kind != Kind.CAIRN ? "" : jcmd("GC.heap_info").replaceAll("\\s+", " ").trim();
    }

    private String jcmd(String command) throws IOException, InterruptedException {
        Path jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd");
        Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid()), command).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IOException("jcmd " + command + " failed: " + out);
        }
        return out;
    }

    /** The last {@code lines} lines of the server's output (for a failure message). */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (alive()) {
            kill();
        }
    }
}
