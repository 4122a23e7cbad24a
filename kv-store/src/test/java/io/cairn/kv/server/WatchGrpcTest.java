package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.KvStore;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.WatchCancelRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchProgressRequest;
import io.cairn.kv.proto.etcd.WatchRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.proto.mvcc.Event;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcd's Watch service through grpc-java, as clients other than etcdctl use it: many watches on one stream with
 * client-chosen and server-chosen ids, cancel, progress requests, fragments, {@code hasleader}, and a client that
 * stops reading (held by flow control, caught up later, nothing lost).
 */
class WatchGrpcTest {
    private final GrpcFixture fixture = new GrpcFixture();

    @TempDir
    Path dir;

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    /** The responses of one Watch stream, in arrival order; or how it ended. */
    static final class Responses implements StreamObserver<WatchResponse> {
        final BlockingQueue<WatchResponse> queue = new LinkedBlockingQueue<>();
        volatile Throwable error;

        @Override
        public void onNext(WatchResponse value) {
            queue.add(value);
        }

        @Override
        public void onError(Throwable t) {
            error = t;
            queue.add(WatchResponse.newBuilder().setWatchId(Long.MIN_VALUE).build());
        }

        @Override
        public void onCompleted() { }

        WatchResponse next() throws InterruptedException {
            WatchResponse r = queue.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("a response arrived").isNotNull();
            return r;
        }
    }

