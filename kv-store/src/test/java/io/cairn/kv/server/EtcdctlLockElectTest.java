package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.v3election.LeaderRequest;
import io.cairn.kv.proto.v3election.LeaderResponse;
import io.cairn.kv.proto.v3lock.LockRequest;
import io.cairn.kv.proto.v3lock.LockResponse;
import io.grpc.CallOptions;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * etcdctl's {@code lock} and {@code elect} (etcd's client-side recipes over KV, Watch and Lease) against three
 * {@code cairn kv} processes, and their agreement with the server-side Lock and Election services: a lock held by
 * etcdctl keeps the Lock service waiting until etcdctl lets go, and the Election service reports etcdctl's leader.
 */
class EtcdctlLockElectTest {
    @TempDir
    Path dir;

    @Test
    void etcdctlLockAndElectWorkAndAgreeWithTheServices() throws Exception {
        assumeTrue(Etcdctl.installed(), "etcdctl is not installed (Debian's etcd-client)");
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            c.startAll();
            Etcdctl ctl = new Etcdctl(c.endpoints(), dir);
            Awaitility.await().atMost(90, TimeUnit.SECONDS).until(() -> ctl.run("put", "ready", "1").exitCode() == 0);

            // a command run under the lock
            Etcdctl.Result under = ctl.run("lock", "jobs", "echo", "holding");
            assertThat(under.exitCode()).as(under.err()).isZero();
            assertThat(under.out()).isEqualTo("holding\n");

            // etcdctl holds the lock; the Lock service waits for it
            Etcdctl.Background holder = ctl.start("lock", "jobs");
            assertThat(holder.awaitOut("jobs/")).startsWith("jobs/");
            java.util.concurrent.CompletableFuture<LockResponse> waiting = new java.util.concurrent.CompletableFuture<>();
            ClientCalls.asyncUnaryCall(c.channel(2).newCall(EtcdConcurrencyGrpc.LOCK,
                    CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS)),
                    LockRequest.newBuilder().setName(ByteString.copyFromUtf8("jobs")).build(),
                    new io.grpc.stub.StreamObserver<>() {
                        @Override
                        public void onNext(LockResponse r) {
                            waiting.complete(r);
                        }

                        @Override
                        public void onError(Throwable t) {
                            waiting.completeExceptionally(t);
                        }

                        @Override
                        public void onCompleted() {
                        }
                    });
            Thread.sleep(1_500);
            assertThat(waiting).as("etcdctl holds the lock").isNotDone();
            holder.stop(0); // SIGTERM: etcdctl revokes its session's lease, which deletes its key
            assertThat(waiting.get(20, TimeUnit.SECONDS).getKey().toStringUtf8()).startsWith("jobs/");

            // etcdctl campaigns and leads; the Election service sees its proposal
            Etcdctl.Background leader = ctl.start("elect", "pick", "candidate-1");
            assertThat(leader.awaitOut("candidate-1")).contains("pick/").contains("candidate-1");
            LeaderResponse seen = ClientCalls.blockingUnaryCall(c.channel(3), EtcdConcurrencyGrpc.LEADER,
                    CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
                    LeaderRequest.newBuilder().setName(ByteString.copyFromUtf8("pick")).build());
            assertThat(seen.getKv().getValue().toStringUtf8()).isEqualTo("candidate-1");
            Etcdctl.Background observer = ctl.start("elect", "-l", "pick");
            assertThat(observer.awaitOut("candidate-1")).contains("candidate-1");
            leader.stop(0);
            observer.stop(0);
        }
    }
}
