package io.cairn.bench.kv;

import io.cairn.bench.kv.CompareReport.Case;
import io.cairn.bench.kv.CompareReport.Measurement;
import io.cairn.bench.kv.KvProcess.Kind;
import io.cairn.kv.server.KvClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.HdrHistogram.Histogram;

/**
 * {@code cairn bench compare}: etcd 3.4 and Cairn side by side, the same workloads from the same client (issue 17,
 * shared/CLI.md). Each round starts three etcd members and then three {@code cairn kv} members (the order
 * alternates from round to round), each cluster new and with fresh data directories, on the same loopback ports and
 * with the same flags ({@link KvProcess#clusterMember}: nothing tuned, each system runs with its defaults); warms
 * each up; runs every selected workload against it; and stops it. Figures are the median of the rounds.
 *
 * <p>Per cluster (a "session"): wait until every member serves a put; if reads are selected, load
 * {@link KvWorkloads#READ_KEYS} keys; warm up ({@code warmupSeconds}, the selected closed-loop workloads at the
 * largest client count, not measured); then each closed-loop workload at each client count ({@link ClosedLoop}: a
 * short warm-up, then {@code seconds} measured), the watch and lease workloads, the members' memory, and last
 * {@code etcdctl check perf} (after the memory reading: it writes for a minute at a fixed rate).
 *
 * <p>Output: {@code <resultsRoot>/<yyyyMMdd-HHmmss>/} with {@code report.md}, {@code chart.html} and {@code logs/}
 * (every member's output, etcdctl's), and one summary line on {@code out}
 * ({@link CompareReport#summaryLine}); progress goes to {@code progress}, and no line there starts with the
 * summary's prefix. Every member is stopped and its data removed at the end, on failure too, and on Ctrl-C through
 * {@link ExitCleanup}. A failure (a cluster that does not come up, a case where nothing was answered) is listed in
 * the report, the summary line is still printed (its missing ratios {@code n/a}), and the exit status is 1.
 *
 * <p>One thread drives everything; the client's requests complete on gRPC's event loops.
 */
public final class BenchCompare {
    /** The prefix of the summary line; nothing else printed starts with it. */
    public static final String SUMMARY_PREFIX = "bench compare:";
    /** What {@code bin/cairn} gives the JVM of {@code cairn kv} when {@code CAIRN_JAVA_OPTS} is unset (its KV_OPTS). */
    static final List<String> CAIRN_DEFAULT_JVM_OPTIONS = List.of("-Xss8m", "-XX:+UseSerialGC", "-Xms16m");

    /** What Cairn's member JVMs get: what {@code bin/cairn} would give them ({@code CAIRN_JAVA_OPTS} or its default). */
    static List<String> cairnJvmOptions() {
        String given = System.getenv("CAIRN_JAVA_OPTS");
        return given == null || given.isBlank() ? CAIRN_DEFAULT_JVM_OPTIONS : List.of(given.trim().split("\\s+"));
    }
    /** How long a new cluster may take until every member serves a put. */
    static final Duration READY_TIMEOUT = Duration.ofMinutes(2);

    /**
     * What to run: {@code seconds} measured per case, {@code rounds} of both systems, {@code warmupSeconds} per
     * cluster before the first case, the {@link Workload} names and the client counts, where the results folder
     * goes, the etcd and etcdctl binaries, and the command line that started the run (for the report).
     */
    public record Options(int seconds, int rounds, int warmupSeconds, List<String> workloads, List<Integer> clients,
            Path resultsRoot, String etcdBinary, String etcdctlBinary, String invocation) {
        public Options {
            workloads = List.copyOf(workloads);
            clients = List.copyOf(clients);
            if (seconds < 1 || rounds < 1 || warmupSeconds < 0) {
                throw new IllegalArgumentException("--seconds and --rounds must be at least 1, --warmup not negative");
            }
            if (workloads.isEmpty()) {
                throw new IllegalArgumentException("--workloads names none; the workloads are " + Workload.ids());
            }
            workloads.forEach(Workload::byId);
            if (clients.isEmpty() || clients.stream().anyMatch(c -> c < 1 || c > 10_000)) {
                throw new IllegalArgumentException("--clients must list client counts from 1 to 10000: " + clients);
            }
        }

        /** The selected workloads, in the order they run. */
        List<Workload> selected() {
            return java.util.Arrays.stream(Workload.values()).filter(w -> workloads.contains(w.id)).toList();
        }

        /** The client counts, ascending and without repeats. */
        List<Integer> clientCounts() {
            return clients.stream().distinct().sorted().toList();
        }

        /** The unmeasured start of every case: a fifth of the measured time, from 1 to 3 s. */
        int caseWarmupSeconds() {
            return Math.max(1, Math.min(3, seconds / 5));
        }
    }

