package io.cairn.bench.kv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A process's CPU time as Linux accounts it: fields 14 and 15 ({@code utime}, {@code stime}) of
 * {@code /proc/<pid>/stat}, in clock ticks. The ticks per second come from {@code getconf CLK_TCK} once (100 on
 * every Linux this runs on; 100 if getconf is missing). The command name (field 2) may hold spaces and parentheses,
 * so fields are counted from the last {@code ')'}.
 *
 * <p>Stateless but for the cached tick rate; any thread.
 */
final class ProcStat {
    private ProcStat() {}

    /** Clock ticks per second, read once. */
    private static volatile long clockTicksPerSecond;

    /** {@code utime + stime} of process {@code pid}, in nanoseconds. */
    static long cpuNanos(long pid) throws IOException {
        String stat;
        try (var in = Files.newBufferedReader(Path.of("/proc", Long.toString(pid), "stat"))) {
            stat = in.readLine(); // line-wise: Files.readString trusts the size /proc reports
        }
        if (stat == null) {
            throw new IOException("/proc/" + pid + "/stat is empty");
        }
        return ticksToNanos(cpuTicks(stat));
    }

    /** {@code utime + stime} from one {@code /proc/<pid>/stat} line, in clock ticks. */
    static long cpuTicks(String statLine) {
        int close = statLine.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/<pid>/stat line: " + statLine);
        }
        // after "pid (comm) " the fields are numbered from 3 (state); utime is 14, stime 15
        String[] f = statLine.substring(close + 2).split(" ");
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    static long ticksToNanos(long ticks) {
        return ticks * TimeUnit.SECONDS.toNanos(1) / clockTicksPerSecond();
    }

    static long clockTicksPerSecond() {
        long t = clockTicksPerSecond;
        if (t == 0) {
            t = 100;
            try {
                Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
                if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    t = Long.parseLong(out);
                }
            } catch (IOException | NumberFormatException e) {
                // no getconf: Linux's USER_HZ is 100 everywhere that matters
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            clockTicksPerSecond = t;
        }
        return t;
    }
}
