package io.cairn.bench.kv;

import io.cairn.bench.kv.KvProcess.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of one {@code bench compare} run and the three ways they are shown: the summary line (shared/CLI.md),
 * {@code report.md} (a table per workload: etcd, Cairn, Cairn / etcd) and {@code chart.html} (inline SVG bars, no
 * script, nothing fetched).
 *
 * <p>Every case (a workload at a client count) is measured once per round and system; a cell of the report is the
 * median of its rounds, taken for each figure on its own (the median p99 and the median throughput may come from
 * different rounds), and a ratio is the median of Cairn over the median of etcd. A ratio is {@code n/a} when a side
 * has no figure (the case was not run, or measured nothing): the summary line then says {@code put=n/a} rather than
 * invent a number.
 *
 * <p>Holds only what it is given; the main thread of {@link BenchCompare} fills and renders it.
 */
final class CompareReport {
    /** One measured case: a closed-loop workload at a client count, or the watch (watchers) or lease (leases) run. */
    record Case(Workload workload, int clients) {
        String title() {
            return switch (workload) {
                case WATCH -> "watch: " + clients + " watchers, " + KvWorkloads.WATCH_WRITERS + " writers";
                case LEASE -> "lease keep-alives: " + clients + " leases";
                default -> workload.id + ", " + clients + (clients == 1 ? " client" : " clients") + " over "
                        + Connections.forClients(clients)
                        + (Connections.forClients(clients) == 1 ? " connection" : " connections");
            };
        }

        String unit() {
            return switch (workload) {
                case WATCH -> "events delivered/s";
                case LEASE -> "keep-alives/s";
                default -> "ops/s";
            };
        }
    }

    /**
     * What one closed loop measured in its window: answered operations (ops), failed calls (errors), answers that
     * were not what the workload expects (a Txn whose compare failed, a keep-alive for an unknown lease), the
     * window's length, latency percentiles of the ops, the CPU the three members and this client used in the window,
     * and the members' resident memory summed right after it.
     */
    record Measurement(long ops, long errors, long unexpected, double seconds, double p50Millis, double p99Millis,
            double p999Millis, double membersCpuSeconds, double clientCpuSeconds, long rssKib) {
        double opsPerSecond() {
            return ops / seconds;
        }

        double membersCpuMicrosPerOp() {
            return ops == 0 ? Double.NaN : membersCpuSeconds * 1e6 / ops;
        }

        double clientCpuMicrosPerOp() {
            return ops == 0 ? Double.NaN : clientCpuSeconds * 1e6 / ops;
        }

        /** The client's CPU over the window's wall time: how many of the machine's cores it kept busy. */
        double clientCores() {
            return clientCpuSeconds / seconds;
        }

        double rssMib() {
            return rssKib / 1024.0;
        }
    }

    /** The output of one {@code etcdctl check perf} run: its result lines ({@code PASS: ...}, {@code FAIL: ...}). */
    record CheckPerfResult(Workload workload, Kind kind, int round, List<String> lines) {
        private static final Pattern THROUGHPUT = Pattern.compile("Throughput\\D*(\\d+) writes/s");

        OptionalLong writesPerSecond() {
            for (String line : lines) {
                Matcher m = THROUGHPUT.matcher(line);
                if (m.find()) {
                    return OptionalLong.of(Long.parseLong(m.group(1)));
                }
            }
            return OptionalLong.empty();
        }

        /** {@code PASS} or {@code FAIL}, etcdctl's last word; {@code no result} if it printed neither. */
        String verdict() {
            for (int i = lines.size() - 1; i >= 0; i--) {
                String l = lines.get(i).trim();
                if (l.equals("PASS") || l.equals("FAIL")) {
                    return l;
                }
            }
            return "no result";
        }
    }

    /** Facts about the run that the report prints as they are. */
    record Environment(String started, String cores, String loadAverage, String javaVersion, String etcdVersion,
            String etcdctlVersion, String invocation, String clientCommand, String method) {}

    /** A row of a workload's table. */
    private record Row(String name, ToDoubleFunction<Measurement> metric, String format, boolean lowerIsBetter) {}

    private static final List<Row> ROWS = List.of(
            new Row("throughput", Measurement::opsPerSecond, "%,.0f", false),
            new Row("p50 (ms)", Measurement::p50Millis, "%.2f", true),
            new Row("p99 (ms)", Measurement::p99Millis, "%.2f", true),
            new Row("p99.9 (ms)", Measurement::p999Millis, "%.2f", true),
            new Row("RSS of the 3 members after the run (MiB)", Measurement::rssMib, "%,.0f", true),
            new Row("members' CPU per op (µs, all 3)", Measurement::membersCpuMicrosPerOp, "%.1f", true),
            new Row("client's CPU per op (µs)", Measurement::clientCpuMicrosPerOp, "%.1f", true),
            new Row("client's CPU (cores busy)", Measurement::clientCores, "%.2f", true),
            new Row("errors (failed calls)", m -> m.errors(), "%,.0f", true),
            new Row("unexpected answers", m -> m.unexpected(), "%,.0f", true));

