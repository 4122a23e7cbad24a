package io.cairn.raft.core;

import io.cairn.raft.core.confchange.Configuration;
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
 * <p>Each member has a "disk" (hard state, log entries and its latest snapshot) that {@link #processReady}
 * writes synchronously, honouring the {@link Ready} contract; messages go into one in-order queue that
 * {@link #deliver} hands to their recipients; committed entries are recorded per member as applied. Random
 * draws are always 0, so the election timeout is exactly {@code electionTicks}. Output of interest goes to
 * {@link #out} so that scenario files can show it.
 *
 * <p>The test "state machine" of a member is the list of entries it applied ({@link #applied}). A snapshot of
 * it at index i is that list up to i; snapshots are kept in {@link #snapshots} by (term, index), which stands
 * for the runtime's snapshot files and streams: a member that installs a snapshot ({@link Ready#snapshot})
 * replaces its applied list by the snapshot's, as a real state machine restores from the streamed data. A
 * {@link Ready#snapshotRequest} is honoured at once when {@link #autoSnapshot} is on (the default), otherwise
 * kept in {@link #snapshotRequests} for the test to honour with {@link #takeSnapshot}. A delivered SNAPSHOT
 * message is reported to its sender as delivered, one dropped because of isolation as failed.
 *
 * <p>Members created with {@link #addJoining} have no voters configured: they join an existing group and learn
 * the configuration from the leader's log or snapshot.
 */
final class TestCluster {
    static final class Disk {
        HardState hardState = HardState.EMPTY;
        final List<Entry> entries = new ArrayList<>();
        /** The latest durable snapshot (taken, or installed from the leader), or null. */
        SnapshotMeta snapshot;

        /** A snapshot was installed: the stored log is replaced by it. */
        void install(SnapshotMeta s) {
            snapshot = s;
            entries.clear();
        }

        /** A snapshot was taken and the core compacted its log up to {@code compactedTo}: drop that prefix. */
        void compact(SnapshotMeta s, long compactedTo) {
            snapshot = s;
            entries.removeIf(e -> e.index() <= compactedTo);
        }

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
    /** Every {@link ForwardResult} a handled Ready reported, in order. */
    final List<ForwardResult> forwardResults = new ArrayList<>();
    final Set<Long> isolated = new HashSet<>();
    final Map<Long, Integer> eventCounts = new LinkedHashMap<>();
    /** Every message {@link #deliver} handed to a member, in delivery order (dropped ones are not here). */
    final List<Message> delivered = new ArrayList<>();
    /** The state machine's image of every snapshot taken, by "term/index": what the runtime would stream. */
    final Map<String, List<Entry>> snapshots = new TreeMap<>();
    /** Snapshot requests not yet honoured (only when {@link #autoSnapshot} is off), by member. */
    final Map<Long, SnapshotMeta> snapshotRequests = new TreeMap<>();
    /** Honour {@link Ready#snapshotRequest} at once. */
    boolean autoSnapshot = true;
    final StringBuilder out = new StringBuilder();
    boolean tracing;
    private final Consumer<RaftConfig.Builder> tweak;

    TestCluster(int size) {
        this(size, b -> { });
    }

    TestCluster(int size, Consumer<RaftConfig.Builder> tweak) {
        this.tweak = tweak;
        long[] ids = new long[size];
        for (int i = 0; i < size; i++) {
            ids[i] = i + 1;
        }
        for (long id : ids) {
            add(id, ids);
        }
    }

    /**
     * Adds member {@code id} with no voters configured (the cluster's settings otherwise): it is in no
     * configuration until a leader adds it, and learns the configuration from the log or a snapshot.
     */
    RaftNode addJoining(long id) {
        return add(id, new long[0]);
    }

    private RaftNode add(long id, long[] voters) {
        RaftConfig.Builder b = RaftConfig.builder(id, voters);
        tweak.accept(b);
        RaftConfig c = b.build();
        configs.put(id, c);
        disks.put(id, new Disk());
        applied.put(id, new ArrayList<>());
        readStates.put(id, new ArrayList<>());
        RaftNode n = RaftNode.create(c, bound -> 0, tracer());
        nodes.put(id, n);
        return n;
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

    /**
     * Crashes member {@code id} and restarts it from its disk; its state machine starts from its latest snapshot
     * (empty when it has none), with the log entries after it.
     */
    void restart(long id) {
        Disk d = disks.get(id);
        network.removeIf(m -> m.to() == id || m.from() == id);
        snapshotRequests.remove(id);
        List<Entry> sm = applied.get(id);
        sm.clear();
        long appliedIndex = 0;
        if (d.snapshot != null) {
            sm.addAll(snapshots.get(key(d.snapshot)));
            appliedIndex = d.snapshot.index();
        }
        long base = appliedIndex;
        List<Entry> after = d.entries.stream().filter(e -> e.index() > base).toList();
        nodes.put(id, RaftNode.restart(configs.get(id), d.hardState, d.snapshot, new ArrayList<>(after),
                appliedIndex, bound -> 0, tracer()));
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
        forwardResults.addAll(r.forwardResults);
        if (r.snapshot != null) {
            List<Entry> image = snapshots.get(key(r.snapshot));
            if (image == null) {
                throw new AssertionError(id + " was sent " + r.snapshot + ", which nobody took");
            }
            applied.get(id).clear();
            applied.get(id).addAll(image);
            disks.get(id).install(r.snapshot);
        }
        disks.get(id).write(r);
        if (!r.entries.isEmpty()) {
            n.persisted(r.persistIndex(), r.persistTerm());
        }
        network.addAll(r.messages);
        network.addAll(r.messagesAfterPersist);
        apply(id, r.committedEntries);
        readStates.get(id).addAll(r.readStates);
        if (r.snapshotRequest != null) {
            if (autoSnapshot) {
                takeSnapshot(id, r.snapshotRequest);
            } else {
                snapshotRequests.put(id, r.snapshotRequest);
            }
        }
        return r;
    }

    /** Applies committed entries; they must follow what was applied before without a gap or a repeat. */
    private void apply(long id, List<Entry> committed) {
        List<Entry> sm = applied.get(id);
        for (Entry e : committed) {
            long expected = sm.isEmpty() ? 1 : sm.get(sm.size() - 1).index() + 1;
            if (e.index() != expected) {
                throw new AssertionError(id + " applies " + e + " after " + (expected - 1));
            }
            sm.add(e);
        }
    }

    /**
     * The runtime of member {@code id} takes a snapshot of its state machine as of {@code request} (which it must
     * have applied), stores it, and tells the core, which compacts its log.
     */
    void takeSnapshot(long id, SnapshotMeta request) {
        List<Entry> sm = applied.get(id);
        List<Entry> image = sm.stream().filter(e -> e.index() <= request.index()).toList();
        if (image.isEmpty() || image.get(image.size() - 1).index() != request.index()) {
            throw new AssertionError(id + " has not applied " + request.index() + " yet");
        }
        snapshots.put(key(request), new ArrayList<>(image));
        RaftNode n = nodes.get(id);
        n.snapshotTaken(request);
        disks.get(id).compact(request, n.log().snapshotIndex());
    }

    /**
     * Takes a snapshot of member {@code id} at its applied index now, as a runtime might on its own; its
     * configuration is the last one among the applied entries (worked out here, not asked of the core).
     */
    SnapshotMeta snapshotNow(long id) {
        RaftNode n = nodes.get(id);
        List<Entry> sm = applied.get(id);
        Entry last = sm.get(sm.size() - 1);
        Configuration c = Configuration.ofVoters(configs.get(id).voters);
        for (Entry e : sm) {
            if (e.type() == EntryType.CONFIG) {
                c = Configuration.decode(e.data());
            }
        }
        SnapshotMeta s = new SnapshotMeta(last.index(), last.term(), c);
        takeSnapshot(id, s);
        return s;
    }

    /** Honours member {@code id}'s pending snapshot request (with {@link #autoSnapshot} off). */
    SnapshotMeta takeRequestedSnapshot(long id) {
        SnapshotMeta s = snapshotRequests.remove(id);
        if (s == null) {
            throw new AssertionError(id + " has no snapshot request");
        }
        takeSnapshot(id, s);
        return s;
    }

    static String key(SnapshotMeta s) {
        return s.term() + "/" + s.index();
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
            boolean lost = isolated.contains(m.to()) || isolated.contains(m.from());
            if (!lost) {
                nodes.get(m.to()).step(m);
                this.delivered.add(m);
                delivered++;
            }
            if (m.type() == MessageType.SNAPSHOT) {
                // The sender's runtime learns whether its stream of the snapshot got through.
                nodes.get(m.from()).reportSnapshot(m.to(), !lost);
            }
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
