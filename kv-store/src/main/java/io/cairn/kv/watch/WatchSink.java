package io.cairn.kv.watch;

import io.cairn.kv.proto.mvcc.Event;
import java.util.List;

/**
 * Where a {@link WatchHub} delivers one watch's events: a gRPC stream, or an embedded subscriber. Called only on the
 * hub's dispatcher thread, one call at a time; a call must not block (gRPC's {@code onNext} queues to the event
 * loop), since every watch of the member waits for it.
 *
 * <p>Backpressure: the hub delivers only while {@link #ready()} answers true; a sink that was not ready calls
 * {@link WatchHub#wake()} once it is. Nothing is buffered for a sink that is not ready: its watch simply stays at
 * its revision and is caught up from the store later, so a client that never reads costs nothing but its place.
 */
public interface WatchSink {
    /** Whether a delivery may be made now (gRPC: the stream is ready; Flow: there is demand). */
    boolean ready();

    /**
     * The events of whole revisions, in order, none of them delivered before; {@code revision} is the store's
     * revision when they were read (at least the last event's).
     */
    void events(long revision, List<Event> events);

    /** The watch's next revision is compacted away: it is over, and {@code compactRevision} is where history starts. */
    void compacted(long compactRevision);

    /** A periodic progress notification (the watch asked for them and is caught up): nothing happened up to here. */
    void progress(long revision);
}
