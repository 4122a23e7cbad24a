package io.cairn.raft.core;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A hand-driven group of {@link RaftNode}s for tests: nothing happens unless a test says so.
 *
 * <p>Each member has a "disk" (hard state and log entries) that {@link #processReady} writes synchronously,
 * honouring the {@link Ready} contract; messages go into one in-order queue that {@link #deliver} hands to
 * their recipients; committed entries are recorded per member as applied. Random draws are always 0, so the
 * election timeout is exactly {@code electionTicks}. Output of interest goes to {@link #out} so that scenario
 * files can show it.
 */
final class TestCluster {
    static final class Disk {
        HardState hardState = HardState.EMPTY;
        final List<Entry> entries = new ArrayList<>();

        void write(Ready r) {
            if (r.hardState != null) {
                hardState = r.hardState;
            }
            if (!r.entries.isEmpty()) {
                long first = r.entries.get(0).index();
                while (!entries.isEmpty() && entries.get(entries.size() - 1).index() >= first) {
                    entries.remove(entries.size() - 1);
                }
                entries.addAll(r.entries);
            }
        }
    }

    final Map<Long, RaftNode> nodes = new TreeMap<>();
    final Map<Long, Disk> disks = new TreeMap<>();
    final Map<Long, List<Entry>> applied = new TreeMap<>();
    final Map<Long, List<ReadState>> readStates = new TreeMap<>();
    final Map<Long, RaftConfig> configs = new TreeMap<>();
    final List<Message> network = new ArrayList<>();
    final Set<Long> isolated = new HashSet<>();
    final Map<Long, Integer> eventCounts = new LinkedHashMap<>();
    /** Every message {@link #deliver} handed to a member, in delivery order (dropped ones are not here). */
    final List<Message> delivered = new ArrayList<>();
    final StringBuilder out = new StringBuilder();
    boolean tracing;

    TestCluster(int size) {
        this(size, b -> { });
    }

    TestCluster(int size, Consumer<RaftConfig.Builder> tweak) {
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1;
        }
        for (long id : ids) {
            RaftConfig.Builder b = RaftConfig.builder(id, ids);
            tweak.accept(b);
            RaftConfig c = b.build();
            configs.put(id, c);
            disks.put(id, new Disk());
            applied.put(id, new ArrayList<>());
            readStates.put(id, new ArrayList<>());
            nodes.put(id, RaftNode.create(c, bound -> 0, tracer()));
        }
    }

    private Tracer tracer() {
        return new Tracer() {
            @Override
            public boolean enabled() {
                return tracing;
            }

            @Override
            public void trace(long nodeId, String line) {
                out.append("  ").append(nodeId).append(": ").append(line).append('\n');
            }

            @Override
            public void event(long nodeId, RaftEvent event) {
                eventCounts.merge((long) event.ordinal(), 1, Integer::sum);
            }
        };
    }

    int events(RaftEvent e) {
        return eventCounts.getOrDefault((long) e.ordinal(), 0);
    }

    RaftNode node(long id) {
        return nodes.get(id);
    }

    /** Crashes member {@code id} and restarts it from its disk; its applied state machine starts empty. */
    void restart(long id) {
        Disk d = disks.get(id);
        network.removeIf(m -> m.to() == id || m.from() == id);
        applied.get(id).clear();
        nodes.put(id, RaftNode.restart(configs.get(id), d.hardState, new ArrayList<>(d.entries), 0, bound -> 0,
                tracer()));
    }

    /**
     * Replaces member {@code id}'s disk with {@code hardState} and {@code entries} and restarts it from there:
     * how a test sets up logs that elections and partitions would take many steps to produce.
     */
    void load(long id, HardState hardState, List<Entry> entries) {
        Disk d = disks.get(id);
        d.hardState = hardState;
        d.entries.clear();
        d.entries.addAll(entries);
        restart(id);
    }

    /** Handles one Ready of member {@code id}; returns it (or null if there was none). */
    Ready processReady(long id) {
        RaftNode n = nodes.get(id);
        if (!n.hasReady()) {
            return null;
        }
        Ready r = n.ready();
        disks.get(id).write(r);
        if (!r.entries.isEmpty()) {
            n.persisted(r.persistIndex(), r.persistTerm());
        }
        network.addAll(r.messages);
        network.addAll(r.messagesAfterPersist);
        applied.get(id).addAll(r.committedEntries);
        readStates.get(id).addAll(r.readStates);
        return r;
    }

    /** Delivers the queued messages matching {@code which}, in order; returns how many. */
    int deliver(Predicate<Message> which) {
        List<Message> batch = new ArrayList<>();
        network.removeIf(m -> {
            if (which.test(m)) {
                batch.add(m);
                return true;
            }
            return false;
        });
        int delivered = 0;
        for (Message m : batch) {
            if (isolated.contains(m.to()) || isolated.contains(m.from())) {
                continue;
            }
            nodes.get(m.to()).step(m);
            this.delivered.add(m);
            delivered++;
        }
        return delivered;
    }

    int deliverTo(long id) {
        return deliver(m -> m.to() == id);
    }

    /** Drops the queued messages matching {@code which}. */
    int drop(Predicate<Message> which) {
        int before = network.size();
        network.removeIf(which);
        return before - network.size();
    }

    /** Handles Readies and delivers messages until nothing is left to do. */
    void stabilize() {
        for (int rounds = 0; rounds < 10_000; rounds++) {
            boolean progress = false;
            for (long id : nodes.keySet()) {
                progress |= processReady(id) != null;
            }
            progress |= deliver(m -> true) > 0;
            if (!progress && network.isEmpty()) {
                return;
            }
        }
        throw new AssertionError("cluster did not stabilize");
    }

    void tick(long id, int times) {
        for (int i = 0; i < times; i++) {
            nodes.get(id).tick();
        }
    }

    /** Elects {@code id}: campaign and stabilize. */
    void elect(long id) {
        nodes.get(id).campaign();
        stabilize();
    }

    long leader() {
        for (RaftNode n : nodes.values()) {
            if (n.role() == Role.LEADER) {
                return n.id();
            }
        }
        return RaftNode.NONE;
    }

    List<byte[]> appliedCommands(long id) {
        List<byte[]> out = new ArrayList<>();
        for (Entry e : applied.get(id)) {
            if (e.type() == EntryType.COMMAND) {
                out.add(e.data());
            }
        }
        return out;
    }
}
