package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseKeepAliveResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jetcd 0.8.5, the Java etcd client, unchanged against three {@code cairn kv} processes (it spreads its calls over
 * the endpoints): a watch from a revision with previous values, live events, and a lease granted, kept alive by
 * jetcd's own keep-alive loop past its TTL, inspected with its keys and revoked.
 */
class JetcdTest {
    @TempDir
    Path dir;
    private KvProcesses cluster;
    private Client client;

    @BeforeEach
    void start() throws Exception {
        cluster = new KvProcesses(dir.resolve("cluster"), 3);
        cluster.startAll();
        client = Client.builder().endpoints(java.util.Arrays.stream(cluster.endpoints().split(","))
                .map(e -> "http://" + e).toArray(String[]::new)).build();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) { // the members are starting and electing
            try {
                client.getKVClient().put(bs("ready"), bs("1")).get(5, TimeUnit.SECONDS);
                break;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    @AfterEach
    void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    private static ByteSequence bs(String s) {
        return ByteSequence.from(s, StandardCharsets.UTF_8);
    }

    /** jetcd's Cluster client: list, add a learner, update its peer URL, remove it. */
    @Test
    void clusterMembersAreListedAddedUpdatedAndRemoved() throws Exception {
        io.etcd.jetcd.Cluster members = client.getClusterClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        java.util.List<io.etcd.jetcd.cluster.Member> listed = members.listMember().get(5, TimeUnit.SECONDS)
                .getMembers();
        while (listed.stream().anyMatch(m -> m.getClientURIs().isEmpty()) && System.nanoTime() < deadline) {
            Thread.sleep(200); // each member publishes its client URLs once it has a leader
            listed = members.listMember().get(5, TimeUnit.SECONDS).getMembers();
        }
        assertThat(listed).extracting(io.etcd.jetcd.cluster.Member::getName).containsExactlyInAnyOrder("kv1", "kv2",
                "kv3");
        assertThat(listed).allSatisfy(m -> assertThat(m.getClientURIs()).hasSize(1));
        java.net.URI peer = java.net.URI.create("http://127.0.0.1:" + io.cairn.raft.transport.LoopbackPorts.free());
        io.etcd.jetcd.cluster.MemberAddResponse added = members.addMember(java.util.List.of(peer), true)
                .get(10, TimeUnit.SECONDS);
        long id = added.getMember().getId();
        assertThat(added.getMember().isLearner()).isTrue();
        assertThat(added.getMembers()).hasSize(4);
        java.net.URI moved = java.net.URI.create("http://127.0.0.1:" + io.cairn.raft.transport.LoopbackPorts.free());
        assertThat(members.updateMember(id, java.util.List.of(moved)).get(10, TimeUnit.SECONDS).getMembers())
                .filteredOn(m -> m.getId() == id).extracting(io.etcd.jetcd.cluster.Member::getPeerURIs)
                .containsExactly(java.util.List.of(moved));
        assertThat(members.removeMember(id).get(10, TimeUnit.SECONDS).getMembers()).hasSize(3);
    }

    /** jetcd's Maintenance client: status of each member, equal HashKV, alarms, defragment, a snapshot stream. */
    @Test
    void maintenanceStatusHashAlarmsDefragmentAndSnapshot() throws Exception {
        io.etcd.jetcd.Maintenance maintenance = client.getMaintenanceClient();
        client.getKVClient().put(bs("m/a"), bs("1")).get(10, TimeUnit.SECONDS);
        long revision = client.getKVClient().put(bs("m/b"), bs("2")).get(10, TimeUnit.SECONDS).getHeader()
                .getRevision();
        java.util.Set<Long> leaders = new java.util.HashSet<>();
        java.util.Set<Integer> hashes = new java.util.HashSet<>();
        for (int i = 1; i <= 3; i++) {
            String member = "http://" + cluster.endpoint(i);
            io.etcd.jetcd.maintenance.StatusResponse status = maintenance.statusMember(member)
                    .get(10, TimeUnit.SECONDS);
            assertThat(status.getVersion()).isEqualTo("3.4.0");
            assertThat(status.getDbSize()).isPositive();
            assertThat(status.getRaftIndex()).isPositive();
            leaders.add(status.getLeader());
            org.awaitility.Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> client.getKVClient()
                    .get(bs("m/b"), io.etcd.jetcd.options.GetOption.builder().withSerializable(true).build())
                    .get(5, TimeUnit.SECONDS).getHeader().getRevision() >= revision);
            hashes.add(maintenance.hashKV(member, revision).get(10, TimeUnit.SECONDS).getHash());
            maintenance.defragmentMember(member).get(30, TimeUnit.SECONDS);
        }
        assertThat(leaders).as("every member names the same leader").hasSize(1).doesNotContain(0L);
        assertThat(hashes).as("equal data, equal hashes").hasSize(1);
        assertThat(maintenance.listAlarms().get(10, TimeUnit.SECONDS).getAlarms()).isEmpty();

        java.io.ByteArrayOutputStream snapshot = new java.io.ByteArrayOutputStream();
        long bytes = maintenance.snapshot(snapshot).get(60, TimeUnit.SECONDS);
        assertThat(bytes).isEqualTo(snapshot.size()).isGreaterThan(512);
        byte[] file = snapshot.toByteArray();
        byte[] sum = java.security.MessageDigest.getInstance("SHA-256").digest(
                java.util.Arrays.copyOf(file, file.length - 32));
        assertThat(java.util.Arrays.copyOfRange(file, file.length - 32, file.length))
                .as("etcd's trailing SHA-256 of what precedes it").isEqualTo(sum);
    }

    @Test
    void watchFromARevisionWithPreviousValuesThenLive() throws Exception {
        long first = client.getKVClient().put(bs("j/a"), bs("1")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
        client.getKVClient().put(bs("j/a"), bs("2")).get(10, TimeUnit.SECONDS);
        BlockingQueue<WatchEvent> events = new LinkedBlockingQueue<>();
        try (Watch.Watcher w = client.getWatchClient().watch(bs("j/"), WatchOption.builder().isPrefix(true)
                .withRevision(first).withPrevKV(true).build(), r -> events.addAll(r.getEvents()))) {
            WatchEvent e1 = events.poll(10, TimeUnit.SECONDS);
            WatchEvent e2 = events.poll(10, TimeUnit.SECONDS);
            assertThat(e1).isNotNull();
            assertThat(e2).isNotNull();
            assertThat(e1.getKeyValue().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1");
            assertThat(e2.getKeyValue().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("2");
            assertThat(e2.getPrevKV().getValue().toString(StandardCharsets.UTF_8)).isEqualTo("1");
            client.getKVClient().delete(bs("j/a")).get(10, TimeUnit.SECONDS);
            WatchEvent e3 = events.poll(10, TimeUnit.SECONDS);
            assertThat(e3).isNotNull();
            assertThat(e3.getEventType()).isEqualTo(WatchEvent.EventType.DELETE);
        }
    }

    @Test
    void leaseGrantKeepAliveTimeToLiveAndRevoke() throws Exception {
        LeaseGrantResponse grant = client.getLeaseClient().grant(5).get(10, TimeUnit.SECONDS);
        assertThat(grant.getTTL()).isEqualTo(5);
        long id = grant.getID();
        client.getKVClient().put(bs("leased"), bs("x"), PutOption.builder().withLeaseId(id).build())
                .get(10, TimeUnit.SECONDS);
        BlockingQueue<LeaseKeepAliveResponse> alive = new LinkedBlockingQueue<>();
        try (var keeper = client.getLeaseClient().keepAlive(id, new StreamObserver<>() {
            @Override
            public void onNext(LeaseKeepAliveResponse r) {
                alive.add(r);
            }

            @Override
            public void onError(Throwable t) { }

            @Override
            public void onCompleted() { }
        })) {
            LeaseKeepAliveResponse r = alive.poll(10, TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.getTTL()).isEqualTo(5);
            Thread.sleep(7_000); // longer than the TTL: jetcd's loop keeps it
            assertThat(client.getKVClient().get(bs("leased")).get(10, TimeUnit.SECONDS).getKvs()).hasSize(1);
        }
        LeaseTimeToLiveResponse ttl = client.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys()
                .build()).get(10, TimeUnit.SECONDS);
        assertThat(ttl.getGrantedTTL()).isEqualTo(5);
        assertThat(ttl.getTTL()).isBetween(1L, 5L);
        assertThat(ttl.getKeys()).extracting(k -> k.toString(StandardCharsets.UTF_8)).isEqualTo(List.of("leased"));
        assertThat(client.getLeaseClient().keepAliveOnce(id).get(10, TimeUnit.SECONDS).getTTL()).isEqualTo(5);
        client.getLeaseClient().revoke(id).get(10, TimeUnit.SECONDS);
        assertThat(client.getKVClient().get(bs("leased")).get(10, TimeUnit.SECONDS).getKvs()).isEmpty();
    }

    /**
     * jetcd's Lock client (etcd's server-side Lock service): a second locker waits while the first holds the lock, and
     * gets it once the holder unlocks; the lock's key lives under the name with the locker's lease.
     */
    @Test
    void lockServiceExcludesAndHandsOver() throws Exception {
        io.etcd.jetcd.Lock locks = client.getLockClient();
        long lease = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        io.etcd.jetcd.lock.LockResponse held = locks.lock(bs("locks/a"), lease).get(10, TimeUnit.SECONDS);
        assertThat(held.getKey().toString()).isEqualTo("locks/a/" + Long.toHexString(lease));
        long other = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        java.util.concurrent.CompletableFuture<io.etcd.jetcd.lock.LockResponse> waiting = locks.lock(bs("locks/a"),
                other);
        Thread.sleep(1_000);
        assertThat(waiting).as("the lock is held").isNotDone();
        locks.unlock(held.getKey()).get(10, TimeUnit.SECONDS);
        assertThat(waiting.get(10, TimeUnit.SECONDS).getKey().toString())
                .isEqualTo("locks/a/" + Long.toHexString(other));
    }

    /**
     * jetcd's Election client: the first campaigner leads, a second waits; Leader and Observe report the leader's
     * value, Proclaim changes it, and when the leader resigns the second leads. A stale leader key cannot proclaim.
     */
    @Test
    void electionServiceElectsObservesAndHandsOver() throws Exception {
        io.etcd.jetcd.Election election = client.getElectionClient();
        long l1 = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        long l2 = client.getLeaseClient().grant(30).get(10, TimeUnit.SECONDS).getID();
        BlockingQueue<String> observed = new LinkedBlockingQueue<>();
        election.observe(bs("elect/x"), new io.etcd.jetcd.Election.Listener() {
            @Override
            public void onNext(io.etcd.jetcd.election.LeaderResponse r) {
                observed.add(r.getKv().getValue().toString());
            }

            @Override
            public void onError(Throwable t) {
                observed.add("error: " + t);
            }

            @Override
            public void onCompleted() {
            }
        });
        io.etcd.jetcd.election.CampaignResponse first = election.campaign(bs("elect/x"), l1, bs("one"))
                .get(10, TimeUnit.SECONDS);
        assertThat(election.leader(bs("elect/x")).get(10, TimeUnit.SECONDS).getKv().getValue().toString())
                .isEqualTo("one");
        java.util.concurrent.CompletableFuture<io.etcd.jetcd.election.CampaignResponse> second = election.campaign(
                bs("elect/x"), l2, bs("two"));
        Thread.sleep(1_000);
        assertThat(second).as("one leader at a time").isNotDone();
        election.proclaim(first.getLeader(), bs("one-again")).get(10, TimeUnit.SECONDS);
        assertThat(observed.poll(10, TimeUnit.SECONDS)).isEqualTo("one");
        assertThat(observed.poll(10, TimeUnit.SECONDS)).isEqualTo("one-again");
        election.resign(first.getLeader()).get(10, TimeUnit.SECONDS);
        io.etcd.jetcd.election.CampaignResponse now = second.get(10, TimeUnit.SECONDS);
        assertThat(observed.poll(10, TimeUnit.SECONDS)).isEqualTo("two");
        assertThat(election.leader(bs("elect/x")).get(10, TimeUnit.SECONDS).getKv().getValue().toString())
                .isEqualTo("two");
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> election.proclaim(first.getLeader(), bs("stale"))
                .get(10, TimeUnit.SECONDS))).hasRootCauseInstanceOf(io.etcd.jetcd.election.NotLeaderException.class);
        election.resign(now.getLeader()).get(10, TimeUnit.SECONDS);
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> election.leader(bs("elect/x"))
                .get(10, TimeUnit.SECONDS))).hasRootCauseInstanceOf(io.etcd.jetcd.election.NoLeaderException.class);
    }
}
