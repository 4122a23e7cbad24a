package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import io.cairn.kv.server.KvClient;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Memory and restart of a real {@code cairn kv} member (and, with {@code --etcd}, of a real etcd beside it, the
 * same way): loads N keys of B bytes through the etcd gRPC API with many puts in flight, then reports
 * <ol>
 *   <li>the load's throughput (acknowledged puts per second), and during it the server's CPU time, the bytes
 *       written charged to it ({@code write_bytes} of {@code /proc/<pid>/io}, counted page by page as they are
 *       dirtied, so small synced appends count whole pages or folios each time) and what the machine's disks took
 *       ({@code /proc/diskstats}, every process's writes);
 *   <li>the server's resident memory right after the load, and again after a GC settles (Cairn: {@code jcmd
 *       GC.run}, then {@code --settle-seconds}; etcd: only the wait);
 *   <li>the size of its data directory (apparent bytes; preallocated log segments count in full);
 *   <li>a clean stop (SIGTERM), the restart on the same directory (process start until the first linearizable
 *       Range answers), its memory 5 s later, a count-only Range over all keys to prove nothing was lost, and the
 *       median time of the first page (limit 100) of a list of all keys;
 *   <li>the same after {@code kill -9}, done while {@code --kill-after} overwrites are acknowledged and up to
 *       {@code --in-flight} more are outstanding; after the restart every acknowledged overwrite must be there.
 * </ol>
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar io.cairn.bench.kv.KvLoad [--keys 1000000] [--value-size 256]
 *     [--in-flight 256] [--member-heap 2g] [--settle-seconds 10] [--kill-after 50000] [--etcd]
 *     [--etcd-binary /usr/bin/etcd] [--keep]
 * </pre>
 *
 * <p>{@code --keep} leaves the working directory (data directories and server logs) for a look afterwards.
 *
 * <p>The client runs in this JVM, on the same two cores as the server. Progress goes to standard error; the last
 * line of standard output is the summary, {@code kv load: <N> keys value-bytes=<B> in-flight=<C> <name>=<n> ...}
 * (plain integers, shared/CLI.md), with {@code check-failures=0} when every check passed (exit status 0).
 */
public final class KvLoad {
    /** What to run. */
    record Options(int keys, int valueBytes, int inFlight, String memberHeap, int settleSeconds, int killAfter,
            boolean etcd, String etcdBinary, boolean keep) {}

    /** The flags {@link #parse} knows; all but {@code --etcd} and {@code --keep} take a value. */
    private static final List<String> FLAGS = List.of("--keys", "--value-size", "--in-flight", "--member-heap",
            "--settle-seconds", "--kill-after", "--etcd", "--etcd-binary", "--keep");

    /** How long the first read after a start may take before the run gives up. */
    private static final long START_TIMEOUT_NANOS = TimeUnit.MINUTES.toNanos(3);

