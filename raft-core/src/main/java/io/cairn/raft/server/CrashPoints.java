package io.cairn.raft.server;

import java.util.function.Consumer;

/**
 * A test hook: the named steps of multi-step durable changes (a snapshot install) call {@link #reached} as they
 * complete, and a crash test makes the hook throw at one of them, leaving on disk what a crash there would leave.
 * Does nothing in production (the hook is empty).
 */
public final class CrashPoints {
    private static volatile Consumer<String> hook = step -> { };

    private CrashPoints() {}

    /** Called by the code at step {@code step}; throws when a test crashes there. */
    public static void reached(String step) {
        hook.accept(step);
    }

    /** Installs {@code h} (tests only); {@link #clear()} removes it. */
    public static void set(Consumer<String> h) {
        hook = h;
    }

    public static void clear() {
        hook = step -> { };
    }
}
