package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.cmd;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Regression (robustness row 34): the compactor thread exited on its first error, silently, and history then
 * grew without bound. A failed attempt is now counted and retried with backoff from where it stopped, and a
 * physical Compact waits for the retry instead of failing.
 */
class CompactionRetryTest {
    @Test
    void aFailedCompactionIsRetriedAndFinishes() throws Exception {
        try (StoreFixture f = new StoreFixture(KvLimits.DEFAULTS.withFlushIntervalMillis(0).withCompactionBatchKeysMax(5))) {
            for (int i = 0; i < 50; i++) {
                f.apply(cmd(Req.put("k" + (i % 5), "v" + i)));
            }
            long historyBefore = f.store.countEntries(Columns.HISTORY);
            f.store.failNextCompactionBatches(3);
            KvResult r = f.apply(Req.compact(f.store.revision(), true));
            r.completion().get(30, TimeUnit.SECONDS);
            assertThat(f.store.compactionFailures()).isEqualTo(3);
            assertThat(f.store.physicalCompactedRevision()).isEqualTo(f.store.revision());
            assertThat(f.store.countEntries(Columns.HISTORY)).as("old versions removed").isEqualTo(5)
                    .isLessThan(historyBefore);
            f.apply(cmd(Req.put("k0", "after")));
            assertThat(f.store.range(Req.get("k0")).getKvs(0).getValue().toStringUtf8()).isEqualTo("after");
        }
    }

    /**
     * From issue 12: a compaction interrupted by a close (or a crash, or a process that keeps failing) started over
     * from the start of history at the next open; on a large store that is a long scan each time. The point reached
     * is now recorded with each batch, and the next open goes on from there.
     */
    @Test
    void aCompactionInterruptedByACloseResumesWhereItStopped() throws Exception {
        try (StoreFixture f = new StoreFixture(KvLimits.DEFAULTS.withFlushIntervalMillis(0).withCompactionBatchKeysMax(5))) {
            for (int i = 0; i < 200; i++) {
                f.apply(cmd(Req.put("k" + (i % 40), "v" + i)));
            }
            long revision = f.store.revision();
            f.store.failCompactionBatchesAfter(3, Integer.MAX_VALUE); // three batches, then a storage that fails
            f.apply(Req.compact(revision, false));
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> f.store.compactionFailures() > 0);
            assertThat(f.store.physicalCompactedRevision()).isLessThan(revision);
            f.reopen();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> f.store.physicalCompactedRevision() == revision);
            assertThat(f.store.compactionResumedFromRecordedPoint()).as("went on from the recorded point").isTrue();
            assertThat(f.store.countEntries(Columns.HISTORY)).as("one version per key left").isEqualTo(40);
            for (int k = 0; k < 40; k++) {
                assertThat(f.store.range(Req.get("k" + k)).getKvs(0).getValue().toStringUtf8())
                        .isEqualTo("v" + (160 + k));
            }
        }
    }
}
