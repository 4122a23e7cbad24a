package io.cairn.kv.watch;

import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * One embedded watch as a {@link Flow.Subscription}: the subscriber's demand is the watch's backpressure. Each item
 * is a {@link WatchResponse} as the gRPC service sends it: events of whole revisions, a progress notification, or a
 * last one with {@code canceled} and {@code compact_revision} when the watch's next revision was compacted away
 * (then {@code onComplete}). The watch stays where it is while there is no demand and is caught up from the store
 * when demand comes, so an idle subscriber holds nothing but its position.
 *
 * <p>Signals come from the hub's dispatcher thread, one at a time, as Reactive Streams requires; {@code onNext}
 * must return quickly (hand heavy work to another thread). A request of zero or less ends the subscription with
 * {@code IllegalArgumentException} (rule 3.9). Cancel from any thread.
 */
final class FlowSubscription implements Flow.Subscription, WatchSink {
    private final Flow.Subscriber<? super WatchResponse> subscriber;
    private final LongFunction<ResponseHeader> header;
    private final AtomicLong demand = new AtomicLong();
    private volatile Watcher watcher;
    private volatile WatchHub hub;
    private volatile boolean done;

    FlowSubscription(Flow.Subscriber<? super WatchResponse> subscriber, LongFunction<ResponseHeader> header) {
        this.subscriber = subscriber;
        this.header = header;
    }

    void start(WatchHub hubValue, WatchSpec spec, long revision) {
        this.hub = hubValue;
        Watcher w = hubValue.watch(spec, this, revision);
        this.watcher = w;
        if (done) {
            w.cancel(); // cancelled from onSubscribe
        }
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            cancel();
            subscriber.onError(new IllegalArgumentException("§3.9: request(" + n + ") must ask for a positive number"));
            return;
        }
        demand.getAndUpdate(d -> d + n < 0 ? Long.MAX_VALUE : d + n);
        WatchHub h = hub;
        if (h != null) {
            h.wake();
        }
    }

    @Override
    public void cancel() {
        done = true;
        Watcher w = watcher;
        if (w != null) {
            w.cancel();
        }
    }

    @Override
    public boolean ready() {
        return !done && demand.get() > 0;
    }

    private void emit(WatchResponse r) {
        if (!done) {
            demand.decrementAndGet();
            subscriber.onNext(r);
        }
    }

    @Override
    public void events(long revision, List<Event> events) {
        emit(WatchResponse.newBuilder().setHeader(header.apply(revision)).addAllEvents(events).build());
    }

    @Override
    public void compacted(long compactRevision) {
        if (done) {
            return;
        }
        done = true;
        subscriber.onNext(WatchResponse.newBuilder().setHeader(header.apply(compactRevision)).setCanceled(true)
                .setCompactRevision(compactRevision).build());
        subscriber.onComplete();
    }

    @Override
    public void progress(long revision) {
        emit(WatchResponse.newBuilder().setHeader(header.apply(revision)).build());
    }
}
