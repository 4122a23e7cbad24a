package io.cairn.controlplane.workqueue;

import java.time.Duration;
import java.util.List;

/**
 * How long a key waits before it is retried (client-go's {@code workqueue.TypedRateLimiter}). {@link #when} is asked
 * once per retry and counts it; {@link #forget} ends the key's run of failures.
 */
public interface RateLimiter<K> {
    /** The delay before {@code key} is processed again; counts one more retry of it. */
    Duration when(K key);

    /** {@code key} succeeded: its next failure starts from the shortest delay again. */
    void forget(K key);

    /** Retries of {@code key} since it was last forgotten. */
    int numRequeues(K key);

    /**
     * client-go's {@code DefaultControllerRateLimiter}: the longer of a per-key exponential backoff (5 ms doubling to
     * 1000 s) and an overall token bucket (10 retries a second, bursts of 100).
     */
    static <K> RateLimiter<K> defaultControllerRateLimiter() {
        return maxOf(List.of(new ExponentialBackoffRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000)),
                new TokenBucketRateLimiter<>(10, 100, System::nanoTime)));
    }

    /** The longest delay of any of {@code limiters}; each counts every retry. */
    static <K> RateLimiter<K> maxOf(List<RateLimiter<K>> limiters) {
        List<RateLimiter<K>> all = List.copyOf(limiters);
        return new RateLimiter<>() {
            @Override
            public Duration when(K key) {
                Duration longest = Duration.ZERO;
                for (RateLimiter<K> l : all) {
                    Duration d = l.when(key);
                    if (d.compareTo(longest) > 0) {
                        longest = d;
                    }
                }
                return longest;
            }

            @Override
            public void forget(K key) {
                all.forEach(l -> l.forget(key));
            }

            @Override
            public int numRequeues(K key) {
                int most = 0;
                for (RateLimiter<K> l : all) {
                    most = Math.max(most, l.numRequeues(key));
                }
                return most;
            }
        };
    }
}
