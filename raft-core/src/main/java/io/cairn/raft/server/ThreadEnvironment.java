package io.cairn.raft.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link RuntimeEnvironment}: one daemon thread per serial executor, draining a bounded queue in
 * batches (every task waiting is taken at once, so batching costs no added wait), and one shared scheduler
 * thread for periodic tasks.
 */
final class ThreadEnvironment implements RuntimeEnvironment {
    static final ThreadEnvironment INSTANCE = new ThreadEnvironment();
    private static final Logger LOG = LoggerFactory.getLogger(ThreadEnvironment.class);

    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cairn-timers");
        t.setDaemon(true);
        return t;
    });

    @Override
    public SerialExecutor newExecutor(String name, int capacity, Runnable afterBatch) {
        return new ThreadExecutor(name, capacity, afterBatch);
    }

    @Override
    public AutoCloseable every(long periodNanos, Runnable task) {
        ScheduledFuture<?> f = timers.scheduleAtFixedRate(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.error("periodic task failed", e);
            }
        }, periodNanos, periodNanos, TimeUnit.NANOSECONDS);
        return () -> f.cancel(false);
    }

    @Override
    public Clock clock() {
        return Clock.SYSTEM;
    }

    @Override
    public io.cairn.raft.core.RandomSource random(String name) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(System.nanoTime() ^ name.hashCode() * 31L);
        return bound -> {
            synchronized (r) {
                return r.nextInt(bound);
            }
        };
    }

    /**
     * A thread draining a queue in batches. External tasks are bounded by permits (a full queue refuses or makes
     * the caller wait); internal completions bypass the bound.
     */
    static final class ThreadExecutor implements SerialExecutor {
        private static final int BATCH_MAX = 4096;

        private record Task(Runnable runnable, boolean external) {}

        private static final Task POISON = new Task(() -> { }, false);

        private final java.util.concurrent.LinkedBlockingQueue<Task> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.Semaphore permits;
        private final Runnable afterBatch;
        private final Thread thread;
        private volatile boolean stopping;

        ThreadExecutor(String name, int capacity, Runnable afterBatch) {
            this.permits = new java.util.concurrent.Semaphore(capacity);
            this.afterBatch = afterBatch;
            this.thread = new Thread(this::loop, name);
            this.thread.setDaemon(true);
            this.thread.start();
        }

        @Override
        public boolean trySubmit(Runnable task) {
            if (stopping || !permits.tryAcquire()) {
                return false;
            }
            queue.add(new Task(task, true));
            return true;
        }

        @Override
        public void submitBlocking(Runnable task) throws InterruptedException {
            if (stopping) {
                return;
            }
            permits.acquire();
            queue.add(new Task(task, true));
        }

        @Override
        public void submitInternal(Runnable task) {
            if (!stopping) {
                queue.add(new Task(task, false));
            }
        }

        @Override
        public void shutdown() {
            if (!stopping) {
                stopping = true;
                queue.add(POISON);
                if (Thread.currentThread() != thread) {
                    try {
                        thread.join(5_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }
        }

        private void loop() {
            List<Task> batch = new ArrayList<>(256);
            while (true) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    return;
                }
                queue.drainTo(batch, BATCH_MAX - 1);
                for (Task t : batch) {
                    if (t == POISON) {
                        return;
                    }
                    if (t.external()) {
                        permits.release();
                    }
                    run(t.runnable());
                }
                batch.clear();
                if (afterBatch != null) {
                    run(afterBatch);
                }
            }
        }

        private void run(Runnable r) {
            try {
                r.run();
            } catch (RuntimeException | Error e) {
                LOG.error("task on {} failed", thread.getName(), e);
                if (e instanceof io.cairn.raft.core.Invariants.InvariantViolation || e instanceof Error) {
                    stopping = true;
                    throw e;
                }
            }
        }
    }
}
