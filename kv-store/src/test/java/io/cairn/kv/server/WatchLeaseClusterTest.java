package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseGrantResponse;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Watch and Lease across real faults: three {@code cairn kv} processes, each member killed with {@code kill -9}
 * in turn (so the leader is killed at least once) and started again on its data, while clients write, watch and
 * keep a lease alive through grpc-java, moving to another member when theirs dies.
 *
 * <p>Watch: a watcher that resumes from one past the last revision it saw receives every acknowledged write
 * exactly once, in revision order (etcd's ordered, unique, reliable, resumable guarantees). Lease: a keep-alive
 * stream holds its lease through every kill; once keep-alives stop, the key goes with the lease at one revision,
 * the same on every member.
 */
class WatchLeaseClusterTest {
    @TempDir
    Path dir;
    private KvProcesses cluster;

    @BeforeEach
    void start() throws Exception {
        cluster = new KvProcesses(dir.resolve("cluster"), 3);
        cluster.startAll();
    }

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private KvClient kv(int member) {
        return new KvClient(cluster.channel(member), Duration.ofSeconds(5));
    }

    /** Puts until one succeeds through some member (the cluster may be electing); returns its revision. */
    private long putSomewhere(String key, String value, long lease) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90); // three JVMs starting on a loaded machine
        for (int attempt = 0; ; attempt++) {
            try {
                return kv(1 + attempt % 3).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8(value)).setLease(lease).build())
                        .get(6, TimeUnit.SECONDS).getHeader().getRevision();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** How many versions of {@code key} member {@code m} holds, asking again while it is still starting. */
    private long count(int m, String key) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return kv(m).range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8(key)).build())
                        .get(6, TimeUnit.SECONDS).getKvsCount();
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    /** Kills each member in turn with -9 and starts it again, waiting for the cluster to take writes between. */
    private void killEachInTurn() throws Exception {
        for (int i = 1; i <= 3; i++) {
            cluster.kill(i);
            Thread.sleep(1_500);
            putSomewhere("barrier", "after-kill-" + i, 0);
            cluster.start(i);
            Thread.sleep(1_500);
        }
    }

    /** A watcher that moves to the next member when its stream fails, resuming after the last revision it saw. */
    private final class ResumingWatcher implements AutoCloseable {
        final List<Event> events = new java.util.concurrent.CopyOnWriteArrayList<>();
        private final AtomicLong lastRevision;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile StreamObserver<WatchRequest> requests;
        private int member;

        ResumingWatcher(long fromRevision) {
            this.lastRevision = new AtomicLong(fromRevision - 1);
            open(1);
        }

        private void open(int m) {
            member = m;
            StreamObserver<WatchResponse> responses = new StreamObserver<>() {
                @Override
                public void onNext(WatchResponse r) {
                    for (Event e : r.getEventsList()) {
                        events.add(e);
                        lastRevision.set(e.getKv().getModRevision());
                    }
                }

                @Override
                public void onError(Throwable t) {
                    reopen();
                }

                @Override
                public void onCompleted() {
                    reopen();
                }
            };
            requests = ClientCalls.asyncBidiStreamingCall(
                    cluster.channel(m).newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT), responses);
            requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("w/")).setRangeEnd(ByteString.copyFromUtf8("w0"))
                    .setStartRevision(lastRevision.get() + 1)).build());
        }

        private void reopen() {
            if (closed.get()) {
                return;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            open(member % 3 + 1);
        }

        @Override
        public void close() {
            closed.set(true);
            requests.onCompleted();
        }
    }

    @Test
    void aResumingWatcherSeesEveryAcknowledgedWriteOnceInOrderThroughKills() throws Exception {
        long first = putSomewhere("w/start", "0", 0);
        Map<String, Long> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (ResumingWatcher watcher = new ResumingWatcher(first)) {
            Thread writer = new Thread(() -> {
                for (int i = 0; writing.get() && i < 100_000; i++) {
                    String key = "w/" + i;
                    try {
                        long rev = kv(1 + i % 3).put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8(key))
                                .setValue(ByteString.copyFromUtf8("v" + i)).build()).get(6, TimeUnit.SECONDS)
                                .getHeader().getRevision();
                        acknowledged.put(key, rev);
                    } catch (Exception e) {
                        // unknown outcome or refused: the watcher may or may not see it
                    }
                }
            }, "writer");
            writer.start();
            killEachInTurn();
            writing.set(false);
            writer.join(30_000);
            long last = putSomewhere("w/end", "0", 0);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (watcher.lastRevision.get() < last && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            List<Event> seen = new ArrayList<>(watcher.events);
            assertThat(seen).extracting(e -> e.getKv().getModRevision()).as("ordered and unique").isSorted()
                    .doesNotHaveDuplicates();
            Map<String, Long> seenPuts = new TreeMap<>();
            for (Event e : seen) {
                seenPuts.put(e.getKv().getKey().toStringUtf8(), e.getKv().getModRevision());
            }
            assertThat(acknowledged).as("writes acknowledged during the kills").hasSizeGreaterThan(20);
            assertThat(seenPuts).as("every acknowledged write, at its revision").containsAllEntriesOf(acknowledged);
            assertThat(seenPuts).containsEntry("w/end", last).containsEntry("w/start", first);
        }
    }

    @Test
    void aKeepAliveStreamHoldsItsLeaseThroughKillsAndTheExpiryIsOneRevisionEverywhere() throws Exception {
        LeaseGrantResponse lease = null;
        for (int attempt = 0; lease == null; attempt++) {
            try {
                lease = ClientCalls.futureUnaryCall(cluster.channel(1 + attempt % 3).newCall(EtcdLeaseGrpc.GRANT,
                        CallOptions.DEFAULT), LeaseGrantRequest.newBuilder().setTTL(4).build()).get(6, TimeUnit.SECONDS);
            } catch (Exception e) {
                assertThat(attempt).as("granting a lease: %s", e).isLessThan(100);
                Thread.sleep(200);
            }
        }
        long id = lease.getID();
        long put = putSomewhere("held", "by-lease", id);
        AtomicBoolean keepingAlive = new AtomicBoolean(true);
        AtomicLong answers = new AtomicLong();
        Thread keeper = new Thread(() -> {
            for (int m = 1; keepingAlive.get(); m = m % 3 + 1) {
                CountDownLatch ended = new CountDownLatch(1);
                StreamObserver<LeaseKeepAliveRequest> out = ClientCalls.asyncBidiStreamingCall(
                        cluster.channel(m).newCall(EtcdLeaseGrpc.KEEP_ALIVE, CallOptions.DEFAULT),
                        new StreamObserver<LeaseKeepAliveResponse>() {
                            @Override
                            public void onNext(LeaseKeepAliveResponse r) {
                                if (r.getTTL() > 0) {
                                    answers.incrementAndGet();
                                }
                            }

                            @Override
                            public void onError(Throwable t) {
                                ended.countDown();
                            }

                            @Override
                            public void onCompleted() {
                                ended.countDown();
                            }
                        });
                try {
                    while (keepingAlive.get() && ended.getCount() > 0) {
                        out.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
                        ended.await(1, TimeUnit.SECONDS); // a third of the TTL or so, as clients do
                    }
                    out.onCompleted();
                } catch (Exception e) {
                    return;
                }
            }
        }, "keeper");
        keeper.start();
        killEachInTurn();
        Thread.sleep(2_000);
        // still there on every member, after more than the TTL of kills
        for (int m = 1; m <= 3; m++) {
            assertThat(count(m, "held")).as("member %d holds the key", m).isEqualTo(1);
        }
        assertThat(answers.get()).isPositive();
        keepingAlive.set(false);
        keeper.join(10_000);

        long stopped = System.nanoTime();
        while (count(1, "held") > 0) {
            assertThat(System.nanoTime() - stopped).as("gone within TTL + election timeout + 1 s")
                    .isLessThan(TimeUnit.MILLISECONDS.toNanos(4_000 + 1_000 + 1_000 + 500));
            Thread.sleep(100);
        }
        // the delete is one revision, the same on every member
        List<Long> deleteRevisions = new ArrayList<>();
        for (int m = 1; m <= 3; m++) {
            List<WatchResponse> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            CountDownLatch deleted = new CountDownLatch(1);
            StreamObserver<WatchRequest> w = ClientCalls.asyncBidiStreamingCall(
                    cluster.channel(m).newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT), new StreamObserver<>() {
                        @Override
                        public void onNext(WatchResponse r) {
                            got.add(r);
                            if (r.getEventsList().stream().anyMatch(e -> e.getType() == Event.EventType.DELETE)) {
                                deleted.countDown();
                            }
                        }

                        @Override
                        public void onError(Throwable t) { }

                        @Override
                        public void onCompleted() { }
                    });
            w.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("held")).setStartRevision(put)).build());
            assertThat(deleted.await(10, TimeUnit.SECONDS)).as("member %d reports the delete", m).isTrue();
            w.onCompleted();
            got.stream().flatMap(r -> r.getEventsList().stream()).filter(e -> e.getType() == Event.EventType.DELETE)
                    .forEach(e -> deleteRevisions.add(e.getKv().getModRevision()));
        }
        assertThat(deleteRevisions).hasSize(3).containsOnly(deleteRevisions.get(0));
    }
}
