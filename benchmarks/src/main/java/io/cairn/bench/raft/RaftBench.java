package io.cairn.bench.raft;

import io.cairn.jepsen.procs.MemberProcesses;
import io.cairn.raft.member.MemberClient;
import io.cairn.raft.member.proto.MemberStatus;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Recorder;

/**
 * {@code cairn bench raft}: three {@code cairn raft member} processes on loopback and C closed-loop clients in
 * this JVM, each with one proposal outstanding at a time (a put of the next of K keys, round robin, with a
 * B-byte value), for S
 * seconds after a warm-up. Prints the acknowledged proposals per second and the latency percentiles as the
 * summary line of shared/CLI.md. Only acknowledged (applied) proposals count.
 *
 * <p>The summary line is the only line, on either stream, that starts with {@code bench raft}: scripts take the
 * last such line, so progress and the members' figures go to standard error as {@code raft bench: ...}.
 */
public final class RaftBench {
    /** What to run. */
    public record Options(int members, int seconds, int valueBytes, int clients, int warmupSeconds,
            long keySpace, boolean tls, int groups, List<String> memberArgs) {}

    private RaftBench() {}

    /** Runs the benchmark and prints its summary line on {@code out}; returns the exit status. */
    public static int run(Options o, PrintStream out, PrintStream progress) throws Exception {
        Path dir = Files.createTempDirectory("cairn-bench-raft");
        try (MemberProcesses procs = new MemberProcesses(dir, o.members(), memberJvmOptions())) {
            List<String> memberArgs = new java.util.ArrayList<>(o.memberArgs());
            String extraArgs = System.getenv("CAIRN_BENCH_MEMBER_ARGS"); // experiments only: results say so
            if (extraArgs != null && !extraArgs.isBlank()) {
                memberArgs.addAll(List.of(extraArgs.trim().split("\\s+")));
                progress.println("raft bench: members also get " + extraArgs.trim() + " (CAIRN_BENCH_MEMBER_ARGS)");
            }
            if (o.tls()) {
                memberArgs.addAll(TestCertificates.create(dir.resolve("tls")));
                progress.println("raft bench: members talk mutual TLS (certificates in " + dir.resolve("tls") + ")");
            }
            if (o.groups() > 1) {
                memberArgs.addAll(List.of("--groups", Integer.toString(o.groups())));
            }
            procs.startAll(memberArgs.toArray(String[]::new));
            progress.println("raft bench: " + o.members() + " members started in " + dir + "; waiting for a leader");
            try (MemberClient client = new MemberClient(procs.clientAddresses(), 2)) {
                for (long g = 1; g <= o.groups(); g++) {
                    awaitLeader(client, g);
                }
                Recorder latencies = new Recorder(3);
                AtomicLong acked = new AtomicLong();
                AtomicLong failed = new AtomicLong();
                byte[] value = new byte[o.valueBytes()];
                long warmupEnd = System.nanoTime() + o.warmupSeconds() * 1_000_000_000L;
                long end = warmupEnd + o.seconds() * 1_000_000_000L;
                CompletableFuture<?>[] loops = new CompletableFuture<?>[o.clients()];
                AtomicLong keys = new AtomicLong();
                for (int c = 0; c < o.clients(); c++) {
                    loops[c] = new CompletableFuture<>();
                    next(client, 1 + c % o.groups(), keys, o.keySpace(), value, warmupEnd, end, latencies, acked,
                            failed, loops[c]);
                }
                Thread.sleep(Math.max(0, (warmupEnd - System.nanoTime()) / 1_000_000L));
                long[] syncsBefore = syncs(client, procs);
                CompletableFuture.allOf(loops).get(o.warmupSeconds() + o.seconds() + 60L, TimeUnit.SECONDS);
                long[] syncsAfter = syncs(client, procs);
                var h = latencies.getIntervalHistogram();
                long n = acked.get() / Math.max(1, o.seconds());
                long fsyncs = syncsAfter[0] - syncsBefore[0];
                long shared = syncsAfter[1] - syncsBefore[1];
                if (o.groups() > 1) {
                    out.println(String.format(Locale.ROOT,
                            "bench raft-groups: %d proposals/s groups=%d fsyncs-shared=%d p50=%.2fms p99=%.2fms"
                                    + " p99.9=%.2fms clients=%d", n, o.groups(), shared,
                            h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                            h.getValueAtPercentile(99.9) / 1e6, o.clients()));
                } else {
                    out.println(String.format(Locale.ROOT,
                            "bench %s: %d proposals/s p50=%.2fms p99=%.2fms p99.9=%.2fms clients=%d",
                            o.memberArgs().contains("--unsafe-no-fsync") ? "raft-upper" : "raft", n,
                            h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6,
                            h.getValueAtPercentile(99.9) / 1e6, o.clients()));
                }
                progress.println("raft bench: " + fsyncs + " fsyncs on all members in the measured window, " + shared
                        + " of them covering more than one group");
                progress.println("raft bench: " + acked.get() + " acknowledged, " + failed.get()
                        + " failed or unknown in " + o.seconds() + " s");
                for (long id : procs.ids()) {
                    Path logFile = procs.dataDir(id).resolve("member.log");
                    if (Files.exists(logFile)) {
                        Files.readAllLines(logFile).stream().filter(l -> l.contains(" stats: "))
                                .reduce((a, b) -> b).ifPresent(l -> progress.println("raft bench: " + l));
                    }
                }
                return acked.get() > 0 ? 0 : 1;
            }
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * The member JVMs' options; {@code CAIRN_BENCH_MEMBER_JAVA_OPTS} adds to them (a profiler, say:
     * {@code -XX:StartFlightRecording=filename=/tmp/m{member}.jfr,settings=profile}; {member} is the member id).
     */
    private static List<String> memberJvmOptions() {
        List<String> options = new java.util.ArrayList<>(List.of("-Xms512m", "-Xmx2g"));
        String extra = System.getenv("CAIRN_BENCH_MEMBER_JAVA_OPTS");
        if (extra != null && !extra.isBlank()) {
            options.addAll(List.of(extra.trim().split("\\s+")));
        }
        return options;
    }

    /** The members' data syncs so far, summed: all, and those shared by more than one group. */
    private static long[] syncs(MemberClient client, MemberProcesses procs) throws Exception {
        long[] sum = new long[2];
        for (long id : procs.ids()) {
            var r = client.stats(procs.clientAddress(id)).get(10, TimeUnit.SECONDS);
            sum[0] += r.getFsyncs();
            sum[1] += r.getFsyncsShared();
        }
        return sum;
    }

    private static void next(MemberClient client, long group, AtomicLong keys, long keySpace, byte[] value,
            long warmupEnd, long end,
            Recorder latencies, AtomicLong acked, AtomicLong failed, CompletableFuture<?> done) {
        long start = System.nanoTime();
        if (start >= end) {
            done.complete(null);
            return;
        }
        client.put(group, "k" + keys.getAndIncrement() % keySpace, value, 10_000).whenComplete((outcome, error) -> {
            long now = System.nanoTime();
            if (start >= warmupEnd && now <= end) {
                if (error == null && outcome.status() == MemberStatus.OK) {
                    acked.incrementAndGet();
                    latencies.recordValue(now - start);
                } else {
                    failed.incrementAndGet();
                }
            }
            next(client, group, keys, keySpace, value, warmupEnd, end, latencies, acked, failed, done);
        });
    }

    private static void awaitLeader(MemberClient client, long group) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            var o = client.put(group, "bench-warm", new byte[1], 5_000).get(10, TimeUnit.SECONDS);
            if (o.status() == MemberStatus.OK) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no leader within 60 s");
    }

    private static void deleteTree(Path dir) {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // best effort
        }
    }
}
