package io.cairn.raft.server;

import io.cairn.raft.core.RandomSource;

/**
 * Real threads whose raft loops can be made to look full: while {@link #crowded} runs its action, every raft
 * loop refuses {@link SerialExecutor#trySubmit} as a loop with a full input queue does. Internal completions
 * ({@link SerialExecutor#submitInternal}) are never refused, which is the contract under test.
 */
final class CrowdedEnvironment implements RuntimeEnvironment {
    private final RuntimeEnvironment real = RuntimeEnvironment.production();
    private volatile boolean crowded;

    void crowded(Runnable action) {
        crowded = true;
        try {
            action.run();
        } finally {
            crowded = false;
        }
    }

    @Override
    public SerialExecutor newExecutor(String name, int capacity, Runnable afterBatch) {
        SerialExecutor e = real.newExecutor(name, capacity, afterBatch);
        if (!name.startsWith("cairn-raft-")) {
            return e;
        }
        return new SerialExecutor() {
            @Override
            public boolean trySubmit(Runnable task) {
                return !crowded && e.trySubmit(task);
            }

            @Override
            public void submitBlocking(Runnable task) throws InterruptedException {
                e.submitBlocking(task);
            }

            @Override
            public void submitInternal(Runnable task) {
                e.submitInternal(task);
            }

            @Override
            public void shutdown() {
                e.shutdown();
            }
        };
    }

    @Override
    public SerialExecutor newWriterExecutor(String name, int capacity, Runnable write, Runnable sync) {
        return real.newWriterExecutor(name, capacity, write, sync);
    }

    @Override
    public AutoCloseable every(long periodNanos, Runnable task) {
        return real.every(periodNanos, task);
    }

    @Override
    public Clock clock() {
        return real.clock();
    }

    @Override
    public RandomSource random(String name) {
        return real.random(name);
    }
}
