package io.cairn.raft.server;

import io.cairn.raft.core.InjectedBug;
import io.cairn.raft.core.Message;
import io.cairn.raft.core.RaftConfig;
import io.cairn.raft.core.RaftEvent;
import io.cairn.raft.core.Tracer;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.log.LogStorage;
import io.cairn.raft.transport.Inbound;
import io.cairn.raft.transport.Transport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import io.cairn.raft.log.FileIO;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member process (or embedded member): the log and transport it shares between the Raft groups it hosts,
 * and the groups themselves. Messages from the transport are routed to their group's raft loop; one log writer
 * makes every group's writes durable with shared syncs.
 *
 * <p>Usage: {@code RaftServer.start(options, log, transport, env, metrics)}, then
 * {@link #openGroup(long, RaftConfig, StateMachine)} per group; {@link #close()} stops everything.
 */
public final class RaftServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftServer.class);

    /** Member-wide settings. */
    public record Options(long memberId, Path dataDir, long tickNanos, int inboxCapacity, int applyCapacity,
            int writerCapacity, Set<InjectedBug> injectedBugs, FileIO files, ReadyObserver observer) {
        /**
         * Defaults: ticks of 100 ms, queues of 16,384 inputs, 1,024 apply batches and 8,192 writes; snapshots
         * through {@code files}.
         */
        public static Options defaults(long memberId, Path dataDir, FileIO files) {
            return new Options(memberId, dataDir, 100_000_000L, 16_384, 1_024, 8_192, Set.of(), files, null);
        }

        public Options withTickNanos(long nanos) {
            return new Options(memberId, dataDir, nanos, inboxCapacity, applyCapacity, writerCapacity, injectedBugs,
                    files, observer);
        }

        public Options withInjectedBugs(Set<InjectedBug> bugs) {
            return new Options(memberId, dataDir, tickNanos, inboxCapacity, applyCapacity, writerCapacity, bugs,
                    files, observer);
        }

        /** The file access used for snapshots (the same as the log's, normally). */
        public Options withFiles(FileIO io) {
            return new Options(memberId, dataDir, tickNanos, inboxCapacity, applyCapacity, writerCapacity,
                    injectedBugs, io, observer);
        }

        /** The bounds of each group's input queue, each group's apply queue and the log writer's queue. */
        public Options withCapacities(int inbox, int apply, int writer) {
            return new Options(memberId, dataDir, tickNanos, inbox, apply, writer, injectedBugs, files, observer);
        }

        /** A hook that sees every Ready (the simulator's checks). */
        public Options withObserver(ReadyObserver o) {
            return new Options(memberId, dataDir, tickNanos, inboxCapacity, applyCapacity, writerCapacity,
                    injectedBugs, files, o);
        }
    }

    private final Options options;
    private final LogStorage log;
    private final Transport transport;
    private final RuntimeEnvironment env;
    private final MeterRegistry metrics;
    private final LogWriter writer;
    /** Where the futures handed to callers complete (never the loop or apply threads). */
    private final java.util.concurrent.Executor callbacks;
    private final Map<Long, GroupRuntime> groups = new ConcurrentHashMap<>();
    private final Map<Long, Applier> appliers = new ConcurrentHashMap<>();
    private final Map<RaftEvent, Counter> eventCounters = new EnumMap<>(RaftEvent.class);
    /** One timer for every group: a process with many quiet groups wakes once per tick, not once per group. */
    private final AutoCloseable ticker;
    private volatile Throwable failure;
    private volatile String failureWhat;
    private volatile Consumer<Throwable> fatalListener = t -> { };

    private RaftServer(Options options, LogStorage log, Transport transport, RuntimeEnvironment env,
            MeterRegistry metrics) {
        this.options = options;
        this.log = log;
        this.transport = transport;
        this.env = env;
        this.metrics = metrics;
        this.writer = new LogWriter(log, transport, env, options.writerCapacity(), metrics);
        this.callbacks = env.newCallbackExecutor("cairn-callbacks-" + options.memberId());
        this.writer.injectBug(options.injectedBugs());
        this.writer.onFailure(e -> failStop("the log", e));
        this.ticker = env.every(options.tickNanos(), () -> {
            for (GroupRuntime g : groups.values()) {
                g.onTick();
            }
        });
        for (RaftEvent e : RaftEvent.values()) {
            eventCounters.put(e, Counter.builder("cairn.raft.events").tag("event", e.counterName()).register(metrics));
        }
    }

    /** Starts a member: begins receiving on {@code transport}; groups are opened afterwards. */
    public static RaftServer start(Options options, LogStorage log, Transport transport, RuntimeEnvironment env,
            MeterRegistry metrics) throws InterruptedException {
        refuseInjectedBugs(options.injectedBugs(), env);
        RaftServer s = new RaftServer(options, log, transport, env, metrics);
        transport.start(s.new Router());
        LOG.info("member {} listening on {}", options.memberId(), transport.localAddress());
        return s;
    }

    /**
     * Opens group {@code groupId} with its state machine, restarting from what the log and the snapshot
     * directory hold (or starting fresh).
     */
    public RaftGroup openGroup(long groupId, RaftConfig config, StateMachine stateMachine) throws IOException {
        if (config.id != options.memberId()) {
            throw new IllegalArgumentException("group config is for member " + config.id + ", this is member "
                    + options.memberId());
        }
        LogStorage.Recovered recovered = log.recover(groupId);
        Path snapshotDir = options.dataDir().resolve("snapshots").resolve(Long.toString(groupId));
        options.files().createDirectories(snapshotDir);
        GroupMetrics gm = new GroupMetrics(metrics, groupId);
        Applier applier = new Applier(stateMachine, env, "cairn-apply-" + groupId, options.applyCapacity(),
                options.files(), snapshotDir, gm);
        applier.onFatal(e -> failStop("the apply thread of group " + groupId, e));
        long applied = restoreState(stateMachine, applier, recovered.snapshot(), options.files());
        applier.setApplied(applied);
        refuseInjectedBugs(config.injectedBugs, env);
        RaftConfig effective = config.toBuilder().injectedBugs(options.injectedBugs()).build();
        GroupRuntime g = new GroupRuntime(groupId, effective, stateMachine, recovered, applied, env, writer, applier,
                transport, gm, options.tickNanos(), options.inboxCapacity(),
                options.observer() == null ? GroupRuntime.tracer(groupId, eventCounters)
                        : Tracer.both(GroupRuntime.tracer(groupId, eventCounters), options.observer().tracer(groupId)),
                options.observer(), e -> failStop("the raft loop of group " + groupId, e));
        long applying = g.appliedAtStart();
        if (applying < applied) {
            // The state machine is ahead of the log: a lazy snapshot's data is the leader's store as it was when the
            // file was written, past the snapshot's index (decision 0011), and a restart can come before the log
            // reaches it. The core hands out entries from where its log allows; the state machine skips those it
            // holds, as it does right after such an install (robustness row 45).
            LOG.info("group {}: the state machine holds up to {}, the log allows applying from {}; entries up to {}"
                    + " are handed out again and skipped", groupId, applied, applying + 1, applied);
            applier.setApplied(applying);
        }
        groups.put(groupId, g);
        appliers.put(groupId, applier);
        if (recovered.snapshot() != null && stateMachine.durableAppliedIndex() == StateMachine.VOLATILE) {
            long upTo = recovered.snapshot().index(); // compaction points are not persisted: apply it again
            writer.submitTask(() -> {
                try {
                    log.compact(groupId, upTo);
                } catch (IOException e) {
                    LOG.warn("group {}: compaction to {} after restart failed", groupId, upTo, e);
                }
            });
        }
        LOG.info("member {} opened group {}: term {}, {} entries after {}, applied {}", options.memberId(), groupId,
                recovered.hardState().term(), recovered.entries().size(),
                recovered.snapshot() == null ? "the start" : recovered.snapshot(), applied);
        return new RaftGroup(g, callbacks);
    }

    /** The state machine's starting point: its own durable state, or the latest snapshot when it keeps none. */
    private static long restoreState(StateMachine sm, Applier applier, SnapshotMeta snapshot, FileIO files)
            throws IOException {
        long durable = sm.durableAppliedIndex();
        if (snapshot == null) {
            return Math.max(durable, 0);
        }
        if (durable != StateMachine.VOLATILE && durable >= snapshot.index()) {
            return durable;
        }
        Path file = applier.snapshotFile(snapshot);
        if (durable != StateMachine.VOLATILE && sm.lazySnapshots() && !files.exists(file)) {
            // A lazy snapshot (no file) was taken once the state machine was durable to its last command at or
            // below the snapshot's index; the entries after that command reach no state machine (a leader's empty
            // entry, a configuration change). So it holds everything up to the snapshot (robustness row 46).
            return snapshot.index();
        }
        applier.restore(file);
        return snapshot.index();
    }

    /** Injected bugs exist to prove the simulator's checks: a member on real threads refuses them. */
    private static void refuseInjectedBugs(Set<InjectedBug> bugs, RuntimeEnvironment env) {
        if (!bugs.isEmpty() && !env.acceptsInjectedBugs()) {
            throw new IllegalArgumentException("injected bugs " + bugs + " are for the simulator only");
        }
    }

    /** Where member {@code id} listens (for groups that will contact it). */
    public void setPeer(long id, InetSocketAddress address) {
        transport.setPeer(id, address);
    }

    public long memberId() {
        return options.memberId();
    }

    public Transport transport() {
        return transport;
    }

    // ---------------------------------------------------------------------------------------------------
    // Fail-stop

    /**
     * Whoever must know that this member stopped itself: `cairn kv` and `cairn raft member` exit non-zero, an
     * embedding program may do what it wants. Called once, on a thread of its own.
     */
    public void onFatal(Consumer<Throwable> listener) {
        this.fatalListener = listener;
    }

    /**
     * What a member process does when it stops itself: one line naming the cause on standard error, then exit code
     * 70 at once (no shutdown hooks: nothing may be flushed or acknowledged after a failed sync; etcd panics).
     */
    public static void exitProcess(String command, Throwable cause) {
        System.err.println(command + ": fatal: " + cause + " (the member stopped itself: fail-stop, docs/decisions/0016-fail-stop.md)");
        System.err.flush();
        Runtime.getRuntime().halt(70);
    }

    /** Why this member stopped itself, or null while it runs. */
    public Throwable failure() {
        return failure;
    }

    /**
     * Fail-stop: a member that can no longer keep its promises (a log write or sync failed: what it acknowledged
     * may not be on disk) stops at once, visibly, instead of leading on without applying anything. Its groups
     * close (pending requests fail, none is acknowledged), its transport closes (the others see it gone and elect
     * a new leader), the cause is logged in one line and handed to {@link #onFatal}. Idempotent.
     */
    void failStop(String what, Throwable cause) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = cause;
            failureWhat = what;
        }
        LOG.error("member {} stops: {} failed; it acknowledges nothing more (fail-stop)", options.memberId(), what,
                cause);
        env.runDetached("cairn-fail-stop-" + options.memberId(), () -> {
            try {
                ticker.close();
            } catch (Exception e) {
                LOG.debug("closing the ticker", e);
            }
            for (GroupRuntime g : groups.values()) {
                g.close(cause);
            }
            transport.close();
            fatalListener.accept(cause);
        });
    }

    /** This member as of now: why it stopped itself (null while it runs), and each group's status. */
    public record Status(long memberId, String failure, Map<Long, GroupStatus> groups) {
        /** Whether the member stopped itself (fail-stop): it serves nothing until restarted. */
        public boolean failed() {
            return failure != null;
        }
    }

    public Status status() {
        Map<Long, GroupStatus> byGroup = new java.util.TreeMap<>();
        groups.forEach((id, g) -> byGroup.put(id, g.status()));
        Throwable f = failure;
        return new Status(options.memberId(), f == null ? null : failureWhat + " failed: " + f,
                java.util.Collections.unmodifiableMap(byGroup));
    }

    @Override
    public void close() {
        try {
            ticker.close();
        } catch (Exception e) {
            LOG.debug("closing the ticker", e);
        }
        for (GroupRuntime g : groups.values()) {
            g.close();
        }
        for (Applier a : appliers.values()) {
            a.shutdown();
        }
        writer.shutdown();
        transport.close();
        try {
            log.close();
        } catch (IOException e) {
            LOG.warn("closing the log", e);
        }
    }

    /** Routes what the transport receives to the group's raft loop. */
    private final class Router implements Inbound {
        @Override
        public void onMessage(long groupId, Message m) {
            GroupRuntime g = groups.get(groupId);
            if (g != null && m.to() == options.memberId()) {
                g.deliver(m);
            }
        }

        @Override
        public void onSnapshot(long groupId, Message m, Path data) {
            GroupRuntime g = groups.get(groupId);
            if (g != null) {
                g.deliverSnapshot(m, data);
            } else {
                data.toFile().delete();
            }
        }
    }

    /** Every data sync of the shared log since start, in etcd's disk buckets (etcd_disk_wal_fsync_duration_seconds). */
    public DurationHistogram fsyncDurations() {
        return writer.fsyncDurations();
    }
}
