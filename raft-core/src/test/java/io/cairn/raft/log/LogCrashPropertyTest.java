package io.cairn.raft.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.Entry;
import io.cairn.raft.core.EntryType;
import io.cairn.raft.core.HardState;
import io.cairn.raft.core.SnapshotMeta;
import io.cairn.raft.core.confchange.Configuration;
import io.cairn.raft.log.LogModel.EntryOp;
import io.cairn.raft.log.LogModel.HardStateOp;
import io.cairn.raft.log.LogModel.Op;
import io.cairn.raft.log.LogModel.SnapshotOp;
import io.cairn.raft.log.LogStorage.Recovered;
import io.cairn.raft.log.TearingFileIO.Crash;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random runs of appends (with conflicting suffixes), hard states, snapshots (local and replacing), compactions,
 * syncs, clean restarts and crashes (losing every unsynced byte, tearing the last or a random unsynced write,
 * scrambling sectors; now, or in the middle of a data sync) against {@link LogModel}. After every crash the log must
 * recover exactly the durable model with some prefix of the records written since the last sync: nothing synced
 * lost, nothing invented, no record kept after one that was lost. After a clean restart it must recover everything.
 *
 * <p>One seed per run, printed on failure; {@code -Dlog.seed=N} replays one, {@code -Dlog.seeds=K} runs K. The run
 * counts how often it reached the interesting states (torn tails cut, segments deleted, suffixes cut) and fails if
 * it never did, so a change that makes those paths unreachable does not pass silently.
 */
class LogCrashPropertyTest {
    private static final long GROUPS = 3;
    private static final int STEPS = 300;

    @TempDir
    Path base;

    private int tornTailsCut;
    private int segmentsDeleted;
    private int suffixesCut;
    private int crashes;
    private int replacedLogs;

    @Test
    void recoveryAfterEveryCrashMatchesTheModel() throws IOException {
        String one = System.getProperty("log.seed");
        if (one != null) {
            runSeed(Long.parseLong(one));
            return;
        }
        int seeds = Integer.getInteger("log.seeds", 200);
        for (long seed = 1; seed <= seeds; seed++) {
            runSeed(seed);
        }
        System.out.printf("log crash property: %d seeds, %d crashes, %d torn tails cut, %d segments deleted, "
                + "%d suffixes cut, %d logs replaced%n", seeds, crashes, tornTailsCut, segmentsDeleted, suffixesCut,
                replacedLogs);
        assertThat(tornTailsCut).as("torn tails cut").isPositive();
        assertThat(segmentsDeleted).as("segments deleted by compaction").isPositive();
        assertThat(suffixesCut).as("conflicting suffixes cut").isPositive();
        assertThat(replacedLogs).as("snapshots replacing the log").isPositive();
    }

    /**
     * The same runs over the real file system (a few seeds: every data sync is a real one), in case the in-memory
     * disk hides something.
     */
    @Test
    void recoveryAfterEveryCrashMatchesTheModelOnARealDisk() throws IOException {
        for (long seed = 1001; seed <= 1004; seed++) {
            runSeed(seed, new NioFileIO());
        }
    }

    private void runSeed(long seed) throws IOException {
        runSeed(seed, new MemFileIO());
    }

    private void runSeed(long seed, FileIO disk) throws IOException {
        try {
            new Run(seed, disk).run();
        } catch (AssertionError | RuntimeException | IOException e) {
            throw new AssertionError("seed " + seed + " failed (replay with -Dlog.seed=" + seed + "): " + e, e);
        }
    }

    /** One seeded run. */
    private final class Run {
        private final Random rnd;
        private final Path dir;
        private final TearingFileIO io;
        private final SegmentedLog.Options options;
        private SegmentedLog log;
        private LogModel durable = new LogModel();
        private LogModel written = new LogModel();
        private final List<Op> unsynced = new ArrayList<>();
        private int step;

        Run(long seed, FileIO disk) {
            this.io = new TearingFileIO(disk);
            this.rnd = new Random(seed);
            this.dir = base.resolve("seed-" + seed);
            long segmentBytes = 4096L << rnd.nextInt(3);
            this.options = LogFixtures.small(segmentBytes).withPreallocate(rnd.nextInt(4) != 0);
        }

        void run() throws IOException {
            log = SegmentedLog.open(dir, io, options);
            for (step = 0; step < STEPS; step++) {
                countDeletions();
                int action = rnd.nextInt(100);
                if (action < 45) {
                    append();
                } else if (action < 53) {
                    snapshot();
                } else if (action < 63) {
                    compact();
                } else if (action < 82) {
                    log.sync();
                    synced();
                } else if (action < 88) {
                    crashNow();
                } else if (action < 96) {
                    crashDuringSync();
                } else {
                    log.close();
                    reopenExpecting(written);
                }
            }
            log.close();
            reopenExpecting(written);
            log.close();
        }

        private Path oldestSegment;

        private void countDeletions() {
            Path oldest = log.segmentPaths().get(0);
            if (oldestSegment != null && oldest.compareTo(oldestSegment) > 0) {
                segmentsDeleted++;
            }
            oldestSegment = oldest;
        }

        private void synced() {
            durable = written.copy();
            unsynced.clear();
        }

        private void write(Op op) {
            written.apply(op);
            unsynced.add(op);
        }

