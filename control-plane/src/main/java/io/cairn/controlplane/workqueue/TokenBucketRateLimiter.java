package io.cairn.controlplane.workqueue;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * An overall limit on retries, whatever the key (client-go's {@code BucketRateLimiter} over {@code rate.Limiter}):
 * a bucket of {@code burst} tokens refilled at {@code qps} a second; each retry reserves a token, and waits until
 * that token will have been refilled. Keeps a storm of failing keys from hammering the API server.
 */
public final class TokenBucketRateLimiter<K> implements RateLimiter<K> {
    private final double qps;
    private final double burst;
    private final LongSupplier nanoClock;
    /** Tokens at {@link #lastNanos}; negative when reservations run ahead of the refill. */
    private double tokens;
    private long lastNanos;

    /** @param nanoClock a monotonic clock in nanoseconds ({@code System::nanoTime}) */
    public TokenBucketRateLimiter(double qps, int burst, LongSupplier nanoClock) {
        if (qps <= 0 || burst <= 0) {
            throw new IllegalArgumentException("token bucket of " + qps + " qps, burst " + burst);
        }
        this.qps = qps;
        this.burst = burst;
        this.nanoClock = nanoClock;
        this.tokens = burst;
        this.lastNanos = nanoClock.getAsLong();
    }

    @Override
    public synchronized Duration when(K key) {
        long now = nanoClock.getAsLong();
        tokens = Math.min(burst, tokens + (now - lastNanos) / 1e9 * qps);
        lastNanos = now;
        tokens -= 1;
        return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(-tokens / qps * 1e9));
    }

    @Override
    public void forget(K key) {
        // an overall limit: nothing per key
    }

    @Override
    public int numRequeues(K key) {
        return 0;
    }
}
