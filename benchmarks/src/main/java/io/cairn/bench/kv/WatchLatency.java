package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.server.EtcdWatchGrpc;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Watch event latency: {@link KvWorkloads#WATCHERS} watch streams on the prefix {@code /bench/watch/} (watcher
 * {@code i} on connection {@code i}, so on member {@code i mod 3}), and closed-loop writers that put 256-byte values
 * whose first 8 bytes are {@link System#nanoTime()} at the put's send. A watcher's latency for an event is its
 * arrival time minus that stamp: the whole path a user sees, write commit plus delivery. Only events whose put was
 * sent inside the measured window count; {@link #result} waits {@link #DRAIN_MILLIS} after the window for the last
 * ones. The client and the stamps share one JVM, so one clock.
 *
 * <p>Streams are flow-controlled by grpc-java (its default window); an event is handled at once on the stream's
 * event loop (a subtraction and a histogram update), so nothing queues in the client.
 *
 * <p>Threads: the watchers' callbacks on their channels' event loops; {@link #open}, {@link #writer} and
 * {@link #result} from the benchmark's main thread.
 */
final class WatchLatency implements AutoCloseable {
    /** How long after the window events of puts sent in it may still arrive and count. */
    static final long DRAIN_MILLIS = 2_000;
    private static final String PREFIX = "/bench/watch/";

    private final Connections watchConnections;
    private final List<ClientCall<WatchRequest, WatchResponse>> calls = new ArrayList<>();
    private final Recorder latencies = new Recorder(3);
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong streamErrors = new AtomicLong();
    private final ByteString[] keys = new ByteString[KvWorkloads.WATCH_KEYS];
    private final byte[] valueTemplate;
    private volatile long windowStart = Long.MAX_VALUE;
    private volatile long windowEnd = Long.MAX_VALUE;

    WatchLatency(Connections watchConnections, ByteString value) {
        this.watchConnections = watchConnections;
        this.valueTemplate = value.toByteArray();
        for (int k = 0; k < keys.length; k++) {
            keys[k] = ByteString.copyFrom(String.format(Locale.ROOT, PREFIX + "k%04d", k), StandardCharsets.UTF_8);
        }
    }

    /** Opens one watch per connection and waits until the server has created each. */
    void open() throws InterruptedException {
        CountDownLatch created = new CountDownLatch(watchConnections.count());
        byte[] end = PREFIX.getBytes(StandardCharsets.UTF_8);
        end[end.length - 1]++;
        WatchRequest create = WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(PREFIX)).setRangeEnd(ByteString.copyFrom(end))).build();
        for (int w = 0; w < watchConnections.count(); w++) {
            ClientCall<WatchRequest, WatchResponse> call = watchConnections.channel(w)
                    .newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT);
            calls.add(call);
            StreamObserver<WatchRequest> requests = ClientCalls.asyncBidiStreamingCall(call, observer(created));
            requests.onNext(create);
        }
        if (!created.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(created.getCount() + " of " + watchConnections.count()
                    + " watches not created within 30 s");
        }
    }

    private StreamObserver<WatchResponse> observer(CountDownLatch created) {
        return new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                if (r.getCreated()) {
                    created.countDown();
                }
                long now = System.nanoTime();
                for (Event e : r.getEventsList()) {
                    if (e.getType() == Event.EventType.PUT && e.getKv().getValue().size() >= Long.BYTES) {
                        long sent = e.getKv().getValue().asReadOnlyByteBuffer().getLong(0);
                        if (sent >= windowStart && sent < windowEnd) {
                            delivered.incrementAndGet();
                            latencies.recordValue(Math.max(0, now - sent));
                        }
                    }
                }
            }

            @Override
            public void onError(Throwable t) {
                streamErrors.incrementAndGet();
            }

            @Override
            public void onCompleted() {}
        };
    }

    /** Tells which puts count: those sent in {@code [start, end)} ({@link System#nanoTime()}). */
    void window(long start, long end) {
        windowStart = start;
        windowEnd = end;
    }

    /** The writers' operation: a put of a stamped value to a random key of the prefix, on {@code writers}. */
    ClosedLoop.Operation writer(Connections writers) {
        return client -> {
            byte[] v = valueTemplate.clone();
            ByteBuffer.wrap(v).putLong(0, System.nanoTime());
            PutRequest put = PutRequest.newBuilder().setKey(keys[ThreadLocalRandom.current().nextInt(keys.length)])
                    .setValue(ByteString.copyFrom(v)).build();
            return writers.kv(client).put(put).thenApply(r -> true);
        };
    }

    /** Waits for stragglers, then: events delivered (all watchers) and their latencies; stream errors. */
    Result result() throws InterruptedException {
        Thread.sleep(DRAIN_MILLIS);
        return new Result(delivered.get(), streamErrors.get(), latencies.getIntervalHistogram());
    }

    record Result(long delivered, long streamErrors, Histogram latencyNanos) {}

    /** Cancels the watches (the connections are the caller's). */
    @Override
    public void close() {
        calls.forEach(c -> c.cancel("bench compare: done", null));
    }
}
