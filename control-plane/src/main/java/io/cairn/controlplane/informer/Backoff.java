package io.cairn.controlplane.informer;

import java.time.Duration;

/** A doubling wait between retries, from {@code initial} up to {@code max}; one thread uses it. */
final class Backoff {
    private final Duration initial;
    private final Duration max;
    private Duration next;

    Backoff(Duration initial, Duration max) {
        this.initial = initial;
        this.max = max;
        this.next = initial;
    }

    /** The wait before the next retry; the one after it is twice as long (at most {@code max}). */
    Duration next() {
        Duration d = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return d;
    }

    void reset() {
        next = initial;
    }
}
