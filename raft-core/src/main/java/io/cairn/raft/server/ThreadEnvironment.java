package io.cairn.raft.server;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
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

    /** A thread draining a bounded queue in batches. */
    static final class ThreadExecutor implements SerialExecutor {
        private static final int BATCH_MAX = 4096;
        private static final Runnable POISON = () -> { };

        private final BlockingQueue<Runnable> queue;
        private final Runnable afterBatch;
        private final Thread thread;
        private volatile boolean stopping;

        ThreadExecutor(String name, int capacity, Runnable afterBatch) {
            this.queue = new ArrayBlockingQueue<>(capacity);
            this.afterBatch = afterBatch;
            this.thread = new Thread(this::loop, name);
            this.thread.setDaemon(true);
            this.thread.start();
        }

        @Override
        public boolean trySubmit(Runnable task) {
            return !stopping && queue.offer(task);
        }

        @Override
        public void submitBlocking(Runnable task) throws InterruptedException {
            if (!stopping) {
                queue.put(task);
            }
        }

        @Override
        public void shutdown() {
            if (!stopping) {
                stopping = true;
                queue.offer(POISON);
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
            List<Runnable> batch = new ArrayList<>(256);
            while (true) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    return;
                }
                queue.drainTo(batch, BATCH_MAX - 1);
                for (Runnable r : batch) {
                    if (r == POISON) {
                        return;
                    }
                    run(r);
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
