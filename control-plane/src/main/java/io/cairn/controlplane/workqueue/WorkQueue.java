package io.cairn.controlplane.workqueue;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The keys a controller still has to reconcile (client-go's rate-limited, delaying {@code workqueue}).
 *
 * <p>Guarantees, as client-go's: a key is held at most once (adding a queued key again does nothing), and a key is
 * never processed by two workers at once: one added while it is being processed is queued again when its worker
 * calls {@link #done}. So ten events about one object while a worker is busy cost one more reconcile, not ten. A
 * worker takes a key with {@link #get}, reconciles, calls {@link #done}, and then {@link #forget} on success or
 * {@link #addRateLimited} on failure.
 *
 * <p>Bounds: the queue holds each key at most once, and so does the set of keys waiting for a delay (a key waits
 * only for its earliest due time), so memory is bounded by the number of distinct keys (objects) the controller
 * watches. Delays run on one daemon thread per queue.
 *
 * <p>Thread-safe. After {@link #shutDown}, adds are ignored, and {@link #get} hands out what is left and then
 * answers null, so workers drain and stop.
 */
public final class WorkQueue<K> {
    private final Object lock = new Object();
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    /** Keys that need processing: queued, or re-added while being processed. */
    private final Set<K> dirty = new HashSet<>();
    private final Set<K> processing = new HashSet<>();
    /** Keys waiting for a delay, with the nanoTime they are due. */
    private final Map<K, Waiting> waiting = new HashMap<>();
    private final RateLimiter<K> limiter;
    private final ScheduledThreadPoolExecutor delays;
    private boolean shuttingDown;

    private record Waiting(long dueNanos, ScheduledFuture<?> future) {
    }

    public WorkQueue(String name, RateLimiter<K> limiter) {
        this.limiter = limiter;
        this.delays = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "workqueue-" + name + "-delays");
            t.setDaemon(true);
            return t;
        });
        this.delays.setRemoveOnCancelPolicy(true);
    }

    /** A queue with {@link RateLimiter#defaultControllerRateLimiter()}. */
    public static <K> WorkQueue<K> create(String name) {
        return new WorkQueue<>(name, RateLimiter.defaultControllerRateLimiter());
    }

    /** Queues {@code key} unless it is queued already (or, if it is being processed, once its worker is done). */
    public void add(K key) {
        synchronized (lock) {
            if (shuttingDown || !dirty.add(key)) {
                return;
            }
            if (!processing.contains(key)) {
                queue.addLast(key);
                lock.notify();
            }
        }
    }

    /** Adds {@code key} after {@code delay}; a key already waiting keeps the earlier of the two due times. */
    public void addAfter(K key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        synchronized (lock) {
            if (shuttingDown) {
                return;
            }
            long due = System.nanoTime() + delay.toNanos();
            Waiting w = waiting.get(key);
            if (w != null && w.dueNanos() - due <= 0) {
                return;
            }
            if (w != null) {
                w.future().cancel(false);
            }
            ScheduledFuture<?> f = delays.schedule(() -> due(key, due), delay.toNanos(), TimeUnit.NANOSECONDS);
            waiting.put(key, new Waiting(due, f));
        }
    }

    private void due(K key, long dueNanos) {
        synchronized (lock) {
            Waiting w = waiting.get(key);
            if (w == null || w.dueNanos() != dueNanos) {
                return; // superseded by an earlier due time
            }
            waiting.remove(key);
        }
        add(key);
    }

    /** Adds {@code key} after the rate limiter's delay for it (a retry; counted). */
    public void addRateLimited(K key) {
        addAfter(key, limiter.when(key));
    }

    /** Ends {@code key}'s run of retries: its next failure waits the shortest delay again. */
    public void forget(K key) {
        limiter.forget(key);
    }

    /** Retries of {@code key} since it was last forgotten. */
    public int numRequeues(K key) {
        return limiter.numRequeues(key);
    }

    /**
     * The next key to process, waiting for one; null once the queue is shut down and empty. The caller must call
     * {@link #done} with it.
     */
    public K get() throws InterruptedException {
        synchronized (lock) {
            while (queue.isEmpty() && !shuttingDown) {
                lock.wait();
            }
            K key = queue.pollFirst();
            if (key == null) {
                return null;
            }
            processing.add(key);
            dirty.remove(key);
            return key;
        }
    }

    /** {@code key} is processed; if it was added meanwhile, it is queued again now. */
    public void done(K key) {
        synchronized (lock) {
            processing.remove(key);
            if (dirty.contains(key)) {
                queue.addLast(key);
                lock.notify();
            }
        }
    }

    /** Keys queued (not those being processed or waiting for a delay). */
    public int len() {
        synchronized (lock) {
            return queue.size();
        }
    }

    /** Stops taking keys: adds are ignored, delayed keys dropped, and {@link #get} answers null once drained. */
    public void shutDown() {
        synchronized (lock) {
            shuttingDown = true;
            waiting.clear();
            lock.notifyAll();
        }
        delays.shutdownNow();
    }

    public boolean isShuttingDown() {
        synchronized (lock) {
            return shuttingDown;
        }
    }
}
