package io.cairn.raft.server;

/**
 * Runs tasks one at a time, in submission order, never two at once: the runtime's unit of concurrency (a
 * group's raft loop, the log writer, a group's apply loop). After each batch of tasks that were waiting
 * together it runs its batch hook, which is where a raft loop drains the core's {@code Ready}: everything that
 * arrived together is handled together.
 *
 * <p>Production implementations own a thread and a bounded queue; the simulator's run every task as an event
 * in virtual time.
 */
public interface SerialExecutor {
    /**
     * Queues {@code task}; returns false, without queuing it, if the queue is full (the caller decides whether
     * to fail with an Overloaded error or to wait with {@link #submitBlocking}).
     */
    boolean trySubmit(Runnable task);

    /** Queues {@code task}, waiting for room if the queue is full. */
    void submitBlocking(Runnable task) throws InterruptedException;

    /**
     * Queues an internal completion (a write became durable, a snapshot was taken): never blocks and never
     * refuses, so two executors waiting on each other's queues cannot deadlock. Such tasks are bounded by the
     * work they complete, which is itself bounded.
     */
    void submitInternal(Runnable task);

    /** Stops after the tasks already queued; idempotent. */
    void shutdown();
}
