package io.cairn.raft.core;

/**
 * Run-time invariant checks that stay on in production.
 *
 * <p>Java's {@code assert} is off unless the JVM is started with {@code -ea}; a consensus bug that is only
 * caught in tests is a bug that corrupts data in production. Every check here throws
 * {@link InvariantViolation}, which the runtime treats as fatal for the group (stop rather than diverge).
 * The message is formatted only when the check fails, so a check on the hot path costs a branch.
 */
public final class Invariants {
    private Invariants() {}

    /** Thrown when an invariant does not hold: the node's state can no longer be trusted. */
    public static final class InvariantViolation extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        public InvariantViolation(String message) {
            super(message);
        }
    }

    public static void check(boolean condition, String message) {
        if (!condition) {
            throw new InvariantViolation(message);
        }
    }

    public static void check(boolean condition, String format, long a) {
        if (!condition) {
            throw new InvariantViolation(String.format(format, a));
        }
    }

    public static void check(boolean condition, String format, long a, long b) {
        if (!condition) {
            throw new InvariantViolation(String.format(format, a, b));
        }
    }

    public static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new InvariantViolation(String.format(format, args));
        }
    }
}
