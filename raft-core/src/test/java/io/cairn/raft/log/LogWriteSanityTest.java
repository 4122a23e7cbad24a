package io.cairn.raft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sanity run of the write path at the shape the runtime uses it: 10,000 entries of 256 bytes, one sync per 100,
 * on the real file system and default options. No timing is asserted (benchmarks measure; tests check behaviour);
 * the elapsed time is printed for a rough look.
 */
class LogWriteSanityTest {
    @TempDir
    Path dir;

    @Test
    void tenThousandEntriesWithASyncPerHundred() throws IOException {
        long start = System.nanoTime();
        try (SegmentedLog log = SegmentedLog.open(dir, new NioFileIO())) {
            for (int batch = 0; batch < 100; batch++) {
                List<Entry> entries = new ArrayList<>(100);
                for (int i = 0; i < 100; i++) {
                    long index = batch * 100L + i + 1;
                    entries.add(Entry.command(1, index, LogFixtures.payload(1, index, 256)));
                }
                log.append(1, new HardState(1, 1, batch * 100L), entries);
                log.sync();
            }
        }
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.println("10,000 entries, 100 syncs: " + elapsedMillis + " ms (including open and pre-allocation)");
        try (SegmentedLog log = SegmentedLog.open(dir, new NioFileIO())) {
            LogStorage.Recovered r = log.recover(1);
            assertThat(r.entries()).hasSize(10_000);
            assertThat(r.entries().get(9_999)).isEqualTo(Entry.command(1, 10_000, LogFixtures.payload(1, 10_000, 256)));
            assertThat(r.hardState()).isEqualTo(new HardState(1, 1, 9_900));
        }
    }
}
