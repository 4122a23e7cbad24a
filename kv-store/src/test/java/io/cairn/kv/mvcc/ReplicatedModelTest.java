package io.cairn.kv.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import io.cairn.kv.KvCluster;
import io.cairn.kv.KvStore;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.ResponseHeader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;

/**
 * The model-based test of {@link MvccModelTest}, through Raft: random Puts, DeleteRanges, Txns and Compacts sent
 * through random members of a three-member {@link KvStore} cluster (a follower forwards them), linearizable Ranges
 * at random revisions through random members, members restarted at random points (the leader too), a fresh
 * member added at a random point, and at the end one more that must catch up from a snapshot of the store (the
 * others keep no log below their snapshots). Every answer must equal the reference model's; at the end every member, the fresh one included, must
 * answer every key and prefix at every revision as the model does.
 *
 * <p>Writes are sequential, so the model knows the exact state at every step. A write that ends UNAVAILABLE (its
 * fate unknown, which timing can cause) cannot be checked against the model: that try is discarded, not passed.
 * Each try runs a real cluster (sockets, fsyncs, RocksDB), so there are only a few tries by default.
 */
class ReplicatedModelTest {
    private static final KvLimits LIMITS = KvLimits.DEFAULTS;

    sealed interface Step permits Write, Read, Restart, AddFresh {}

    record Write(long seed, int via) implements Step {}

    record Read(long seed, int via) implements Step {}

    record Restart(int which) implements Step {}

    record AddFresh() implements Step {}

    @Property(tries = 4, shrinking = ShrinkingMode.OFF)
    @net.jqwik.api.statistics.StatisticsReport(format = net.jqwik.api.statistics.Histogram.class)
    void aReplicatedStoreAnswersAsTheModel(@ForAll("runs") List<Step> steps) throws Exception {
        Path dir = Files.createTempDirectory("replicated-model");
        try (KvCluster c = new KvCluster(dir, 3, 20, 15, 20)) {
            RefModel model = new RefModel(LIMITS);
            List<Long> ids = new ArrayList<>(List.of(1L, 2L, 3L));
            c.awaitLeader();
            for (Step s : steps) {
                if (s instanceof Write w) {
                    if (!write(c.member(pick(ids, w.via())), model,
                            new MvccModelTest.Builder(new Random(w.seed()), model).command())) {
                        // A write of unknown outcome: the model cannot follow; the members must still agree.
                        net.jqwik.api.statistics.Statistics.label("run").collect("ended by a write of unknown outcome");
                        for (long id : ids) {
                            c.awaitCaughtUp(id);
                        }
                        checkMembersAgree(c, ids);
                        return;
                    }
                } else if (s instanceof Read r) {
                    RangeRequest req = new MvccModelTest.Builder(new Random(r.seed()), model).range(0);
                    assertThat(outcome(c.member(pick(ids, r.via())).range(req))).as("range %s", req)
                            .isEqualTo(model.range(req));
                } else if (s instanceof Restart r) {
                    long id = pick(ids, r.which());
                    c.stop(id);
                    c.start(id);
                } else if (s instanceof AddFresh && !ids.contains(4L)) { // at most one during the run
                    c.addFresh(4);
                    ids.add(4L);
                }
            }
            // every run ends with one more fresh member, once the others have snapshotted past the log it needs
            for (int i = 0; i < 25; i++) {
                if (!write(c.member(pick(ids, i)), model,
                        KvCommand.newBuilder().setPut(Req.put("b/1", "v" + i)).build())) {
                    checkMembersAgree(c, ids);
                    return;
                }
            }
            Thread.sleep(500); // the lazy snapshot: the store flushed, the log compacted below it
            c.addFresh(5);
            ids.add(5L);
            for (long id : ids) {
                c.awaitCaughtUp(id);
                checkEverything(c.member(id), model);
            }
            assertThat(c.member(5).metrics().find("cairn.raft.events").tag("event", "snapshot-installed").counter()
                    .count()).as("the last fresh member caught up from a snapshot").isPositive();
            if (ids.contains(4L)) {
                boolean fromSnapshot = c.member(4).metrics().find("cairn.raft.events")
                        .tag("event", "snapshot-installed").counter().count() > 0;
                net.jqwik.api.statistics.Statistics.label("member added during the run caught up").collect(
                        fromSnapshot ? "from a snapshot" : "from the log");
            }
        } finally {
            deleteTree(dir);
        }
    }

    private static long pick(List<Long> ids, int i) {
        return ids.get(Math.floorMod(i, ids.size()));
    }

    /** Applies a write to the store and the model; false (model untouched) when its outcome is unknown. */
    private static boolean write(KvStore via, RefModel model, KvCommand generated) throws Exception {
        // Leases live an hour here: none may expire (and be revoked by the leader) behind the model's back.
        KvCommand command = generated.hasLeaseGrant() ? generated.toBuilder().setLeaseGrant(
                generated.getLeaseGrant().toBuilder().setTTL(3_600)).build() : generated;
        CompletableFuture<? extends Message> f = switch (command.getOpCase()) {
            case PUT -> via.put(command.getPut());
            case DELETE_RANGE -> via.deleteRange(command.getDeleteRange());
            case TXN -> via.txn(command.getTxn());
            case COMPACTION -> via.compact(command.getCompaction());
            case LEASE_GRANT -> via.leaseGrant(command.getLeaseGrant());
            case LEASE_REVOKE -> via.leaseRevoke(io.cairn.kv.proto.etcd.LeaseRevokeRequest.newBuilder()
                    .setID(command.getLeaseRevoke().getID()).build());
            case LEASE_KEEP_ALIVE -> via.leaseKeepAlive(command.getLeaseKeepAlive());
            case ALARM -> via.alarm(command.getAlarm());
            case MEMBER, AUTH, OP_NOT_SET -> throw new AssertionError("not generated: " + command.getOpCase());
        };
        Object actual = outcome(f);
        if (actual instanceof KvException e && e.code() == KvException.Code.UNAVAILABLE) {
            return false;
        }
        assertThat(actual).as("write %s", command).isEqualTo(model.apply(command));
        return true;
    }

