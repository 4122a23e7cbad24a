package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.cmd;
import static io.cairn.kv.mvcc.Req.op;
import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.kv.proto.KvCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A real crash with RocksDB's WAL off: a child JVM applies commands, flushes part-way, applies more and halts
 * without closing (its memtables die with it, as in a power cut). The reopened store must hold exactly the state
 * as of some applied index at or above the flushed one, and replaying the whole log (the Raft runtime replays from
 * the durable index; the store skips what it holds) must end in the state of a store that never crashed.
 */
class CrashReplayTest {
    private static final int COMMANDS = 300;
    private static final int FLUSH_AT = 120;

    /** The i-th command of the log (1-based): puts, deletes and Txns over a few keys. */
    static KvCommand command(int i) {
        String key = "k" + (i % 17);
        return switch (i % 5) {
            case 0 -> cmd(Req.delete(key, ""));
            case 1 -> cmd(Req.txn(List.of(Req.versionIs(key, i % 3)), List.of(op(Req.put(key, "t" + i))),
                    List.of(op(Req.delete("k" + (i % 7), "k9")))));
            default -> cmd(Req.put(key, "v" + i));
        };
    }

    static List<Applied> log(int from, int to) {
        List<Applied> out = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            out.add(new Applied(i, command(i).toByteArray()));
        }
        return out;
    }

    /** The child: apply, flush at {@link #FLUSH_AT}, apply the rest, halt without closing. */
    public static void main(String[] args) {
        MvccStore store = MvccStore.open(Path.of(args[0]), KvLimits.DEFAULTS.withFlushIntervalMillis(0));
        store.apply(log(1, FLUSH_AT));
        store.flush();
        store.apply(log(FLUSH_AT + 1, COMMANDS));
        System.out.println("applied " + store.appliedIndex() + " durable " + store.durableAppliedIndex());
        System.out.flush();
        Runtime.getRuntime().halt(0);
    }

    @Test
    void replayAfterACrashEndsInTheStateOfAStoreThatNeverCrashed() throws Exception {
        Path root = Files.createTempDirectory("kv-crash-");
        try {
            Path crashed = root.resolve("crashed");
            Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), CrashReplayTest.class.getName(), crashed.toString())
                    .redirectErrorStream(true).start();
            String output = new String(child.getInputStream().readAllBytes());
            assertThat(child.waitFor(2, TimeUnit.MINUTES)).isTrue();
            assertThat(output).contains("applied " + COMMANDS + " durable " + FLUSH_AT);

            try (MvccStore store = MvccStore.open(crashed, KvLimits.DEFAULTS.withFlushIntervalMillis(0));
                    MvccStore never = MvccStore.open(root.resolve("never"), KvLimits.DEFAULTS)) {
                long recovered = store.appliedIndex();
                assertThat(recovered).isBetween((long) FLUSH_AT, (long) COMMANDS - 1); // the crash lost the tail
                assertThat(store.durableAppliedIndex()).isEqualTo(recovered);
                never.apply(log(1, (int) recovered));
                assertThat(store.range(Req.range("\0", "\0"))).isEqualTo(never.range(Req.range("\0", "\0")));
                assertThat(store.revision()).isEqualTo(never.revision());

                List<KvResult> replayed = store.apply(log(FLUSH_AT + 1, COMMANDS));
                List<KvResult> reference = never.apply(log((int) recovered + 1, COMMANDS));
                assertThat(replayed.stream().filter(KvResult::skipped).count()).isEqualTo(recovered - FLUSH_AT);
                List<Object> replayedOutcomes = new ArrayList<>();
                for (KvResult r : replayed) {
                    if (!r.skipped()) {
                        replayedOutcomes.add(r.isError() ? r.error() : r.response());
                    }
                }
                List<Object> referenceOutcomes = new ArrayList<>();
                for (KvResult r : reference) {
                    referenceOutcomes.add(r.isError() ? r.error() : r.response());
                }
                assertThat(replayedOutcomes).isEqualTo(referenceOutcomes);
                assertThat(store.range(Req.range("\0", "\0"))).isEqualTo(never.range(Req.range("\0", "\0")));
                for (long rev = 1; rev <= never.revision(); rev++) {
                    var everything = Req.range("\0", "\0").toBuilder().setRevision(rev).build();
                    assertThat(store.range(everything)).as("revision %s", rev).isEqualTo(never.range(everything));
                }
            }
        } finally {
            FileTrees.deleteTree(root);
        }
    }
}
