package io.cairn.bench.kv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code etcdctl check perf} (etcd 3.4's) against a cluster: it writes at a fixed rate from many clients for 60 s
 * and judges throughput and slowest request. Its output (a progress bar drawn with carriage returns, then its
 * result lines) goes to a log file; {@link #resultLines} keeps etcdctl's verdicts ({@code PASS: Throughput is 7950
 * writes/s}, {@code FAIL: Throughput too low: 3600 writes/s}, ..., then {@code PASS} or {@code FAIL}), or the last
 * thing it printed if there is no verdict.
 *
 * <p>Stateless; the caller's thread waits for the process (at most {@link #TIMEOUT_SECONDS}, then it is killed).
 */
final class CheckPerf {
    /** check perf runs 60 s; this leaves it time to connect and clean up its keys. */
    static final long TIMEOUT_SECONDS = 180;

    private CheckPerf() {}

    /** The command for {@code load} ({@code l}, {@code xl}) against {@code endpoints} ({@code host:port,...}). */
    static List<String> command(String etcdctl, String endpoints, String load) {
        return List.of(etcdctl, "--endpoints=" + endpoints, "check", "perf", "--load=" + load);
    }

    /** Runs {@code command} with {@code ETCDCTL_API=3}, its output into {@code log}; returns its result lines. */
    static List<String> run(List<String> command, Path log) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                return List.of("etcdctl did not finish within " + TIMEOUT_SECONDS + " s");
            }
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly().waitFor();
            }
        }
        List<String> lines = resultLines(Files.readString(log, StandardCharsets.UTF_8));
        return lines.isEmpty() ? List.of("no verdict; etcdctl exited with " + p.exitValue() + ": "
                + lastLine(Files.readString(log, StandardCharsets.UTF_8))) : lines;
    }

    /**
     * The result lines of etcdctl's output (split at newlines and carriage returns): those that begin with PASS or
     * FAIL, and the two failures it prints without that word ({@code Slowest request took too long: 1.501139s},
     * {@code Stddev too high: 0.142s}).
     */
    static List<String> resultLines(String output) {
        List<String> out = new ArrayList<>();
        for (String line : output.split("[\r\n]+")) {
            String l = line.trim();
            if (l.startsWith("PASS") || l.startsWith("FAIL") || l.startsWith("Slowest request")
                    || l.startsWith("Stddev")) {
                out.add(l);
            }
        }
        return out;
    }

    private static String lastLine(String output) {
        String[] lines = output.trim().split("[\r\n]+");
        return lines.length == 0 ? "(no output)" : lines[lines.length - 1].trim();
    }
}
