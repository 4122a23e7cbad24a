package io.cairn.raft.server;

/**
 * Where the runtime gets its threads and its time. {@link #production()} uses real threads and the system clock;
 * the simulator supplies an environment whose executors and timers are events in virtual time, so the real
 * runtime and the real log run deterministically under a seed.
 */
public interface RuntimeEnvironment {
    /**
     * A new serial executor named {@code name}, with a queue of {@code capacity} tasks, that runs
     * {@code afterBatch} after each batch of tasks it ran together (null for none).
     */
    SerialExecutor newExecutor(String name, int capacity, Runnable afterBatch);

    /**
     * The log writer's executor: after each batch, {@code write} hands the batch's bytes to the file system and
     * {@code sync} makes them durable. Real threads run the two back to back; the simulator puts the disk's
     * fsync latency between them, the window in which a crash finds bytes written but not synced.
     */
    default SerialExecutor newWriterExecutor(String name, int capacity, Runnable write, Runnable sync) {
        return newExecutor(name, capacity, () -> {
            write.run();
            sync.run();
        });
    }

    /**
     * Where the futures a member hands to its callers complete: never one of the runtime's own executors, so a
     * caller's callback that proposes or reads again (and waits for room in a full queue) cannot block the raft loop
     * or the apply thread that its request needs. Serial (completions keep their order). Production: one thread,
     * started when there is work and gone when idle for a second, with a queue of {@value #CALLBACKS_MAX} completions
     * (beyond that the completing thread runs them itself; the queue holds one task per request in flight, which the
     * groups' own bounds already limit).
     */
    default java.util.concurrent.Executor newCallbackExecutor(String name) {
        java.util.concurrent.ThreadPoolExecutor pool = new java.util.concurrent.ThreadPoolExecutor(1, 1, 1,
                java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(CALLBACKS_MAX),
                r -> {
                    Thread t = new Thread(r, name);
                    t.setDaemon(true);
                    return t;
                }, new java.util.concurrent.ThreadPoolExecutor.CallerRunsPolicy());
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    /** The most completions a production callback executor queues. */
    int CALLBACKS_MAX = 65_536;

    /** Runs {@code task} every {@code periodNanos}, first after one period, until the returned handle is closed. */
    AutoCloseable every(long periodNanos, Runnable task);

    Clock clock();

    /**
     * Runs {@code task} once, soon, outside every executor (a member stopping itself closes its executors, and may
     * not wait for itself): production starts a daemon thread named {@code name}; the simulator makes it an event.
     */
    default void runDetached(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    /** The random source of the core named {@code name} (election jitter): seeded per run in production, from
     * the seed in the simulator. */
    io.cairn.raft.core.RandomSource random(String name);

    /**
     * Whether members on this environment may run with injected bugs ({@link io.cairn.raft.core.InjectedBug}):
     * only a simulated environment says yes, so no production member can be started with one.
     */
    default boolean acceptsInjectedBugs() {
        return false;
    }

    /** Real threads and the system clock. */
    static RuntimeEnvironment production() {
        return ThreadEnvironment.INSTANCE;
    }
}
