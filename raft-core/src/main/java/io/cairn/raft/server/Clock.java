package io.cairn.raft.server;

/** Monotonic time, injected so that the simulator can run the runtime in virtual time. */
@FunctionalInterface
public interface Clock {
    /** A monotonic reading in nanoseconds (only differences mean anything). */
    long nanoTime();

    /** The machine's monotonic clock. */
    Clock SYSTEM = System::nanoTime;
}
