package io.cairn.kv.mvcc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.DeleteRangeRequest;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;

/**
 * Model-based test: random sequences of Put, DeleteRange, Txn (nested, with compares), Compact and Range at random
 * revisions (compacted and future ones included), applied to the store in random batches and to {@link RefModel};
 * every response and error must be equal. The same sequences run across restarts (close and reopen at random
 * points, then a replay of already-applied commands that must be skipped) and across checkpoints: a checkpoint
 * restored into a fresh directory, with the log after it replayed, must give back every recorded result.
 *
 * <p>Tries: jqwik's default, set by {@code -Dkv.model.tries=N} through the pom (50 per property by default: about 15 s for both).
 */
class MvccModelTest {
    private static final List<String> KEYS = List.of("a", "b", "c", "a/1", "a/2", "b/1", "ab", "a\0", "\u00ff");
    private static final List<String> VALUES = List.of("", "x", "y", "zz");
    private static final KvLimits LIMITS = KvLimits.DEFAULTS.withFlushIntervalMillis(0).withCompactionBatchKeysMax(3);

    /** A step of a run; picks are mapped to revisions when the step runs, against the model's state. */
    sealed interface Step permits Write, Read, Restart, Checkpoint, Rewind {}

    /** A write command; {@code joinNext} keeps it in the same apply batch as the next write. */
    record Write(Gen g, boolean joinNext) implements Step {}

    record Read(Gen g) implements Step {}

    record Restart(int replayCount) implements Step {}

    record Checkpoint() implements Step {}

    record Rewind() implements Step {}

    /** Raw random choices from which a command or request is built. */
    record Gen(long seed) {}

    /**
     * Small limits: Txns of at most 3 ops per list, 1 KiB requests, write batches cut every few commands, one
     * history delete per compaction batch.
     */
    private static final KvLimits SMALL = new KvLimits(3, 1024, 1 << 20, 4096, 1, 0, true);

    @Property
    void storeMatchesModel(@ForAll("runs") List<Step> steps) throws Exception {
        run(steps, LIMITS);
    }

    @Property
    void storeMatchesModelWithSmallLimits(@ForAll("runs") List<Step> steps) throws Exception {
        run(steps, SMALL);
    }

    private static void run(List<Step> steps, KvLimits limits) throws Exception {
        try (ModelRun run = new ModelRun(limits)) {
            for (Step s : steps) {
                net.jqwik.api.statistics.Statistics.label("step").collect(s.getClass().getSimpleName());
                run.step(s);
            }
            run.flushWrites();
            run.checkEverything();
        }
    }

