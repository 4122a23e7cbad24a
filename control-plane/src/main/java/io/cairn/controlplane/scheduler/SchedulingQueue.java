package io.cairn.controlplane.scheduler;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;

/**
 * kube-scheduler's scheduling queue, of pod keys: <em>active</em> (ready to be tried, FIFO), <em>backoff</em>
 * (failed; waiting {@code initial × 2^(attempts−1)}, at most {@code max}, before going back to active) and
 * <em>unschedulable</em> (fitting nowhere; waiting for a cluster event — a node added or changed, a bound pod
 * gone — that {@link #moveAllToActiveOrBackoff} them, or for {@code flushAfter}). A pod being scheduled is
 * <em>in flight</em>: an event about it, or a cluster event, while it is in flight is not lost.
 *
 * <p>Thread-safe; {@link #tick()} must be called periodically (it releases expired backoffs and flushes
 * long-unschedulable pods).
 */
final class SchedulingQueue {
    private final Duration initial;
    private final Duration max;
    private final Duration flushAfter;
    private final ArrayDeque<String> active = new ArrayDeque<>();
    private final Set<String> inActive = new HashSet<>();
    /** Key → nanoTime at which it may go to active. */
    private final Map<String, Long> backoff = new HashMap<>();
    /** Key → nanoTime at which it became unschedulable. */
    private final Map<String, Long> unschedulable = new HashMap<>();
    private final Map<String, Integer> attempts = new HashMap<>();
    /** Key → nanoTime of its last failed attempt: its backoff runs from there. */
    private final Map<String, Long> lastFailed = new HashMap<>();
    /** In-flight key → move cycle at which it was popped. */
    private final Map<String, Long> inFlight = new HashMap<>();
    /** In-flight keys that were added again while in flight. */
    private final Set<String> dirty = new HashSet<>();
    private long moveCycle;
    private boolean closed;

    SchedulingQueue(Duration initial, Duration max, Duration flushAfter) {
        this.initial = initial;
        this.max = max;
        this.flushAfter = flushAfter;
    }

    /** The pod is (still) pending: to active unless it is already queued or waiting its backoff. */
    synchronized void add(String key) {
        if (inFlight.containsKey(key)) {
            dirty.add(key);
            return;
        }
        if (inActive.contains(key) || backoff.containsKey(key)) {
            return;
        }
        if (unschedulable.remove(key) != null) {
            toBackoffOrActive(key); // the pod changed: maybe it fits now
            return;
        }
        toActive(key);
    }

    /** The pod is gone or bound: not to be scheduled. */
    synchronized void delete(String key) {
        if (inActive.remove(key)) {
            active.remove(key);
        }
        backoff.remove(key);
        unschedulable.remove(key);
        attempts.remove(key);
        lastFailed.remove(key);
        dirty.remove(key);
    }

    /** The next key to schedule, waiting for one; null once closed. */
    synchronized String pop() throws InterruptedException {
        while (active.isEmpty() && !closed) {
            wait();
        }
        if (closed) {
            return null;
        }
        String key = active.poll();
        inActive.remove(key);
        inFlight.put(key, moveCycle);
        return key;
    }

    /** The scheduling cycle for {@code key} is over: it was placed (bind on its way) or the pod needs nothing. */
    synchronized void done(String key) {
        inFlight.remove(key);
        attempts.remove(key);
        lastFailed.remove(key);
        if (dirty.remove(key)) {
            toActive(key);
        }
    }

    /**
     * It fits nowhere: to unschedulable, or to backoff if a cluster event came while it was in flight or it
     * changed meanwhile.
     */
    synchronized void unschedulable(String key) {
        Long cycle = inFlight.remove(key);
        attempts.merge(key, 1, Integer::sum);
        lastFailed.put(key, System.nanoTime());
        boolean changed = dirty.remove(key) || (cycle != null && cycle < moveCycle);
        if (changed) {
            toBackoffOrActive(key);
        } else if (!inActive.contains(key) && !backoff.containsKey(key)) {
            unschedulable.put(key, System.nanoTime());
        }
    }

    /** Something failed (an error, a binding that did not land): try again after the backoff. */
    synchronized void retryAfterBackoff(String key) {
        inFlight.remove(key);
        dirty.remove(key);
        attempts.merge(key, 1, Integer::sum);
        lastFailed.put(key, System.nanoTime());
        if (!inActive.contains(key)) {
            unschedulable.remove(key);
            toBackoffOrActive(key);
        }
    }

    /** A cluster event that may make pods fit: every unschedulable pod goes to backoff (or active). */
    synchronized void moveAllToActiveOrBackoff() {
        moveCycle++;
        for (String key : unschedulable.keySet()) {
            toBackoffOrActive(key);
        }
        unschedulable.clear();
    }

    synchronized void tick() {
        long now = System.nanoTime();
        for (Iterator<Map.Entry<String, Long>> it = backoff.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (e.getValue() - now <= 0) {
                it.remove();
                toActive(e.getKey());
            }
        }
        for (Iterator<Map.Entry<String, Long>> it = unschedulable.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Long> e = it.next();
            if (now - e.getValue() >= flushAfter.toNanos()) {
                it.remove();
                toBackoffOrActive(e.getKey());
            }
        }
    }

    synchronized void close() {
        closed = true;
        notifyAll();
    }

    synchronized int pending() {
        return active.size() + backoff.size() + unschedulable.size() + inFlight.size();
    }

    synchronized boolean isUnschedulable(String key) {
        return unschedulable.containsKey(key);
    }

    private void toBackoffOrActive(String key) {
        int n = attempts.getOrDefault(key, 0);
        if (n == 0) {
            toActive(key);
            return;
        }
        long delay = initial.toNanos() << Math.min(n - 1, 30);
        delay = Math.min(delay <= 0 ? Long.MAX_VALUE : delay, max.toNanos());
        long readyAt = lastFailed.getOrDefault(key, System.nanoTime()) + delay;
        if (readyAt - System.nanoTime() <= 0) {
            toActive(key);
        } else {
            backoff.put(key, readyAt);
        }
    }

    private void toActive(String key) {
        if (inActive.add(key)) {
            active.add(key);
            notifyAll();
        }
    }
}
