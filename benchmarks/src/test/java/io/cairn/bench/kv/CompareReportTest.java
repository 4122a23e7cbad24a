package io.cairn.bench.kv;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.bench.kv.CompareReport.Case;
import io.cairn.bench.kv.CompareReport.CheckPerfResult;
import io.cairn.bench.kv.CompareReport.Measurement;
import io.cairn.bench.kv.KvProcess.Kind;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

/** The figures a user reads from {@code bench compare}: its summary line, report table and chart. */
class CompareReportTest {
    private static Measurement m(double opsPerSecond, double p99Millis, long rssMib) {
        long ops = Math.round(opsPerSecond * 10);
        return new Measurement(ops, 0, 0, 10, p99Millis / 4, p99Millis, p99Millis * 2, ops * 100e-6, ops * 20e-6,
                rssMib * 1024);
    }

    private static void addRounds(CompareReport r, Kind kind, Case c, Measurement... rounds) {
        for (Measurement m : rounds) {
            r.add(kind, c, m);
        }
    }

    @Test
    void summaryLineGivesCairnOverEtcdOfTheMediansWithTwoDecimalsAndADot() {
        Locale before = Locale.getDefault();
        Locale.setDefault(Locale.GERMANY); // a comma locale must not leak into the line
        try {
            CompareReport r = new CompareReport();
            Case put = new Case(Workload.PUT, 1000);
            // etcd's median throughput 10,000 and p99 200 ms; Cairn's 25,000 and 100 ms (outliers do not move medians)
            addRounds(r, Kind.ETCD, put, m(9_000, 150, 300), m(10_000, 200, 300), m(30_000, 900, 300));
            addRounds(r, Kind.CAIRN, put, m(25_000, 100, 100), m(1_000, 90, 100), m(26_000, 400, 100));
            addRounds(r, Kind.ETCD, new Case(Workload.RANGE_L, 1000), m(3_000, 1, 1));
            addRounds(r, Kind.CAIRN, new Case(Workload.RANGE_L, 1000), m(9_000, 1, 1));
            addRounds(r, Kind.ETCD, new Case(Workload.RANGE_S, 1000), m(4_000, 1, 1));
            addRounds(r, Kind.CAIRN, new Case(Workload.RANGE_S, 1000), m(1_000, 1, 1));
            addRounds(r, Kind.ETCD, new Case(Workload.PUT, 1), m(900, 2, 1));
            addRounds(r, Kind.CAIRN, new Case(Workload.PUT, 1), m(450, 2, 1));
            addRounds(r, Kind.ETCD, new Case(Workload.PUT, 10), m(3_000, 2, 1));
            addRounds(r, Kind.CAIRN, new Case(Workload.PUT, 10), m(2_000, 2, 1));
            r.addSessionRss(Kind.ETCD, 900 * 1024);
            r.addSessionRss(Kind.ETCD, 1000 * 1024);
            r.addSessionRss(Kind.CAIRN, 1500 * 1024);
            r.addSessionRss(Kind.CAIRN, 1700 * 1024);

            assertThat(r.summaryLine("bench-results/20261208-120000")).isEqualTo("bench compare:"
                    + " report=bench-results/20261208-120000 put=2.50x range-l=3.00x range-s=0.25x put-1=0.50x"
                    + " put-10=0.67x put-p99=0.50x rss=1.68x");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void aCaseNotRunIsNotApplicableRatherThanANumber() {
        CompareReport r = new CompareReport();
        addRounds(r, Kind.ETCD, new Case(Workload.PUT, 1), m(1_000, 2, 1));
        addRounds(r, Kind.CAIRN, new Case(Workload.PUT, 1), m(1_500, 2, 1));
        // put at 10 clients measured on etcd only: the Cairn side is missing
        addRounds(r, Kind.ETCD, new Case(Workload.PUT, 10), m(1_000, 2, 1));

        assertThat(r.summaryLine("f")).isEqualTo("bench compare: report=f put=n/a range-l=n/a range-s=n/a"
                + " put-1=1.50x put-10=n/a put-p99=n/a rss=n/a");
    }

    @Test
    void aMedianIsTheMiddleValueOrTheMeanOfTheTwoMiddleOnes() {
        assertThat(CompareReport.median(new double[] {5, 1, 3})).hasValue(3);
        assertThat(CompareReport.median(new double[] {4, 1, 3, 10})).hasValue(3.5);
        assertThat(CompareReport.median(new double[0])).isEmpty();
        assertThat(CompareReport.ratio(OptionalDouble.of(1), OptionalDouble.of(0))).isEqualTo("n/a");
        assertThat(CompareReport.ratio(OptionalDouble.of(2), OptionalDouble.of(3))).isEqualTo("0.67");
    }

    @Test
    void theReportHasATablePerCaseWithBothSystemsAndTheRatio() {
        CompareReport r = new CompareReport();
        Case put = new Case(Workload.PUT, 1000);
        addRounds(r, Kind.ETCD, put, m(10_000, 200, 300));
        addRounds(r, Kind.CAIRN, put, m(20_000, 100, 450));
        r.addCommand("round 1, etcd m1", List.of("/usr/bin/etcd", "--name", "m1"));

        String md = r.markdown(new CompareReport.Environment("2026-12-08T12:00Z", "2", "0.5 0.4 0.3", "OpenJDK 17",
                "etcd Version: 3.4.23", "etcdctl version: 3.4.23", "bin/cairn bench compare", "java -jar cairn.jar",
                "the method"), "bench compare: report=x");

        assertThat(md).contains("### put, 1000 clients over 100 connections",
                "| throughput (ops/s) | 10,000 | 20,000 | 2.00 |",
                "| p99 (ms) | 200.00 | 100.00 | 0.50 |",
                "| RSS of the 3 members after the run (MiB) | 300 | 450 | 1.50 |",
                "| members' CPU per op (µs, all 3) | 100.0 | 100.0 | 1.00 |",
                "| client's CPU per op (µs) | 20.0 | 20.0 | 1.00 |",
                "cores (`nproc`): 2", "etcd Version: 3.4.23", "`/usr/bin/etcd --name m1`");
    }

    @Test
    void theChartIsInlineSvgWithNothingToFetch() {
        CompareReport r = new CompareReport();
        addRounds(r, Kind.ETCD, new Case(Workload.PUT, 1), m(1_000, 2, 1));
        addRounds(r, Kind.CAIRN, new Case(Workload.PUT, 1), m(500, 4, 1));

        String html = r.chartHtml("bench compare: report=x <&>");

        assertThat(html).contains("<svg", "put, 1 client", "etcd 1,000/s", "Cairn 500/s", "Cairn 4.00 ms",
                "report=x &lt;&amp;&gt;");
        assertThat(html).doesNotContain("<script", "src=", "href=", "<link", "@import");
        // the bars are scaled to the larger of the pair: etcd's full width, Cairn's half
        assertThat(html).contains("class=\"etcd\" x=\"330\" y=\"5\" width=\"420\"",
                "class=\"cairn\" x=\"330\" y=\"25\" width=\"210\"");
    }

    @Test
    void checkPerfVerdictsAndThroughputComeFromEtcdctlsResultLines() {
        String output = " 0 / 60    0.00%\r 59 / 60   98.33%\r 60 / 60  100.00% 1m0s\n"
                + "FAIL: Throughput too low: 4549 writes/s\nSlowest request took too long: 1.501139s\n"
                + "Stddev too high: 0.142s\nFAIL\n";

        List<String> lines = CheckPerf.resultLines(output);
        CheckPerfResult result = new CheckPerfResult(Workload.CHECK_PERF_XL, Kind.ETCD, 1, lines);

        assertThat(lines).containsExactly("FAIL: Throughput too low: 4549 writes/s",
                "Slowest request took too long: 1.501139s", "Stddev too high: 0.142s", "FAIL");
        assertThat(result.verdict()).isEqualTo("FAIL");
        assertThat(result.writesPerSecond()).hasValue(4549);
        assertThat(new CheckPerfResult(Workload.CHECK_PERF_L, Kind.CAIRN, 1,
                CheckPerf.resultLines("PASS: Throughput is 7950 writes/s\nPASS\n")).writesPerSecond()).hasValue(7950);
    }

    @Test
    void cpuTimeIsUserPlusSystemTicksEvenWhenTheCommandNameHasSpacesAndParentheses() {
        String stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 1234 567 0 0 20 0 40 0 100 0 0";

        assertThat(ProcStat.cpuTicks(stat)).isEqualTo(1234 + 567);
    }
}
