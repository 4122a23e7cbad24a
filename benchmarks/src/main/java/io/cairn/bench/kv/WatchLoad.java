package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.kv.KvStore;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.ConcurrentHistogram;

/**
 * Many watchers on one member, through the embedded API the API server builds on ({@link KvStore#watch}): the heap
 * each watcher costs, and how fast and how soon writes reach them.
 *
 * <pre>{@code
 * java -cp benchmarks/target/benchmarks.jar io.cairn.bench.kv.WatchLoad --watchers 10000 --seconds 20
 * }</pre>
 *
 * <p>Two phases on a fresh single-member store: <b>one key each</b> ({@code --watchers} watchers, watcher i on key
 * {@code w/i}; writers put random keys among them, so each write reaches one watcher: the shape of many objects
 * each watched by one client), then <b>fan-out</b> (the same watchers all on the prefix {@code f/}; each write
 * reaches all of them: the shape of many informers of one resource). Each phase reports writes per second,
 * events delivered per second, and the delay from a write's acknowledgement to its delivery (p50, p99: the
 * watcher records the time it received the event, the writer the time its put was answered). Heap per watcher is
 * the heap after a full GC with the watchers registered, less the heap before, divided by their number.
 *
 * <p>The closing line: {@code watch load: watchers=N heap-per-watcher=B bytes one-key: W writes/s E events/s
 * p50=… p99=… fan-out: …}.
 */
public final class WatchLoad {
    private final int watchers;
    private final int seconds;
    private final int inFlight;

    private WatchLoad(int watchers, int seconds, int inFlight) {
        this.watchers = watchers;
        this.seconds = seconds;
        this.inFlight = inFlight;
    }

    public static void main(String[] args) throws Exception {
        int watchers = 10_000;
        int seconds = 20;
        int inFlight = 64;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--watchers" -> watchers = Integer.parseInt(args[i + 1]);
                case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
                case "--in-flight" -> inFlight = Integer.parseInt(args[i + 1]);
                default -> {
                    System.err.println("watch load: unknown flag " + args[i]
                            + "; the flags are --watchers N --seconds S --in-flight K");
                    System.exit(2);
                }
            }
        }
        new WatchLoad(watchers, seconds, inFlight).run();
    }

    /** Counts deliveries and records, per key, when its latest event arrived. */
    private static final class Counter implements Flow.Subscriber<WatchResponse> {
        final AtomicLong events;
        /** Where this watcher records delivery times, or null (in fan-out only the first one records). */
        final ConcurrentHashMap<Long, Long> deliveredAtNanos;

        Counter(AtomicLong events, ConcurrentHashMap<Long, Long> deliveredAtNanos) {
            this.events = events;
            this.deliveredAtNanos = deliveredAtNanos;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(WatchResponse r) {
            long now = System.nanoTime();
            events.addAndGet(r.getEventsCount());
            if (deliveredAtNanos == null) {
                return;
            }
            for (Event e : r.getEventsList()) {
                deliveredAtNanos.putIfAbsent(e.getKv().getModRevision(), now);
            }
        }

        @Override
        public void onError(Throwable t) { }

        @Override
        public void onComplete() { }
    }

    private record Phase(double writesPerSecond, double eventsPerSecond, double p50Millis, double p99Millis) {
        String format() {
            return String.format(Locale.ROOT, "%.0f writes/s %.0f events/s p50=%.2fms p99=%.2fms", writesPerSecond,
                    eventsPerSecond, p50Millis, p99Millis);
        }
    }

    private void run() throws Exception {
        Path dir = Files.createTempDirectory("watch-load-");
        try (KvStore kv = KvStore.open(dir)) {
            long heapBefore = heapAfterGc();
            AtomicLong events = new AtomicLong();
            ConcurrentHashMap<Long, Long> delivered = new ConcurrentHashMap<>();
            List<Flow.Subscriber<WatchResponse>> keep = new ArrayList<>();
            for (int i = 0; i < watchers; i++) {
                Counter c = new Counter(events, delivered);
                keep.add(c);
                kv.watch(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("w/" + i)).build())
                        .subscribe(c);
            }
            long heapWith = heapAfterGc();
            long perWatcher = (heapWith - heapBefore) / watchers;
            System.err.printf(Locale.ROOT, "watch load: %d watchers registered, %d bytes of heap each%n", watchers,
                    perWatcher);
            Phase oneKey = load(kv, "w/", watchers, events, delivered);
            System.err.println("watch load: one key each: " + oneKey.format());

            AtomicLong fanEvents = new AtomicLong();
            ConcurrentHashMap<Long, Long> fanDelivered = new ConcurrentHashMap<>();
            int fanWatchers = Math.min(watchers, 1_000);
            for (int i = 0; i < fanWatchers; i++) {
                Counter c = new Counter(fanEvents, i == 0 ? fanDelivered : null);
                keep.add(c);
                kv.watch(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("f/"))
                        .setRangeEnd(ByteString.copyFromUtf8("f0")).build()).subscribe(c);
            }
            Phase fanOut = load(kv, "f/", 1_000, fanEvents, fanDelivered);
            System.err.println("watch load: fan-out to " + fanWatchers + ": " + fanOut.format());
            System.out.printf(Locale.ROOT, "watch load: watchers=%d heap-per-watcher=%d bytes one-key: %s fan-out(%d): %s%n",
                    watchers, perWatcher, oneKey.format(), fanWatchers, fanOut.format());
            if (keep.isEmpty()) {
                throw new IllegalStateException();
            }
        } finally {
            BenchFiles.deleteTree(dir);
        }
    }

    /** Puts random keys under {@code prefix} for the configured time with a bounded number in flight. */
    private Phase load(KvStore kv, String prefix, int keys, AtomicLong events, ConcurrentHashMap<Long, Long> delivered)
            throws Exception {
        ConcurrentHistogram delay = new ConcurrentHistogram(3);
        ConcurrentHashMap<Long, Long> ackedAtNanos = new ConcurrentHashMap<>();
        Semaphore slots = new Semaphore(inFlight);
        AtomicLong writes = new AtomicLong();
        long eventsBefore = events.get();
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        byte[] value = new byte[128];
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < end) {
            slots.acquire();
            CompletableFuture<PutResponse> f = kv.put(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8(prefix + random.nextInt(keys))).setValue(ByteString.copyFrom(value))
                    .build());
            f.whenComplete((r, e) -> {
                slots.release();
                if (e == null) {
                    writes.incrementAndGet();
                    ackedAtNanos.put(r.getHeader().getRevision(), System.nanoTime());
                }
            });
        }
        slots.acquire(inFlight);
        slots.release(inFlight);
        double elapsed = (System.nanoTime() - start) / 1e9;
        Thread.sleep(2_000); // the last deliveries
        long eventsDelivered = events.get() - eventsBefore;
        for (var e : ackedAtNanos.entrySet()) {
            Long at = delivered.get(e.getKey());
            if (at != null) {
                delay.recordValue(Math.max(0, at - e.getValue()) / 1_000);
            }
        }
        return new Phase(writes.get() / elapsed, eventsDelivered / elapsed,
                delay.getValueAtPercentile(50) / 1_000.0, delay.getValueAtPercentile(99) / 1_000.0);
    }

    private static long heapAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
