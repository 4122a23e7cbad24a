package io.cairn.bench.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench compare} end to end against real processes (three etcd 3.4 members, then three {@code cairn kv}
 * members from this classpath), in a short form, and its options. Skipped where Debian's etcd is not installed.
 */
class BenchCompareTest {
    private static final String ETCD = "/usr/bin/etcd";
    private static final String ETCDCTL = "/usr/bin/etcdctl";

    /** The members run with what a user's {@code bin/cairn kv} runs with, not with options of the benchmark's own. */
    @Test
    void cairnMembersGetTheJvmOptionsBinCairnGivesCairnKv() throws Exception {
        String script = Files.readString(Path.of("../bin/cairn"));
        Matcher m = Pattern.compile("(?m)^KV_OPTS=\"([^\"]*)\"$").matcher(script);
        assertThat(m.find()).as("bin/cairn sets KV_OPTS").isTrue();
        assertThat(String.join(" ", BenchCompare.CAIRN_DEFAULT_JVM_OPTIONS)).isEqualTo(m.group(1));
    }

    @Test
    void anUnknownWorkloadIsRefusedWithTheListOfWorkloads() {
        assertThatThrownBy(() -> new BenchCompare.Options(1, 1, 0, List.of("put", "get"), List.of(1), Path.of("x"),
                ETCD, ETCDCTL, "test"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown workload get")
                .hasMessageContaining("put,range-l,range-s,txn-put,watch,lease,check-perf-l,check-perf-xl");
        assertThatThrownBy(() -> new BenchCompare.Options(1, 1, 0, List.of("put"), List.of(0), Path.of("x"), ETCD,
                ETCDCTL, "test")).hasMessageContaining("--clients");
    }

    @Test
    void workloadsRunInTheirFixedOrderAndClientCountsAscending() {
        BenchCompare.Options o = new BenchCompare.Options(10, 3, 15, List.of("lease", "put", "range-s"),
                List.of(1000, 1, 10, 1), Path.of("x"), ETCD, ETCDCTL, "test");

        assertThat(o.selected()).containsExactly(Workload.PUT, Workload.RANGE_S, Workload.LEASE);
        assertThat(o.clientCounts()).containsExactly(1, 10, 1000);
        assertThat(o.caseWarmupSeconds()).isEqualTo(2);
    }

    @Test
    @Timeout(60)
    void aClusterThatCannotStartStillEndsWithTheSummaryLineAndExitStatus1(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        BenchCompare.Options o = new BenchCompare.Options(1, 1, 0, List.of("put"), List.of(1),
                dir.resolve("bench-results"), dir.resolve("no-such-etcd").toString(), ETCDCTL, "test");

        BenchCompare.Outcome outcome;
        try (PrintStream o1 = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e1 = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            outcome = BenchCompare.run(o, o1, e1);
        }

        assertThat(outcome.exitStatus()).isEqualTo(1);
        assertThat(lines(out)).containsExactly(outcome.summaryLine());
        assertThat(outcome.summaryLine()).startsWith("bench compare: report=").endsWith(" put-1=n/a put-10=n/a"
                + " put-p99=n/a rss=n/a");
        assertThat(lines(err)).noneMatch(l -> l.startsWith("bench compare:"))
                .anyMatch(l -> l.startsWith("compare: FAILED the run stopped") && l.contains("no-such-etcd"));
        assertThat(Files.readString(outcome.folder().resolve("report.md"))).contains("## Failures", "no-such-etcd");
    }

    @Test
    @Timeout(240)
    void aShortRunAgainstRealClustersPrintsOneSummaryLineWritesItsReportAndLeavesNoMemberBehind(@TempDir Path dir)
            throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(Path.of(ETCD)), "Debian's etcd is not installed at " + ETCD);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        BenchCompare.Options o = new BenchCompare.Options(1, 1, 1, List.of("put", "txn-put"), List.of(1, 10),
                dir.resolve("bench-results"), ETCD, ETCDCTL, "bench compare --seconds 1 --rounds 1 --warmup 1"
                        + " --workloads put,txn-put --clients 1,10");

        BenchCompare.Outcome outcome;
        try (PrintStream o1 = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e1 = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            outcome = BenchCompare.run(o, o1, e1);
        }

        List<String> stdout = lines(out);
        List<String> stderr = lines(err);
        assertThat(outcome.exitStatus()).as("exit status; progress:\n%s", String.join("\n", stderr)).isZero();
        // exactly one summary line, the last of standard output, in CLI.md's form (put at 1,000 clients not run)
        assertThat(stdout).last().isEqualTo(outcome.summaryLine());
        assertThat(stdout.stream().filter(l -> l.startsWith("bench compare:"))).hasSize(1);
        assertThat(stderr.stream().filter(l -> l.startsWith("bench compare:"))).isEmpty();
        Matcher summary = Pattern.compile("bench compare: report=(\\S+) put=n/a range-l=n/a range-s=n/a"
                + " put-1=(\\d+\\.\\d\\d)x put-10=(\\d+\\.\\d\\d)x put-p99=n/a rss=(\\d+\\.\\d\\d)x")
                .matcher(outcome.summaryLine());
        assertThat(summary.matches()).as(outcome.summaryLine()).isTrue();
        assertThat(Path.of(summary.group(1))).isEqualTo(outcome.folder());
        assertThat(Double.parseDouble(summary.group(2))).isPositive();
        assertThat(Double.parseDouble(summary.group(4))).isPositive();
        // a progress line per case with its throughput; every guarded Txn of a client on its own key succeeds
        assertThat(stderr).anyMatch(l -> l.contains("etcd put clients=1:") && l.contains("ops/s"));
        assertThat(stderr).anyMatch(l -> l.contains("cairn put clients=10:") && l.contains("ops/s"));
        assertThat(stderr.stream().filter(l -> l.matches(".* (etcd|cairn) txn-put clients=\\d+: .* unexpected\\)")))
                .hasSize(4).allMatch(l -> l.endsWith(" 0 errors, 0 unexpected)"), "no errors or failed compares");

        // the report folder
        Path folder = outcome.folder();
        assertThat(folder.getParent()).isEqualTo(dir.resolve("bench-results"));
        String report = Files.readString(folder.resolve("report.md"));
        assertThat(report).contains(outcome.summaryLine(), "### put, 1 client over 1 connection",
                "### put, 10 clients over 1 connection", "### txn-put, 10 clients over 1 connection",
                "| throughput (ops/s) |",
                "cores (`nproc`): " + Runtime.getRuntime().availableProcessors(), "etcd Version: 3.4",
                "etcdctl version: 3.4", "io.cairn.kv.server.KvMain", "--initial-cluster-state new",
                "--initial-cluster-token bench-compare");
        assertThat(report.lines().filter(l -> l.startsWith("- round 1, ") && l.contains("--name m"))).hasSize(6);
        String chart = Files.readString(folder.resolve("chart.html"));
        assertThat(chart).contains("<svg", "put, 10 clients").doesNotContain("<script");
        assertThat(folder.resolve("logs").resolve("r1-cairn-m1.log")).isNotEmptyFile();

        // every member is gone and its data directory removed
        assertThat(outcome.memberPids()).hasSize(6);
        for (long pid : outcome.memberPids()) {
            Optional<ProcessHandle> p = ProcessHandle.of(pid);
            assertThat(p.map(ProcessHandle::isAlive).orElse(false)).as("member pid %d alive", pid).isFalse();
        }
        Matcher dataDirs = Pattern.compile("--data-dir (\\S+)").matcher(report);
        int seen = 0;
        while (dataDirs.find()) {
            seen++;
            assertThat(Path.of(dataDirs.group(1))).doesNotExist();
        }
        assertThat(seen).isEqualTo(6);
    }

    private static List<String> lines(ByteArrayOutputStream s) {
        return Arrays.asList(s.toString(StandardCharsets.UTF_8).split("\n"));
    }
}