    private final Map<Case, EnumMap<Kind, List<Measurement>>> measured = new LinkedHashMap<>();
    private final EnumMap<Kind, List<Long>> sessionRssKib = new EnumMap<>(Kind.class);
    private final List<CheckPerfResult> checkPerf = new ArrayList<>();
    private final Map<String, List<String>> commands = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();

    void add(Kind kind, Case c, Measurement m) {
        measured.computeIfAbsent(c, k -> new EnumMap<>(Kind.class)).computeIfAbsent(kind, k -> new ArrayList<>())
                .add(m);
    }

    /** The members' resident memory, summed, at the end of one session (after its last measured run). */
    void addSessionRss(Kind kind, long rssKib) {
        sessionRssKib.computeIfAbsent(kind, k -> new ArrayList<>()).add(rssKib);
    }

    void addCheckPerf(CheckPerfResult r) {
        checkPerf.add(r);
    }

    /** A command line, under a label such as {@code round 1, etcd member m1}. */
    void addCommand(String label, List<String> command) {
        commands.put(label, List.copyOf(command));
    }

    /** Something that went wrong; the report lists it and the run's exit status is 1. */
    void addFailure(String failure) {
        failures.add(failure);
    }

    List<String> failures() {
        return List.copyOf(failures);
    }

    /** The median of {@code metric} over the rounds of {@code kind} in case {@code c}; empty if none measured it. */
    OptionalDouble median(Kind kind, Case c, ToDoubleFunction<Measurement> metric) {
        List<Measurement> ms = measured.getOrDefault(c, new EnumMap<>(Kind.class)).getOrDefault(kind, List.of());
        return median(ms.stream().mapToDouble(metric).filter(v -> !Double.isNaN(v)).toArray());
    }

    OptionalDouble medianSessionRssKib(Kind kind) {
        return median(sessionRssKib.getOrDefault(kind, List.of()).stream().mapToDouble(Long::doubleValue).toArray());
    }

    /** The middle value, or the mean of the two middle ones for an even count; empty for none. */
    static OptionalDouble median(double[] values) {
        if (values.length == 0) {
            return OptionalDouble.empty();
        }
        double[] v = values.clone();
        Arrays.sort(v);
        int mid = v.length / 2;
        return OptionalDouble.of(v.length % 2 == 1 ? v[mid] : (v[mid - 1] + v[mid]) / 2);
    }

    /** Cairn over etcd with two decimals and a dot, or {@code n/a} if a side is missing or etcd's is 0. */
    static String ratio(OptionalDouble cairn, OptionalDouble etcd) {
        if (cairn.isEmpty() || etcd.isEmpty() || etcd.getAsDouble() == 0 || !Double.isFinite(cairn.getAsDouble())) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.2f", cairn.getAsDouble() / etcd.getAsDouble());
    }

    private String ratio(Case c, ToDoubleFunction<Measurement> metric) {
        return ratio(median(Kind.CAIRN, c, metric), median(Kind.ETCD, c, metric));
    }

    private static String withX(String ratio) {
        return ratio.equals("n/a") ? ratio : ratio + "x";
    }

    /**
     * {@code bench compare: report=<folder> put=<r>x range-l=<r>x range-s=<r>x put-1=<r>x put-10=<r>x
     * put-p99=<r>x rss=<r>x}: throughput ratios at 1,000 clients, puts at 1 and 10 clients, the put p99 at 1,000
     * clients, and the members' resident memory at the end of a session.
     */
    String summaryLine(String folder) {
        Case put1000 = new Case(Workload.PUT, 1000);
        return "bench compare: report=" + folder
                + " put=" + withX(ratio(put1000, Measurement::opsPerSecond))
                + " range-l=" + withX(ratio(new Case(Workload.RANGE_L, 1000), Measurement::opsPerSecond))
                + " range-s=" + withX(ratio(new Case(Workload.RANGE_S, 1000), Measurement::opsPerSecond))
                + " put-1=" + withX(ratio(new Case(Workload.PUT, 1), Measurement::opsPerSecond))
                + " put-10=" + withX(ratio(new Case(Workload.PUT, 10), Measurement::opsPerSecond))
                + " put-p99=" + withX(ratio(put1000, Measurement::p99Millis))
                + " rss=" + withX(ratio(medianSessionRssKib(Kind.CAIRN), medianSessionRssKib(Kind.ETCD)));
    }

