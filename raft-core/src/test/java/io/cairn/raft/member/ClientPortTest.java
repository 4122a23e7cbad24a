package io.cairn.raft.member;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.cairn.raft.core.Role;
import io.cairn.raft.member.proto.MemberRequest;
import io.cairn.raft.member.proto.MemberResponse;
import io.cairn.raft.member.proto.MemberStatus;
import io.cairn.raft.member.proto.PutOp;
import com.google.protobuf.ByteString;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The member's client port as the benchmark and the process tests use it: three members in this JVM (real log,
 * real Netty transport), reached through {@link MemberClient}.
 */
class ClientPortTest {
    @TempDir
    Path dir;

    private final List<MemberMain.Member> members = new ArrayList<>();

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private List<InetSocketAddress> startThree() throws Exception {
        return startThree(id -> MemberMain.Settings.defaults(20));
    }

    private List<InetSocketAddress> startThree(java.util.function.LongFunction<MemberMain.Settings> settings)
            throws Exception {
        Map<Long, String[]> peers = new TreeMap<>();
        for (long id = 1; id <= 3; id++) {
            peers.put(id, new String[] {"127.0.0.1", Integer.toString(freePort()), Integer.toString(freePort())});
        }
        List<InetSocketAddress> clients = new ArrayList<>();
        for (long id = 1; id <= 3; id++) {
            members.add(MemberMain.start(id, peers, dir.resolve("m" + id), Integer.parseInt(peers.get(id)[2]),
                    settings.apply(id)));
            clients.add(new InetSocketAddress("127.0.0.1", Integer.parseInt(peers.get(id)[2])));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> members.stream()
                .anyMatch(m -> m.group().status().role() == Role.LEADER));
        return clients;
    }

    @AfterEach
    void stop() {
        members.forEach(MemberMain.Member::close);
    }

