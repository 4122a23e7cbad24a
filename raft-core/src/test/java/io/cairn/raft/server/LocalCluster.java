package io.cairn.raft.server;

import static org.awaitility.Awaitility.await;

import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.Role;
import io.cairn.raft.member.ReplicatedMap;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Consumer;

/** Members of one group in one JVM, with real runtimes over in-memory logs and a local transport. */
final class LocalCluster implements AutoCloseable {
    static final long GROUP = 1;

    final LocalTransport.Network network = new LocalTransport.Network();
    final Path dir;
    final Map<Long, MemoryLogStorage> logs = new HashMap<>();
    final Map<Long, RaftServer> servers = new HashMap<>();
    final Map<Long, RaftGroup> groups = new HashMap<>();
    final Map<Long, ReplicatedMap> maps = new HashMap<>();
    /** A Ready observer per member, for tests that act inside the raft loop. */
    final Map<Long, ReadyObserver> observers = new HashMap<>();
    /** Queue bounds (inbox, apply, writer) for members started from now on; null for the defaults. */
    int[] capacities;
    private final long[] voters;
    private final Consumer<RaftConfig.Builder> tweak;
    private final RuntimeEnvironment env;
    /** The state machine each member runs around its map (the map itself by default). */
    private final BiFunction<Long, ReplicatedMap, StateMachine> wrap;

    LocalCluster(Path dir, int size, Consumer<RaftConfig.Builder> tweak) throws Exception {
        this(dir, size, tweak, RuntimeEnvironment.production(), (id, m) -> m);
    }

    LocalCluster(Path dir, int size, Consumer<RaftConfig.Builder> tweak, RuntimeEnvironment env) throws Exception {
        this(dir, size, tweak, env, (id, m) -> m);
    }

    LocalCluster(Path dir, int size, Consumer<RaftConfig.Builder> tweak, RuntimeEnvironment env,
            BiFunction<Long, ReplicatedMap, StateMachine> wrap) throws Exception {
        this.dir = dir;
        this.tweak = tweak;
        this.env = env;
        this.wrap = wrap;
        this.voters = new long[size];
        for (int i = 0; i < size; i++) {
            voters[i] = i + 1;
        }
        for (long id : voters) {
            start(id, voters);
        }
    }

    /** Starts (or restarts, with its log and snapshots) member {@code id} with {@code bootstrap} voters. */
    RaftGroup start(long id, long[] bootstrap) throws InterruptedException, IOException {
        MemoryLogStorage log = logs.computeIfAbsent(id, k -> new MemoryLogStorage());
        Path memberDir = dir.resolve("m" + id);
        RaftServer s = RaftServer.start(RaftServer.Options.defaults(id, memberDir, new io.cairn.raft.log.NioFileIO())
                .withTickNanos(10_000_000L).withObserver(observers.get(id))
                .withCapacities(capacities == null ? 16_384 : capacities[0], capacities == null ? 1_024 : capacities[1],
                        capacities == null ? 8_192 : capacities[2]), log,
                new LocalTransport(id, network, memberDir.resolve("incoming")), env,
                new SimpleMeterRegistry());
        RaftConfig.Builder b = RaftConfig.builder(id, bootstrap).electionTicks(10).heartbeatTicks(1);
        tweak.accept(b);
        ReplicatedMap map = new ReplicatedMap();
        RaftGroup g = s.openGroup(GROUP, b.build(), wrap.apply(id, map));
        servers.put(id, s);
        groups.put(id, g);
        maps.put(id, map);
        return g;
    }

    void stop(long id) {
        RaftServer s = servers.remove(id);
        groups.remove(id);
        if (s != null) {
            s.close();
        }
    }

    long awaitLeader() {
        long[] leader = new long[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (Map.Entry<Long, RaftGroup> e : groups.entrySet()) {
                if (e.getValue().status().role() == Role.LEADER) {
                    leader[0] = e.getKey();
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    /** A leader other than {@code old} (which may still believe it leads, cut off from the rest). */
    long awaitLeaderOtherThan(long old) {
        long[] leader = new long[1];
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            for (Map.Entry<Long, RaftGroup> e : groups.entrySet()) {
                if (e.getKey() != old && e.getValue().status().role() == Role.LEADER) {
                    leader[0] = e.getKey();
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    @Override
    public void close() {
        for (long id : new java.util.ArrayList<>(servers.keySet())) {
            stop(id);
        }
    }
}