    @Provide
    Arbitrary<List<Step>> runs() {
        Arbitrary<Gen> gens = Arbitraries.longs().map(Gen::new);
        Arbitrary<Step> write = Combinators.combine(gens, Arbitraries.integers().between(0, 2))
                .as((g, join) -> new Write(g, join == 0));
        Arbitrary<Step> step = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(10, write),
                net.jqwik.api.Tuple.of(5, gens.map(Read::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 3).map(Restart::new)),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Checkpoint())),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(new Rewind())));
        return step.list().ofMinSize(10).ofMaxSize(70).withSizeDistribution(RandomDistribution.uniform());
    }

    /** Runs steps against the store and the model side by side. */
    static final class ModelRun implements AutoCloseable {
        private final StoreFixture f;
        private final RefModel model;
        private final List<KvCommand> pending = new ArrayList<>();
        private final List<Object> pendingExpected = new ArrayList<>();
        private final List<Applied> log = new ArrayList<>();
        private final List<Object> recorded = new ArrayList<>();
        private Path checkpointDir;
        private long checkpointIndex;

        ModelRun(KvLimits limits) throws java.io.IOException {
            f = new StoreFixture(limits);
            model = new RefModel(limits);
        }

        void step(Step s) throws Exception {
            if (s instanceof Write w) {
                KvCommand c = new Builder(new java.util.Random(w.g().seed()), model).command();
                pending.add(c);
                pendingExpected.add(model.apply(c));
                if (!w.joinNext()) {
                    flushWrites();
                }
                return;
            }
            flushWrites();
            if (s instanceof Read r) {
                checkRange(new Builder(new java.util.Random(r.g().seed()), model).range(0));
            } else if (s instanceof Restart r) {
                restart(r.replayCount());
            } else if (s instanceof Checkpoint) {
                checkpoint();
            } else if (s instanceof Rewind) {
                rewind();
            }
        }

        void flushWrites() throws Exception {
            if (pending.isEmpty()) {
                return;
            }
            List<Applied> batch = new ArrayList<>();
            for (KvCommand c : pending) {
                batch.add(new Applied(++f.index, c.toByteArray()));
            }
            List<KvResult> results = f.store.apply(batch);
            assertThat(results).hasSize(batch.size());
            for (int i = 0; i < results.size(); i++) {
                Object actual = outcome(results.get(i));
                net.jqwik.api.statistics.Statistics.label("outcome").collect(describe(actual));
                assertThat(actual).as("command %s: %s", batch.get(i).index(), pending.get(i))
                        .isEqualTo(pendingExpected.get(i));
                results.get(i).completion().get(30, TimeUnit.SECONDS);
                log.add(batch.get(i));
                recorded.add(actual);
            }
            pending.clear();
            pendingExpected.clear();
            assertThat(f.store.revision()).isEqualTo(model.revision);
            assertThat(f.store.compactedRevision()).isEqualTo(model.compacted);
            assertThat(f.store.appliedIndex()).isEqualTo(f.index);
        }

        /** The kind of an outcome, for jqwik's statistics: shows the runs reach errors, txn branches, etc. */
        static String describe(Object outcome) {
            if (outcome instanceof KvException e) {
                return e.getMessage();
            }
            if (outcome instanceof io.cairn.kv.proto.etcd.TxnResponse t) {
                return "txn " + (t.getSucceeded() ? "success" : "failure");
            }
            return outcome.getClass().getSimpleName();
        }

        static Object outcome(KvResult r) {
            assertThat(r.skipped()).as("not skipped: %s", r).isFalse();
            return r.isError() ? r.error() : r.response();
        }

        private void checkRange(RangeRequest r) {
            Object expected = model.range(r);
            Object actual;
            try {
                actual = f.store.range(r);
            } catch (KvException e) {
                actual = e;
            }
            assertThat(actual).as("range %s", r).isEqualTo(expected);
        }

        private void restart(int replayCount) {
            f.reopen();
            assertThat(f.store.appliedIndex()).isEqualTo(f.index);
            // A Raft runtime replays from its durable index: those commands are applied already and are skipped.
            int from = Math.max(0, log.size() - replayCount);
            List<KvResult> replayed = f.store.apply(log.subList(from, log.size()));
            assertThat(replayed).allMatch(KvResult::skipped);
            assertThat(f.store.revision()).isEqualTo(model.revision);
        }

        private void checkpoint() {
            checkpointDir = f.nextDir();
            checkpointIndex = f.index;
            f.store.checkpoint(checkpointDir);
        }

        /** Restores the last checkpoint into a fresh directory and replays the log after it. */
        private void rewind() throws Exception {
            if (checkpointDir == null) {
                return;
            }
            f.store.close();
            f.store = MvccStore.restore(checkpointDir, f.nextDir(), f.store.limits());
            checkpointDir = null;
            assertThat(f.store.appliedIndex()).isEqualTo(checkpointIndex);
            int from = (int) log.stream().filter(a -> a.index() <= checkpointIndex).count();
            List<KvResult> replayed = f.store.apply(log.subList(from, log.size()));
            for (int i = 0; i < replayed.size(); i++) {
                assertThat(outcome(replayed.get(i))).as("replayed %s", log.get(from + i).index())
                        .isEqualTo(recorded.get(from + i));
                replayed.get(i).completion().get(30, TimeUnit.SECONDS);
            }
            assertThat(f.store.revision()).isEqualTo(model.revision);
        }

        /** Every key and prefix at every revision from the compacted one up, and one below it and above. */
        void checkEverything() throws Exception {
            for (long rev = model.compacted - 1; rev <= model.revision + 1; rev++) {
                checkRange(RangeRequest.newBuilder().setKey(Req.bs("\0")).setRangeEnd(Req.bs("\0"))
                        .setRevision(rev).build());
                for (String k : KEYS) {
                    checkRange(RangeRequest.newBuilder().setKey(Req.bs(k)).setRevision(rev).build());
                }
            }
            // The layout's invariant (decision 0012): history holds the version of every live key's current one.
            Object live = model.range(RangeRequest.newBuilder().setKey(Req.bs("\0")).setRangeEnd(Req.bs("\0"))
                    .setCountOnly(true).build());
            assertThat(f.store.checkCurrentVersionsInHistory())
                    .isEqualTo(((io.cairn.kv.proto.etcd.RangeResponse) live).getCount());
            checkWatch();
        }

        /**
         * The revision log is what the model says happened, and a watcher of every key from the oldest retained
         * revision receives exactly that, in order, whole revisions at a time.
         */
        void checkWatch() throws Exception {
            long from = Math.max(2, model.compacted);
            if (model.revision < from) {
                return;
            }
            List<io.cairn.kv.proto.mvcc.Event> expected = model.events.stream()
                    .filter(e -> e.getKv().getModRevision() >= from).toList();
            assertThat(f.store.events(from, Integer.MAX_VALUE)).isEqualTo(expected);
            List<io.cairn.kv.proto.mvcc.Event> got = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.CountDownLatch caughtUp = new java.util.concurrent.CountDownLatch(1);
            try (io.cairn.kv.watch.WatchHub hub = new io.cairn.kv.watch.WatchHub(new StoreLog(f.store), 60_000,
                    "model")) {
                hub.watch(new io.cairn.kv.watch.WatchSpec(KeyInterval.of(new byte[] {0}, new byte[] {0}), from,
                        false, false, false, false), new io.cairn.kv.watch.WatchSink() {
                            @Override
                            public boolean ready() {
                                return true;
                            }

                            @Override
                            public void events(long revision, List<io.cairn.kv.proto.mvcc.Event> events) {
                                assertThat(events.get(0).getKv().getModRevision())
                                        .as("a delivery starts a revision").isGreaterThan(got.isEmpty() ? 0
                                                : got.get(got.size() - 1).getKv().getModRevision());
                                got.addAll(events);
                                if (got.size() >= expected.size()) {
                                    caughtUp.countDown();
                                }
                            }

                            @Override
                            public void compacted(long compactRevision) {
                                throw new AssertionError("compacted at " + compactRevision);
                            }

                            @Override
                            public void progress(long revision) { }
                        }, model.revision);
                if (!expected.isEmpty()) {
                    assertThat(caughtUp.await(30, TimeUnit.SECONDS)).as("the watcher caught up").isTrue();
                }
            }
            assertThat(got).isEqualTo(expected);
        }

        @Override
        public void close() throws java.io.IOException {
            f.close();
        }
    }

    /** The watch hub's view of the fixture's store. */
    private record StoreLog(MvccStore store) implements io.cairn.kv.watch.EventLog {
        @Override
        public long revision() {
            return store.revision();
        }

        @Override
        public long compactedRevision() {
            return store.compactedRevision();
        }

        @Override
        public Batch events(long fromRevision, int eventsMax) {
            MvccStore.EventsRead r = store.eventsRead(fromRevision, eventsMax);
            return new Batch(r.events(), r.revision());
        }

        @Override
        public io.cairn.kv.proto.mvcc.KeyValue versionAt(byte[] key, long revision) {
            return null;
        }
    }

    /** Builds random requests from a seed, with revisions chosen around the model's current state. */
    static final class Builder {
        private final java.util.Random rnd;
        private final RefModel model;

        Builder(java.util.Random rnd, RefModel model) {
            this.rnd = rnd;
            this.model = model;
        }

        KvCommand command() {
            int kind = rnd.nextInt(25);
            if (kind == 24) {
                return alarm();
            }
            if (kind >= 20) {
                return lease(kind);
            }
            if (kind < 8) {
                return KvCommand.newBuilder().setPut(put()).build();
            } else if (kind < 11) {
                return KvCommand.newBuilder().setDeleteRange(delete()).build();
            } else if (kind < 18) {
                return KvCommand.newBuilder().setTxn(txn(0)).build();
            }
            return Req.compact(rnd.nextInt((int) model.revision + 2), rnd.nextBoolean());
        }

        private ByteString key() {
            return Req.bs(KEYS.get(rnd.nextInt(KEYS.size())));
        }

        private ByteString rangeEnd(ByteString key) {
            return switch (rnd.nextInt(5)) {
                case 0, 1 -> ByteString.EMPTY;
                case 2 -> Req.bs("\0");
                case 3 -> key();
                default -> key.substring(0, key.size() - 1)
                        .concat(ByteString.copyFrom(new byte[] {(byte) (key.byteAt(key.size() - 1) + 1)}));
            };
        }

        private PutRequest put() {
            PutRequest.Builder p = PutRequest.newBuilder().setKey(key()).setPrevKv(rnd.nextBoolean());
            int flags = rnd.nextInt(30);
            if (flags == 0) {
                p.setIgnoreValue(true);
            } else if (flags == 1) {
                p.setIgnoreLease(true);
            }
            if (!p.getIgnoreValue() || rnd.nextInt(4) == 0) {
                p.setValue(Req.bs(VALUES.get(rnd.nextInt(VALUES.size()))));
            }
            if (rnd.nextInt(4) == 0) {
                p.setLease(1 + rnd.nextInt(4)); // leases 1..3 are granted now and then, 4 never
            }
            return p.build();
        }

        /** An alarm raised or disarmed (members 1 and 2, NOSPACE mostly), or a GET through the log. */
        private KvCommand alarm() {
            int what = rnd.nextInt(10);
            var action = what < 4 ? io.cairn.kv.proto.etcd.AlarmRequest.AlarmAction.ACTIVATE
                    : what < 9 ? io.cairn.kv.proto.etcd.AlarmRequest.AlarmAction.DEACTIVATE
                    : io.cairn.kv.proto.etcd.AlarmRequest.AlarmAction.GET;
            var type = rnd.nextInt(5) == 0 ? io.cairn.kv.proto.etcd.AlarmType.CORRUPT
                    : rnd.nextInt(8) == 0 ? io.cairn.kv.proto.etcd.AlarmType.NONE
                    : io.cairn.kv.proto.etcd.AlarmType.NOSPACE;
            return KvCommand.newBuilder().setAlarm(io.cairn.kv.proto.etcd.AlarmRequest.newBuilder().setAction(action)
                    .setMemberID(rnd.nextBoolean() ? 1 : -2).setAlarm(type)).build();
        }

        /** A lease command on one of the few lease ids the runs use. */
        private KvCommand lease(int kind) {
            long id = 1 + rnd.nextInt(4);
            return switch (kind) {
                case 20, 21 -> KvCommand.newBuilder().setLeaseGrant(io.cairn.kv.proto.etcd.LeaseGrantRequest
                        .newBuilder().setID(Math.min(id, 3)).setTTL(2 + rnd.nextInt(5))).build();
                case 22 -> KvCommand.newBuilder().setLeaseRevoke(io.cairn.kv.proto.LeaseRevoke.newBuilder()
                        .setID(id).setExpired(rnd.nextBoolean())).build();
                default -> KvCommand.newBuilder().setLeaseKeepAlive(io.cairn.kv.proto.etcd.LeaseKeepAliveRequest
                        .newBuilder().setID(id)).build();
            };
        }

        private DeleteRangeRequest delete() {
            ByteString k = key();
            return DeleteRangeRequest.newBuilder().setKey(k).setRangeEnd(rangeEnd(k)).setPrevKv(rnd.nextBoolean())
                    .build();
        }

        RangeRequest range(int inTxn) {
            ByteString k = key();
            RangeRequest.Builder r = RangeRequest.newBuilder().setKey(k).setRangeEnd(rangeEnd(k));
            long span = model.revision + 3;
            r.setRevision(rnd.nextInt(3) == 0 ? 0 : rnd.nextInt((int) span));
            r.setLimit(rnd.nextInt(3) == 0 ? rnd.nextInt(4) : 0);
            if (rnd.nextInt(3) == 0) {
                r.setSortOrderValue(rnd.nextInt(3)).setSortTargetValue(rnd.nextInt(5));
            }
            r.setKeysOnly(rnd.nextInt(5) == 0).setCountOnly(rnd.nextInt(6) == 0);
            if (rnd.nextInt(5) == 0) {
                switch (rnd.nextInt(4)) {
                    case 0 -> r.setMinModRevision(rnd.nextInt((int) span));
                    case 1 -> r.setMaxModRevision(rnd.nextInt((int) span));
                    case 2 -> r.setMinCreateRevision(rnd.nextInt((int) span));
                    default -> r.setMaxCreateRevision(rnd.nextInt((int) span));
                }
            }
            return r.build();
        }

        private TxnRequest txn(int depth) {
            TxnRequest.Builder t = TxnRequest.newBuilder();
            for (int i = rnd.nextInt(3); i > 0; i--) {
                t.addCompare(compare());
            }
            for (int i = rnd.nextInt(4); i > 0; i--) {
                t.addSuccess(op(depth));
            }
            for (int i = rnd.nextInt(3); i > 0; i--) {
                t.addFailure(op(depth));
            }
            return t.build();
        }

        private RequestOp op(int depth) {
            int kind = rnd.nextInt(depth < 2 ? 8 : 7);
            return switch (kind) {
                case 0, 1, 2 -> Req.op(range(1));
                case 3, 4 -> Req.op(put());
                case 5, 6 -> Req.op(delete());
                default -> Req.op(txn(depth + 1));
            };
        }

        private Compare compare() {
            ByteString k = key();
            Compare.Builder c = Compare.newBuilder().setKey(k)
                    .setRangeEnd(rnd.nextInt(4) == 0 ? rangeEnd(k) : ByteString.EMPTY)
                    .setResultValue(rnd.nextInt(4)).setTargetValue(rnd.nextInt(5));
            int union = rnd.nextInt(6) == 0 ? rnd.nextInt(5) : c.getTargetValue();
            long n = rnd.nextInt((int) model.revision + 2);
            switch (union) {
                case 0 -> c.setVersion(rnd.nextInt(4));
                case 1 -> c.setCreateRevision(n);
                case 2 -> c.setModRevision(n);
                case 3 -> c.setValue(Req.bs(VALUES.get(rnd.nextInt(VALUES.size()))));
                default -> c.setLease(rnd.nextInt(3) == 0 ? 7 : 0);
            }
            return c.build();
        }
    }
}
