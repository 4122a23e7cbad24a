package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.bs;
import static io.cairn.kv.mvcc.Req.cmd;
import static io.cairn.kv.mvcc.Req.op;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.DeleteRangeResponse;
import io.cairn.kv.proto.etcd.PutResponse;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import io.cairn.kv.proto.mvcc.Event;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Examples of etcd's semantics, and of the store's storage properties (compaction, restart, checkpoints). */
class MvccStoreTest {
    private StoreFixture f;

    @BeforeEach
    void open() throws Exception {
        f = new StoreFixture();
    }

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    private KeyValue only(String key) {
        RangeResponse r = f.store.range(Req.get(key));
        assertThat(r.getKvsCount()).isEqualTo(1);
        return r.getKvs(0);
    }

    @Test
    void revisionsAndVersionsFollowEtcd() {
        assertThat(f.store.revision()).isEqualTo(1);
        assertThat(f.apply(cmd(Req.put("a", "1"))).response(PutResponse.class).getHeader().getRevision()).isEqualTo(2);
        f.apply(cmd(Req.put("a", "2")));
        KeyValue a = only("a");
        assertThat(List.of(a.getCreateRevision(), a.getModRevision(), a.getVersion())).containsExactly(2L, 3L, 2L);
        // A delete of nothing does not bump; a delete does; the key's history restarts after it.
        DeleteRangeResponse none = f.apply(cmd(Req.delete("zz", ""))).response(DeleteRangeResponse.class);
        assertThat(none.getDeleted()).isZero();
        assertThat(none.getHeader().getRevision()).isEqualTo(3);
        assertThat(f.apply(cmd(Req.delete("a", ""))).response(DeleteRangeResponse.class).getDeleted()).isEqualTo(1);
        assertThat(f.store.revision()).isEqualTo(4);
        f.apply(cmd(Req.put("a", "3")));
        a = only("a");
        assertThat(List.of(a.getCreateRevision(), a.getModRevision(), a.getVersion())).containsExactly(5L, 5L, 1L);
        // Reads at past revisions.
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(3).build()).getKvs(0).getValue())
                .isEqualTo(bs("2"));
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(4).build()).getKvsCount()).isZero();
        assertThat(f.store.range(Req.get("a").toBuilder().setRevision(4).build()).getHeader().getRevision())
                .isEqualTo(5);
    }

    @Test
    void aTxnIsOneRevisionAndLaterOpsSeeEarlierWrites() {
        f.apply(cmd(Req.put("n", "0")));
        TxnResponse t = f.apply(cmd(Req.txn(List.of(Req.versionIs("n", 1)),
                List.of(op(Req.put("a", "1")), op(Req.get("a")), op(Req.put("b", "2")), op(Req.delete("n", "")),
                        op(Req.range("a", "\0"))),
                List.of()))).response(TxnResponse.class);
        assertThat(t.getSucceeded()).isTrue();
        assertThat(t.getHeader().getRevision()).isEqualTo(3);
        assertThat(t.getResponses(1).getResponseRange().getKvs(0).getValue()).isEqualTo(bs("1"));
        assertThat(t.getResponses(1).getResponseRange().getHeader().getRevision()).isEqualTo(3);
        assertThat(t.getResponses(4).getResponseRange().getKvsList()).extracting(KeyValue::getKey)
                .containsExactly(bs("a"), bs("b"));
        assertThat(only("a").getModRevision()).isEqualTo(3);
        assertThat(only("b").getModRevision()).isEqualTo(3);
        // A Txn whose ops change nothing does not bump.
        TxnResponse readOnly = f.apply(cmd(Req.txn(List.of(Req.versionIs("n", 5)), List.of(),
                List.of(op(Req.get("a")), op(Req.delete("nothing", ""))))))
                .response(TxnResponse.class);
        assertThat(readOnly.getSucceeded()).isFalse();
        assertThat(readOnly.getHeader().getRevision()).isEqualTo(3);
        assertThat(f.store.revision()).isEqualTo(3);
    }

    @Test
    void nestedComparesSeeTheStateBeforeTheTxnAsInEtcd() {
        // The nested compare "version(a) == 0" is decided before the outer put of a runs.
        TxnResponse t = f.apply(cmd(Req.txn(List.of(),
                List.of(op(Req.put("a", "1")),
                        op(Req.txn(List.of(Req.versionIs("a", 0)), List.of(op(Req.put("b", "then"))),
                                List.of(op(Req.put("b", "else")))))),
                List.of()))).response(TxnResponse.class);
        TxnResponse nested = t.getResponses(1).getResponseTxn();
        assertThat(nested.getSucceeded()).isTrue();
        assertThat(nested.hasHeader()).isTrue();
        assertThat(nested.getHeader().getRevision()).isZero();
        assertThat(only("b").getValue()).isEqualTo(bs("then"));
    }

    @Test
    void rangeLimitCountSortAndFilters() {
        List<KvCommand> puts = new ArrayList<>();
        for (String k : List.of("d", "a", "c", "b")) {
            puts.add(cmd(Req.put(k, "v" + k)));
        }
        f.applyAll(puts); // a=3 b=5 c=4 d=2
        f.apply(cmd(Req.put("c", "again"))); // c version 2, mod 6
        RangeRequest all = Req.range("a", "\0");
        RangeResponse limited = f.store.range(all.toBuilder().setLimit(2).build());
        assertThat(limited.getKvsList()).extracting(KeyValue::getKey).containsExactly(bs("a"), bs("b"));
        assertThat(limited.getCount()).isEqualTo(4);
        assertThat(limited.getMore()).isTrue();
        RangeResponse byModDesc = f.store.range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.MOD)
                .setSortOrder(RangeRequest.SortOrder.DESCEND).setLimit(2).build());
        assertThat(byModDesc.getKvsList()).extracting(KeyValue::getKey).containsExactly(bs("c"), bs("b"));
        // etcd: target VERSION with order NONE sorts ascending, but only the first limit + 1 keys by key.
        RangeResponse byVersion = f.store.range(all.toBuilder().setSortTarget(RangeRequest.SortTarget.VERSION)
                .setLimit(2).build());
        assertThat(byVersion.getKvsList()).extracting(KeyValue::getKey).containsExactly(bs("a"), bs("b"));
        RangeResponse filtered = f.store.range(all.toBuilder().setMinModRevision(4).setKeysOnly(true).build());
        assertThat(filtered.getKvsList()).extracting(KeyValue::getKey).containsExactly(bs("b"), bs("c"));
        assertThat(filtered.getKvs(0).getValue().isEmpty()).isTrue();
        assertThat(filtered.getCount()).isEqualTo(4); // count ignores the revision filters, as in etcd
        RangeResponse countOnly = f.store.range(Req.range("b", "d").toBuilder().setCountOnly(true).build());
        assertThat(countOnly.getKvsCount()).isZero();
        assertThat(countOnly.getCount()).isEqualTo(2);
    }

    @Test
    void tenThousandKeysRoundTripAcrossARestart() {
        int n = 10_000;
        for (int batch = 0; batch < n / 500; batch++) {
            List<KvCommand> puts = new ArrayList<>();
            for (int i = batch * 500; i < (batch + 1) * 500; i++) {
                puts.add(cmd(Req.put(String.format("/k/%05d", i), "value-" + i)));
            }
            assertThat(f.applyAll(puts)).noneMatch(KvResult::isError);
        }
        for (int round = 0; round < 2; round++) {
            RangeResponse all = f.store.range(Req.range("/k/", "/k0"));
            assertThat(all.getCount()).isEqualTo(n);
            assertThat(all.getKvsCount()).isEqualTo(n);
            for (int i = 0; i < n; i++) {
                KeyValue kv = all.getKvs(i);
                assertThat(kv.getKey().toStringUtf8()).isEqualTo(String.format("/k/%05d", i));
                assertThat(kv.getValue().toStringUtf8()).isEqualTo("value-" + i);
                assertThat(kv.getModRevision()).isEqualTo(i + 2);
            }
            f.reopen();
        }
        assertThat(f.store.revision()).isEqualTo(n + 1);
    }

    @Test
    void physicalCompactionRemovesHistoryButKeepsTheLatestVersionAtTheRevision() throws Exception {
        for (int i = 0; i < 10; i++) {
            f.apply(cmd(Req.put("a", "v" + i))); // revisions 2..11
        }
        f.apply(cmd(Req.put("b", "1"))); // 12
        f.apply(cmd(Req.delete("b", ""))); // 13
        f.apply(cmd(Req.put("c", "1"))); // 14
        assertThat(f.store.countEntries(Columns.HISTORY)).isEqualTo(13);
        KvResult compact = f.apply(Req.compact(13, true));
        compact.completion().get(30, TimeUnit.SECONDS);
        assertThat(f.store.physicalCompactedRevision()).isEqualTo(13);
        // a keeps its version 11 (the newest at or below 13), b's put and tombstone are gone, c is above 13.
        assertThat(f.store.countEntries(Columns.HISTORY)).isEqualTo(2);
        assertThat(f.store.countEntries(Columns.REVLOG)).isEqualTo(2); // revisions 13 and 14
        assertThat(f.store.range(Req.range("a", "\0").toBuilder().setRevision(13).build()).getKvsList())
                .extracting(KeyValue::getValue).containsExactly(bs("v9"));
        f.reopen();
        assertThat(f.store.compactedRevision()).isEqualTo(13);
        assertThat(f.store.physicalCompactedRevision()).isEqualTo(13);
    }

    @Test
    void anInterruptedCompactionResumesAtOpen() throws Exception {
        f.close();
        f = new StoreFixture(KvLimits.DEFAULTS.withFlushIntervalMillis(0).withCompactionBatchKeysMax(1));
        for (int i = 0; i < 200; i++) {
            f.apply(cmd(Req.put("k" + (i % 20), "v" + i)));
        }
        f.apply(Req.compact(201, false));
        f.reopen(); // closes whatever the compactor was doing; open resumes it
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (f.store.physicalCompactedRevision() < 201 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(f.store.physicalCompactedRevision()).isEqualTo(201);
        assertThat(f.store.countEntries(Columns.HISTORY)).isEqualTo(20);
    }

    @Test
    void theRevisionLogHoldsEveryEventOfEachRevisionInOrder() {
        f.apply(cmd(Req.put("a", "1"))); // 2
        f.apply(cmd(Req.txn(List.of(), List.of(op(Req.put("b", "2")), op(Req.delete("a", ""))), List.of()))); // 3
        List<Event> events = f.store.events(2, 100);
        assertThat(events).extracting(Event::getType)
                .containsExactly(Event.EventType.PUT, Event.EventType.PUT, Event.EventType.DELETE);
        assertThat(events.get(1).getKv()).isEqualTo(only("b"));
        assertThat(events.get(2).getKv()).isEqualTo(KeyValue.newBuilder().setKey(bs("a")).setModRevision(3).build());
        assertThat(f.store.events(3, 1)).hasSize(1);
        f.apply(Req.compact(3, false));
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> f.store.events(2, 10)))
                .isEqualTo(KvErrors.compacted());
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> f.store.events(4, 10)))
                .isEqualTo(KvErrors.futureRevision());
    }

    @Test
    void replayedCommandsAreSkipped() {
        f.apply(cmd(Req.put("a", "1")));
        f.apply(cmd(Req.put("a", "2")));
        List<KvResult> replay = f.store.apply(List.of(new Applied(1, cmd(Req.put("a", "1")).toByteArray()),
                new Applied(2, cmd(Req.put("a", "2")).toByteArray()),
                new Applied(3, cmd(Req.put("a", "3")).toByteArray())));
        assertThat(replay).extracting(KvResult::skipped).containsExactly(true, true, false);
        assertThat(only("a").getVersion()).isEqualTo(3);
    }

    @Test
    void durableAppliedIndexAdvancesOnFlushAndSurvivesReopen() {
        f.apply(cmd(Req.put("a", "1")));
        f.apply(cmd(Req.put("a", "2")));
        assertThat(f.store.appliedIndex()).isEqualTo(2);
        assertThat(f.store.durableAppliedIndex()).isZero(); // WAL off, nothing flushed yet
        assertThat(f.store.flush()).isEqualTo(2);
        assertThat(f.store.durableAppliedIndex()).isEqualTo(2);
        f.apply(cmd(Req.put("a", "3")));
        f.reopen(); // a clean close flushes
        assertThat(f.store.appliedIndex()).isEqualTo(3);
        assertThat(f.store.durableAppliedIndex()).isEqualTo(3);
    }

    @Test
    void aCheckpointRestoresIntoAFreshDirectory() throws Exception {
        f.apply(cmd(Req.put("a", "1")));
        var cp = f.nextDir();
        f.store.checkpoint(cp);
        f.apply(cmd(Req.put("a", "2")));
        try (MvccStore restored = MvccStore.restore(cp, f.nextDir(), KvLimits.DEFAULTS)) {
            assertThat(restored.appliedIndex()).isEqualTo(1);
            assertThat(restored.revision()).isEqualTo(2);
            assertThat(restored.range(Req.get("a")).getKvs(0).getValue()).isEqualTo(bs("1"));
        }
        assertThat(only("a").getValue()).isEqualTo(bs("2"));
        // Into an existing empty directory too, as FileSnapshotStateMachine hands one over.
        var empty = java.nio.file.Files.createDirectory(f.nextDir());
        f.store.checkpoint(empty);
        try (MvccStore reopened = MvccStore.open(empty, KvLimits.DEFAULTS)) {
            assertThat(reopened.range(Req.get("a")).getKvs(0).getValue()).isEqualTo(bs("2"));
        }
    }

    @Test
    void aPutInAnEarlierNestedTxnAndADeleteInALaterOneBothRunAsInEtcd() {
        // etcd's overlap check does not look at a later sibling's deletes, so this Txn is accepted: a is put and
        // then deleted, both at revision 2.
        TxnRequest putA = Req.txn(List.of(), List.of(op(Req.put("a", "1"))), List.of());
        TxnRequest deleteA = Req.txn(List.of(), List.of(op(Req.delete("a", ""))), List.of());
        KvResult r = f.apply(cmd(Req.txn(List.of(), List.of(op(putA), op(deleteA)), List.of())));
        assertThat(r.isError()).as("%s", r).isFalse();
        assertThat(r.response(TxnResponse.class).getResponses(1).getResponseTxn().getResponses(0)
                .getResponseDeleteRange().getDeleted()).isEqualTo(1);
        assertThat(f.store.revision()).isEqualTo(2);
        assertThat(f.store.range(Req.get("a")).getKvsCount()).isZero();
        assertThat(f.store.events(2, 10)).extracting(Event::getType)
                .containsExactly(Event.EventType.PUT, Event.EventType.DELETE);
        f.apply(cmd(Req.put("a", "2")));
        assertThat(only("a").getVersion()).isEqualTo(1);
    }

    @Test
    void concurrentReadsSeeWholeBatches() throws Exception {
        // Each Txn writes x and y with the same value; a reader must never see them differ.
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                for (int i = 0; i < 2000; i++) {
                    RangeResponse r = f.store.range(Req.range("x", "z"));
                    if (r.getKvsCount() == 2) {
                        assertThat(r.getKvs(0).getValue()).isEqualTo(r.getKvs(1).getValue());
                        assertThat(r.getKvs(0).getModRevision()).isEqualTo(r.getHeader().getRevision());
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int i = 0; i < 500 && reader.isAlive(); i++) {
            f.apply(cmd(Req.txn(List.of(), List.of(op(Req.put("x", "" + i)), op(Req.put("y", "" + i))), List.of())));
        }
        reader.join();
        assertThat(failure.get()).isNull();
    }

    /**
     * Regression for the layout change of decision 0012: a store of format 1 (values in the current column family)
     * read by a build of format 2 would decode every current record wrongly. It must be refused at open, with a
     * message that names both formats and what to do, and nothing read from it.
     */
    @Test
    void aStoreOfAnotherFormatIsRefusedAtOpenWithWhatToDo() throws Exception {
        f.apply(cmd(Req.put("a", "1")));
        java.nio.file.Path dir = f.store.directory();
        f.store.close();
        try (Columns columns = Columns.open(dir)) {
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_FORMAT, Keys.longBytes(1));
            columns.flushAll();
        }
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> MvccStore.open(dir)))
                .isInstanceOf(StorageException.class)
                .hasMessageContaining("has format 1, this build reads only format " + MvccStore.FORMAT)
                .hasMessageContaining("written by an older build")
                .hasMessageContaining("empty data directory");
        try (Columns columns = Columns.open(dir)) {
            columns.db.put(columns.meta, columns.writeOptions, Keys.META_FORMAT, Keys.longBytes(MvccStore.FORMAT));
            columns.flushAll();
        }
        f.store = MvccStore.open(dir, KvLimits.DEFAULTS.withFlushIntervalMillis(0));
        assertThat(only("a").getValue()).isEqualTo(bs("1"));
    }

    /**
     * Everything that reads a current version's value reads it from history (decision 0012): prev_kv of a Put and
     * of a DeleteRange, a Put with ignore_value (and its watch event), a VALUE compare, a sort by value.
     */
    @Test
    void currentValuesAreReadFromHistoryWhereverTheyAreNeeded() {
        f.apply(cmd(Req.put("a", "old")));
        f.apply(cmd(Req.put("b", "bee")));
        PutResponse kept = f.apply(cmd(Req.put("a", "").toBuilder().setIgnoreValue(true).setPrevKv(true).build()))
                .response(PutResponse.class);
        assertThat(kept.getPrevKv().getValue()).isEqualTo(bs("old"));
        assertThat(only("a").getValue()).isEqualTo(bs("old"));
        assertThat(only("a").getVersion()).isEqualTo(2);
        List<Event> events = f.store.events(4, 10);
        assertThat(events.get(0).getKv().getValue()).isEqualTo(bs("old"));
        assertThat(events.get(0).getKv()).isEqualTo(only("a"));
        io.cairn.kv.proto.etcd.Compare valueIsOld = io.cairn.kv.proto.etcd.Compare.newBuilder().setKey(bs("a"))
                .setTarget(io.cairn.kv.proto.etcd.Compare.CompareTarget.VALUE)
                .setResult(io.cairn.kv.proto.etcd.Compare.CompareResult.EQUAL).setValue(bs("old")).build();
        // one batch: the Txn's compare reads a's value, the Put after it keeps the value the Txn wrote (not yet
        // committed, read through the batch)
        List<KvResult> batch = f.applyAll(List.of(cmd(Req.txn(List.of(valueIsOld), List.of(op(Req.put("a", "new"))),
                List.of())), cmd(Req.put("a", "").toBuilder().setIgnoreValue(true).setPrevKv(true).build())));
        assertThat(batch.get(0).response(TxnResponse.class).getSucceeded()).isTrue();
        assertThat(batch.get(1).response(PutResponse.class).getPrevKv().getValue()).isEqualTo(bs("new"));
        assertThat(only("a").getValue()).isEqualTo(bs("new"));
        assertThat(only("a").getVersion()).isEqualTo(4);
        RangeResponse byValue = f.store.range(Req.range("a", "c").toBuilder()
                .setSortTarget(RangeRequest.SortTarget.VALUE).setSortOrder(RangeRequest.SortOrder.ASCEND).build());
        assertThat(byValue.getKvsList()).extracting(KeyValue::getValue).containsExactly(bs("bee"), bs("new"));
        DeleteRangeResponse deleted = f.apply(cmd(Req.delete("a", "c").toBuilder().setPrevKv(true).build()))
                .response(DeleteRangeResponse.class);
        assertThat(deleted.getPrevKvsList()).extracting(KeyValue::getValue).containsExactly(bs("new"), bs("bee"));
    }

    @Test
    void laterCommandsOfOneBatchSeeEarlierOnes() {
        List<KvResult> rs = f.applyAll(List.of(cmd(Req.put("a", "1")),
                cmd(Req.txn(List.of(Req.versionIs("a", 1)),
                        List.of(op(Req.get("a").toBuilder().setRevision(2).build()), op(Req.put("b", "2"))),
                        List.of())),
                Req.compact(2, false),
                cmd(Req.txn(List.of(), List.of(op(Req.get("a").toBuilder().setRevision(1).build())), List.of()))));
        TxnResponse t = rs.get(1).response(TxnResponse.class);
        assertThat(t.getSucceeded()).isTrue();
        assertThat(t.getResponses(0).getResponseRange().getKvs(0).getValue()).isEqualTo(bs("1"));
        assertThat(rs.get(3).error()).isEqualTo(KvErrors.compacted());
        assertThat(f.store.revision()).isEqualTo(3);
    }
}
