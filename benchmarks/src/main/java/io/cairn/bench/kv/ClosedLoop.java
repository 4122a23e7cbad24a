package io.cairn.bench.kv;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Closed-loop clients, as etcd's benchmark runs them: each of C clients has one request outstanding and sends its
 * next as soon as the answer arrives, for a warm-up and then a measured window. An operation counts when it was
 * sent inside the window and answered before the window's end; its latency (send to answer) goes into an
 * HdrHistogram. A failed call counts as an error, and its client waits {@link #ERROR_PAUSE_MILLIS} before trying
 * again (a member that is gone must not turn the loop into a busy spin). The in-flight requests are bounded by C.
 *
 * <p>While the window runs, the calling thread prints a progress line a second on {@code progress} and samples,
 * at the window's two ends, the CPU time of the members (a callback) and of this JVM (the client: {@code
 * com.sun.management.OperatingSystemMXBean#getProcessCpuTime}, every thread of the process, GC and JIT included).
 *
 * <p>Threads: the operations complete on the connections' event loops, which send the next request; errors are
 * retried from one scheduler thread; the caller only waits, samples and prints.
 */
final class ClosedLoop {
    /** Pause before a client whose call failed sends again. */
    static final long ERROR_PAUSE_MILLIS = 10;

    /** One request of client {@code client}: completes with true when the answer is what the workload expects. */
    interface Operation {
        CompletableFuture<Boolean> issue(int client);
    }

    /** A reading of the members' summed CPU time, in nanoseconds. */
    interface CpuMeter {
        long cpuNanos() throws IOException;
    }

    /** What the window measured. */
    record Result(long ops, long errors, long unexpected, Histogram latencyNanos, long windowNanos,
            long membersCpuNanos, long clientCpuNanos) {}

    private final Operation operation;
    private final Recorder latencies = new Recorder(3);
    private final AtomicLong ops = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong unexpected = new AtomicLong();
    private final CountDownLatch finished;
    private final ScheduledExecutorService retries;
    private final long windowStart;
    private final long windowEnd;

    private ClosedLoop(Operation operation, int clients, long windowStart, long windowEnd) {
        this.operation = operation;
        this.finished = new CountDownLatch(clients);
        this.windowStart = windowStart;
        this.windowEnd = windowEnd;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "compare-retry");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code clients} closed loops of {@code operation}: {@code warmupNanos} unmeasured, then a window of
     * {@code windowNanos}. Returns once every client has stopped (or a call deadline after the window's end).
     */
    static Result run(String label, int clients, Operation operation, long warmupNanos, long windowNanos,
            CpuMeter members, PrintStream progress) throws IOException, InterruptedException {
        long windowStart = System.nanoTime() + warmupNanos;
        return runWindow(label, clients, operation, windowStart, windowStart + windowNanos, members, progress);
    }

    /**
     * The same with the window given as {@link System#nanoTime()} instants, for a caller that must know them (the
     * watch workload counts only events of puts sent inside the window).
     */
    static Result runWindow(String label, int clients, Operation operation, long windowStart, long windowEnd,
            CpuMeter members, PrintStream progress) throws IOException, InterruptedException {
        ClosedLoop loop = new ClosedLoop(operation, clients, windowStart, windowEnd);
        try {
            return loop.drive(label, clients, members, progress);
        } finally {
            loop.retries.shutdownNow();
        }
    }

    private Result drive(String label, int clients, CpuMeter members, PrintStream progress)
            throws IOException, InterruptedException {
        for (int c = 0; c < clients; c++) {
            next(c);
        }
        long warmup = windowStart - System.nanoTime();
        if (warmup > 0) {
            progress.printf(Locale.ROOT, "compare: %s: warming up for %.0f s%n", label, warmup / 1e9);
        }
        sleepUntil(windowStart);
        long members0 = members.cpuNanos();
        long client0 = clientCpuNanos();
        long t0 = System.nanoTime();
        for (long tick = windowStart + 1_000_000_000L; tick < windowEnd; tick += 1_000_000_000L) {
            sleepUntil(tick);
            double seconds = (System.nanoTime() - t0) / 1e9;
            progress.printf(Locale.ROOT, "compare: %s: %.0f of %.0f s, %,.0f ops/s so far%n", label, seconds,
                    (windowEnd - windowStart) / 1e9, ops.get() / seconds);
        }
        sleepUntil(windowEnd);
        long membersCpu = members.cpuNanos() - members0;
        long clientCpu = clientCpuNanos() - client0;
        if (!finished.await(Connections.CALL_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS)) {
            progress.println("compare: " + label + ": " + finished.getCount() + " clients still waiting for an answer"
                    + " after the window; going on without them");
        }
        long window = windowEnd - windowStart;
        progress.printf(Locale.ROOT, "compare: %s: %,.0f ops/s (%d ops, %d errors, %d unexpected)%n", label,
                ops.get() / (window / 1e9), ops.get(), errors.get(), unexpected.get());
        return new Result(ops.get(), errors.get(), unexpected.get(), latencies.getIntervalHistogram(), window,
                membersCpu, clientCpu);
    }

    private void next(int client) {
        long sent = System.nanoTime();
        if (sent >= windowEnd) {
            finished.countDown();
            return;
        }
        CompletableFuture<Boolean> answer;
        try {
            answer = operation.issue(client);
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        answer.whenComplete((expected, error) -> {
            long now = System.nanoTime();
            boolean inWindow = sent >= windowStart && now <= windowEnd;
            if (error != null) {
                if (inWindow) {
                    errors.incrementAndGet();
                }
                retryLater(client);
                return;
            }
            if (inWindow) {
                if (expected) {
                    ops.incrementAndGet();
                    latencies.recordValue(now - sent);
                } else {
                    unexpected.incrementAndGet();
                }
            }
            next(client);
        });
    }

    private void retryLater(int client) {
        try {
            retries.schedule(() -> next(client), ERROR_PAUSE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException shutDown) {
            finished.countDown(); // the run is over
        }
    }

    /** CPU time of this JVM so far (every thread), in nanoseconds. */
    static long clientCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    private static void sleepUntil(long nanoTime) throws InterruptedException {
        long wait = nanoTime - System.nanoTime();
        if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
