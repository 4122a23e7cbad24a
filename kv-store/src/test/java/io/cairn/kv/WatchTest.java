package io.cairn.kv;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.CompactionRequest;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watches through the embedded API ({@link KvStore#watch}, a {@link Flow.Publisher}) on a real single-member store:
 * etcd's guarantees (ordered, unique, reliable, atomic, resumable), filters and prev_kv, the end of a watch whose
 * start is compacted away, and the backpressure that keeps a subscriber without demand from costing memory.
 */
public class WatchTest {
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    @TempDir
    Path dir;
    private KvStore kv;

    @BeforeEach
    void open() throws Exception {
        kv = KvStore.open(dir);
    }

    @AfterEach
    void close() {
        kv.close();
    }

    /** A subscriber that records what it gets and asks for what the test says. */
    public static final class Recorder implements Flow.Subscriber<WatchResponse> {
        public final BlockingQueue<WatchResponse> responses = new LinkedBlockingQueue<>();
        public volatile Flow.Subscription subscription;
        volatile boolean completed;
        private final long initialDemand;

        public Recorder(long initialDemand) {
            this.initialDemand = initialDemand;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (initialDemand > 0) {
                s.request(initialDemand);
            }
        }

        @Override
        public void onNext(WatchResponse item) {
            responses.add(item);
        }

        @Override
        public void onError(Throwable t) {
            responses.add(WatchResponse.newBuilder().setCancelReason("error: " + t).build());
        }

        @Override
        public void onComplete() {
            completed = true;
        }

        /** Responses until {@code events} events have arrived (fails after the patience runs out). */
        public List<WatchResponse> awaitEvents(int events) throws InterruptedException {
            List<WatchResponse> got = new ArrayList<>();
            int count = 0;
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (count < events) {
                WatchResponse r = responses.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                assertThat(r).as("%d of %d events arrived", count, events).isNotNull();
                got.add(r);
                count += r.getEventsCount();
            }
            return got;
        }
    }

    private static WatchCreateRequest.Builder prefix(String p) {
        byte[] end = p.getBytes();
        end[end.length - 1]++;
        return WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8(p)).setRangeEnd(ByteString.copyFrom(end));
    }

    private long put(String k, String v) {
        return kv.blocking().put(k, v).getHeader().getRevision();
    }

    private static List<Event> events(List<WatchResponse> responses) {
        return responses.stream().flatMap(r -> r.getEventsList().stream()).toList();
    }

    @Test
    void eventsArriveInOrderWholeRevisionsAtATimeWithPreviousVersions() throws Exception {
        Recorder r = new Recorder(Long.MAX_VALUE);
        kv.watch(prefix("k/").setPrevKv(true).build()).subscribe(r);
        put("k/a", "1");
        put("other", "x");
        put("k/a", "2");
        kv.blocking().txn(TxnRequest.newBuilder()
                .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("k/b")).setValue(ByteString.copyFromUtf8("3"))))
                .addSuccess(RequestOp.newBuilder().setRequestDeleteRange(DeleteRangeRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("k/a"))))
                .build());
        List<WatchResponse> got = r.awaitEvents(4);
        List<Event> events = events(got);
        assertThat(events).extracting(e -> e.getType() + " " + e.getKv().getKey().toStringUtf8() + "="
                + e.getKv().getValue().toStringUtf8() + " prev=" + e.getPrevKv().getValue().toStringUtf8())
                .containsExactly("PUT k/a=1 prev=", "PUT k/a=2 prev=1", "PUT k/b=3 prev=", "DELETE k/a= prev=2");
        assertThat(events).extracting(e -> e.getKv().getModRevision()).isSorted();
        // the Txn's two events share a revision and arrive in one response
        WatchResponse txn = got.stream().filter(x -> x.getEventsList().stream()
                .anyMatch(e -> e.getKv().getKey().toStringUtf8().equals("k/b"))).findFirst().orElseThrow();
        long txnRevision = txn.getEventsList().stream().filter(e -> e.getKv().getKey().toStringUtf8().equals("k/b"))
                .findFirst().orElseThrow().getKv().getModRevision();
        assertThat(txn.getEventsList()).filteredOn(e -> e.getKv().getModRevision() == txnRevision).hasSize(2);
        assertThat(txn.getHeader().getRevision()).isGreaterThanOrEqualTo(txnRevision);
    }

    @Test
    void aWatchResumesFromAnyRetainedRevisionAndSeesEachEventOnce() throws Exception {
        List<Long> revisions = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            revisions.add(put("k/" + (i % 7), "v" + i));
        }
        long from = revisions.get(100);
        Recorder r = new Recorder(Long.MAX_VALUE);
        kv.watch(prefix("k/").setStartRevision(from).build()).subscribe(r);
        List<Event> events = events(r.awaitEvents(200));
        assertThat(events).extracting(e -> e.getKv().getModRevision()).containsExactlyElementsOf(
                revisions.subList(100, 300));
        put("k/late", "after");
        assertThat(events(r.awaitEvents(1))).singleElement()
                .satisfies(e -> assertThat(e.getKv().getKey().toStringUtf8()).isEqualTo("k/late"));
    }

    @Test
    void filtersDropPutsOrDeletes() throws Exception {
        Recorder deletesOnly = new Recorder(Long.MAX_VALUE);
        Recorder putsOnly = new Recorder(Long.MAX_VALUE);
        kv.watch(prefix("f/").addFilters(WatchCreateRequest.FilterType.NOPUT).build()).subscribe(deletesOnly);
        kv.watch(prefix("f/").addFilters(WatchCreateRequest.FilterType.NODELETE).build()).subscribe(putsOnly);
        put("f/1", "a");
        kv.blocking().delete("f/1");
        put("f/2", "b");
        assertThat(events(deletesOnly.awaitEvents(1))).extracting(Event::getType).containsExactly(Event.EventType.DELETE);
        assertThat(events(putsOnly.awaitEvents(2))).extracting(e -> e.getKv().getKey().toStringUtf8())
                .containsExactly("f/1", "f/2");
    }

    @Test
    void aStartBelowTheCompactionPointEndsTheWatchWithTheCompactRevision() throws Exception {
        for (int i = 0; i < 10; i++) {
            put("c", "v" + i);
        }
        long compactAt = put("c", "last");
        kv.blocking().compact(CompactionRequest.newBuilder().setRevision(compactAt).build());
        Recorder r = new Recorder(Long.MAX_VALUE);
        kv.watch(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("c")).setStartRevision(2).build())
                .subscribe(r);
        WatchResponse end = r.responses.poll(PATIENCE.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(end).isNotNull();
        assertThat(end.getCanceled()).isTrue();
        assertThat(end.getCompactRevision()).isEqualTo(compactAt);
        org.awaitility.Awaitility.await().atMost(PATIENCE).until(() -> r.completed);
    }

    /**
     * A subscriber that asks for nothing gets nothing and holds nothing: its watch stays at its revision. When it
     * asks, it is caught up from the store with every event, in order.
     */
    @Test
    void aSubscriberWithoutDemandIsCaughtUpFromTheStoreWhenItAsks() throws Exception {
        Recorder r = new Recorder(0);
        kv.watch(prefix("s/").build()).subscribe(r);
        long first = 0;
        for (int i = 0; i < 2_500; i += 50) {
            List<RequestOp> ops = new ArrayList<>();
            for (int j = 0; j < 50; j++) {
                ops.add(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                        .setKey(ByteString.copyFromUtf8("s/" + (i + j))).setValue(ByteString.copyFromUtf8("v"))).build());
            }
            long rev = kv.blocking().txn(TxnRequest.newBuilder().addAllSuccess(ops).build()).getHeader().getRevision();
            first = first == 0 ? rev : first;
        }
        Thread.sleep(200);
        assertThat(r.responses).as("nothing delivered without demand").isEmpty();
        r.subscription.request(Long.MAX_VALUE);
        List<WatchResponse> got = r.awaitEvents(2_500);
        assertThat(events(got)).extracting(e -> e.getKv().getKey().toStringUtf8())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 2_500).mapToObj(i -> "s/" + i).toList());
        for (WatchResponse w : got) {
            assertThat(w.getEventsCount() % 50).as("whole revisions (50 events each)").isZero();
        }
    }

    /** Catching up many watches at one revision reads the revision log once, not once per watch. */
    @Test
    void manyWatchesAtOneRevisionShareOneReadOfTheLog() throws Exception {
        long now = put("m", "0");
        List<Recorder> recorders = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            Recorder r = new Recorder(Long.MAX_VALUE);
            kv.watch(WatchCreateRequest.newBuilder().setKey(ByteString.copyFromUtf8("m"))
                    .setStartRevision(now + 1).build()).subscribe(r);
            recorders.add(r);
        }
        Thread.sleep(100);
        long readsBefore = kv.watchHub().logReads();
        put("m", "1");
        for (Recorder r : recorders) {
            assertThat(events(r.awaitEvents(1))).singleElement()
                    .satisfies(e -> assertThat(e.getKv().getValue().toStringUtf8()).isEqualTo("1"));
        }
        assertThat(kv.watchHub().logReads() - readsBefore).as("reads of the revision log").isEqualTo(1);
    }

    @Test
    void aCanceledSubscriptionGetsNothingMoreAndLeavesTheHub() throws Exception {
        Recorder r = new Recorder(Long.MAX_VALUE);
        kv.watch(prefix("x/").build()).subscribe(r);
        put("x/1", "a");
        r.awaitEvents(1);
        r.subscription.cancel();
        put("x/2", "b");
        Thread.sleep(200);
        assertThat(r.responses).isEmpty();
        assertThat(kv.watchHub().size()).isZero();
    }
}
