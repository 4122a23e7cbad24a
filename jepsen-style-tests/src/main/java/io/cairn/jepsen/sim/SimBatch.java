package io.cairn.jepsen.sim;

import io.cairn.raft.core.InjectedBug;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs many seeds (in parallel, each seed still deterministic) or replays one with its trace, and prints the
 * result in the form {@code cairn sim} promises (see shared/CLI.md): a {@code FAIL seed=...} line per failing
 * seed with the command that replays it, {@code FAIL counter <name>=0} for each unreached "sometimes" counter
 * in a batch of 200 seeds or more, and one summary line last.
 */
public final class SimBatch {
    /** Below this many seeds a zero "sometimes" counter is not a failure (too few runs to expect it). */
    public static final int COUNTERS_REQUIRED_FROM_SEEDS = 200;

    private SimBatch() {}

    /** Runs {@code count} seeds from {@code start}; returns the process exit status. */
    public static int runSeeds(long start, int count, Set<InjectedBug> bugs, int threads, PrintStream out,
            PrintStream progress) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, threads), r -> {
            Thread t = new Thread(r, "sim");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<SimResult>> futures = new ArrayList<>();
            for (long s = start; s < start + count; s++) {
                long seed = s;
                futures.add(pool.submit(() -> new Simulation(seed, bugs, null).run()));
            }
            List<SimResult> results = new ArrayList<>();
            for (int i = 0; i < futures.size(); i++) {
                SimResult r = futures.get(i).get();
                results.add(r);
                if (r.failed()) {
                    out.println(failLine(r, bugs));
                    out.flush();
                } else if (r.unknown() && progress != null) {
                    progress.println("unknown: seed " + r.seed() + "'s history check ran out of its step budget"
                            + " (bin/cairn sim --seed " + r.seed() + ")");
                }
                if (progress != null && (i + 1) % 25 == 0) {
                    progress.println("progress: " + (i + 1) + "/" + count + " seeds");
                }
            }
            return summarize(results, count, bugs, out);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a simulation crashed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /** Replays one seed, printing its trace to {@code out} before the summary line. */
    public static int replay(long seed, Set<InjectedBug> bugs, boolean verbose, PrintStream out) {
        SimResult r = new Simulation(seed, bugs, out).verbose(verbose).run();
        if (r.failed()) {
            out.println(failLine(r, bugs));
        }
        return summarize(List.of(r), 1, bugs, out);
    }

    static int summarize(List<SimResult> results, int count, Set<InjectedBug> bugs, PrintStream out) {
        int violations = 0;
        int unknown = 0;
        Map<String, Long> counters = new TreeMap<>();
        for (String name : Simulation.SOMETIMES) {
            counters.put(name, 0L);
        }
        for (SimResult r : results) {
            violations += r.failed() ? 1 : 0;
            unknown += r.unknown() ? 1 : 0;
            r.counters().forEach((k, v) -> counters.merge(k, v, Long::sum));
        }
        boolean countersOk = true;
        if (count >= COUNTERS_REQUIRED_FROM_SEEDS) {
            for (String name : Simulation.SOMETIMES) {
                if (counters.get(name) == 0) {
                    out.println("FAIL counter " + name + "=0");
                    countersOk = false;
                }
            }
        }
        StringBuilder line = new StringBuilder("sim: " + count + " seeds, " + violations + " violations, " + unknown
                + " unknown,");
        for (String name : Simulation.SOMETIMES) {
            line.append(' ').append(name).append('=').append(counters.get(name));
        }
        out.println(line);
        out.flush();
        return violations == 0 && unknown == 0 && countersOk ? 0 : 1;
    }

    static String failLine(SimResult r, Set<InjectedBug> bugs) {
        StringBuilder b = new StringBuilder("FAIL seed=" + r.seed() + " " + r.violation().replace('\n', ' ')
                + " replay: bin/cairn sim --seed " + r.seed());
        for (InjectedBug bug : bugs) {
            b.append(" --inject-bug ").append(bug.cliName());
        }
        return b.toString();
    }
}
