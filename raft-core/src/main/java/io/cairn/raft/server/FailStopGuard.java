package io.cairn.raft.server;

import java.util.function.Consumer;

/**
 * The fatal-error policy on one serial executor (decision 0016): a task that throws (a broken invariant, an
 * unexpected exception in the middle of a Ready, an error) stops the executor's work for good: every later task is
 * skipped, and the member is told once. Carrying on would act on half-done state, such as a Ready whose messages
 * left but whose write was never queued.
 *
 * <p>Works on any {@link RuntimeEnvironment}'s executors (threads or the simulator's events), since it only wraps
 * the tasks.
 */
final class FailStopGuard {
    private final Consumer<Throwable> fatal;
    private volatile Throwable failure;

    /** {@code fatal} is told once, on the executor's thread, with what the task threw. */
    FailStopGuard(Consumer<Throwable> fatal) {
        this.fatal = fatal;
    }

    /** {@code task}, skipped once this guard tripped, and tripping it if it throws. */
    Runnable wrap(Runnable task) {
        return () -> {
            if (failure != null) {
                return;
            }
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                trip(e);
            }
        };
    }

    private void trip(Throwable e) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = e;
        }
        fatal.accept(e);
    }

    /** The error that stopped this executor, or null. */
    Throwable failure() {
        return failure;
    }

    /** {@code inner} with every task it is given wrapped by this guard. */
    SerialExecutor guard(SerialExecutor inner) {
        return new SerialExecutor() {
            @Override
            public boolean trySubmit(Runnable task) {
                return inner.trySubmit(wrap(task));
            }

            @Override
            public void submitBlocking(Runnable task) throws InterruptedException {
                inner.submitBlocking(wrap(task));
            }

            @Override
            public void submitInternal(Runnable task) {
                inner.submitInternal(wrap(task));
            }

            @Override
            public void shutdown() {
                inner.shutdown();
            }
        };
    }
}