    private static WatchRequest create(String key, long watchId) {
        return WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8(key)).setWatchId(watchId)).build();
    }

    private StreamObserver<WatchRequest> open(ManagedChannel channel, Responses responses) {
        return ClientCalls.asyncBidiStreamingCall(channel.newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT), responses);
    }

    @Test
    void manyWatchesOnOneStreamWithTheirIdsCancelAndProgress() throws Exception {
        KvStore kv = fixture.kvStore();
        KvGrpcServer server = fixture.watchServer(kv, KvServerLimits.DEFAULTS);
        Responses in = new Responses();
        StreamObserver<WatchRequest> out = open(fixture.channel(server), in);

        out.onNext(create("a", 0));
        WatchResponse first = in.next();
        assertThat(first.getCreated()).isTrue();
        assertThat(first.getWatchId()).as("etcd's first automatic id").isZero();
        out.onNext(create("b", 7));
        assertThat(in.next()).satisfies(r -> assertThat(r.getCreated() && r.getWatchId() == 7).isTrue());
        out.onNext(create("c", 0));
        assertThat(in.next().getWatchId()).isEqualTo(1);
        out.onNext(create("d", 7));
        assertThat(in.next()).satisfies(r -> {
            assertThat(r.getCreated()).isTrue();
            assertThat(r.getCanceled()).isTrue();
            assertThat(r.getCancelReason()).isEqualTo(WatchGrpcService.DUPLICATE_ID);
        });

        kv.blocking().put("b", "1");
        kv.blocking().put("a", "2");
        WatchResponse b = in.next();
        WatchResponse a = in.next();
        assertThat(b.getWatchId()).isEqualTo(7);
        assertThat(b.getEvents(0).getKv().getValue().toStringUtf8()).isEqualTo("1");
        assertThat(a.getWatchId()).isZero();

        out.onNext(WatchRequest.newBuilder().setCancelRequest(WatchCancelRequest.newBuilder().setWatchId(7)).build());
        assertThat(in.next()).satisfies(r -> assertThat(r.getCanceled() && r.getWatchId() == 7).isTrue());
        long last = kv.blocking().put("b", "ignored").getHeader().getRevision();
        out.onNext(WatchRequest.newBuilder().setProgressRequest(WatchProgressRequest.getDefaultInstance()).build());
        WatchResponse progress = in.next();
        assertThat(progress.getWatchId()).isEqualTo(-1);
        assertThat(progress.getHeader().getRevision()).isGreaterThanOrEqualTo(last);
        assertThat(progress.getEventsCount()).isZero();
        out.onCompleted();
    }

    @Test
    void aResponseOverTheLimitIsSentInFragmentsWhenAsked() throws Exception {
        KvStore kv = fixture.kvStore();
        KvGrpcServer server = fixture.watchServer(kv, KvServerLimits.DEFAULTS.withRequestBytesMax(10_000));
        Responses in = new Responses();
        StreamObserver<WatchRequest> out = open(fixture.channel(server), in);
        out.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("f/")).setRangeEnd(ByteString.copyFromUtf8("f0")).setFragment(true))
                .build());
        assertThat(in.next().getCreated()).isTrue();
        List<RequestOp> ops = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            ops.add(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("f/" + i)).setValue(ByteString.copyFrom(new byte[1_000]))).build());
        }
        kv.blocking().txn(TxnRequest.newBuilder().addAllSuccess(ops).build());
        List<WatchResponse> parts = new ArrayList<>();
        do {
            parts.add(in.next());
        } while (parts.get(parts.size() - 1).getFragment());
        assertThat(parts).hasSizeGreaterThan(2);
        assertThat(parts.stream().mapToInt(WatchResponse::getEventsCount).sum()).isEqualTo(30);
        for (WatchResponse p : parts) {
            assertThat(p.getSerializedSize()).isLessThan(12_000);
        }
    }

    @Test
    void aHasLeaderStreamOnAMemberWithoutALeaderIsRefused() throws Exception {
        InetSocketAddress nowhere = new InetSocketAddress("127.0.0.1", 1);
        KvStore kv = KvStore.start(KvStore.Options.member(1, 1, dir, Map.of(1L, GrpcFixture.loopbackEphemeral(),
                2L, nowhere, 3L, nowhere), GrpcFixture.loopbackEphemeral()));
        try {
            KvGrpcServer server = fixture.watchServer(kv, KvServerLimits.DEFAULTS);
            Metadata headers = new Metadata();
            headers.put(WatchGrpcService.HAS_LEADER, "true");
            ManagedChannel channel = fixture.channel(server);
            Responses in = new Responses();
            StreamObserver<WatchRequest> out = open(channel, in);
            // without the metadata the stream is served
            out.onNext(create("k", 0));
            assertThat(in.next().getCreated()).isTrue();
            Responses refused = new Responses();
            StreamObserver<WatchRequest> withLeader = ClientCalls.asyncBidiStreamingCall(
                    io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers))
                            .newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT), refused);
            withLeader.onNext(create("k", 0));
            refused.next();
            assertThat(Status.fromThrowable(refused.error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
            assertThat(Status.fromThrowable(refused.error).getDescription()).isEqualTo(WatchGrpcService.NO_LEADER);
        } finally {
            kv.close();
        }
    }

    /**
     * A client that stops reading holds the server's watch at its revision (nothing piles up in the server beyond
     * gRPC's window); once it reads again it gets every event, in order.
     */
    @Test
    void aClientThatStopsReadingIsHeldAndThenCaughtUpWithEveryEvent() throws Exception {
        KvStore kv = fixture.kvStore();
        KvGrpcServer server = fixture.watchServer(kv, KvServerLimits.DEFAULTS);
        ManagedChannel channel = fixture.channel(server);
        ClientCall<WatchRequest, WatchResponse> call = channel.newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT);
        BlockingQueue<WatchResponse> got = new LinkedBlockingQueue<>();
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(WatchResponse message) {
                got.add(message);
            }
        }, new Metadata());
        call.request(1); // the "created" answer, then nothing more until asked
        call.sendMessage(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(ByteString.copyFromUtf8("s/")).setRangeEnd(ByteString.copyFromUtf8("s0"))).build());
        assertThat(got.poll(10, TimeUnit.SECONDS)).satisfies(r -> assertThat(r.getCreated()).isTrue());

        int writes = 3_000;
        byte[] value = new byte[1_000];
        long lastRevision = 0;
        for (int i = 0; i < writes; i++) {
            lastRevision = kv.blocking().put(PutRequest.newBuilder().setKey(ByteString.copyFromUtf8("s/" + i))
                    .setValue(ByteString.copyFrom(value)).build()).getHeader().getRevision();
        }
        Thread.sleep(500);
        assertThat(kv.watchHub().lowestNextRevision()).as("the watch is parked behind, not buffered ahead")
                .isLessThan(lastRevision - 1_000);

        call.request(Integer.MAX_VALUE);
        List<Event> events = new ArrayList<>();
        while (events.size() < writes) {
            WatchResponse r = got.poll(10, TimeUnit.SECONDS);
            assertThat(r).as("%d events so far", events.size()).isNotNull();
            events.addAll(r.getEventsList());
        }
        assertThat(events).extracting(e -> e.getKv().getKey().toStringUtf8())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, writes).mapToObj(i -> "s/" + i).toList());
        call.cancel("done", null);
    }

    /**
     * etcd's leader monitor: a {@code hasleader} stream that was served while the member had a leader ends with
     * UNAVAILABLE "etcdserver: no leader" once the member has had none for three election timeouts; a stream
     * without the metadata goes on.
     */
    @Test
    void aHasLeaderStreamEndsAfterThreeElectionTimeoutsWithoutALeader() throws Exception {
        try (io.cairn.kv.KvCluster c = new io.cairn.kv.KvCluster(dir, 3, 20, 10, 1_000)) {
            c.awaitLeader();
            KvStore member = c.member(1);
            KvGrpcServer server = fixture.watchServer(member, KvServerLimits.DEFAULTS);
            ManagedChannel channel = fixture.channel(server);
            Metadata headers = new Metadata();
            headers.put(WatchGrpcService.HAS_LEADER, "true");
            Responses requiring = new Responses();
            StreamObserver<WatchRequest> out = ClientCalls.asyncBidiStreamingCall(
                    io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers))
                            .newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT), requiring);
            out.onNext(create("k", 0));
            assertThat(requiring.next().getCreated()).isTrue();
            Responses plain = new Responses();
            open(channel, plain).onNext(create("k", 0));
            assertThat(plain.next().getCreated()).isTrue();

            long start = System.nanoTime(); // the member may lose its leader as soon as the first stop begins
            c.stop(2);
            c.stop(3);
            requiring.next(); // the end of the stream (an error)
            assertThat(Status.fromThrowable(requiring.error).getDescription()).isEqualTo(WatchGrpcService.NO_LEADER);
            assertThat(System.nanoTime() - start).as("not before three election timeouts")
                    .isGreaterThan(TimeUnit.MILLISECONDS.toNanos(3 * 200));
            assertThat(plain.error).as("the stream without hasleader goes on").isNull();
        }
    }

    /** Watches that asked for progress notifications get an empty response with the revision while synced. */
    @Test
    void periodicProgressNotificationsForWatchesThatAskedForThem() throws Exception {
        KvStore kv = KvStore.start(KvStore.Options.member(1, 1, dir, Map.of(1L, GrpcFixture.loopbackEphemeral()),
                GrpcFixture.loopbackEphemeral()).withWatchProgressNotify(200));
        try {
            KvGrpcServer server = fixture.watchServer(kv, KvServerLimits.DEFAULTS);
            Responses in = new Responses();
            StreamObserver<WatchRequest> out = open(fixture.channel(server), in);
            out.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                    .setKey(ByteString.copyFromUtf8("p")).setProgressNotify(true).setWatchId(5)).build());
            assertThat(in.next().getCreated()).isTrue();
            long rev = kv.blocking().put("other", "x").getHeader().getRevision();
            WatchResponse progress;
            do {
                progress = in.next();
            } while (progress.getHeader().getRevision() < rev);
            assertThat(progress.getWatchId()).isEqualTo(5);
            assertThat(progress.getEventsCount()).isZero();
            assertThat(progress.getCanceled()).isFalse();
        } finally {
            kv.close();
        }
    }
}
