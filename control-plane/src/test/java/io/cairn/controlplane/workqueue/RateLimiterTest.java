package io.cairn.controlplane.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The delays of client-go's default controller rate limiter, on a clock the test moves. */
class RateLimiterTest {

    @Test
    void perKeyBackoffDoublesFrom5MillisTo1000SecondsAndForgetResetsIt() {
        ExponentialBackoffRateLimiter<String> l =
                new ExponentialBackoffRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000));
        assertThat(l.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(l.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(l.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(l.when("b")).as("keys back off independently").isEqualTo(Duration.ofMillis(5));
        assertThat(l.numRequeues("a")).isEqualTo(3);
        for (int i = 3; i <= 17; i++) {
            assertThat(l.when("a")).isEqualTo(Duration.ofMillis(5L << i)); // up to 5 ms * 2^17 = 655.36 s
        }
        assertThat(l.when("a")).as("5 ms * 2^18 is past the cap").isEqualTo(Duration.ofSeconds(1000));
        for (int i = 0; i < 100; i++) {
            assertThat(l.when("a")).isEqualTo(Duration.ofSeconds(1000));
        }
        l.forget("a");
        assertThat(l.numRequeues("a")).isZero();
        assertThat(l.when("a")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void theTokenBucketLetsABurstOf100ThroughThenTenASecond() {
        AtomicLong now = new AtomicLong(1_000_000_000L);
        TokenBucketRateLimiter<String> bucket = new TokenBucketRateLimiter<>(10, 100, now::get);
        for (int i = 0; i < 100; i++) {
            assertThat(bucket.when("k" + i)).isZero();
        }
        assertThat(bucket.when("x")).isEqualTo(Duration.ofMillis(100));
        assertThat(bucket.when("y")).isEqualTo(Duration.ofMillis(200));
        now.addAndGet(Duration.ofSeconds(1).toNanos()); // ten tokens back: eight pay off the reservations
        for (int i = 0; i < 8; i++) {
            assertThat(bucket.when("z" + i)).isZero();
        }
        assertThat(bucket.when("w")).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void theDefaultTakesTheLongerOfBackoffAndBucket() {
        RateLimiter<String> l = RateLimiter.defaultControllerRateLimiter();
        assertThat(l.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(l.when("a")).isEqualTo(Duration.ofMillis(10));
        for (int i = 0; i < 98; i++) {
            l.when("other-" + i);
        }
        // the bucket is empty now: a fresh key waits for a token (about 100 ms), not its own 5 ms
        assertThat(l.when("fresh")).isGreaterThan(Duration.ofMillis(50));
        l.forget("a");
        assertThat(l.numRequeues("a")).isZero();
    }
}
