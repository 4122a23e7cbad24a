package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.kv.server.KvClient;
import io.cairn.kv.proto.etcd.PutRequest;
import java.util.BitSet;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Puts keys {@code /load/k0000000...} over an etcd KV client with at most {@code inFlight} requests outstanding
 * (a semaphore; each answer frees a permit), each key once, in order. A value is {@code valueBytes} random bytes
 * drawn from {@code (generation, key)}, so a check can recompute what an acknowledged put wrote.
 *
 * <p>A failed put is sent again after 100 ms, at most {@link #ATTEMPTS_MAX} times in all; past that the stream
 * stops and {@link #run} throws. After {@link #stop()} (the server is about to be killed) failures are expected and
 * nothing is retried. {@link #acknowledged()} tells which keys the server acknowledged.
 *
 * <p>Threads: {@link #run} on the caller's; answers on the channel's executor; {@link #stop()} from any.
 */
final class PutStream implements AutoCloseable {
    /** Sends of one put, first included, before the stream gives up. */
    static final int ATTEMPTS_MAX = 5;
    /** Where the keys live (etcd's range_end for the prefix is {@code /load0}). */
    static final String PREFIX = "/load/";

    private final KvClient client;
    private final int inFlight;
    private final int valueBytes;
    private final long generation;
    private final Semaphore permits;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kv-load-retry");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicReference<Throwable> fatal = new AtomicReference<>();
    private final BitSet acknowledged = new BitSet();
    private volatile boolean stopping;

    PutStream(KvClient client, int inFlight, int valueBytes, long generation) {
        this.client = client;
        this.inFlight = inFlight;
        this.valueBytes = valueBytes;
        this.generation = generation;
        this.permits = new Semaphore(inFlight);
    }

    static String key(int k) {
        return String.format(Locale.ROOT, PREFIX + "k%07d", k);
    }

    /** The value generation {@code generation} puts under key {@code k}. */
    static byte[] value(long generation, int k, int valueBytes) {
        SplittableRandom random = new SplittableRandom(generation * 1_000_000_007L + k);
        byte[] v = new byte[valueBytes];
        random.nextBytes(v);
        return v;
    }

    /**
     * Puts keys {@code [0, count)}, and returns once every put sent is answered (or the stream was stopped and
     * every outstanding put has failed).
     */
    void run(int count) throws InterruptedException {
        for (int k = 0; k < count && !stopping; k++) {
            permits.acquire();
            if (fatal.get() != null) {
                permits.release();
                break;
            }
            PutRequest request = PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key(k)))
                    .setValue(ByteString.copyFrom(value(generation, k, valueBytes))).build();
            send(k, request, 1);
        }
        permits.acquire(inFlight);
        permits.release(inFlight);
        Throwable t = fatal.get();
        if (t != null) {
            throw new IllegalStateException("a put failed " + ATTEMPTS_MAX + " times: " + t, t);
        }
    }

    private void send(int k, PutRequest request, int attempt) {
        client.put(request).whenComplete((response, error) -> {
            if (error == null) {
                synchronized (acknowledged) {
                    acknowledged.set(k);
                }
                acked.incrementAndGet();
                permits.release();
            } else if (stopping) {
                permits.release();
            } else if (attempt < ATTEMPTS_MAX) {
                retried.incrementAndGet();
                retries.schedule(() -> send(k, request, attempt + 1), 100, TimeUnit.MILLISECONDS);
            } else {
                fatal.compareAndSet(null, error);
                permits.release();
            }
        });
    }

    /** From now on failures are expected (the server is going away): no retries, {@link #run} ends soon. */
    void stop() {
        stopping = true;
    }

    long ackedCount() {
        return acked.get();
    }

    long retriedCount() {
        return retried.get();
    }

    /** The keys whose put the server acknowledged, as a copy. */
    BitSet acknowledged() {
        synchronized (acknowledged) {
            return (BitSet) acknowledged.clone();
        }
    }

    @Override
    public void close() {
        retries.shutdownNow();
    }
}
