package io.cairn.kv.watch;

import io.cairn.kv.proto.etcd.ResponseHeader;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import java.util.concurrent.Flow;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;

/**
 * An embedded watch as a {@link Flow.Publisher}: every subscriber gets its own watch of the same request, from its
 * start revision (0: from the member's revision at subscription), with its demand as backpressure (see
 * {@link FlowSubscription}). To resume after a break, subscribe again with {@code start_revision} one past the last
 * revision received. Any thread.
 */
public final class WatchPublisher implements Flow.Publisher<WatchResponse> {
    private final WatchHub hub;
    private final WatchCreateRequest request;
    private final LongSupplier revision;
    private final LongFunction<ResponseHeader> header;

    public WatchPublisher(WatchHub hub, WatchCreateRequest request, LongSupplier revision,
            LongFunction<ResponseHeader> header) {
        this.hub = hub;
        this.request = request;
        this.revision = revision;
        this.header = header;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super WatchResponse> subscriber) {
        FlowSubscription s = new FlowSubscription(subscriber, header);
        long now = revision.getAsLong();
        subscriber.onSubscribe(s);
        s.start(hub, WatchSpec.of(request), now);
    }
}