    /** Puts pipelined on one connection are proposed in batches; each answer must belong to its own request. */
    @Test
    void pipelinedPutsEachGetTheirOwnAnswerAndValue() throws Exception {
        List<InetSocketAddress> clients = startThree();
        try (MemberClient client = new MemberClient(clients, 1)) {
            List<CompletableFuture<MemberClient.Outcome>> puts = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                puts.add(client.put("k" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), 10_000));
            }
            for (CompletableFuture<MemberClient.Outcome> p : puts) {
                assertThat(p.get(15, TimeUnit.SECONDS).status()).isEqualTo(MemberStatus.OK);
            }
            for (int i = 0; i < 500; i += 37) {
                MemberResponse r = client.get(clients.get(i % 3), "k" + i).get(5, TimeUnit.SECONDS);
                for (int retry = 0; r.getStatus() == MemberStatus.NOT_LEADER && retry < 50; retry++) {
                    Thread.sleep(100); // an election under load refuses a read: safe to ask again
                    r = client.get(clients.get(i % 3), "k" + i).get(5, TimeUnit.SECONDS);
                }
                assertThat(r.getStatus()).as("%s", r).isEqualTo(MemberStatus.OK);
                assertThat(r.getFound()).as("%s", r).isTrue();
                assertThat(r.getValue().toStringUtf8()).isEqualTo("v" + i);
            }
        }
    }

    @Test
    void aFollowerAnswersEveryPutOfABatchWithTheLeadersAddress() throws Exception {
        List<InetSocketAddress> clients = startThree();
        int follower = members.get(0).group().status().role() == Role.LEADER ? 1 : 0;
        long leader = members.stream().filter(m -> m.group().status().role() == Role.LEADER).findFirst()
                .orElseThrow().group().status().leader();
        await().until(() -> members.get(follower).group().status().leader() == leader);
        try (MemberClient client = new MemberClient(clients, 1)) {
            List<CompletableFuture<MemberResponse>> answers = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                answers.add(client.send(clients.get(follower), MemberRequest.newBuilder()
                        .setPut(PutOp.newBuilder().setKey("f" + i).setValue(ByteString.copyFromUtf8("x"))), 5_000));
            }
            for (CompletableFuture<MemberResponse> a : answers) {
                MemberResponse r = a.get(5, TimeUnit.SECONDS);
                assertThat(r.getStatus()).isEqualTo(MemberStatus.NOT_LEADER);
                assertThat(r.getLeaderAddress()).isEqualTo("127.0.0.1:" + clients.get((int) leader - 1).getPort());
            }
        }
    }

    /** The members' peer traffic over mutual TLS (etcd's --peer-cert-file and friends): the group commits. */
    @Test
    void membersTalkingMutualTlsCommitPuts() throws Exception {
        List<InetSocketAddress> clients = startThree(id -> {
            return MemberMain.Settings.defaults(20).withTls(new io.cairn.raft.transport.PeerTls(
                    resource("member" + id + ".pem"), resource("member" + id + ".key"), resource("ca.pem")));
        });
        try (MemberClient client = new MemberClient(clients, 1)) {
            for (int i = 0; i < 20; i++) {
                assertThat(client.put("t" + i, new byte[] {1}, 10_000).get(15, TimeUnit.SECONDS).status())
                        .isEqualTo(MemberStatus.OK);
            }
        }
        for (MemberMain.Member m : members) {
            await().atMost(Duration.ofSeconds(10)).until(() -> m.map().size() == 20);
        }
    }

    private static Path resource(String name) {
        try {
            return Path.of(ClientPortTest.class.getResource("/tls/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each group is its own replicated map; the member's stats report the syncs its groups shared. */
    @Test
    void groupsOfOneMemberAreSeparateMapsSharingTheLogWriter() throws Exception {
        List<InetSocketAddress> clients = startThree(id -> {
            MemberMain.Settings d = MemberMain.Settings.defaults(20);
            return new MemberMain.Settings(d.tickMillis(), d.electionTicks(), d.snapshotEntries(), false, false, null,
                    3, d.quiesceTicks());
        });
        try (MemberClient client = new MemberClient(clients, 1)) {
            List<CompletableFuture<MemberClient.Outcome>> puts = new ArrayList<>();
            for (int round = 0; round < 50; round++) {
                for (long g = 1; g <= 3; g++) {
                    puts.add(client.put(g, "same-key", ("group " + g + " round " + round).getBytes(StandardCharsets.UTF_8),
                            10_000));
                }
            }
            for (CompletableFuture<MemberClient.Outcome> p : puts) {
                assertThat(p.get(15, TimeUnit.SECONDS).status()).isEqualTo(MemberStatus.OK);
            }
            for (MemberMain.Member m : members) {
                for (long g = 1; g <= 3; g++) {
                    ReplicatedMap map = m.maps().get(g);
                    long group = g;
                    await().atMost(Duration.ofSeconds(10)).until(() -> map.get("same-key") != null
                            && new String(map.get("same-key"), StandardCharsets.UTF_8).startsWith("group " + group + " "));
                }
            }
            MemberResponse stats = client.stats(clients.get(0)).get(5, TimeUnit.SECONDS);
            assertThat(stats.getFsyncs()).isPositive();
            assertThat(stats.getFsyncsShared()).isBetween(0L, stats.getFsyncs());
            MemberResponse unknown = client.send(clients.get(0), MemberRequest.newBuilder().setGroup(9)
                    .setPut(PutOp.newBuilder().setKey("k").setValue(ByteString.copyFromUtf8("v"))), 5_000)
                    .get(5, TimeUnit.SECONDS);
            assertThat(unknown.getStatus()).isEqualTo(MemberStatus.ERROR);
            assertThat(unknown.getError()).contains("no group 9");
        }
    }

    /**
     * Regression (robustness row 23): writes read in one burst are proposed together; one command too large
     * for a message made the whole batch fail. Only that command may fail.
     */
    @Test
    void aTooLargePutFailsAloneAmongTheWritesOfItsBurst() throws Exception {
        List<InetSocketAddress> clients = startThree();
        long leader = members.stream().filter(m -> m.group().status().role() == Role.LEADER).findFirst()
                .orElseThrow().group().status().leader();
        InetSocketAddress at = clients.get((int) leader - 1);
        try (MemberClient client = new MemberClient(clients, 1)) {
            client.digest(at).get(5, TimeUnit.SECONDS); // connected, so the next three leave together
            byte[] huge = new byte[3 << 19]; // 1.5 MiB: over the 1 MiB a Raft message may carry
            List<CompletableFuture<MemberResponse>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                answers.add(client.send(at, MemberRequest.newBuilder().setPut(PutOp.newBuilder().setKey("p" + i)
                        .setValue(ByteString.copyFrom(i == 1 ? huge : new byte[] {1}))), 10_000));
            }
            assertThat(answers.get(0).get(15, TimeUnit.SECONDS).getStatus()).isEqualTo(MemberStatus.OK);
            assertThat(answers.get(2).get(15, TimeUnit.SECONDS).getStatus()).isEqualTo(MemberStatus.OK);
            MemberResponse refused = answers.get(1).get(15, TimeUnit.SECONDS);
            assertThat(refused.getStatus()).isEqualTo(MemberStatus.ERROR);
            assertThat(refused.getError()).isNotEmpty();
        }
    }

    @Test
    void aRequestThatIsNeverAnsweredTimesOut() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
                MemberClient client = new MemberClient(List.of((InetSocketAddress) silent.getLocalSocketAddress()), 1)) {
            CompletableFuture<MemberResponse> f = client.digest((InetSocketAddress) silent.getLocalSocketAddress());
            assertThatThrownBy(() -> f.get(10, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                    .cause().isInstanceOf(TimeoutException.class);
        }
    }

    /**
     * Regression (robustness row 28): a put whose attempt got no answer may have been applied; sending it again to
     * the next member could apply it twice, around another client's write. It ends UNKNOWN after the one attempt,
     * and the next member never hears of it.
     */
    @Test
    void aPutWithoutAnAnswerIsNotSentAgain() throws Exception {
        try (ServerSocket first = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress());
                ServerSocket second = new ServerSocket(0, 8, java.net.InetAddress.getLoopbackAddress())) {
            java.util.concurrent.atomic.AtomicInteger secondConnections = new java.util.concurrent.atomic.AtomicInteger();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        second.accept();
                        secondConnections.incrementAndGet();
                    }
                } catch (java.io.IOException closed) {
                    // the test is over
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            List<InetSocketAddress> members = List.of((InetSocketAddress) first.getLocalSocketAddress(),
                    (InetSocketAddress) second.getLocalSocketAddress());
            try (MemberClient client = new MemberClient(members, 1)) {
                MemberClient.Outcome outcome = client.put("k", new byte[] {1}, 8_000).get(15, TimeUnit.SECONDS);
                assertThat(outcome.status()).isEqualTo(MemberStatus.UNKNOWN);
                Thread.sleep(200); // a retry would go out 20 ms after the timeout
                assertThat(secondConnections.get()).as("the put was sent again").isZero();
            }
        }
    }
}