        private void append() throws IOException {
            long id = 1 + rnd.nextInt((int) GROUPS);
            LogModel.Group g = written.group(id);
            long snapshotIndex = g.snapshotIndex();
            long last = g.lastIndex();
            long start = last + 1;
            if (last > snapshotIndex && rnd.nextInt(5) == 0) {
                start = snapshotIndex + 1 + rnd.nextInt((int) (last - snapshotIndex));
                suffixesCut++;
            }
            int count = rnd.nextInt(6);
            long term = Math.max(1, g.termAt(start - 1)) + (rnd.nextInt(4) == 0 ? 1 : 0);
            List<Entry> entries = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                term += rnd.nextInt(10) == 0 ? 1 : 0;
                entries.add(new Entry(term, start + i, EntryType.values()[rnd.nextInt(3)], data()));
            }
            HardState hs = count == 0 || rnd.nextBoolean() ? nextHardState(g.hardState, start + count - 1) : null;
            log.append(id, hs, entries);
            for (Entry e : entries) {
                write(new EntryOp(id, e));
            }
            if (hs != null) {
                write(new HardStateOp(id, hs));
            }
        }

        private byte[] data() {
            int size = rnd.nextInt(12) == 0 ? 1000 + rnd.nextInt(6000) : rnd.nextInt(200);
            byte[] b = new byte[size];
            rnd.nextBytes(b);
            return b;
        }

        private HardState nextHardState(HardState hs, long lastIndex) {
            long term = Math.max(1, hs.term() + (rnd.nextInt(3) == 0 ? 1 : 0));
            long vote = term > hs.term() || hs.vote() == 0 ? rnd.nextInt(4) : hs.vote();
            return new HardState(term, vote, rnd.nextInt((int) Math.max(1, lastIndex + 1)));
        }

        private void snapshot() throws IOException {
            long id = 1 + rnd.nextInt((int) GROUPS);
            LogModel.Group g = written.group(id);
            Configuration config = Configuration.ofVoters(1 + rnd.nextInt(3), 4, 5 + rnd.nextInt(3));
            if (rnd.nextInt(4) == 0) {
                long index = g.snapshotIndex() + 1 + rnd.nextInt((int) (g.lastIndex() - g.snapshotIndex() + 5));
                long term = Math.max(1, g.termAt(g.lastIndex())) + rnd.nextInt(2);
                SnapshotMeta meta = new SnapshotMeta(index, term, config);
                log.saveSnapshot(id, meta, true);
                write(new SnapshotOp(id, meta, true));
                replacedLogs++;
            } else if (g.lastIndex() > g.snapshotIndex()) {
                long index = g.snapshotIndex() + 1 + rnd.nextInt((int) (g.lastIndex() - g.snapshotIndex()));
                SnapshotMeta meta = new SnapshotMeta(index, g.termAt(index), config);
                log.saveSnapshot(id, meta, false);
                write(new SnapshotOp(id, meta, false));
            }
        }

        private void compact() throws IOException {
            long id = 1 + rnd.nextInt((int) GROUPS);
            long snapshotIndex = written.group(id).snapshotIndex();
            if (snapshotIndex > 0) {
                log.compact(id, 1 + rnd.nextInt((int) snapshotIndex)); // deletes now if nothing awaits a sync
            }
        }

        private Crash mode() {
            return Crash.values()[rnd.nextInt(Crash.values().length)];
        }

        private void crashNow() throws IOException {
            io.crash(mode(), rnd);
            reopenAfterCrash();
        }

        private void crashDuringSync() throws IOException {
            io.crashAtNextForce(mode(), rnd);
            try {
                log.sync();
            } catch (IOException e) {
                reopenAfterCrash();
                return;
            }
            io.disarm(); // nothing to sync: no crash happened
            synced();
        }

        private void reopenAfterCrash() throws IOException {
            crashes++;
            log = SegmentedLog.open(dir, io, options);
            if (log.recoveryReport().tornTailCut()) {
                tornTailsCut++;
            }
            List<Recovered> actual = recoverAll();
            LogModel candidate = durable.copy();
            for (int k = 0; ; k++) {
                if (recoveredOf(candidate).equals(actual)) {
                    written = candidate;
                    synced();
                    return;
                }
                if (k == unsynced.size()) {
                    break;
                }
                candidate.apply(unsynced.get(k));
            }
            assertThat(actual).as("step %d: recovered state is no prefix of the %d records written since the last "
                    + "sync (expected at least the durable state)", step, unsynced.size())
                    .isEqualTo(recoveredOf(durable));
            throw new AssertionError("step " + step + ": recovered the durable state, but with a torn prefix");
        }

        private void reopenExpecting(LogModel expected) throws IOException {
            log = SegmentedLog.open(dir, io, options);
            assertThat(log.recoveryReport().tornTailCut()).as("step %d: torn tail after a clean close", step)
                    .isFalse();
            assertThat(recoverAll()).as("step %d: recovery after a clean close", step)
                    .isEqualTo(recoveredOf(expected));
            written = expected;
            synced();
        }

        private List<Recovered> recoverAll() throws IOException {
            List<Recovered> out = new ArrayList<>();
            for (long id = 1; id <= GROUPS + 1; id++) {
                out.add(log.recover(id));
            }
            return out;
        }

        private List<Recovered> recoveredOf(LogModel model) {
            List<Recovered> out = new ArrayList<>();
            for (long id = 1; id <= GROUPS + 1; id++) {
                out.add(model.peek(id).recovered());
            }
            return out;
        }
    }
}