    /** report.md: what was run and how, a table per case, check perf's lines, the machine, every command. */
    String markdown(Environment env, String summaryLine) {
        StringBuilder b = new StringBuilder();
        b.append("# bench compare: etcd and Cairn side by side\n\n");
        b.append("Started ").append(env.started()).append(" on a machine with ").append(env.cores())
                .append(" cores (`nproc`), load average ").append(env.loadAverage()).append(" at the start.\n\n");
        b.append("```\n").append(summaryLine).append("\n```\n\n");
        b.append("Ratios are Cairn / etcd: above 1 is better for throughput, below 1 for latency, memory and CPU.\n\n");
        if (!failures.isEmpty()) {
            b.append("## Failures\n\n");
            failures.forEach(f -> b.append("- ").append(f).append('\n'));
            b.append('\n');
        }
        b.append("## Method\n\n").append(env.method()).append("\n\n");
        b.append("## Results (median of the rounds)\n\n");
        b.append("Memory at the end of each session (after its last measured run, before check perf), 3 members: ")
                .append(sessionRssText()).append(".\n\n");
        for (Map.Entry<Case, EnumMap<Kind, List<Measurement>>> e : measured.entrySet()) {
            appendCase(b, e.getKey(), e.getValue());
        }
        appendCheckPerf(b);
        b.append("## Machine and versions\n\n");
        b.append("- cores (`nproc`): ").append(env.cores()).append('\n');
        b.append("- load average at the start (`/proc/loadavg`): ").append(env.loadAverage()).append('\n');
        b.append("- JVM (client and Cairn members): ").append(env.javaVersion()).append('\n');
        b.append("- etcd: ").append(env.etcdVersion()).append('\n');
        b.append("- etcdctl: ").append(env.etcdctlVersion()).append("\n\n");
        b.append("## Commands\n\n");
        b.append("The run: `").append(env.invocation()).append("`\n\n");
        b.append("The client (this JVM: the load generator, in process): `").append(env.clientCommand())
                .append("`\n\n");
        commands.forEach((label, cmd) -> b.append("- ").append(label).append(": `").append(String.join(" ", cmd))
                .append("`\n"));
        return b.toString();
    }

    private String sessionRssText() {
        List<String> parts = new ArrayList<>();
        for (Kind k : Kind.values()) {
            List<Long> v = sessionRssKib.getOrDefault(k, List.of());
            if (!v.isEmpty()) {
                parts.add(name(k) + " " + String.join(", ", v.stream().map(x -> String.format(Locale.ROOT, "%,d MiB",
                        x / 1024)).toList()));
            }
        }
        return parts.isEmpty() ? "not measured" : String.join("; ", parts);
    }

    private void appendCase(StringBuilder b, Case c, EnumMap<Kind, List<Measurement>> byKind) {
        b.append("### ").append(c.title()).append("\n\n");
        b.append("| | etcd | Cairn | Cairn / etcd |\n|---|---|---|---|\n");
        for (Row row : ROWS) {
            String name = row == ROWS.get(0) ? "throughput (" + c.unit() + ")" : row.name();
            b.append("| ").append(name).append(" | ").append(cell(median(Kind.ETCD, c, row.metric()), row.format()))
                    .append(" | ").append(cell(median(Kind.CAIRN, c, row.metric()), row.format())).append(" | ")
                    .append(ratio(c, row.metric())).append(" |\n");
        }
        b.append("\nThroughput by round: ");
        List<String> parts = new ArrayList<>();
        for (Kind k : Kind.values()) {
            List<Measurement> ms = byKind.getOrDefault(k, List.of());
            parts.add(name(k) + " " + String.join(", ", ms.stream().map(m -> String.format(Locale.ROOT, "%,.0f",
                    m.opsPerSecond())).toList()));
        }
        b.append(String.join("; ", parts)).append(".\n\n");
    }

    private static String cell(OptionalDouble v, String format) {
        return v.isPresent() && Double.isFinite(v.getAsDouble()) ? String.format(Locale.ROOT, format, v.getAsDouble())
                : "–";
    }