    private final Options options;
    private final PrintStream progress;
    private final Map<String, Long> figures = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    private KvLoad(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("kv load: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.exit(new KvLoad(o, System.err).run(System.out));
    }

    static Options parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String flag = args[i];
            if (!FLAGS.contains(flag)) {
                throw new IllegalArgumentException("unknown flag " + flag + "; the flags are " + FLAGS);
            }
            if (flag.equals("--etcd") || flag.equals("--keep")) {
                given.put(flag, "true");
            } else if (i + 1 < args.length) {
                given.put(flag, args[++i]);
            } else {
                throw new IllegalArgumentException(flag + " needs a value");
            }
        }
        Options o;
        try {
            o = new Options(Integer.parseInt(given.getOrDefault("--keys", "1000000")),
                    Integer.parseInt(given.getOrDefault("--value-size", "256")),
                    Integer.parseInt(given.getOrDefault("--in-flight", "256")),
                    given.getOrDefault("--member-heap", "2g"),
                    Integer.parseInt(given.getOrDefault("--settle-seconds", "10")),
                    Integer.parseInt(given.getOrDefault("--kill-after", "50000")),
                    given.containsKey("--etcd"), given.getOrDefault("--etcd-binary", "/usr/bin/etcd"),
                    given.containsKey("--keep"));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: " + e.getMessage());
        }
        if (o.keys() < 1 || o.inFlight() < 1 || o.valueBytes() < 1 || o.killAfter() < 1
                || o.killAfter() > o.keys() || o.settleSeconds() < 0) {
            throw new IllegalArgumentException("--keys, --in-flight, --value-size and --kill-after must be >= 1,"
                    + " --kill-after at most --keys");
        }
        return o;
    }

    private int run(PrintStream out) throws Exception {
        Path work = Files.createTempDirectory("cairn-kv-load");
        progress.println("kv load: working in " + work + " (" + options + ")");
        try {
            measure(KvProcess.Kind.CAIRN, work);
            if (options.etcd()) {
                measure(KvProcess.Kind.ETCD, work);
            }
        } finally {
            if (options.keep()) {
                progress.println("kv load: kept " + work + " (--keep): delete it when done");
            } else {
                BenchFiles.deleteTree(work);
            }
        }
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "kv load: %d keys value-bytes=%d"
                + " in-flight=%d", options.keys(), options.valueBytes(), options.inFlight()));
        figures.forEach((name, value) -> line.append(' ').append(name).append('=').append(value));
        line.append(" check-failures=").append(failures.size());
        for (String f : failures) {
            progress.println("kv load: FAILED CHECK " + f);
        }
        out.println(line);
        return failures.isEmpty() ? 0 : 1;
    }

    /** Every phase against one server kind; its figures are named {@code <kind>-<figure>}. */
    private void measure(KvProcess.Kind kind, Path work) throws Exception {
        List<String> jvm = List.of("-Xmx" + options.memberHeap(), "-Dorg.slf4j.simpleLogger.showDateTime=true");
        try (KvProcess server = KvProcess.single(kind, work, jvm, options.etcdBinary())) {
            String n = server.name();
            long t0 = System.nanoTime();
            server.start();
            long start = awaitRead(server, t0, false);
            figures.put(n + "-start-empty-ms", millis(start));
            progress.println("kv load: " + n + " answers " + millis(start) + " ms after a start on an empty directory"
                    + " (pid " + server.pid() + ", log " + server.log() + ")");
            load(server);
            settle(server);
            restartAfterStop(server);
            restartAfterKill(server);
            long stopMillis = millis(server.stop());
            progress.println("kv load: " + n + " stopped in " + stopMillis + " ms; data directory after a clean stop: "
                    + breakdown(server.dataDir()));
        }
    }

    private void load(KvProcess server) throws Exception {
        String n = server.name();
        try (Connection c = new Connection(server.clientPort())) {
            long cpu0 = server.cpuNanos();
            long written0 = server.writtenBytes();
            long disk0 = KvProcess.diskWrittenBytes();
            Map<String, long[]> threads0 = server.writtenByThread();
            long t0 = System.nanoTime();
            try (PutStream puts = new PutStream(c.client, options.inFlight(), options.valueBytes(), 1)) {
                puts.run(options.keys());
                long elapsed = System.nanoTime() - t0;
                long perSecond = Math.round(options.keys() / (elapsed / 1e9));
                long cpu = server.cpuNanos() - cpu0;
                long written = server.writtenBytes() - written0;
                long disk = KvProcess.diskWrittenBytes() - disk0;
                figures.put(n + "-load-per-s", perSecond);
                figures.put(n + "-load-cpu-ms", millis(cpu));
                figures.put(n + "-load-written-mib", mib(written));
                figures.put(n + "-load-disk-written-mib", mib(disk));
                progress.println("kv load: " + n + " took " + options.keys() + " puts in " + millis(elapsed) + " ms ("
                        + perSecond + "/s, " + puts.retriedCount() + " retried); the server used " + millis(cpu)
                        + " ms of CPU and was charged " + mib(written) + " MiB written (write_bytes; the disks"
                        + " took " + mib(disk) + " MiB from the whole machine meanwhile); by live threads: "
                        + KvProcess.growth(threads0, server.writtenByThread()));
            }
        }
        figures.put(n + "-rss-load-mib", server.rssKib() / 1024);
        progress.println("kv load: " + n + " after the load: " + server.memoryLine());
    }

    /** A GC (Java), a pause, then the memory and the data directory. */
    private void settle(KvProcess server) throws Exception {
        String n = server.name();
        String heapBefore = server.heapInfo();
        if (!heapBefore.isEmpty()) {
            progress.println("kv load: " + n + " heap before GC.run: " + heapBefore);
        }
        String heap = server.gc();
        if (!heap.isEmpty()) {
            progress.println("kv load: " + n + " heap after GC.run: " + heap);
        }
        Thread.sleep(TimeUnit.SECONDS.toMillis(options.settleSeconds()));
        figures.put(n + "-rss-settled-mib", server.rssKib() / 1024);
        progress.println("kv load: " + n + " " + options.settleSeconds() + " s later: " + server.memoryLine());
        figures.put(n + "-data-dir-mib", mib(BenchFiles.sizeBytes(server.dataDir())));
        progress.println("kv load: " + n + " data directory: " + breakdown(server.dataDir()));
    }

    private void restartAfterStop(KvProcess server) throws Exception {
        String n = server.name();
        long stop = server.stop();
        figures.put(n + "-stop-term-ms", millis(stop));
        long restart = restart(server, "term");
        progress.println("kv load: " + n + " SIGTERM took " + millis(stop) + " ms; restarted, first linearizable"
                + " read after " + millis(restart) + " ms; 5 s later " + server.memoryLine());
        checkCount(server, "after SIGTERM and restart");
        timePage(server);
    }

    /** Overwrites under load, {@code kill -9} once enough are acknowledged, restart, check every one of them. */
    private void restartAfterKill(KvProcess server) throws Exception {
        String n = server.name();
        BitSet acked;
        try (Connection c = new Connection(server.clientPort());
                PutStream puts = new PutStream(c.client, options.inFlight(), options.valueBytes(), 2)) {
            Thread writer = new Thread(() -> {
                try {
                    puts.run(options.keys());
                } catch (InterruptedException | RuntimeException e) {
                    progress.println("kv load: overwrites ended: " + e);
                }
            }, "kv-load-overwrites");
            writer.start();
            while (puts.ackedCount() < options.killAfter() && writer.isAlive()) {
                Thread.sleep(1);
            }
            puts.stop();
            server.kill();
            writer.join(TimeUnit.MINUTES.toMillis(1));
            acked = puts.acknowledged();
        }
        long restart = restart(server, "kill");
        progress.println("kv load: " + n + " killed (-9) after " + acked.cardinality() + " acknowledged overwrites;"
                + " first linearizable read after " + millis(restart) + " ms; 5 s later " + server.memoryLine());
        checkCount(server, "after kill -9 and restart");
        checkOverwrites(server, acked);
    }

    /**
     * Starts the stopped server on its data directory; records {@code <kind>-restart-<how>-ms} (until the first
     * linearizable read) and {@code <kind>-rss-restart-<how>-mib} 5 s after it. Returns the restart's nanoseconds.
     */
    private long restart(KvProcess server, String how) throws Exception {
        long t0 = System.nanoTime();
        server.start();
        long restart = awaitRead(server, t0, true);
        figures.put(server.name() + "-restart-" + how + "-ms", millis(restart));
        Thread.sleep(5_000);
        figures.put(server.name() + "-rss-restart-" + how + "-mib", server.rssKib() / 1024);
        return restart;
    }

    /** Waits for the first successful linearizable Range; returns nanoseconds since {@code t0}. */
    private long awaitRead(KvProcess server, long t0, boolean keyMustExist) throws Exception {
        try (Connection c = new Connection(server.clientPort(), Duration.ofSeconds(2))) {
            RangeRequest read = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(PutStream.key(0))).build();
            while (true) {
                try {
                    RangeResponse r = c.client.range(read).get();
                    long elapsed = System.nanoTime() - t0;
                    if (keyMustExist && r.getKvsCount() != 1) {
                        failures.add(server.name() + ": the first key is missing after a restart");
                    }
                    return elapsed;
                } catch (ExecutionException e) {
                    if (!server.alive() || System.nanoTime() - t0 > START_TIMEOUT_NANOS) {
                        throw new IllegalStateException(server.name() + " does not answer (" + e.getCause()
                                + "); its log ends:\n" + server.logTail(30));
                    }
                    c.channel.resetConnectBackoff(); // no waiting out grpc-java's reconnect backoff
                    Thread.sleep(10);
                }
            }
        }
    }

    private void checkCount(KvProcess server, String when) throws Exception {
        try (Connection c = new Connection(server.clientPort())) {
            long t0 = System.nanoTime();
            RangeResponse r = c.client.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(PutStream.PREFIX))
                    .setRangeEnd(prefixEnd(PutStream.PREFIX)).setCountOnly(true).build()).get();
            progress.println("kv load: " + server.name() + " count-only Range over all keys " + when + ": "
                    + r.getCount() + " in " + millis(System.nanoTime() - t0) + " ms");
            if (r.getCount() != options.keys()) {
                failures.add(server.name() + " " + when + ": " + r.getCount() + " keys, expected " + options.keys());
            }
        }
    }

    /**
     * A first page of a paginated list: a linearizable Range over all the keys' prefix with limit 100, five times;
     * the median, in milliseconds, as {@code <kind>-page100-ms}.
     */
    private void timePage(KvProcess server) throws Exception {
        RangeRequest page = RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(PutStream.PREFIX))
                .setRangeEnd(prefixEnd(PutStream.PREFIX)).setLimit(100).build();
        long[] nanos = new long[5];
        try (Connection c = new Connection(server.clientPort())) {
            for (int i = 0; i < nanos.length; i++) {
                long t0 = System.nanoTime();
                RangeResponse r = c.client.range(page).get();
                nanos[i] = System.nanoTime() - t0;
                if (r.getKvsCount() != 100 || !r.getMore() || r.getCount() != options.keys()) {
                    failures.add(server.name() + ": a page of 100 returned " + r.getKvsCount() + " kvs, count "
                            + r.getCount());
                }
            }
        }
        Arrays.sort(nanos);
        figures.put(server.name() + "-page100-ms", millis(nanos[nanos.length / 2]));
        progress.println("kv load: " + server.name() + " a Range with limit 100 over all " + options.keys()
                + " keys: " + Arrays.stream(nanos).map(KvLoad::millis).boxed().toList() + " ms (sorted)");
    }

    /** Every overwrite the server acknowledged before it was killed has its value after the restart. */
    private void checkOverwrites(KvProcess server, BitSet acked) throws Exception {
        int highest = acked.length(); // one past the highest acknowledged key
        try (Connection c = new Connection(server.clientPort())) {
            RangeResponse r = c.client.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(
                    PutStream.key(0))).setRangeEnd(ByteString.copyFromUtf8(PutStream.key(highest))).build()).get();
            int lost = 0;
            for (KeyValue kv : r.getKvsList()) {
                int k = Integer.parseInt(kv.getKey().toStringUtf8().substring(PutStream.PREFIX.length() + 1));
                byte[] expected = PutStream.value(2, k, options.valueBytes());
                if (acked.get(k) && !Arrays.equals(kv.getValue().toByteArray(), expected)) {
                    lost++;
                }
            }
            progress.println("kv load: " + server.name() + " " + (acked.cardinality() - lost) + " of "
                    + acked.cardinality() + " acknowledged overwrites survived kill -9");
            if (lost > 0 || r.getKvsCount() != highest) {
                failures.add(server.name() + ": " + lost + " acknowledged overwrites lost by kill -9 ("
                        + r.getKvsCount() + " of " + highest + " keys read)");
            }
        }
    }

    /** Sizes and file counts of the directories in the data directory's top three levels, for the progress. */
    private static String breakdown(Path dataDir) throws java.io.IOException {
        StringBuilder b = new StringBuilder(mib(BenchFiles.sizeBytes(dataDir)) + " MiB in all");
        try (var dirs = Files.walk(dataDir, 3)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory).sorted()::iterator) {
                if (d.equals(dataDir)) {
                    continue;
                }
                long files;
                try (var f = Files.walk(d)) {
                    files = f.filter(Files::isRegularFile).count();
                } catch (java.io.UncheckedIOException changing) {
                    files = -1;
                }
                b.append("; ").append(dataDir.relativize(d)).append(' ')
                        .append(String.format(Locale.ROOT, "%.1f MiB", BenchFiles.sizeBytes(d) / 1048576.0))
                        .append(" in ").append(files).append(" files");
            }
        }
        return b.toString();
    }

    private static ByteString prefixEnd(String prefix) {
        byte[] end = prefix.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        end[end.length - 1]++;
        return ByteString.copyFrom(end);
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static long mib(long bytes) {
        return bytes / (1024 * 1024);
    }

    /** A gRPC channel to a server's client port and a {@link KvClient} on it. */
    private static final class Connection implements AutoCloseable {
        final ManagedChannel channel;
        final KvClient client;

        Connection(int port) {
            this(port, Duration.ofSeconds(60));
        }

        Connection(int port, Duration callTimeout) {
            channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
                    .maxInboundMessageSize(256 << 20).build();
            client = new KvClient(channel, callTimeout);
        }

        @Override
        public void close() throws InterruptedException {
            channel.shutdownNow();
            channel.awaitTermination(10, TimeUnit.SECONDS);
        }
    }
}
