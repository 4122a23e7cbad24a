package io.cairn.raft.log;

import static io.cairn.raft.log.LogFixtures.entries;
import static io.cairn.raft.log.LogFixtures.lastRecord;
import static io.cairn.raft.log.LogFixtures.records;
import static io.cairn.raft.log.LogFixtures.small;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.HardState;
import io.cairn.raft.log.LogFixtures.Rec;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery after torn writes and flipped bits: a torn or damaged tail of the newest segment is cut and the log goes
 * on; damage followed by later-synced records, or in an older segment, stops the open with the file and offset.
 */
class LogRecoveryTest {
    private static final int SEGMENT_BYTES = 64 * 1024;
    /** Bytes of the record of an entry with 100 bytes of data: 40 of header, 100, 4 of padding. */
    private static final int RECORD_100 = 144;

    @TempDir
    Path dir;

    private final NioFileIO nio = new NioFileIO();

    private SegmentedLog open(FileIO io) throws IOException {
        return SegmentedLog.open(dir, io, small(SEGMENT_BYTES));
    }

    private Path firstSegment() {
        return dir.resolve(RecordFormat.segmentName(1));
    }

    /** Writes entries 1..5, 6..10, 11..15 of group 1 in three synced batches and closes; returns the records. */
    private List<Rec> threeBatches(FileIO io) throws IOException {
        try (SegmentedLog log = open(io)) {
            for (int b = 0; b < 3; b++) {
                log.append(1, null, entries(1, 1 + b * 5L, 5, 100));
                log.sync();
            }
        }
        return records(nio, firstSegment());
    }

    @Test
    void aTornLastWriteIsCutAndLaterAppendsContinueCleanly() throws IOException {
        TearingFileIO io = new TearingFileIO(nio);
        SegmentedLog log = open(io);
        log.append(1, new HardState(1, 1, 0), entries(1, 1, 5, 100));
        log.sync();
        long batchStart = lastRecord(nio, firstSegment()).end();
        log.append(1, new HardState(2, 1, 5), entries(2, 6, 3, 100));
        io.tearAtNextForce(RECORD_100 + 60); // entry 6 whole, entry 7 torn inside its payload
        assertThatThrownBy(log::sync).hasMessageContaining("power loss");

        try (SegmentedLog reopened = open(io)) {
            RecoveryReport report = reopened.recoveryReport();
            assertThat(report.tornTailCut()).isTrue();
            assertThat(report.tornFile()).isEqualTo(firstSegment());
            assertThat(report.tornOffset()).isEqualTo(batchStart + RECORD_100);
            assertThat(report.tornReason()).contains("CRC32C mismatch");
            List<Entry> expected = new ArrayList<>(entries(1, 1, 5, 100));
            expected.addAll(entries(2, 6, 1, 100));
            assertThat(reopened.recover(1))
                    .isEqualTo(new LogStorage.Recovered(new HardState(1, 1, 0), null, expected));
            reopened.append(1, new HardState(2, 1, 5), entries(2, 7, 2, 30));
            reopened.sync();
        }
        try (SegmentedLog reopened = open(io)) {
            assertThat(reopened.recoveryReport().tornTailCut()).isFalse();
            List<Entry> expected = new ArrayList<>(entries(1, 1, 5, 100));
            expected.addAll(entries(2, 6, 1, 100));
            expected.addAll(entries(2, 7, 2, 30));
            assertThat(reopened.recover(1).entries()).isEqualTo(expected);
            assertThat(reopened.recover(1).hardState()).isEqualTo(new HardState(2, 1, 5));
        }
    }

    @Test
    void aTornRecordHeaderIsCutToo() throws IOException {
        TearingFileIO io = new TearingFileIO(nio);
        SegmentedLog log = open(io);
        log.append(1, null, entries(1, 1, 5, 100));
        log.sync();
        log.append(1, null, entries(1, 6, 3, 100));
        io.tearAtNextForce(RECORD_100 + 17);
        assertThatThrownBy(log::sync).isInstanceOf(IOException.class);
        try (SegmentedLog reopened = open(io)) {
            assertThat(reopened.recoveryReport().tornTailCut()).isTrue();
            assertThat(reopened.recover(1).entries()).isEqualTo(entries(1, 1, 6, 100));
        }
    }

