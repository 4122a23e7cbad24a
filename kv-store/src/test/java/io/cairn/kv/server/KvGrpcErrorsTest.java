package io.cairn.kv.server;

import static io.cairn.kv.server.GrpcFixture.refusal;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Message;
import io.cairn.kv.mvcc.KvException;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.ResponseHeader;
import io.grpc.CallOptions;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How failures cross the wire: a {@link KvException} as the status etcd would send (same code, etcd's text as
 * the description), back into the same KvException in {@link KvClient}, and unchanged through a forwarding hop
 * (a follower whose KvService is a KvClient to its leader); a bug as INTERNAL with its message; a missed deadline
 * as etcd's UNAVAILABLE "etcdserver: request timed out".
 */
class KvGrpcErrorsTest {
    private GrpcFixture fixture;

    @BeforeEach
    void start() {
        fixture = new GrpcFixture();
    }

    @AfterEach
    void stop() throws Exception {
        fixture.close();
    }

    private KvGrpcServer stub(Function<Message, CompletableFuture<? extends Message>> answer) throws Exception {
        return fixture.server(new StubKvService(answer), KvServerLimits.DEFAULTS);
    }

    private Status wireStatus(KvGrpcServer server) {
        StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
                () -> ClientCalls.blockingUnaryCall(fixture.channel(server), EtcdKvGrpc.RANGE,
                        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), Req.get("k")));
        return e.getStatus();
    }

    @ParameterizedTest
    @EnumSource(KvException.Code.class)
    void everyRefusalCrossesTheWireAsItsStatusAndBackUnchanged(KvException.Code code) throws Exception {
        KvException refused = new KvException(code, "etcdserver: refused with " + code);
        KvGrpcServer server = stub(request -> CompletableFuture.failedFuture(refused));

        Status status = wireStatus(server);
        assertThat(status.getCode().name()).isEqualTo(code.name());
        assertThat(status.getDescription()).isEqualTo("etcdserver: refused with " + code);
        assertThat(refusal(fixture.client(server).range(Req.get("k")))).isEqualTo(refused);
    }

    @Test
    void bugsAreInternalWithTheirMessage() throws Exception {
        KvGrpcServer thrown = stub(request -> {
            throw new IllegalStateException("boom");
        });
        assertThat(wireStatus(thrown).getCode()).isEqualTo(Status.Code.INTERNAL);
        assertThat(wireStatus(thrown).getDescription()).isEqualTo("boom");

        KvGrpcServer failed = stub(request -> CompletableFuture.failedFuture(new IllegalArgumentException("bad")));
        assertThat(refusal(fixture.client(failed).range(Req.get("k"))))
                .isEqualTo(new KvException(KvException.Code.INTERNAL, "bad"));

        KvGrpcServer noFuture = stub(request -> null);
        assertThat(wireStatus(noFuture).getDescription()).isEqualTo("KvService returned no future");

        KvGrpcServer noResponse = stub(request -> CompletableFuture.completedFuture(null));
        assertThat(wireStatus(noResponse).getDescription()).isEqualTo("KvService completed Range with no response");
        assertThat(noResponse.inFlightCalls()).isZero();
    }

    @Test
    void forwardedCallsReachTheClientAsTheLeaderAnswered() throws Exception {
        KvException leaderChanged = new KvException(KvException.Code.UNAVAILABLE, "etcdserver: leader changed");
        PutResponse ok = PutResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(7).setMemberId(1))
                .build();
        KvGrpcServer leader = stub(request -> request instanceof RangeRequest
                ? CompletableFuture.failedFuture(leaderChanged)
                : CompletableFuture.completedFuture(ok));
        KvGrpcServer follower = fixture.server(fixture.client(leader), KvServerLimits.DEFAULTS);
        KvClient client = fixture.client(follower);

        assertThat(refusal(client.range(Req.get("k")))).isEqualTo(leaderChanged);
        assertThat(wireStatus(follower).getDescription()).isEqualTo("etcdserver: leader changed");
        assertThat(client.put(Req.put("k", "v")).get(30, TimeUnit.SECONDS)).isEqualTo(ok);
    }

    @Test
    void forwardingThroughToARealStoreKeepsItsAnswers() throws Exception {
        KvGrpcServer leader = fixture.storeServer();
        KvGrpcServer follower = fixture.server(fixture.client(leader), KvServerLimits.DEFAULTS);
        KvClient client = fixture.client(follower);

        assertThat(client.put(Req.put("k", "v")).get(30, TimeUnit.SECONDS).getHeader().getRevision()).isEqualTo(2);
        assertThat(client.range(Req.get("k")).get(30, TimeUnit.SECONDS).getKvs(0).getValue().toStringUtf8())
                .isEqualTo("v");
        assertThat(refusal(client.put(Req.put("", "v")))).isEqualTo(
                new KvException(KvException.Code.INVALID_ARGUMENT, "etcdserver: key is not provided"));
    }

    @Test
    void missedDeadlineIsEtcdsRequestTimedOut() throws Exception {
        KvGrpcServer silent = stub(request -> new CompletableFuture<>());
        KvClient impatient = new KvClient(fixture.channel(silent), Duration.ofMillis(200));
        assertThat(refusal(impatient.put(Req.put("k", "v")))).isEqualTo(
                new KvException(KvException.Code.UNAVAILABLE, "etcdserver: request timed out"));
    }

    @Test
    void unreachableServerIsUnavailable() throws Exception {
        KvGrpcServer gone = stub(request -> new CompletableFuture<>());
        InetSocketAddress address = gone.addresses().get(0);
        gone.close();
        KvClient client = new KvClient(fixture.channel(address), Duration.ofSeconds(5));
        assertThat(refusal(client.range(Req.get("k"))).code()).isEqualTo(KvException.Code.UNAVAILABLE);
    }

    @Test
    void codesEtcdsKvNeverSendsBecomeCairnErrorsNamingThem() {
        assertThat(GrpcErrors.toKvException(Status.CANCELLED.withDescription("gone"))).isEqualTo(
                new KvException(KvException.Code.UNAVAILABLE, "cairn: KV call failed with CANCELLED: gone"));
        assertThat(GrpcErrors.toKvException(Status.UNIMPLEMENTED)).isEqualTo(
                new KvException(KvException.Code.INTERNAL, "cairn: KV call failed with UNIMPLEMENTED"));
        assertThat(GrpcErrors.toKvException(Status.NOT_FOUND)).isEqualTo(
                new KvException(KvException.Code.NOT_FOUND, "NOT_FOUND"));
        assertThatThrownBy(() -> new KvClient(fixture.channel(new InetSocketAddress("127.0.0.1", 1)), Duration.ZERO))
                .isInstanceOf(IllegalStateException.class);
    }
}