    private void appendCheckPerf(StringBuilder b) {
        if (checkPerf.isEmpty()) {
            return;
        }
        b.append("### etcdctl check perf\n\n");
        b.append("`etcdctl check perf` (3.4) against the cluster's three endpoints; its verdict and result lines per"
                + " round. It asks a fixed rate of writes for 60 s (l: 8,000/s from 500 clients, xl: 15,000/s from"
                + " 1,000) and passes when at least 90% of that rate is reached and no request is slow.\n\n");
        b.append("| load | system | round | verdict | writes/s | lines |\n|---|---|---|---|---|---|\n");
        for (CheckPerfResult r : checkPerf) {
            b.append("| ").append(r.workload().checkPerfLoad()).append(" | ").append(name(r.kind())).append(" | ")
                    .append(r.round()).append(" | ").append(r.verdict()).append(" | ")
                    .append(r.writesPerSecond().isPresent() ? String.format(Locale.ROOT, "%,d",
                            r.writesPerSecond().getAsLong()) : "–")
                    .append(" | ").append(String.join("; ", r.lines()).replace("|", "\\|")).append(" |\n");
        }
        for (Workload w : List.of(Workload.CHECK_PERF_L, Workload.CHECK_PERF_XL)) {
            OptionalDouble etcd = checkPerfMedian(w, Kind.ETCD);
            OptionalDouble cairn = checkPerfMedian(w, Kind.CAIRN);
            if (etcd.isPresent() || cairn.isPresent()) {
                b.append("\n--load=").append(w.checkPerfLoad()).append(": median writes/s etcd ")
                        .append(cell(etcd, "%,.0f")).append(", Cairn ").append(cell(cairn, "%,.0f"))
                        .append(", Cairn / etcd ").append(ratio(cairn, etcd)).append('.');
            }
        }
        b.append("\n\n");
    }

    OptionalDouble checkPerfMedian(Workload w, Kind kind) {
        return median(checkPerf.stream().filter(r -> r.workload() == w && r.kind() == kind)
                .map(CheckPerfResult::writesPerSecond).filter(OptionalLong::isPresent)
                .mapToDouble(OptionalLong::getAsLong).toArray());
    }

    private static String name(Kind k) {
        return k == Kind.CAIRN ? "Cairn" : "etcd";
    }

    /**
     * chart.html: for every case, etcd's and Cairn's median throughput and p99 as horizontal bars, each pair scaled
     * to its larger value (cases differ by orders of magnitude), with the figures written beside them. Inline SVG and
     * CSS only.
     */
    String chartHtml(String summaryLine) {
        StringBuilder b = new StringBuilder();
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>bench compare</title>\n")
                .append("<style>body{font-family:sans-serif;margin:2em}svg text{font-size:13px}</style></head>"
                        + "<body>\n")
                .append("<h1>etcd and Cairn side by side</h1>\n<p><code>").append(escape(summaryLine))
                .append("</code></p>\n<p>Medians of the rounds; each pair of bars is scaled to its larger value."
                        + " Grey: etcd; blue: Cairn.</p>\n");
        appendChart(b, "Throughput (higher is better)", Measurement::opsPerSecond, "%,.0f", "/s");
        appendChart(b, "p99 latency (lower is better)", Measurement::p99Millis, "%.2f", " ms");
        b.append("</body></html>\n");
        return b.toString();
    }

    private void appendChart(StringBuilder b, String title, ToDoubleFunction<Measurement> metric, String format,
            String unit) {
        int rowHeight = 46;
        int width = 900;
        int labelWidth = 330;
        int barMax = 420;
        int height = Math.max(1, measured.size()) * rowHeight + 10;
        b.append("<h2>").append(escape(title)).append("</h2>\n");
        b.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" role=\"img\">\n");
        int y = 5;
        for (Case c : measured.keySet()) {
            OptionalDouble etcd = median(Kind.ETCD, c, metric);
            OptionalDouble cairn = median(Kind.CAIRN, c, metric);
            double max = Math.max(etcd.orElse(0), cairn.orElse(0));
            b.append("<text x=\"0\" y=\"").append(y + 24).append("\">").append(escape(c.title())).append("</text>\n");
            int barY = y;
            for (Kind k : List.of(Kind.ETCD, Kind.CAIRN)) {
                OptionalDouble v = k == Kind.ETCD ? etcd : cairn;
                double value = v.orElse(0);
                int w = max > 0 && Double.isFinite(value) ? (int) Math.round(barMax * value / max) : 0;
                b.append("<rect class=\"").append(k == Kind.ETCD ? "etcd" : "cairn").append("\" x=\"")
                        .append(labelWidth).append("\" y=\"").append(barY).append("\" width=\"").append(w)
                        .append("\" height=\"18\" fill=\"").append(k == Kind.ETCD ? "#7f8c8d" : "#2e86c1")
                        .append("\"/>");
                b.append("<text x=\"").append(labelWidth + w + 6).append("\" y=\"").append(barY + 14).append("\">")
                        .append(name(k)).append(' ')
                        .append(escape(v.isPresent() ? String.format(Locale.ROOT, format, value) + unit : "–"))
                        .append("</text>\n");
                barY += 20;
            }
            y += rowHeight;
        }
        b.append("</svg>\n");
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
