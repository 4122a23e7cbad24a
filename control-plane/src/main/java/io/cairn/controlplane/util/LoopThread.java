package io.cairn.controlplane.util;

import java.time.Duration;

/**
 * One daemon thread that runs a loop until it is stopped: {@link #start()} starts it at most once, the loop checks
 * {@link #running()}, and {@link #stop()} clears that, interrupts the thread and waits for it to end (at most
 * {@code joinTimeout}). The informer's and the leader elector's thread.
 */
public final class LoopThread {
    private final String name;
    private final Runnable loop;
    private final Duration joinTimeout;
    private final Object lock = new Object();
    private volatile boolean running;
    private Thread thread;

    public LoopThread(String name, Runnable loop, Duration joinTimeout) {
        this.name = name;
        this.loop = loop;
        this.joinTimeout = joinTimeout;
    }

    /** Starts the thread (once; later calls do nothing). */
    public void start() {
        synchronized (lock) {
            if (thread != null) {
                return;
            }
            running = true;
            thread = new Thread(loop, name);
            thread.setDaemon(true);
            thread.start();
        }
    }

    /** Whether {@link #start()} was called (true after {@link #stop()} too). */
    public boolean started() {
        synchronized (lock) {
            return thread != null;
        }
    }

    /** Whether the loop should go on: started and not stopped. */
    public boolean running() {
        return running;
    }

    /** Stops the loop: clears {@link #running()}, interrupts the thread and waits for it to end, a while at most. */
    public void stop() {
        Thread t;
        synchronized (lock) {
            running = false;
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join(joinTimeout.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
