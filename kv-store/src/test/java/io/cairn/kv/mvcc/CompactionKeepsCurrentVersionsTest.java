package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.cmd;
import static io.cairn.kv.mvcc.Req.op;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.RangeResponse;
import io.cairn.kv.proto.mvcc.KeyValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Compaction never removes the history entry of a key's current version (decision 0012): the current column
 * family holds metadata only and every read of a current value goes to history at {@code (key, mod_revision)},
 * so such a removal would lose the value of a live key. Each read checks the entry is there
 * ({@link HistoryRecord#value} throws an invariant violation otherwise) and
 * {@link MvccStore#checkCurrentVersionsInHistory()} reads every one.
 *
 * <p>The first test places current versions at each position relative to the compaction revision: exactly at
 * it (written by a Txn), below it under older versions, above it, and keys deleted at or below it
 * (their tombstones go, nothing of theirs is current). The second compacts to the newest revision again and
 * again, in batches of one delete, while the apply thread keeps rewriting and deleting the same keys and a
 * reader thread reads every value.
 */
class CompactionKeepsCurrentVersionsTest {
    private StoreFixture f;

    @BeforeEach
    void open() throws Exception {
        f = new StoreFixture(KvLimits.DEFAULTS.withFlushIntervalMillis(0).withCompactionBatchKeysMax(1));
    }

    @AfterEach
    void close() throws Exception {
        f.close();
    }

    private String valueOf(String key) {
        RangeResponse r = f.store.range(Req.get(key));
        return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
    }

    @Test
    void everyPositionOfACurrentVersionAroundTheCompactionRevisionKeepsItsValue() throws Exception {
        for (int i = 0; i < 5; i++) {
            f.apply(cmd(Req.put("below", "b" + i))); // 2..6: current version 6, four older ones
        }
        f.apply(cmd(Req.put("gone", "g"))); // 7
        f.apply(cmd(Req.delete("gone", ""))); // 8: a tombstone at or below the compaction
        f.apply(cmd(Req.put("reborn", "r0"))); // 9
        f.apply(cmd(Req.delete("reborn", ""))); // 10
        f.apply(cmd(Req.put("reborn", "r1"))); // 11: created again below the compaction
        f.apply(cmd(Req.put("at", "a0"))); // 12
        f.apply(cmd(Req.txn(List.of(), List.of(op(Req.put("at", "a1")), op(Req.delete("gone", ""))),
                List.of()))); // 13: the current version exactly at the compaction revision, written by a Txn
        long compaction = f.store.revision();
        f.apply(cmd(Req.put("above", "x0"))); // 14
        f.apply(cmd(Req.put("above", "x1"))); // 15: both versions above the compaction
        f.apply(Req.compact(compaction, true)).completion().get(30, TimeUnit.SECONDS);
        assertThat(f.store.physicalCompactedRevision()).isEqualTo(compaction);

        assertThat(valueOf("below")).isEqualTo("b4");
        assertThat(valueOf("gone")).isNull();
        assertThat(valueOf("reborn")).isEqualTo("r1");
        assertThat(valueOf("at")).isEqualTo("a1");
        assertThat(valueOf("above")).isEqualTo("x1");
        KeyValue at = f.store.range(Req.get("at")).getKvs(0);
        assertThat(List.of(at.getCreateRevision(), at.getModRevision(), at.getVersion()))
                .containsExactly(12L, 13L, 2L);
        assertThat(f.store.checkCurrentVersionsInHistory()).isEqualTo(4);
        // left in history: below@6, reborn@11, at@13, above@14 and @15; gone's put and tombstone are removed
        assertThat(f.store.countEntries(Columns.HISTORY)).isEqualTo(5);
        f.reopen();
        assertThat(f.store.checkCurrentVersionsInHistory()).isEqualTo(4);
        assertThat(valueOf("at")).isEqualTo("a1");
    }

    @Test
    void compactingToTheNewestRevisionUnderConcurrentWritesAndReadsKeepsEveryCurrentValue() throws Exception {
        int keys = 30;
        SplittableRandom random = new SplittableRandom(12);
        Map<String, String> expected = new TreeMap<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> readerFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            try {
                while (!stop.get()) {
                    // every read takes each value from history and checks it is the current version's
                    f.store.range(Req.range("k", "l"));
                }
            } catch (Throwable t) {
                readerFailure.set(t);
            }
        }, "reader");
        reader.start();
        try {
            for (int round = 0; round < 200; round++) {
                List<KvCommand> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    String key = String.format("k%02d", random.nextInt(keys));
                    if (random.nextInt(5) == 0) {
                        batch.add(cmd(Req.delete(key, "")));
                        expected.remove(key);
                    } else {
                        String value = "v" + round + "." + i;
                        batch.add(cmd(Req.put(key, value)));
                        expected.put(key, value);
                    }
                }
                assertThat(f.applyAll(batch)).noneMatch(KvResult::isError);
                if (f.store.revision() > f.store.compactedRevision()) {
                    // runs beside the next rounds' writes; every twentieth is waited for
                    KvResult compact = f.apply(Req.compact(f.store.revision(), round % 20 == 19));
                    assertThat(compact.isError()).as("%s", compact).isFalse();
                    compact.completion().get(30, TimeUnit.SECONDS);
                }
            }
        } finally {
            stop.set(true);
            reader.join();
        }
        assertThat(readerFailure.get()).isNull();
        f.apply(Req.compact(f.store.revision(), true)).completion().get(30, TimeUnit.SECONDS);
        assertThat(f.store.checkCurrentVersionsInHistory()).isEqualTo(expected.size());
        // after compacting to the newest revision, history is exactly the current versions
        assertThat(f.store.countEntries(Columns.HISTORY)).isEqualTo(expected.size());
        for (Map.Entry<String, String> e : expected.entrySet()) {
            assertThat(valueOf(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
        }
        assertThat(f.store.range(Req.range("k", "l")).getKvsList()).extracting(kv -> kv.getKey().toStringUtf8())
                .containsExactlyElementsOf(expected.keySet());
    }
}
