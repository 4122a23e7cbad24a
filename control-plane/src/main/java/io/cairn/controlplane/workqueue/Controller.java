package io.cairn.controlplane.workqueue;

import io.cairn.controlplane.informer.Informer;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a {@link Reconciler} on {@code workers} threads that take keys from a {@link WorkQueue} (client-go's
 * {@code processNextWorkItem} loop): success forgets the key's failures; an exception or {@link Result#requeue()}
 * retries it with its rate-limited backoff; {@link Result#requeueAfter} looks again after that time.
 *
 * <p>Feed it with {@link #watch(Informer)} (each changed object's key) or {@code queue().add(key)}; start it once the
 * informers it reads have synced. {@link #close()} shuts the queue down and waits for the workers to finish what was
 * queued.
 */
public final class Controller implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Controller.class);

    private final String name;
    private final WorkQueue<String> queue;
    private final Reconciler reconciler;
    private final int workers;
    private final List<Thread> threads = new ArrayList<>();

    public Controller(String name, WorkQueue<String> queue, Reconciler reconciler, int workers) {
        if (workers <= 0) {
            throw new IllegalArgumentException("workers: " + workers);
        }
        this.name = name;
        this.queue = queue;
        this.reconciler = reconciler;
        this.workers = workers;
    }

    /** A controller with its own queue and client-go's default rate limiter. */
    public static Controller of(String name, Reconciler reconciler, int workers) {
        return new Controller(name, WorkQueue.create(name), reconciler, workers);
    }

    public WorkQueue<String> queue() {
        return queue;
    }

    /** Queues the key of every object {@code informer} adds, updates or deletes. */
    public Controller watch(Informer informer) {
        informer.addHandler(Informer.Handler.onKey(queue::add));
        return this;
    }

    public synchronized void start() {
        if (!threads.isEmpty()) {
            return;
        }
        for (int i = 0; i < workers; i++) {
            Thread t = new Thread(this::work, "controller-" + name + "-" + i);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
    }

    private void work() {
        try {
            String key;
            while ((key = queue.get()) != null) {
                try {
                    process(key);
                } finally {
                    queue.done(key);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void process(String key) {
        Result r;
        try {
            r = reconciler.reconcile(key);
        } catch (Exception e) {
            log.warn("{}: reconcile of {} failed (retry {}): {}", name, key, queue.numRequeues(key) + 1, e.toString());
            queue.addRateLimited(key);
            return;
        }
        if (r.retry()) {
            queue.addRateLimited(key);
        } else if (!r.delay().isZero()) {
            queue.forget(key);
            queue.addAfter(key, r.delay());
        } else {
            queue.forget(key);
        }
    }

    @Override
    public void close() {
        queue.shutDown();
        List<Thread> all;
        synchronized (this) {
            all = new ArrayList<>(threads);
        }
        for (Thread t : all) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
