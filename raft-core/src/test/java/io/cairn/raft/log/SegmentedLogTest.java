package io.cairn.raft.log;

import static io.cairn.raft.log.LogFixtures.config;
import static io.cairn.raft.log.LogFixtures.entries;
import static io.cairn.raft.log.LogFixtures.small;
import static io.cairn.raft.log.LogFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.Invariants.InvariantViolation;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.log.LogStorage.Recovered;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log's semantics: round trips, cuts, snapshots, rolling, compaction, restarts, group commit, invariants. */
class SegmentedLogTest {
    @TempDir
    Path dir;

    private final NioFileIO nio = new NioFileIO();

    private SegmentedLog open(FileIO io, SegmentedLog.Options options) throws IOException {
        return SegmentedLog.open(dir, io, options);
    }

    @Test
    void everyRecordKindOfSeveralGroupsSurvivesACleanRestart() throws IOException {
        List<Entry> g1 = new ArrayList<>(entries(1, 1, 3, 10));
        g1.add(Entry.noop(2, 4));
        g1.add(config(2, 5, 1, 2, 3));
        g1.add(Entry.command(2, 6, new byte[0]));
        SnapshotMeta snap = new SnapshotMeta(3, 1,
                new Configuration(new long[] {1, 2}, new long[] {1, 2, 3}, new long[] {9}, true));
        try (SegmentedLog log = open(nio, SegmentedLog.Options.defaults())) {
            log.append(1, new HardState(2, 3, 4), g1);
            log.append(Long.MAX_VALUE, new HardState(5, 0, 0), entries(5, 1, 2, 1000));
            log.append(-7, new HardState(1, 1, 0), List.of());
            log.saveSnapshot(1, snap, false);
            log.sync();
        }
        try (SegmentedLog log = open(nio, SegmentedLog.Options.defaults())) {
            assertThat(log.recover(1)).isEqualTo(new Recovered(new HardState(2, 3, 4), snap, g1.subList(3, 6)));
            assertThat(log.recover(Long.MAX_VALUE))
                    .isEqualTo(new Recovered(new HardState(5, 0, 0), null, entries(5, 1, 2, 1000)));
            assertThat(log.recover(-7)).isEqualTo(new Recovered(new HardState(1, 1, 0), null, List.of()));
            assertThat(log.recover(42)).isEqualTo(new Recovered(HardState.EMPTY, null, List.of()));
            assertThat(log.recoveryReport().groupCount()).isEqualTo(3);
            assertThat(log.recoveryReport().tornTailCut()).isFalse();
        }
    }

    @Test
    void appendingAtAnExistingIndexCutsTheSuffixAlsoAfterRestart() throws IOException {
        try (SegmentedLog log = open(nio, small(8192))) {
            log.append(1, null, entries(1, 1, 10, 50));
            log.append(1, null, entries(2, 6, 3, 50));
            log.sync();
            assertThat(log.recoveryReport().recordCount()).isZero(); // a fresh directory
        }
        List<Entry> expected = new ArrayList<>(entries(1, 1, 5, 50));
        expected.addAll(entries(2, 6, 3, 50));
        try (SegmentedLog log = open(nio, small(8192))) {
            assertThat(log.recover(1).entries()).isEqualTo(expected);
            // Cut again right after a restart: the writer's view of terms comes from the recovered entries.
            log.append(1, null, entries(3, 7, 1, 50));
            log.sync();
        }
        expected = new ArrayList<>(expected.subList(0, 6));
        expected.addAll(entries(3, 7, 1, 50));
        try (SegmentedLog log = open(nio, small(8192))) {
            assertThat(log.recover(1).entries()).isEqualTo(expected);
        }
    }

