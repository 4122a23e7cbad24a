package io.cairn.raft.transport;

import java.util.function.LongUnaryOperator;

/**
 * Reconnect delays: exponential from {@code minMillis}, doubling per failed attempt up to {@code maxMillis},
 * each drawn uniformly from the upper half of its step ("equal jitter"), so that members that lost each other
 * at the same moment do not redial in lockstep, while a delay never falls below half its step.
 *
 * <p>Pure: the random source is passed in ({@code bound -> value in [0, bound)}), so tests can pin it.
 */
final class Backoff {
    private final long minMillis;
    private final long maxMillis;

    Backoff(long minMillis, long maxMillis) {
        this.minMillis = minMillis;
        this.maxMillis = maxMillis;
    }

    /** The step before jitter after {@code attempt} failures (0 for the first retry). */
    long stepMillis(int attempt) {
        int shift = Math.min(attempt, 30);
        long step = minMillis << shift;
        return step <= 0 || step > maxMillis ? maxMillis : step;
    }

    /** The delay before retry number {@code attempt}, in [step/2, step]. */
    long delayMillis(int attempt, LongUnaryOperator random) {
        long step = stepMillis(attempt);
        long half = step / 2;
        return step - half + random.applyAsLong(half + 1);
    }
}
