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
}
