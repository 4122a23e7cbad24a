package io.cairn.kv.watch;

/**
 * One watch registered with a {@link WatchHub}: what it asks for, where its events go, and the next revision it
 * has to report. The hub's dispatcher thread alone moves {@link #nextRevision()}; other threads read it.
 */
public final class Watcher {
    private final WatchHub hub;
    final WatchSpec spec;
    final WatchSink sink;
    private volatile long nextRevision;
    private volatile boolean canceled;

    Watcher(WatchHub hub, WatchSpec spec, WatchSink sink, long nextRevision) {
        this.hub = hub;
        this.spec = spec;
        this.sink = sink;
        this.nextRevision = nextRevision;
    }

    public WatchSpec spec() {
        return spec;
    }

    /** The first revision this watch has not reported yet. */
    public long nextRevision() {
        return nextRevision;
    }

    void advanceTo(long revision) {
        nextRevision = revision;
    }

    public boolean canceled() {
        return canceled;
    }

    /** Stops delivery; no call reaches the sink once the dispatcher's current call (if any) returns. */
    public void cancel() {
        if (!canceled) {
            canceled = true;
            hub.remove(this);
        }
    }

    void markCanceled() {
        canceled = true;
    }
}
