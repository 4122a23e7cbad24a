package io.cairn.controlplane.workqueue;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Per-key exponential backoff (client-go's {@code ItemExponentialFailureRateLimiter}): the n-th retry of a key since
 * it was last forgotten waits {@code base * 2^(n-1)}, at most {@code max}. Bounded by the number of failing keys.
 */
public final class ExponentialBackoffRateLimiter<K> implements RateLimiter<K> {
    private final Duration base;
    private final Duration max;
    private final Map<K, Integer> failures = new HashMap<>();

    public ExponentialBackoffRateLimiter(Duration base, Duration max) {
        if (base.isNegative() || max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff from " + base + " to " + max);
        }
        this.base = base;
        this.max = max;
    }

    @Override
    public synchronized Duration when(K key) {
        int n = failures.merge(key, 1, Integer::sum) - 1;
        if (n >= 62 || base.toNanos() > (max.toNanos() >> Math.min(n, 62))) {
            return max;
        }
        Duration d = base.multipliedBy(1L << n);
        return d.compareTo(max) > 0 ? max : d;
    }

    @Override
    public synchronized void forget(K key) {
        failures.remove(key);
    }

    @Override
    public synchronized int numRequeues(K key) {
        return failures.getOrDefault(key, 0);
    }
}
