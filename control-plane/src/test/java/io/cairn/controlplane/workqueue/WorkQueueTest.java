package io.cairn.controlplane.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** De-duplication, the processing rule, delays and shut-down of the work queue. */
class WorkQueueTest {

    @Test
    void aKeyQueuedTwiceIsProcessedOnce() throws Exception {
        WorkQueue<String> q = WorkQueue.create("dedup");
        q.add("a");
        q.add("b");
        q.add("a");
        q.add("a");
        assertThat(q.len()).isEqualTo(2);
        assertThat(q.get()).isEqualTo("a");
        assertThat(q.get()).isEqualTo("b");
        assertThat(q.len()).isZero();
        q.shutDown();
    }

    @Test
    void aKeyAddedWhileBeingProcessedIsProcessedAgainAfterDoneNeverConcurrently() throws Exception {
        WorkQueue<String> q = WorkQueue.create("processing");
        q.add("a");
        String taken = q.get();
        q.add("a");
        q.add("a");
        assertThat(q.len()).as("not handed to a second worker while the first holds it").isZero();
        q.done(taken);
        assertThat(q.len()).as("queued again once, after done").isEqualTo(1);
        assertThat(q.get()).isEqualTo("a");
        q.done("a");
        assertThat(q.len()).isZero();
        q.shutDown();
    }

    @Test
    void workersNeverHoldTheSameKeyAtOnce() throws Exception {
        WorkQueue<Integer> q = WorkQueue.create("stress");
        Set<Integer> held = ConcurrentHashMap.newKeySet();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            Thread t = new Thread(() -> {
                try {
                    Integer k;
                    while ((k = q.get()) != null) {
                        if (!held.add(k)) {
                            overlaps.incrementAndGet();
                        }
                        Thread.onSpinWait();
                        held.remove(k);
                        processed.incrementAndGet();
                        q.done(k);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            workers.add(t);
        }
        for (int i = 0; i < 20_000; i++) {
            q.add(i % 5);
        }
        q.shutDown();
        for (Thread t : workers) {
            t.join(10_000);
        }
        assertThat(overlaps.get()).isZero();
        assertThat(processed.get()).as("de-duplicated: far fewer reconciles than adds").isBetween(5, 20_000);
    }

    @Test
    void addAfterWaitsAndTheEarlierDueTimeWins() throws Exception {
        WorkQueue<String> q = WorkQueue.create("delay");
        q.addAfter("late", Duration.ofHours(1));
        q.addAfter("soon", Duration.ofHours(1));
        q.addAfter("soon", Duration.ofMillis(20));
        assertThat(q.len()).isZero();
        await().atMost(Duration.ofSeconds(5)).until(() -> q.len() == 1);
        assertThat(q.get()).isEqualTo("soon");
        q.done("soon");
        assertThat(q.len()).as("the hour-long wait is still running").isZero();
        q.shutDown();
    }

    @Test
    void addRateLimitedBacksOffPerKeyAndForgetResets() throws Exception {
        WorkQueue<String> q = new WorkQueue<>("limited",
                new ExponentialBackoffRateLimiter<>(Duration.ofMillis(10), Duration.ofHours(1)));
        for (int failure = 1; failure <= 6; failure++) { // waits of 10, 20, ... 320 ms
            q.addRateLimited("k");
            await().atMost(Duration.ofSeconds(5)).until(() -> q.len() == 1);
            q.done(q.get());
            assertThat(q.numRequeues("k")).isEqualTo(failure);
        }
        q.addRateLimited("k"); // the 7th failure waits 640 ms
        assertThat(q.len()).isZero();
        q.forget("k");
        assertThat(q.numRequeues("k")).isZero();
        q.addRateLimited("k"); // 10 ms again: the earlier due time replaces the 640 ms wait
        await().atMost(Duration.ofMillis(500)).until(() -> q.len() == 1);
        assertThat(q.get()).isEqualTo("k");
        q.shutDown();
    }

    @Test
    void shutDownDrainsThenAnswersNullAndIgnoresAdds() throws Exception {
        WorkQueue<String> q = WorkQueue.create("shutdown");
        q.add("left");
        q.shutDown();
        q.add("ignored");
        assertThat(q.isShuttingDown()).isTrue();
        assertThat(q.get()).isEqualTo("left");
        q.done("left");
        assertThat(q.get()).isNull();
    }
}
