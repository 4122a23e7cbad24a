package io.cairn.kv.mvcc;

/**
 * Run-time invariant checks that stay on in production, in the style of {@code io.cairn.raft.core.Invariants}
 * (kv-store does not depend on raft-core yet, so it keeps its own copy of this tiny class). A failed check throws
 * {@link InvariantViolation}: the store's state can no longer be trusted, and the caller should stop applying
 * rather than diverge from the other replicas. Messages are formatted only when a check fails.
 */
public final class Invariants {
    private Invariants() {}

    /** Thrown when an invariant does not hold. */
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