    @Test
    void aCutReachesIntoOlderSegments() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 10; i++) {
                log.append(1, null, entries(1, 1 + i * 10, 10, 100));
                log.sync();
            }
            assertThat(log.segmentPaths()).hasSizeGreaterThan(3);
            log.append(1, new HardState(2, 1, 5), entries(2, 15, 2, 100));
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            Recovered r = log.recover(1);
            List<Entry> expected = new ArrayList<>(entries(1, 1, 14, 100));
            expected.addAll(entries(2, 15, 2, 100));
            assertThat(r.entries()).isEqualTo(expected);
            assertThat(r.hardState()).isEqualTo(new HardState(2, 1, 5));
        }
    }

    @Test
    void segmentsRollWhenFullAndEveryGroupSurvivesRestart() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 30; i++) {
                for (long g = 1; g <= 3; g++) {
                    log.append(g, new HardState(1, g, i), entries(1, 1 + i * 5L, 5, 40 * (int) g));
                }
                log.sync();
            }
            assertThat(log.segmentPaths()).hasSizeGreaterThan(10);
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            for (long g = 1; g <= 3; g++) {
                assertThat(log.recover(g).entries()).isEqualTo(entries(1, 1, 150, 40 * (int) g));
                assertThat(log.recover(g).hardState()).isEqualTo(new HardState(1, g, 29));
            }
            assertThat(Files.size(log.segmentPaths().get(0))).isEqualTo(4096);
        }
    }

    @Test
    void rollingTakesTheSegmentPreparedAheadInTheBackground() throws IOException {
        Path spare = dir.resolve(SpareSegment.FILE_NAME);
        SegmentedLog.Options options = SegmentedLog.Options.defaults().withSegmentSizeBytes(4096);
        try (SegmentedLog log = open(nio, options)) {
            for (int i = 0; i < 30; i++) {
                log.append(1, new HardState(1, 1, i), entries(1, 1 + i * 5L, 5, 100));
                log.sync();
            }
            assertThat(log.segmentPaths()).hasSizeGreaterThan(4);
            for (Path p : log.segmentPaths()) {
                assertThat(Files.size(p)).as(p.toString()).isEqualTo(4096);
            }
        }
        // Closing waited for the next spare: full size, nothing but zeros.
        assertThat(Files.readAllBytes(spare)).hasSize(4096).containsOnly(0);
        try (SegmentedLog log = open(nio, options)) {
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 150, 100));
            assertThat(log.recover(1).hardState()).isEqualTo(new HardState(1, 1, 29));
        }
    }

    @Test
    void aSpareLeftByACrashIsDeletedAtOpen() throws IOException {
        try (SegmentedLog log = open(nio, small(4096).withPreallocate(false))) {
            log.append(1, null, entries(1, 1, 5, 100));
            log.sync();
        }
        Path spare = dir.resolve(SpareSegment.FILE_NAME);
        Files.write(spare, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}); // half prepared when the process died
        try (SegmentedLog log = open(nio, small(4096).withPreallocate(false))) {
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 5, 100));
            assertThat(spare).doesNotExist();
        }
    }

    @Test
    void anEntryLargerThanASegmentGrowsItsSegment() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            log.append(1, null, entries(1, 1, 1, 100));
            log.append(1, null, entries(1, 2, 1, 20_000));
            log.append(1, null, entries(1, 3, 1, 100));
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            List<Entry> expected = new ArrayList<>(entries(1, 1, 1, 100));
            expected.addAll(entries(1, 2, 1, 20_000));
            expected.addAll(entries(1, 3, 1, 100));
            assertThat(log.recover(1).entries()).isEqualTo(expected);
        }
    }

    @Test
    void aRecordLargerThanTheRecoveryReadWindowIsCheckedInPieces() throws IOException {
        List<Entry> big = entries(1, 2, 1, 3 << 20); // 3 MiB: above the reader's 1 MiB window
        try (SegmentedLog log = open(nio, small(4096))) {
            log.append(1, null, entries(1, 1, 1, 100));
            log.append(1, null, big);
            log.sync();
        }
        Path segment;
        try (SegmentedLog log = open(nio, small(4096))) {
            assertThat(log.recover(1).entries()).hasSize(2).endsWith(big.get(0));
            segment = log.segmentPaths().get(log.segmentPaths().size() - 1);
        }
        // Damage in its middle is found by the checksum (here in the last record: cut as a torn tail).
        LogFixtures.Rec last = LogFixtures.lastRecord(nio, segment);
        assertThat(last.index()).isEqualTo(2);
        new BitFlipFileIO(nio).flipNow(segment, last.offset() + (2 << 20), 4);
        try (SegmentedLog log = open(nio, small(4096))) {
            assertThat(log.recoveryReport().tornOffset()).isEqualTo(last.offset());
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 1, 100));
        }
    }

    @Test
    void compactionDeletesSegmentsOnlyOnceEveryGroupIsCoveredAndSurvivesRestart() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 20; i++) {
                log.append(1, null, entries(1, 1 + i * 5L, 5, 100));
                log.append(2, null, entries(1, 1 + i * 5L, 5, 100));
                log.sync();
            }
            int before = log.segmentPaths().size();
            Path oldest = log.segmentPaths().get(0);
            log.saveSnapshot(1, snapshot(90, 1), false);
            log.sync();
            log.compact(1, 90);
            assertThat(log.segmentPaths()).hasSize(before); // group 2 still needs every segment
            log.saveSnapshot(2, snapshot(60, 1), false);
            log.sync();
            log.compact(2, 60);
            assertThat(log.segmentPaths()).hasSizeLessThan(before);
            assertThat(Files.exists(oldest)).isFalse();
            assertThat(nio.list(dir)).filteredOn(p -> !p.endsWith(SpareSegment.FILE_NAME))
                    .hasSameSizeAs(log.segmentPaths());
            log.append(1, null, entries(2, 101, 1, 10));
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            Recovered r1 = log.recover(1);
            assertThat(r1.snapshot()).isEqualTo(snapshot(90, 1));
            List<Entry> expected1 = new ArrayList<>(entries(1, 91, 10, 100));
            expected1.addAll(entries(2, 101, 1, 10));
            assertThat(r1.entries()).isEqualTo(expected1);
            Recovered r2 = log.recover(2);
            assertThat(r2.snapshot()).isEqualTo(snapshot(60, 1));
            assertThat(r2.entries()).isEqualTo(entries(1, 61, 40, 100));
        }
    }

    @Test
    void compactionAppliedInALaterSegmentThanItsSnapshotLeavesARecoverableLog() throws IOException {
        // The oldest segment left after compaction has a header with an older snapshot than the compaction point:
        // recovery must accept that entries before it are gone because a later snapshot record covers them.
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 20; i++) {
                log.append(1, null, entries(1, 1 + i * 5L, 5, 100));
                log.sync();
            }
            log.saveSnapshot(1, snapshot(95, 1), false);
            log.sync();
            log.compact(1, 95);
            assertThat(log.segmentPaths()).hasSize(1);
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            assertThat(log.recover(1).snapshot()).isEqualTo(snapshot(95, 1));
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 96, 5, 100));
        }
    }

    @Test
    void entriesCutByAConflictNoLongerPinTheirSegments() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 20; i++) {
                log.append(1, null, entries(1, 1 + i * 5L, 5, 100));
                log.sync();
            }
            List<Path> before = log.segmentPaths();
            log.append(1, null, entries(2, 10, 11, 100)); // cuts 10..100, which fill the older segments
            log.saveSnapshot(1, snapshot(20, 2), false);
            log.sync();
            log.compact(1, 20);
            // Entries 10..100 are dead, 1..20 are covered: only segments written since the cut may remain.
            assertThat(log.segmentPaths()).doesNotContainAnyElementsOf(before.subList(0, before.size() - 1));
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            assertThat(log.recover(1).snapshot()).isEqualTo(snapshot(20, 2));
            assertThat(log.recover(1).entries()).isEmpty();
        }
    }

    @Test
    void compactionWaitsForTheSyncThatMakesItsSnapshotDurable() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 10; i++) {
                log.append(1, null, entries(1, 1 + i * 5L, 5, 100));
            }
            log.sync();
            int before = log.segmentPaths().size();
            log.saveSnapshot(1, snapshot(45, 1), false);
            log.compact(1, 45);
            assertThat(log.segmentPaths()).hasSize(before);
            log.sync();
            assertThat(log.segmentPaths()).hasSizeLessThan(before);
        }
    }

    @Test
    void compactionBeyondTheSavedSnapshotIsRefused() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            log.append(1, null, entries(1, 1, 10, 10));
            log.saveSnapshot(1, snapshot(5, 1), false);
            assertThatThrownBy(() -> log.compact(1, 6)).isInstanceOf(InvariantViolation.class)
                    .hasMessageContaining("not covered by a saved snapshot");
            assertThatThrownBy(() -> log.compact(3, 1)).isInstanceOf(InvariantViolation.class);
        }
    }

    @Test
    void aSnapshotThatReplacesTheLogDiscardsEveryEntryAndUnpinsOldSegments() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            for (int i = 0; i < 10; i++) {
                log.append(1, null, entries(1, 1 + i * 5L, 5, 100));
                log.sync();
            }
            List<Path> before = log.segmentPaths();
            log.saveSnapshot(1, snapshot(200, 3), true);
            log.append(1, new HardState(3, 2, 200), entries(3, 201, 40, 100));
            log.sync();
            // No compact call: the replaced entries are dead, so segments holding only them go at the next roll.
            assertThat(log.segmentPaths()).doesNotContainAnyElementsOf(before.subList(0, before.size() - 1));
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            Recovered r = log.recover(1);
            assertThat(r.snapshot()).isEqualTo(snapshot(200, 3));
            assertThat(r.entries()).isEqualTo(entries(3, 201, 40, 100));
            assertThat(r.hardState()).isEqualTo(new HardState(3, 2, 200));
        }
    }

    @Test
    void aSnapshotWithoutReplaceKeepsTheEntriesAfterIt() throws IOException {
        try (SegmentedLog log = open(nio, small(8192))) {
            log.append(1, null, entries(1, 1, 5, 10));
            log.append(1, null, entries(2, 6, 5, 10));
            log.saveSnapshot(1, snapshot(7, 2), false);
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(8192))) {
            assertThat(log.recover(1)).isEqualTo(new Recovered(HardState.EMPTY, snapshot(7, 2), entries(2, 8, 3, 10)));
            log.append(1, null, entries(2, 11, 1, 10));
            // A snapshot at the same index again is accepted (idempotent), an older one is not.
            log.saveSnapshot(1, snapshot(7, 2), false);
            assertThatThrownBy(() -> log.saveSnapshot(1, snapshot(6, 2), false))
                    .isInstanceOf(InvariantViolation.class);
            // Entries covered by the snapshot cannot be written again.
            assertThatThrownBy(() -> log.append(1, null, entries(2, 7, 1, 10)))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("covered by the snapshot");
        }
    }

    @Test
    void aCrashBeforeSyncLosesOnlyUnsyncedWrites() throws IOException {
        UnsyncedInMemoryFileIO io = new UnsyncedInMemoryFileIO(nio);
        SegmentedLog log = open(io, small(4096));
        log.append(1, new HardState(1, 1, 0), entries(1, 1, 20, 100));
        log.sync();
        log.append(1, new HardState(2, 2, 20), entries(2, 21, 3, 100));
        log.saveSnapshot(2, snapshot(9, 9), true);
        io.dropUnsynced(); // kill -9 in the fault mode: the log is not closed
        try (SegmentedLog reopened = open(io, small(4096))) {
            assertThat(reopened.recover(1))
                    .isEqualTo(new Recovered(new HardState(1, 1, 0), null, entries(1, 1, 20, 100)));
            assertThat(reopened.recover(2)).isEqualTo(new Recovered(HardState.EMPTY, null, List.of()));
        }
    }

    @Test
    void aProcessCrashWithoutCloseKeepsEverythingSynced() throws IOException {
        SegmentedLog log = open(nio, small(4096));
        log.append(1, new HardState(1, 1, 0), entries(1, 1, 50, 100));
        log.sync();
        log.append(1, null, entries(1, 51, 1, 100)); // encoded only: never written
        // Not closed: its handle leaks, as a killed process's would.
        try (SegmentedLog reopened = open(nio, small(4096))) {
            assertThat(reopened.recover(1).entries()).isEqualTo(entries(1, 1, 50, 100));
            reopened.append(1, null, entries(1, 51, 2, 100));
            reopened.sync();
        }
        try (SegmentedLog reopened = open(nio, small(4096))) {
            assertThat(reopened.recover(1).entries()).isEqualTo(entries(1, 1, 52, 100));
        }
    }

    @Test
    void oneSyncIsOneDataSyncHoweverManyGroupsWrote() throws IOException {
        TearingFileIO io = new TearingFileIO(nio);
        try (SegmentedLog log = open(io, SegmentedLog.Options.defaults().withPreallocator(Runnable::run))) {
            long before = io.forces();
            for (long g = 1; g <= 8; g++) {
                log.append(g, new HardState(1, g, 0), entries(1, 1, 10, 64));
            }
            log.sync();
            assertThat(io.forces() - before).isEqualTo(1);
            log.sync(); // nothing new: no data sync at all
            assertThat(io.forces() - before).isEqualTo(1);
        }
    }

    @Test
    void aBatchLargerThanTheWriteBufferIsStillOneDataSync() throws IOException {
        TearingFileIO io = new TearingFileIO(nio);
        try (SegmentedLog log = open(io, SegmentedLog.Options.defaults().withWriteBufferBytes(4096)
                .withPreallocator(Runnable::run))) {
            long before = io.forces();
            log.append(1, null, entries(1, 1, 100, 500));
            log.sync();
            assertThat(io.forces() - before).isEqualTo(1);
        }
        try (SegmentedLog log = open(nio, SegmentedLog.Options.defaults())) {
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 100, 500));
        }
    }

    @Test
    void writesThatBreakTheLogsRulesAreRefusedAndWriteNothing() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            log.append(1, new HardState(3, 2, 0), entries(2, 1, 5, 10));
            log.sync();
            assertThatThrownBy(() -> log.append(1, null, entries(2, 7, 1, 10)))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("gap");
            assertThatThrownBy(() -> log.append(1, null, entries(1, 6, 1, 10)))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("below the previous");
            List<Entry> notConsecutive = List.of(Entry.command(2, 6, null), Entry.command(2, 8, null));
            assertThatThrownBy(() -> log.append(1, null, notConsecutive)).isInstanceOf(InvariantViolation.class);
            assertThatThrownBy(() -> log.append(1, new HardState(3, 1, 0), List.of()))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("vote changes");
            assertThatThrownBy(() -> log.append(1, new HardState(2, 2, 0), entries(2, 6, 1, 10)))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("term goes back");
            assertThatThrownBy(() -> log.saveSnapshot(1, snapshot(4, 1), false))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("term 1");
            assertThatThrownBy(() -> log.saveSnapshot(1, snapshot(9, 2), false))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("replaceLog");
            log.append(1, new HardState(4, 0, 5), entries(2, 6, 1, 10)); // still usable
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(4096).withEntryBytesMax(4096))) {
            assertThat(log.recover(1)).isEqualTo(new Recovered(new HardState(4, 0, 5), null, entries(2, 1, 6, 10)));
            assertThatThrownBy(() -> log.append(1, null, entries(2, 7, 1, 5000)))
                    .isInstanceOf(InvariantViolation.class).hasMessageContaining("entryBytesMax");
        }
    }

    @Test
    void recoverIsForBeforeTheFirstWrite() throws IOException {
        try (SegmentedLog log = open(nio, small(4096))) {
            log.append(1, null, entries(1, 1, 2, 10));
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(4096))) {
            assertThat(log.recover(1).entries()).hasSize(2);
            assertThat(log.recover(1).entries()).hasSize(2);
            log.append(1, null, entries(1, 3, 1, 10));
            assertThatThrownBy(() -> log.recover(1)).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void groupsCanBeRecoveredOnAnotherThreadWhileOthersAreWritten() throws Exception {
        try (SegmentedLog log = open(nio, small(16384))) {
            for (long g = 1; g <= 50; g++) {
                log.append(g, new HardState(g, 1, 0), entries(1, 1, 3, 20));
            }
            log.sync();
        }
        try (SegmentedLog log = open(nio, small(16384))) {
            List<Recovered> seen = new ArrayList<>();
            Thread opener = new Thread(() -> {
                for (long g = 1; g <= 50; g++) {
                    seen.add(log.recover(g));
                }
            });
            opener.start();
            for (long g = 100; g < 1100; g++) { // new groups: the writer's maps grow meanwhile
                log.append(g, new HardState(1, 1, 0), entries(1, 1, 1, 20));
            }
            log.sync();
            opener.join();
            for (int i = 0; i < 50; i++) {
                long g = i + 1;
                assertThat(seen.get(i)).isEqualTo(new Recovered(new HardState(g, 1, 0), null, entries(1, 1, 3, 20)));
            }
        }
    }

    @Test
    void afterAFailedDataSyncTheLogRefusesEverything() throws IOException {
        FileIO failing = new FailingForceFileIO(nio);
        SegmentedLog log = open(failing, small(4096));
        log.append(1, null, entries(1, 1, 1, 10));
        assertThatThrownBy(log::sync).isInstanceOf(IOException.class).hasMessageContaining("injected");
        assertThatThrownBy(() -> log.append(1, null, entries(1, 2, 1, 10))).isInstanceOf(IOException.class)
                .hasMessageContaining("failed earlier");
        assertThatThrownBy(log::sync).isInstanceOf(IOException.class);
        log.close();
    }

    /** Succeeds until the log is open, then every data sync fails (as a dying disk's would). */
    private static final class FailingForceFileIO extends ForwardingFileIO {
        FailingForceFileIO(FileIO delegate) {
            super(delegate);
        }

        @Override
        protected FileHandle wrap(Path path, FileHandle opened) {
            return new Handle(opened) {
                private int forces;

                @Override
                public void force() throws IOException {
                    if (++forces > 1) {
                        throw new IOException("injected fsync failure");
                    }
                    base.force();
                }
            };
        }
    }
}