    /** What a run left: its folder, its summary line, its exit status, and every member process it started. */
    public record Outcome(Path folder, String summaryLine, int exitStatus, List<Long> memberPids) {}

    private final Options options;
    private final PrintStream progress;
    private final CompareReport report = new CompareReport();
    private final List<Long> memberPids = new ArrayList<>();
    private final Path logs;

    private BenchCompare(Options options, PrintStream progress, Path logs) {
        this.options = options;
        this.progress = progress;
        this.logs = logs;
    }

    /** Runs the comparison, writes the report folder, prints the summary line on {@code out}. */
    public static Outcome run(Options o, PrintStream out, PrintStream progress) throws IOException {
        Path folder = newFolder(o.resultsRoot());
        Path logs = Files.createDirectories(folder.resolve("logs"));
        BenchCompare bench = new BenchCompare(o, progress, logs);
        CompareReport.Environment env = environment(o);
        progress.println("compare: writing " + folder + "; " + o.rounds() + (o.rounds() == 1 ? " round" : " rounds")
                + " of " + o.selected().stream()
                .map(w -> w.id).collect(Collectors.joining(",")) + " at " + o.clientCounts() + " clients, "
                + o.seconds() + " s each");
        Path work = Files.createTempDirectory("cairn-bench-compare");
        AutoCloseable removeWork = () -> BenchFiles.deleteTree(work);
        ExitCleanup.register(removeWork);
        try {
            bench.rounds(work);
        } catch (Exception e) {
            bench.report.addFailure("the run stopped: " + e);
            progress.println("compare: the run stopped: " + e);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            BenchFiles.deleteTree(work);
            ExitCleanup.unregister(removeWork);
        }
        String shown = o.resultsRoot().isAbsolute() ? folder.toString()
                : o.resultsRoot().resolve(folder.getFileName()).toString();
        String summary = bench.report.summaryLine(shown);
        Files.writeString(folder.resolve("report.md"), bench.report.markdown(env, summary), StandardCharsets.UTF_8);
        Files.writeString(folder.resolve("chart.html"), bench.report.chartHtml(summary), StandardCharsets.UTF_8);
        int status = bench.report.failures().isEmpty() ? 0 : 1;
        bench.report.failures().forEach(f -> progress.println("compare: FAILED " + f));
        out.println(summary);
        return new Outcome(folder, summary, status, List.copyOf(bench.memberPids));
    }

    private void rounds(Path work) throws Exception {
        BenchCluster.Ports ports = BenchCluster.Ports.free();
        for (int round = 1; round <= options.rounds(); round++) {
            List<Kind> order = round % 2 == 1 ? List.of(Kind.ETCD, Kind.CAIRN) : List.of(Kind.CAIRN, Kind.ETCD);
            for (Kind kind : order) {
                session(kind, round, ports, work);
            }
        }
    }