    /**
     * After a write of unknown outcome: every member's watcher of every key, from the oldest revision all keep,
     * receives the same events (whatever became of that write), and every member is at the same revision.
     */
    private static void checkMembersAgree(KvCluster c, List<Long> ids) throws Exception {
        long revision = c.member(ids.get(0)).revision();
        long from = 2;
        for (long id : ids) {
            assertThat(c.member(id).revision()).as("member %s's revision", id).isEqualTo(revision);
            from = Math.max(from, c.member(id).compactedRevision());
        }
        List<io.cairn.kv.proto.mvcc.Event> first = null;
        for (long id : ids) {
            List<io.cairn.kv.proto.mvcc.Event> got = watchAll(c.member(id), from, revision);
            if (first == null) {
                first = got;
            } else {
                assertThat(got).as("member %s's watcher", id).isEqualTo(first);
            }
        }
    }

    /** Every event from {@code from} up to {@code revision}, through a watcher on {@code member}. */
    private static List<io.cairn.kv.proto.mvcc.Event> watchAll(KvStore member, long from, long revision)
            throws Exception {
        io.cairn.kv.WatchTest.Recorder r = new io.cairn.kv.WatchTest.Recorder(Long.MAX_VALUE);
        member.watch(io.cairn.kv.proto.etcd.WatchCreateRequest.newBuilder().setKey(Req.bs("\0"))
                .setRangeEnd(Req.bs("\0")).setStartRevision(from).build()).subscribe(r);
        List<io.cairn.kv.proto.mvcc.Event> got = new ArrayList<>();
        while (revision >= from && (got.isEmpty() || got.get(got.size() - 1).getKv().getModRevision() < revision)) {
            io.cairn.kv.proto.etcd.WatchResponse w = r.responses.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(w).as("events up to %s from member %s", revision, member.memberId()).isNotNull();
            got.addAll(w.getEventsList());
        }
        r.subscription.cancel();
        return got;
    }

    /** The response with its header cut to what the model knows (the revision), or the error. */
    private static Object outcome(CompletableFuture<? extends Message> f) throws Exception {
        try {
            Message m = f.get(20, TimeUnit.SECONDS);
            var field = m.getDescriptorForType().findFieldByName("header");
            ResponseHeader h = (ResponseHeader) m.getField(field);
            return m.toBuilder().setField(field, ResponseHeader.newBuilder().setRevision(h.getRevision()).build())
                    .build();
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    /** Every key and the whole key space at every revision, read from this member's own state. */
    private static void checkEverything(KvStore member, RefModel model) throws Exception {
        checkWatch(member, model);
        for (long rev = model.compacted - 1; rev <= model.revision + 1; rev++) {
            List<RangeRequest> reads = new ArrayList<>(List.of(RangeRequest.newBuilder().setKey(Req.bs("\0"))
                    .setRangeEnd(Req.bs("\0")).setRevision(rev).setSerializable(true).build()));
            for (String k : List.of("a", "b", "c", "a/1", "a/2", "b/1", "ab", "a\0", "\u00ff")) {
                reads.add(RangeRequest.newBuilder().setKey(Req.bs(k)).setRevision(rev).setSerializable(true).build());
            }
            for (RangeRequest r : reads) {
                RangeRequest asModel = r.toBuilder().setSerializable(false).build();
                assertThat(outcome(member.range(r))).as("member %s: %s", member.memberId(), r)
                        .isEqualTo(model.range(asModel));
            }
        }
    }

    /**
     * A watcher of every key on this member, from the oldest revision it keeps, receives the model's events: the
     * same on every member, in order, whole revisions at a time.
     */
    private static void checkWatch(KvStore member, RefModel model) throws Exception {
        long from = Math.max(2, model.compacted);
        List<io.cairn.kv.proto.mvcc.Event> expected = model.events.stream()
                .filter(e -> e.getKv().getModRevision() >= from).toList();
        io.cairn.kv.WatchTest.Recorder r = new io.cairn.kv.WatchTest.Recorder(Long.MAX_VALUE);
        member.watch(io.cairn.kv.proto.etcd.WatchCreateRequest.newBuilder().setKey(Req.bs("\0"))
                .setRangeEnd(Req.bs("\0")).setStartRevision(from).build()).subscribe(r);
        List<io.cairn.kv.proto.mvcc.Event> got = new ArrayList<>();
        if (!expected.isEmpty()) {
            for (io.cairn.kv.proto.etcd.WatchResponse w : r.awaitEvents(expected.size())) {
                got.addAll(w.getEventsList());
            }
        }
        r.subscription.cancel();
        assertThat(got).as("member %s's watcher", member.memberId()).isEqualTo(expected);
    }

    @Provide
    Arbitrary<List<Step>> runs() {
        Arbitrary<Integer> via = Arbitraries.integers().between(0, 3);
        Arbitrary<Step> write = net.jqwik.api.Combinators.combine(Arbitraries.longs(), via).as(Write::new);
        Arbitrary<Step> read = net.jqwik.api.Combinators.combine(Arbitraries.longs(), via).as(Read::new);
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, write),
                net.jqwik.api.Tuple.of(5, read),
                net.jqwik.api.Tuple.of(1, via.map(Restart::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new AddFresh())));
        return step.list().ofMinSize(30).ofMaxSize(90);
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        try (var s = Files.walk(dir)) {
            s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
