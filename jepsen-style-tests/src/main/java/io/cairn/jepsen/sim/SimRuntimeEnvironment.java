package io.cairn.jepsen.sim;

import io.cairn.raft.core.RandomSource;
import io.cairn.raft.server.Clock;
import io.cairn.raft.server.RuntimeEnvironment;
import io.cairn.raft.server.SerialExecutor;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * The real runtime's threads and clock, as events in the simulator's virtual time: each serial executor runs
 * its queued tasks as one event, then its batch hook, so a raft loop, a log writer and an apply loop interleave
 * exactly as the seed says. The log writer's batch takes an fsync latency drawn from the seed (the sync happens
 * at the end of that time), which is what lets a crash find writes queued but not yet synced.
 *
 * <p>One environment per member incarnation: {@link #stop()} (a crash) drops every queued task and timer; while
 * paused, batches wait and run, with their timers, when the member resumes.
 */
final class SimRuntimeEnvironment implements RuntimeEnvironment {
    private final EventQueue events;
    private final SplittableRandom random;
    private final long tickMicros;
    private final LongSupplier fsyncMicros;
    private final List<SimExecutor> executors = new ArrayList<>();
    private boolean stopped;
    private boolean paused;
    private final ArrayDeque<Runnable> heldWhilePaused = new ArrayDeque<>();

    SimRuntimeEnvironment(EventQueue events, SplittableRandom random, long tickMicros, LongSupplier fsyncMicros) {
        this.events = events;
        this.random = random;
        this.tickMicros = tickMicros;
        this.fsyncMicros = fsyncMicros;
    }

    /** A crash: nothing queued or scheduled runs any more. */
    void stop() {
        stopped = true;
        heldWhilePaused.clear();
        for (SimExecutor e : executors) {
            e.queue.clear();
        }
    }

    void pause() {
        paused = true;
    }

    /**
     * Runs what waited during the pause, in the order it became due; or, one resume in two, what the member's
     * threads had queued first and its timers after (after a stop-the-world pause the timer thread may well be
     * scheduled last), which is when a runtime must catch up elapsed ticks itself before serving a lease read.
     */
    void resume() {
        paused = false;
        if (random.nextBoolean()) {
            ArrayDeque<Runnable> timers = new ArrayDeque<>();
            while (!heldWhilePaused.isEmpty() && !paused && !stopped) {
                Runnable r = heldWhilePaused.pollFirst();
                if (r instanceof TimerFire) {
                    timers.addLast(r);
                } else {
                    r.run();
                }
            }
            while (!timers.isEmpty() && !paused && !stopped) {
                timers.pollFirst().run();
            }
            while (!timers.isEmpty()) {
                heldWhilePaused.addLast(timers.pollFirst()); // paused again meanwhile: they wait for the next resume
            }
            return;
        }
        while (!heldWhilePaused.isEmpty() && !paused && !stopped) {
            heldWhilePaused.pollFirst().run();
        }
    }

    /** A periodic timer's firing, told apart from other held work on resume. */
    private record TimerFire(Runnable task) implements Runnable {
        @Override
        public void run() {
            task.run();
        }
    }

    private void at(long delayMicros, Runnable action) {
        events.after(delayMicros, () -> whenRunning(action));
    }

    private void whenRunning(Runnable action) {
        if (stopped) {
            return;
        }
        if (paused) {
            heldWhilePaused.addLast(action);
            return;
        }
        action.run();
    }

    @Override
    public SerialExecutor newExecutor(String name, int capacity, Runnable afterBatch) {
        SimExecutor e = new SimExecutor(capacity, afterBatch, null);
        executors.add(e);
        return e;
    }

    @Override
    public SerialExecutor newWriterExecutor(String name, int capacity, Runnable write, Runnable sync) {
        SimExecutor e = new SimExecutor(capacity, write, sync);
        executors.add(e);
        return e;
    }

    @Override
    public AutoCloseable every(long periodNanos, Runnable task) {
        long periodMicros = Math.max(1, periodNanos / 1_000 * tickMicros / 10_000); // drift: the member's rate
        boolean[] cancelled = new boolean[1];
        Runnable[] loop = new Runnable[1];
        TimerFire fire = new TimerFire(task);
        loop[0] = () -> {
            if (!cancelled[0] && !stopped) {
                whenRunning(fire);
                events.after(periodMicros, loop[0]);
            }
        };
        events.after(periodMicros, loop[0]);
        return () -> cancelled[0] = true;
    }

    @Override
    public Clock clock() {
        // The member's clock runs at its drifted rate: its tick period is tickMicros of virtual time.
        return () -> events.now() * 1_000 * 10_000 / tickMicros;
    }

    @Override
    public boolean acceptsInjectedBugs() {
        return true;
    }

    /** Completions run as events of their own, in order, like the production callback thread. */
    @Override
    public java.util.concurrent.Executor newCallbackExecutor(String name) {
        return task -> at(0, task);
    }

    @Override
    public void runDetached(String name, Runnable task) {
        at(0, task);
    }

    @Override
    public RandomSource random(String name) {
        SplittableRandom r = random.split();
        return r::nextInt;
    }

    /**
     * Tasks run as one event per batch, then the batch hook; the writer's hook writes the batch, and its sync
     * runs after an fsync latency.
     */
    private final class SimExecutor implements SerialExecutor {
        private final int capacity;
        private final Runnable afterBatch;
        /** The writer's sync, or null for other executors. */
        private final Runnable sync;
        private final boolean writer;
        private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
        private boolean scheduled;

        SimExecutor(int capacity, Runnable afterBatch, Runnable sync) {
            this.capacity = capacity;
            this.afterBatch = afterBatch;
            this.sync = sync;
            this.writer = sync != null;
        }

        @Override
        public boolean trySubmit(Runnable task) {
            if (stopped || queue.size() >= capacity) {
                return false;
            }
            enqueue(task);
            return true;
        }

        @Override
        public void submitBlocking(Runnable task) {
            if (!stopped) {
                enqueue(task); // no threads to block in the simulator: the bound is only counted
            }
        }

        @Override
        public void submitInternal(Runnable task) {
            if (!stopped) {
                enqueue(task);
            }
        }

        private void enqueue(Runnable task) {
            queue.addLast(task);
            if (!scheduled) {
                scheduled = true;
                at(writer ? 0 : 1 + random.nextInt(20), this::runBatch);
            }
        }

        private void runBatch() {
            List<Runnable> batch = new ArrayList<>(queue);
            queue.clear();
            for (Runnable r : batch) {
                if (stopped) {
                    return;
                }
                r.run();
            }
            if (afterBatch != null && !stopped) {
                afterBatch.run();
            }
            if (writer) {
                // The batch's bytes are written; they become durable when the sync completes, later.
                at(fsyncMicros.getAsLong(), this::finishSync);
                return;
            }
            finishBatch0();
        }

        private void finishSync() {
            sync.run();
            finishBatch0();
        }

        private void finishBatch0() {
            scheduled = false;
            if (!queue.isEmpty() && !stopped) {
                scheduled = true;
                at(writer ? 0 : 1 + random.nextInt(20), this::runBatch);
            }
        }

        @Override
        public void shutdown() {
            queue.clear();
        }
    }
}