    /** One cluster of {@code kind}: start, warm up, every selected workload, memory, check perf, stop. */
    private void session(Kind kind, int round, BenchCluster.Ports ports, Path work) throws Exception {
        String prefix = "r" + round + "-" + kind.label();
        String label = "round " + round + "/" + options.rounds() + " " + kind.label();
        try (BenchCluster cluster = new BenchCluster(kind, ports, work.resolve(prefix), logs, prefix,
                kind == Kind.CAIRN ? cairnJvmOptions() : List.of(), options.etcdBinary())) {
            for (KvProcess m : cluster.members()) {
                report.addCommand("round " + round + ", " + kind.label() + " " + m.dataDir().getFileName(),
                        m.command());
            }
            long t0 = System.nanoTime();
            cluster.start();
            memberPids.addAll(cluster.pids());
            cluster.awaitReady(READY_TIMEOUT);
            progress.printf(Locale.ROOT, "compare: %s: 3 members serve, %d ms after their start (pids %s)%n", label,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), cluster.pids());
            KvWorkloads workloads = new KvWorkloads(round);
            prepare(cluster, workloads, label);
            for (Workload w : options.selected()) {
                if (w.perClientCount) {
                    for (int clients : options.clientCounts()) {
                        closedLoop(cluster, workloads, w, clients, label, round);
                    }
                } else if (w == Workload.WATCH) {
                    watch(cluster, workloads, label, round);
                } else if (w == Workload.LEASE) {
                    lease(cluster, label, round);
                }
            }
            long rss = cluster.rssKib();
            report.addSessionRss(kind, rss);
            progress.printf(Locale.ROOT, "compare: %s: members' RSS %,d MiB in all%n", label, rss / 1024);
            for (Workload w : options.selected()) {
                if (w == Workload.CHECK_PERF_L || w == Workload.CHECK_PERF_XL) {
                    checkPerf(cluster, w, label, round, prefix);
                }
            }
        }
    }

    /** Loads the read keys if reads are selected, then the cluster's warm-up. */
    private void prepare(BenchCluster cluster, KvWorkloads workloads, String label) throws Exception {
        if (options.selected().contains(Workload.RANGE_L) || options.selected().contains(Workload.RANGE_S)) {
            long t0 = System.nanoTime();
            ManagedChannel channel = NettyChannelBuilder.forAddress(cluster.endpoints().get(0)).usePlaintext().build();
            try (PutStream load = new PutStream(new KvClient(channel, Connections.CALL_TIMEOUT), 256,
                    KvWorkloads.VALUE_BYTES, 1)) {
                load.run(KvWorkloads.READ_KEYS);
            } finally {
                channel.shutdownNow();
                channel.awaitTermination(10, TimeUnit.SECONDS);
            }
            progress.printf(Locale.ROOT, "compare: %s: loaded %,d keys to read in %d ms%n", label,
                    KvWorkloads.READ_KEYS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
        }
        if (options.warmupSeconds() == 0) {
            return;
        }
        List<Workload> kinds = options.selected().stream().filter(w -> w.perClientCount).toList();
        if (kinds.isEmpty()) {
            kinds = List.of(Workload.PUT);
        }
        int clients = Collections.max(options.clientCounts());
        long share = TimeUnit.SECONDS.toNanos(options.warmupSeconds()) / kinds.size();
        for (Workload w : kinds) {
            try (Connections connections = new Connections(cluster.endpoints(), Connections.forClients(clients))) {
                ClosedLoop.run(label + " warm-up " + w.id + " clients=" + clients, clients,
                        workloads.operation(w, connections, clients), 0, Math.max(share, 1_000_000_000L),
                        cluster::cpuNanos, progress);
            }
        }
    }

    private void closedLoop(BenchCluster cluster, KvWorkloads workloads, Workload w, int clients, String label,
            int round) throws Exception {
        try (Connections connections = new Connections(cluster.endpoints(), Connections.forClients(clients))) {
            ClosedLoop.Result r = ClosedLoop.run(label + " " + w.id + " clients=" + clients, clients,
                    workloads.operation(w, connections, clients),
                    TimeUnit.SECONDS.toNanos(options.caseWarmupSeconds()), TimeUnit.SECONDS.toNanos(options.seconds()),
                    cluster::cpuNanos, progress);
            addCase(cluster, new Case(w, clients), r.ops(), r.errors(), r.unexpected(), r.latencyNanos(), r, round);
        }
    }

    private void watch(BenchCluster cluster, KvWorkloads workloads, String label, int round) throws Exception {
        try (Connections watchers = new Connections(cluster.endpoints(), KvWorkloads.WATCHERS);
                Connections writers = new Connections(cluster.endpoints(),
                        Connections.forClients(KvWorkloads.WATCH_WRITERS));
                WatchLatency watch = new WatchLatency(watchers, workloads.value())) {
            watch.open();
            long start = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.caseWarmupSeconds());
            long end = start + TimeUnit.SECONDS.toNanos(options.seconds());
            watch.window(start, end);
            ClosedLoop.Result writes = ClosedLoop.runWindow(label + " watch writers=" + KvWorkloads.WATCH_WRITERS,
                    KvWorkloads.WATCH_WRITERS, watch.writer(writers), start, end, cluster::cpuNanos, progress);
            WatchLatency.Result events = watch.result();
            progress.printf(Locale.ROOT, "compare: %s watch: %,.0f events delivered/s to %d watchers"
                    + " (%,.0f writes/s)%n", label, events.delivered() / (writes.windowNanos() / 1e9),
                    KvWorkloads.WATCHERS, writes.ops() / (writes.windowNanos() / 1e9));
            addCase(cluster, new Case(Workload.WATCH, KvWorkloads.WATCHERS), events.delivered(),
                    writes.errors() + events.streamErrors(), 0, events.latencyNanos(), writes, round);
        }
    }

    private void lease(BenchCluster cluster, String label, int round) throws Exception {
        try (Connections connections = new Connections(cluster.endpoints(),
                Connections.forClients(KvWorkloads.LEASES))) {
            LeaseKeepAlives leases = new LeaseKeepAlives(connections, KvWorkloads.LEASES);
            ClosedLoop.Result r = ClosedLoop.run(label + " lease keep-alives leases=" + KvWorkloads.LEASES,
                    KvWorkloads.LEASES, leases.operation(), TimeUnit.SECONDS.toNanos(options.caseWarmupSeconds()),
                    TimeUnit.SECONDS.toNanos(options.seconds()), cluster::cpuNanos, progress);
            leases.revoke();
            addCase(cluster, new Case(Workload.LEASE, KvWorkloads.LEASES), r.ops(), r.errors(), r.unexpected(),
                    r.latencyNanos(), r, round);
        }
    }

    private void checkPerf(BenchCluster cluster, Workload w, String label, int round, String prefix)
            throws Exception {
        List<String> command = CheckPerf.command(options.etcdctlBinary(), cluster.endpointsFlag(), w.checkPerfLoad());
        report.addCommand("round " + round + ", " + cluster.kind().label() + ": ETCDCTL_API=3", command);
        progress.println("compare: " + label + " " + w.id + ": ETCDCTL_API=3 " + String.join(" ", command)
                + " (60 s)");
        List<String> lines = CheckPerf.run(command, logs.resolve(prefix + "-" + w.id + ".log"));
        progress.println("compare: " + label + " " + w.id + ": " + String.join("; ", lines));
        report.addCheckPerf(new CompareReport.CheckPerfResult(w, cluster.kind(), round, lines));
    }

    /** One case's figures into the report; a case where nothing was answered is a failure of the run. */
    private void addCase(BenchCluster cluster, Case c, long ops, long errors, long unexpected, Histogram latency,
            ClosedLoop.Result window, int round) throws IOException {
        double seconds = window.windowNanos() / 1e9;
        boolean any = latency.getTotalCount() > 0;
        report.add(cluster.kind(), c, new Measurement(ops, errors, unexpected, seconds,
                any ? latency.getValueAtPercentile(50) / 1e6 : Double.NaN,
                any ? latency.getValueAtPercentile(99) / 1e6 : Double.NaN,
                any ? latency.getValueAtPercentile(99.9) / 1e6 : Double.NaN,
                window.membersCpuNanos() / 1e9, window.clientCpuNanos() / 1e9, cluster.rssKib()));
        if (ops == 0) {
            report.addFailure("round " + round + ", " + cluster.kind().label() + ", " + c.title()
                    + ": no operation answered as expected (" + errors + " errors, " + unexpected + " unexpected)");
        }
    }

    /** {@code root/<yyyyMMdd-HHmmss>}, with {@code -2}, {@code -3}... if two runs start in the same second. */
    static Path newFolder(Path root) throws IOException {
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Files.createDirectories(root);
        for (int n = 1; ; n++) {
            Path candidate = root.resolve(n == 1 ? stamp : stamp + "-" + n);
            try {
                return Files.createDirectory(candidate);
            } catch (java.nio.file.FileAlreadyExistsException taken) {
                // another run this second: the next suffix
            }
        }
    }

    private static CompareReport.Environment environment(Options o) {
        String cores = firstLine(List.of("nproc"), Integer.toString(Runtime.getRuntime().availableProcessors()));
        String load;
        try (var in = Files.newBufferedReader(Path.of("/proc/loadavg"))) {
            String[] f = in.readLine().trim().split("\\s+");
            load = f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            load = "unknown";
        }
        String java = System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + " ("
                + System.getProperty("java.home") + ")";
        String client = ProcessHandle.current().info().commandLine().orElse("(unknown)");
        return new CompareReport.Environment(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString(), cores,
                load, java, allLines(List.of(o.etcdBinary(), "--version")),
                allLines(List.of(o.etcdctlBinary(), "version")), o.invocation(), client, method(o));
    }

    /** The Method section of the report: how the figures were made, in the words a reader needs to trust them. */
    static String method(Options o) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%d %s. Each round starts three etcd members and then three Cairn"
                + " members (etcd first in odd rounds, Cairn first in even ones), one cluster at a time, each new and"
                + " with fresh data directories, on the same loopback ports and with the same flags (listed under"
                + " Commands, and nothing else: both run with their defaults; Cairn's JVM gets `" + String.join(" ", cairnJvmOptions())
                + "` as `bin/cairn` would give it). Once every member serves a put, the cluster is warmed up for %d s"
                + " (the selected closed-loop workloads at the largest client count, not measured); then each case"
                + " runs as a closed loop (each client one request outstanding, the next sent when the answer"
                + " arrives) for %d s unmeasured and %d s measured. A cell is the median of the rounds.%n%n",
                o.rounds(), o.rounds() == 1 ? "round" : "rounds", o.warmupSeconds(), o.caseWarmupSeconds(),
                o.seconds()));
        b.append("The client is this JVM (grpc-java on etcd's v3 API, the same client for both systems), on the same"
                + " cores as the members. Its connections are laid out as etcd 3.4's benchmark tool lays them out by"
                + " default (`--target-leader` off): connection i dials the one endpoint i mod 3, client j sends on"
                + " connection j mod connections, one connection per 10 clients (`--conns=100 --clients=1000`); so"
                + " 1 and 10 clients use one connection to member m1, whichever member leads.\n\n");
        b.append("Latency is from a request's send to its answer (HdrHistogram, 3 digits), of the requests sent and"
                + " answered inside the window. Members' CPU is `utime + stime` of `/proc/<pid>/stat` of the three"
                + " over the window, divided by the answered operations; the client's CPU is this JVM's process CPU"
                + " time (`OperatingSystemMXBean.getProcessCpuTime`) over the window. RSS is `VmRSS` of the three"
                + " members, summed, right after the case.\n\nWorkloads:\n\n");
        for (Workload w : o.selected()) {
            b.append("- `").append(w.id).append("`: ").append(w.description).append('\n');
        }
        return b.toString().trim();
    }

    private static String firstLine(List<String> command, String fallback) {
        String all = allLines(command);
        return all.startsWith("(") ? fallback : all.split("; ")[0];
    }

    /** The output of a short command on one line ({@code ; } between lines), or a note in parentheses. */
    private static String allLines(List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return "(" + String.join(" ", command) + " did not finish)";
            }
            return out.isEmpty() ? "(" + String.join(" ", command) + " printed nothing)" : String.join("; ",
                    out.split("\\R"));
        } catch (IOException e) {
            return "(" + String.join(" ", command) + ": " + e.getMessage() + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted)";
        }
    }
}