    @Test
    void preAllocatedZerosAfterTheLastRecordAreNotATornTail() throws IOException {
        threeBatches(nio);
        try (SegmentedLog log = open(nio)) {
            assertThat(log.recoveryReport().tornTailCut()).isFalse();
            assertThat(Files.size(firstSegment())).isEqualTo(SEGMENT_BYTES);
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 15, 100));
        }
    }

    @Test
    void aBitFlipInTheLastRecordIsCutAsATornWrite() throws IOException {
        BitFlipFileIO io = new BitFlipFileIO(nio);
        List<Rec> recs = threeBatches(io);
        Rec last = recs.get(recs.size() - 1);
        io.flipNow(firstSegment(), last.offset() + 70, 2);
        try (SegmentedLog log = open(io)) {
            assertThat(log.recoveryReport().tornTailCut()).isTrue();
            assertThat(log.recoveryReport().tornOffset()).isEqualTo(last.offset());
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 14, 100));
            log.append(1, null, entries(1, 15, 1, 100));
            log.sync();
        }
        try (SegmentedLog log = open(io)) {
            assertThat(log.recoveryReport().tornTailCut()).isFalse();
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 15, 100));
        }
    }

    @Test
    void damageInsideTheLastBatchCannotBeToldFromATornWriteAndIsCut() throws IOException {
        BitFlipFileIO io = new BitFlipFileIO(nio);
        List<Rec> recs = threeBatches(io);
        Rec firstOfLastBatch = recs.get(recs.size() - 5);
        io.flipNow(firstSegment(), firstOfLastBatch.offset() + 50, 0);
        try (SegmentedLog log = open(io)) {
            assertThat(log.recoveryReport().tornOffset()).isEqualTo(firstOfLastBatch.offset());
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 10, 100));
        }
        // The cut zeroed the rest of the batch: its valid records do not come back behind new writes.
        assertThat(records(nio, firstSegment())).hasSize(recs.size() - 5);
    }

    @Test
    void aBitFlipInTheMiddleFollowedByLaterSyncedRecordsStopsTheOpen() throws IOException {
        BitFlipFileIO io = new BitFlipFileIO(nio);
        List<Rec> recs = threeBatches(io);
        Rec middle = recs.get(8); // entry 8, in the second batch
        assertThat(middle.index()).isEqualTo(8);
        io.flipNow(firstSegment(), middle.offset() + 60, 5);
        assertThatThrownBy(() -> open(io)).isInstanceOfSatisfying(LogCorruptedException.class, e -> {
            assertThat(e.file()).isEqualTo(firstSegment());
            assertThat(e.offset()).isEqualTo(middle.offset());
            assertThat(e.getMessage()).contains(firstSegment().toString(), "byte offset " + middle.offset(),
                    "CRC32C mismatch", "written after this point had been synced");
        });
    }

    @Test
    void aFlippedLengthInTheMiddleStopsTheOpen() throws IOException {
        BitFlipFileIO io = new BitFlipFileIO(nio);
        List<Rec> recs = threeBatches(io);
        Rec middle = recs.get(3);
        io.flipNow(firstSegment(), middle.offset() + 6, 6); // length field: now impossibly large
        assertThatThrownBy(() -> open(io)).isInstanceOfSatisfying(LogCorruptedException.class, e -> {
            assertThat(e.offset()).isEqualTo(middle.offset());
            assertThat(e.getMessage()).contains("impossible payload length");
        });
    }

    @Test
    void aBitFlippedWhileBeingWrittenIsFoundOnceLaterWritesWereSynced() throws IOException {
        BitFlipFileIO io = new BitFlipFileIO(nio);
        SegmentedLog log = open(io);
        log.append(1, null, entries(1, 1, 5, 100));
        log.sync();
        long target = lastRecord(nio, firstSegment()).end() + 2 * RECORD_100 + 45;
        io.flipOnWrite(firstSegment().getFileName().toString(), target, 7);
        log.append(1, null, entries(1, 6, 5, 100));
        log.sync();
        assertThat(io.flipped()).isTrue();
        log.append(1, null, entries(1, 11, 5, 100));
        log.sync();
        log.close();
        assertThatThrownBy(() -> open(io)).isInstanceOfSatisfying(LogCorruptedException.class,
                e -> assertThat(e.offset()).isEqualTo(target - 45));
    }

    @Test
    void aBitFlipInAnOlderSegmentStopsTheOpen() throws IOException {
        BitFlipFileIO io = new BitFlipFileIO(nio);
        try (SegmentedLog log = SegmentedLog.open(dir, io, small(4096))) {
            for (int b = 0; b < 20; b++) {
                log.append(1, null, entries(1, 1 + b * 5L, 5, 100));
                log.sync();
            }
            assertThat(log.segmentPaths()).hasSizeGreaterThan(2);
        }
        // Its last record: in the newest segment this would be a torn tail, in an older one it is damage.
        Rec last = lastRecord(nio, firstSegment());
        io.flipNow(firstSegment(), last.offset() + 44, 1);
        assertThatThrownBy(() -> SegmentedLog.open(dir, io, small(4096)))
                .isInstanceOfSatisfying(LogCorruptedException.class, e -> {
                    assertThat(e.file()).isEqualTo(firstSegment());
                    assertThat(e.offset()).isEqualTo(last.offset());
                    assertThat(e.getMessage()).contains("not the newest segment");
                });
        io.flipNow(firstSegment(), last.offset() + 44, 1); // repaired
        SegmentedLog.open(dir, io, small(4096)).close();

        // A flipped bit in the zeros after the last record of an older segment is damage too.
        assertThat(last.end() + 8).isLessThan(4096);
        io.flipNow(firstSegment(), last.end() + 8, 0);
        assertThatThrownBy(() -> SegmentedLog.open(dir, io, small(4096)))
                .isInstanceOfSatisfying(LogCorruptedException.class,
                        e -> assertThat(e.offset()).isEqualTo(last.end()));
        io.flipNow(firstSegment(), last.end() + 8, 0);

        // And so is one in an older segment's header.
        Path second = dir.resolve(RecordFormat.segmentName(2));
        io.flipNow(second, 20, 0);
        assertThatThrownBy(() -> SegmentedLog.open(dir, io, small(4096)))
                .isInstanceOfSatisfying(LogCorruptedException.class, e -> {
                    assertThat(e.file()).isEqualTo(second);
                    assertThat(e.offset()).isZero();
                });
    }

    @Test
    void aSegmentWhoseHeaderNeverBecameDurableIsStartedAgain() throws IOException {
        threeBatches(nio);
        Path next = dir.resolve(RecordFormat.segmentName(2));
        byte[] garbage = new byte[100];
        new Random(7).nextBytes(garbage);
        Files.write(next, garbage);
        try (SegmentedLog log = open(nio)) {
            assertThat(log.recoveryReport().tornFile()).isEqualTo(next);
            assertThat(log.recoveryReport().tornOffset()).isZero();
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 15, 100));
            assertThat(log.segmentPaths()).containsExactly(firstSegment(), next);
            log.append(1, null, entries(1, 16, 1, 100));
            log.sync();
        }
        Files.write(dir.resolve(RecordFormat.segmentName(3)), new byte[0]); // created, nothing written
        try (SegmentedLog log = open(nio)) {
            assertThat(log.recoveryReport().tornTailCut()).isFalse();
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 16, 100));
        }
    }

    @Test
    void aSegmentMissingFromTheMiddleStopsTheOpen() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, nio, small(4096))) {
            for (int b = 0; b < 20; b++) {
                log.append(1, null, entries(1, 1 + b * 5L, 5, 100));
                log.sync();
            }
        }
        Path second = dir.resolve(RecordFormat.segmentName(2));
        Files.delete(second);
        assertThatThrownBy(() -> SegmentedLog.open(dir, nio, small(4096)))
                .isInstanceOfSatisfying(LogCorruptedException.class, e -> {
                    assertThat(e.file()).isEqualTo(second);
                    assertThat(e.getMessage()).contains("missing");
                });
    }

    @Test
    void anOldestSegmentDeletedByHandIsNoticedWhenNoSnapshotCoversIt() throws IOException {
        try (SegmentedLog log = SegmentedLog.open(dir, nio, small(4096))) {
            for (int b = 0; b < 20; b++) {
                log.append(1, null, entries(1, 1 + b * 5L, 5, 100));
                log.sync();
            }
        }
        Files.delete(firstSegment());
        assertThatThrownBy(() -> SegmentedLog.open(dir, nio, small(4096)))
                .isInstanceOfSatisfying(LogCorruptedException.class,
                        e -> assertThat(e.getMessage()).contains("no snapshot covers them"));
    }

    @Test
    void aValidRecordThatContradictsTheLogIsDamage() throws IOException {
        threeBatches(nio);
        Rec last = lastRecord(nio, firstSegment());
        // A record with a correct checksum but a gap (index 20 after 15), as only a writer bug could produce.
        RecordEncoder encoder = new RecordEncoder(4096);
        int start = encoder.begin(RecordFormat.ENTRY, 0, last.end(), 1, 1, 20, 0);
        encoder.finish(start, 1, last.end());
        try (FileHandle h = nio.open(firstSegment(), false)) {
            ByteBuffer bytes = encoder.drain();
            h.write(bytes, last.end());
        }
        assertThatThrownBy(() -> open(nio)).isInstanceOfSatisfying(LogCorruptedException.class, e -> {
            assertThat(e.offset()).isEqualTo(last.end());
            assertThat(e.getMessage()).contains("contradicts the log before it", "gap");
        });
    }

    @Test
    void aCopyOfAValidRecordAtAnotherOffsetDoesNotValidate() throws IOException {
        List<Rec> recs = threeBatches(nio);
        Rec first = recs.get(1);
        Rec last = recs.get(recs.size() - 1);
        byte[] copy = new byte[(int) (first.end() - first.offset())];
        try (FileHandle h = nio.open(firstSegment(), false)) {
            h.read(ByteBuffer.wrap(copy), first.offset());
            h.write(ByteBuffer.wrap(copy), last.end());
        }
        try (SegmentedLog log = open(nio)) {
            assertThat(log.recoveryReport().tornTailCut()).isTrue();
            assertThat(log.recover(1).entries()).isEqualTo(entries(1, 1, 15, 100));
        }
    }

    @Test
    void withoutPreallocationATornTailAtTheEndOfTheFileIsCut() throws IOException {
        TearingFileIO io = new TearingFileIO(nio);
        SegmentedLog.Options options = small(SEGMENT_BYTES).withPreallocate(false);
        SegmentedLog log = SegmentedLog.open(dir, io, options);
        log.append(1, null, entries(1, 1, 5, 100));
        log.sync();
        log.append(1, null, entries(1, 6, 5, 100));
        io.tearAtNextForce(3 * RECORD_100 + 5);
        assertThatThrownBy(log::sync).isInstanceOf(IOException.class);
        try (SegmentedLog reopened = SegmentedLog.open(dir, io, options)) {
            assertThat(reopened.recoveryReport().tornTailCut()).isTrue();
            assertThat(reopened.recover(1).entries()).isEqualTo(entries(1, 1, 8, 100));
            assertThat(Files.size(firstSegment())).isEqualTo(lastRecord(nio, firstSegment()).end());
        }
    }
}
