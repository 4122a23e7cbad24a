package io.cairn.kv.server;

import static io.cairn.kv.server.GrpcFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.ResponseHeader;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The server's own behaviour, over a KvService whose futures the test completes by hand: admission refuses with
 * etcd's "too many requests" once the in-flight calls or bytes are used up and admits again when they are
 * answered; every listen address serves; close lets admitted calls finish, and cancels them after the grace.
 */
class KvGrpcServerTest {
    private static final PutResponse PUT_OK =
            PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(2)).build();

    private final LinkedBlockingQueue<CompletableFuture<Message>> pending = new LinkedBlockingQueue<>();
    private final StubKvService held = new StubKvService(request -> {
        CompletableFuture<Message> f = new CompletableFuture<>();
        pending.add(f);
        return f;
    });
    private GrpcFixture fixture;

    @BeforeEach
    void start() {
        fixture = new GrpcFixture();
    }

    @AfterEach
    void stop() throws Exception {
        pending.forEach(f -> f.complete(PUT_OK));
        fixture.close();
    }

    private static void waitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition not reached in 20 s").isLessThan(deadline);
            Thread.sleep(5);
        }
    }

    @Test
    void callsPastTheInFlightLimitAreRefusedWithEtcdsTooManyRequests() throws Exception {
        KvServerLimits limits = KvServerLimits.DEFAULTS.withInFlight(2, KvServerLimits.DEFAULTS.inFlightRequestBytesMax());
        KvGrpcServer server = fixture.server(held, limits);
        KvClient client = fixture.client(server);

        CompletableFuture<PutResponse> first = client.put(Req.put("a", "1"));
        CompletableFuture<PutResponse> second = client.put(Req.put("b", "2"));
        waitUntil(() -> server.inFlightCalls() == 2);
        assertThat(refusal(client.put(Req.put("c", "3"))))
                .isEqualTo(new KvException(KvException.Code.RESOURCE_EXHAUSTED, "etcdserver: too many requests"));

        pending.take().complete(PUT_OK);
        pending.take().complete(PUT_OK);
        assertThat(first.get(30, TimeUnit.SECONDS)).isEqualTo(PUT_OK);
        assertThat(second.get(30, TimeUnit.SECONDS)).isEqualTo(PUT_OK);
        waitUntil(() -> server.inFlightCalls() == 0);
        CompletableFuture<PutResponse> third = client.put(Req.put("c", "3"));
        pending.take().complete(PUT_OK);
        assertThat(third.get(30, TimeUnit.SECONDS)).isEqualTo(PUT_OK);
    }

    @Test
    void requestBytesInFlightAreBoundedToo() throws Exception {
        KvServerLimits limits = KvServerLimits.DEFAULTS.withInFlight(100,
                KvServerLimits.DEFAULTS.maxInboundMessageBytes() + 1_000);
        KvGrpcServer server = fixture.server(held, limits);
        KvClient client = fixture.client(server);
        String large = "x".repeat(1_200_000);

        CompletableFuture<PutResponse> big = client.put(Req.put("big", large));
        waitUntil(() -> server.inFlightCalls() == 1);
        assertThat(refusal(client.put(Req.put("big2", large))).getMessage()).isEqualTo("etcdserver: too many requests");
        CompletableFuture<PutResponse> small = client.put(Req.put("small", "v"));
        waitUntil(() -> server.inFlightCalls() == 2);
        // Admitted is not yet handed to the service (a handler thread does that): complete both once both are there.
        pending.take().complete(PUT_OK);
        pending.take().complete(PUT_OK);
        assertThat(big.get(30, TimeUnit.SECONDS)).isEqualTo(PUT_OK);
        assertThat(small.get(30, TimeUnit.SECONDS)).isEqualTo(PUT_OK);
    }

    @Test
    void servesOnEveryListenAddress() throws Exception {
        KvGrpcServer server = fixture.server(List.of(GrpcFixture.loopbackEphemeral(), GrpcFixture.loopbackEphemeral()),
                new StubKvService(request -> CompletableFuture.completedFuture(RangeResponse.getDefaultInstance())),
                KvServerLimits.DEFAULTS);
        assertThat(server.addresses()).hasSize(2);
        assertThat(server.addresses()).extracting(InetSocketAddress::getPort).doesNotContain(0).doesNotHaveDuplicates();
        for (InetSocketAddress a : server.addresses()) {
            KvClient client = new KvClient(fixture.channel(a), GrpcFixture.CALL_TIMEOUT);
            assertThat(client.range(Req.get("k")).get(30, TimeUnit.SECONDS)).isEqualTo(RangeResponse.getDefaultInstance());
        }
    }

    @Test
    void closeLetsAdmittedCallsFinish() throws Exception {
        KvGrpcServer server = fixture.server(held, KvServerLimits.DEFAULTS.withShutdownGraceMillis(20_000));
        KvClient client = fixture.client(server);
        CompletableFuture<PutResponse> admitted = client.put(Req.put("a", "1"));
        CompletableFuture<Message> inService = pending.poll(20, TimeUnit.SECONDS);

        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        // Once the server refuses new calls, it is closing; the admitted call is still open.
        KvClient other = new KvClient(fixture.channel(server.addresses().get(0)), Duration.ofSeconds(1));
        waitUntil(() -> other.range(Req.get("k")).handle((r, e) -> e != null).join());
        assertThat(closing).isNotDone();

        inService.complete(PUT_OK);
        assertThat(admitted.get(30, TimeUnit.SECONDS)).isEqualTo(PUT_OK);
        closing.get(30, TimeUnit.SECONDS);
    }

    @Test
    void closeCancelsCallsStillOpenAfterTheGrace() throws Exception {
        KvGrpcServer server = fixture.server(held, KvServerLimits.DEFAULTS.withShutdownGraceMillis(200));
        KvClient client = fixture.client(server);
        CompletableFuture<PutResponse> admitted = client.put(Req.put("a", "1"));
        pending.poll(20, TimeUnit.SECONDS);
        server.close();
        assertThat(refusal(admitted).code()).isEqualTo(KvException.Code.UNAVAILABLE);
    }
}
