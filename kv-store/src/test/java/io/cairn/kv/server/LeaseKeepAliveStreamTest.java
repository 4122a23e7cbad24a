package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.KvStore;
import io.cairn.kv.proto.etcd.LeaseGrantRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveRequest;
import io.cairn.kv.proto.etcd.LeaseKeepAliveResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A LeaseKeepAlive stream answers every request, in the order asked, however many a client sends at once. */
class LeaseKeepAliveStreamTest {
    private final GrpcFixture fixture = new GrpcFixture();

    @AfterEach
    void close() throws Exception {
        fixture.close();
    }

    @Test
    void manyKeepAlivesSentAtOnceAreAllAnsweredInTheOrderAsked() throws Exception {
        KvStore kv = fixture.kvStore();
        ManagedChannel channel = fixture.channel(fixture.watchServer(kv, KvServerLimits.DEFAULTS));
        List<Long> leases = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            leases.add(ClientCalls.blockingUnaryCall(channel, EtcdLeaseGrpc.GRANT, CallOptions.DEFAULT,
                    LeaseGrantRequest.newBuilder().setTTL(30 + i).build()).getID());
        }
        long missing = 424242L;
        int count = LeaseGrpcService.KEEP_ALIVE_WINDOW * 4 + 3; // more than the server takes in at once
        List<Long> asked = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            asked.add(i % 7 == 6 ? missing : leases.get(i % leases.size()));
        }

        LinkedBlockingQueue<LeaseKeepAliveResponse> answers = new LinkedBlockingQueue<>();
        CountDownLatch ended = new CountDownLatch(1);
        StreamObserver<LeaseKeepAliveRequest> requests = ClientCalls.asyncBidiStreamingCall(
                channel.newCall(EtcdLeaseGrpc.KEEP_ALIVE, CallOptions.DEFAULT), new StreamObserver<>() {
                    @Override
                    public void onNext(LeaseKeepAliveResponse r) {
                        answers.add(r);
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
        for (long id : asked) {
            requests.onNext(LeaseKeepAliveRequest.newBuilder().setID(id).build());
        }

        for (int i = 0; i < count; i++) {
            LeaseKeepAliveResponse r = answers.poll(30, TimeUnit.SECONDS);
            assertThat(r).as("answer %d of %d", i, count).isNotNull();
            long id = asked.get(i);
            assertThat(r.getID()).as("answer %d is for the lease asked %d-th", i, i).isEqualTo(id);
            if (id == missing) {
                assertThat(r.getTTL()).as("a lease that does not exist: TTL 0, not an error").isZero();
            } else {
                assertThat(r.getTTL()).isEqualTo(30 + leases.indexOf(id));
            }
        }
        assertThat(ended.getCount()).as("the stream stays open").isOne();
        requests.onCompleted();
        assertThat(ended.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(answers).as("no answer beyond the requests").isEmpty();
    }
}
