package io.cairn.controlplane.leaderelection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.WrappedTransport;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two electors on one Lease in a real in-process API server, with timings scaled down (a 2 s lease, 1 s renew
 * deadline, 200 ms retries) so that takeovers happen in seconds.
 */
class LeaderElectorTest {
    private static final Duration WAIT = Duration.ofSeconds(15);

    @TempDir
    Path dir;
    private ApiServer server;
    private ApiClient.ResourceClient leases;
    /** Every callback of every elector, in the order they happened: "a started", "b stopped". */
    private final List<String> history = new CopyOnWriteArrayList<>();
    private final List<LeaderElector> electors = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false));
        leases = ApiClient.of(Transport.inProcess(server.dispatcher(), "observer"))
                .resource("coordination.k8s.io/v1", "leases").namespace("kube-system");
    }

    @AfterEach
    void tearDown() {
        electors.forEach(LeaderElector::close);
        server.close();
    }

    private LeaderElector elector(String identity, Transport transport) {
        LeaderElector.Config config = LeaderElector.Config.of("kube-system", "cairn-controller-manager", identity)
                .withTimings(Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofMillis(200));
        LeaderElector e = new LeaderElector(ApiClient.of(transport), config, new LeaderElector.Callbacks() {
            @Override
            public void onStartedLeading() {
                history.add(identity + " started");
            }

            @Override
            public void onStoppedLeading() {
                history.add(identity + " stopped");
            }
        });
        electors.add(e);
        return e;
    }

    private Transport local() {
        return Transport.inProcess(server.dispatcher(), "controller-manager");
    }

    /** No moment in the history has two electors leading at once. */
    private void assertNeverTwoLeaders() {
        List<String> leading = new ArrayList<>();
        for (String event : history) {
            String who = event.split(" ")[0];
            if (event.endsWith("started")) {
                assertThat(leading).as("leaders when %s started, in %s", who, history).isEmpty();
                leading.add(who);
            } else {
                leading.remove(who);
            }
        }
    }

    private ObjectNode lease() {
        return leases.get("cairn-controller-manager");
    }

    @Test
    void exactlyOneOfTwoLeadsAndTheLeaseSaysWhich() throws Exception {
        LeaderElector a = elector("a", local());
        LeaderElector b = elector("b", local());
        a.start();
        b.start();
        await().atMost(WAIT).until(() -> a.isLeader() || b.isLeader());
        Thread.sleep(1_000); // five retry periods: the follower keeps finding the lease renewed
        assertThat(a.isLeader() ^ b.isLeader()).isTrue();
        LeaderElector leader = a.isLeader() ? a : b;
        LeaderElector follower = a.isLeader() ? b : a;
        assertThat(history).containsExactly(leader.identity() + " started");
        assertThat(follower.leader()).isEqualTo(leader.identity());

        ObjectNode spec = (ObjectNode) lease().get("spec");
        assertThat(spec.path("holderIdentity").asText()).isEqualTo(leader.identity());
        assertThat(spec.path("leaseDurationSeconds").asInt()).isEqualTo(2);
        assertThat(spec.path("leaseTransitions").asInt()).isZero();
        Instant acquired = Instant.parse(spec.path("acquireTime").asText());
        Instant renewed = Instant.parse(spec.path("renewTime").asText());
        assertThat(renewed).as("renewed since it was acquired").isAfter(acquired);
        assertThat(spec.path("renewTime").asText()).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z");
    }

    @Test
    void whenTheLeaderStopsRenewingTheOtherTakesOverAfterItHasStopped() throws Exception {
        WrappedTransport aTransport = new WrappedTransport(local());
        LeaderElector a = elector("a", aTransport);
        a.start();
        await().atMost(WAIT).until(a::isLeader);
        LeaderElector b = elector("b", local());
        b.start();
        Thread.sleep(600);
        assertThat(b.isLeader()).isFalse();

        aTransport.partitioned.set(true); // a can no longer reach the API server: its renewals fail
        await().atMost(WAIT).until(b::isLeader);
        assertThat(a.isLeader()).isFalse();
        assertThat(history).containsExactly("a started", "a stopped", "b started");
        assertNeverTwoLeaders();
        ObjectNode spec = (ObjectNode) lease().get("spec");
        assertThat(spec.path("holderIdentity").asText()).isEqualTo("b");
        assertThat(spec.path("leaseTransitions").asInt()).isEqualTo(1);

        aTransport.partitioned.set(false); // a comes back: it finds b renewing, and follows
        await().atMost(WAIT).until(() -> a.leader().equals("b"));
        Thread.sleep(600);
        assertThat(a.isLeader()).isFalse();
        assertThat(b.isLeader()).isTrue();
    }

    @Test
    void aLeaderThatSeesSomeoneElseInTheLeaseStopsAtOnce() throws Exception {
        LeaderElector a = elector("a", local());
        a.start();
        await().atMost(WAIT).until(a::isLeader);
        // an intruder writes itself in, guarded on the version it read (as an elector does)
        // (a renewal between its read and its write makes the write 409; it then reads again)
        await().atMost(WAIT).ignoreExceptionsMatching(e -> e instanceof ApiException x && x.code() == 409)
                .until(() -> {
                    ObjectNode lease = lease();
                    ((ObjectNode) lease.get("spec")).put("holderIdentity", "intruder").put("leaseDurationSeconds", 3600);
                    return leases.update(lease) != null;
                });
        await().atMost(WAIT).until(() -> !a.isLeader());
        assertThat(a.leader()).isEqualTo("intruder");
        assertThat(history).containsExactly("a started", "a stopped");
    }

    @Test
    void closingTheLeaderReleasesTheLeaseSoTheOtherNeedNotWaitItOut() throws Exception {
        LeaderElector a = elector("a", local());
        a.start();
        await().atMost(WAIT).until(a::isLeader);
        LeaderElector b = elector("b", local());
        b.start();
        await().atMost(WAIT).until(() -> b.leader().equals("a"));

        a.close();
        assertThat(history).containsExactly("a started", "a stopped");
        assertThat(lease().path("spec").path("holderIdentity").asText()).isIn("", "b");
        await().atMost(WAIT).until(b::isLeader);
        assertNeverTwoLeaders();
        assertThat(lease().path("spec").path("holderIdentity").asText()).isEqualTo("b");
    }
}
