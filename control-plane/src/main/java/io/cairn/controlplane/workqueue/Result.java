package io.cairn.controlplane.workqueue;

import java.time.Duration;

/**
 * What a {@link Reconciler} asks of the queue after a reconcile (controller-runtime's {@code reconcile.Result}):
 * nothing ({@link #done()}: the key is forgotten), a retry with the key's backoff ({@link #requeue()}), or another
 * look after a fixed time ({@link #requeueAfter}: a deadline the controller waits for, not a failure).
 *
 * @param retry whether to retry with the key's rate-limited backoff
 * @param delay when to look again (zero: not unless an event says so)
 */
public record Result(boolean retry, Duration delay) {
    private static final Result DONE = new Result(false, Duration.ZERO);
    private static final Result REQUEUE = new Result(true, Duration.ZERO);

    public Result {
        if (delay.isNegative() || (retry && !delay.isZero())) {
            throw new IllegalArgumentException("a retry with backoff, or a delay: " + retry + ", " + delay);
        }
    }

    public static Result done() {
        return DONE;
    }

    public static Result requeue() {
        return REQUEUE;
    }

    public static Result requeueAfter(Duration after) {
        return new Result(false, after);
    }
}
