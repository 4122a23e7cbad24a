package io.cairn.apiserver.client;

/** The thread of a client watch (in-process or over HTTP) that hands the stream's lines to the caller. */
final class WatchThread {
    private WatchThread() {
    }

    /** A watch thread's work: it may be interrupted, and ends the watch by returning. */
    interface Loop {
        void run() throws InterruptedException;
    }

    /**
     * Runs {@code loop} on a daemon thread of the watch's own; {@code done} runs when it ends, however it ends (an
     * interrupt ends it quietly, with the thread's interrupt flag set again). Answers the started thread.
     */
    static Thread start(Loop loop, Runnable done) {
        Thread t = new Thread(() -> {
            try {
                loop.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                done.run();
            }
        }, "cairn-client-watch");
        t.setDaemon(true);
        t.start();
        return t;
    }
}
