package io.cairn.kv;

import static org.awaitility.Awaitility.await;

import io.cairn.raft.transport.LoopbackPorts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * Members of one Cairn KV cluster in one JVM: real {@link KvStore}s (segmented log, Netty transport on loopback
 * ports, RocksDB), each in its own directory, that a test stops, restarts, or wipes and restarts empty.
 */
public final class KvCluster implements AutoCloseable {
    private final Path dir;
    private final Map<Long, InetSocketAddress> peers = new TreeMap<>();
    private final Map<Long, KvStore> members = new TreeMap<>();
    private final long tickMillis;
    private final int electionTicks;
    private final long snapshotEntries;

    /**
     * {@code size} members with the given Raft timing and snapshot interval.
     */
    public KvCluster(Path dir, int size, long tickMillis, int electionTicks, long snapshotEntries) throws IOException {
        this.dir = dir;
        this.tickMillis = tickMillis;
        this.electionTicks = electionTicks;
        this.snapshotEntries = snapshotEntries;
        for (long id = 1; id <= size; id++) {
            peers.put(id, new InetSocketAddress("127.0.0.1", LoopbackPorts.free()));
        }
        for (long id : peers.keySet()) {
            start(id);
        }
    }

    public KvStore start(long id) throws IOException {
        return start(id, false);
    }

    private KvStore start(long id, boolean join) throws IOException {
        KvStore.Options o = KvStore.Options.member(id, 42, dir.resolve("m" + id), peers, peers.get(id))
                .withTiming(tickMillis, electionTicks).withSnapshots(snapshotEntries, 0).joining(join);
        KvStore kv = KvStore.start(o);
        members.put(id, kv);
        return kv;
    }

    /**
     * Starts a new, empty member and adds it through the leader as a learner: it must catch up from a snapshot of
     * the store (the others keep no log below their snapshots here).
     */
    public KvStore addFresh(long id) throws Exception {
        peers.put(id, new InetSocketAddress("127.0.0.1", LoopbackPorts.free()));
        KvStore fresh = start(id, true);
        for (Map.Entry<Long, KvStore> e : members.entrySet()) {
            e.getValue().setPeer(id, peers.get(id));
        }
        long leader = awaitLeader();
        members.get(leader).addLearner(id, peers.get(id)).get(10, java.util.concurrent.TimeUnit.SECONDS);
        return fresh;
    }

    /**
     * Starts a new, empty member on a port of its own, as a process joining a running cluster starts (no
     * configuration of its own): the cluster must add it (a member's {@code membership().add}) for it to get anything.
     */
    public KvStore startJoining(long id) throws IOException {
        peers.put(id, new InetSocketAddress("127.0.0.1", LoopbackPorts.free()));
        return start(id, true);
    }

    public void stop(long id) {
        KvStore kv = members.remove(id);
        if (kv != null) {
            kv.close();
        }
    }

    /** Where member {@code id}'s peer transport listens. */
    public InetSocketAddress peerAddress(long id) {
        return peers.get(id);
    }

    public KvStore member(long id) {
        return members.get(id);
    }

    public Map<Long, KvStore> members() {
        return members;
    }

    public long awaitLeader() {
        long[] leader = new long[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(() -> {
            for (Map.Entry<Long, KvStore> e : members.entrySet()) {
                if (e.getValue().isLeader()) {
                    leader[0] = e.getKey();
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** Waits until member {@code id} has applied everything the leader has committed. */
    public void awaitCaughtUp(long id) {
        long leader = awaitLeader();
        long commit = members.get(leader).status().commitIndex();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(10))
                .until(() -> members.get(id).status().appliedIndex() >= commit);
    }

    @Override
    public void close() {
        for (long id : new java.util.ArrayList<>(members.keySet())) {
            stop(id);
        }
    }
}
