package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.kv.mvcc.Applied;
import io.cairn.kv.mvcc.KvResult;
import io.cairn.kv.mvcc.MvccStore;
import io.cairn.kv.proto.KvCommand;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RangeResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The MVCC store alone ({@link MvccStore} on RocksDB in a temporary directory, no Raft, no gRPC): how fast the
 * apply thread can write, and how fast readers can read.
 *
 * <p><b>Writes</b> ({@link #applyPuts1}, {@link #applyPuts128}): Puts of 256-byte random values to keys drawn
 * uniformly from {@value #KEYS}, handed to {@link MvccStore#apply} as the Raft apply thread hands them: one call
 * per committed batch, here of 1 or 128 commands (each call is one RocksDB write batch with the store's meta).
 * The commands are encoded beforehand, as they arrive already encoded from the log. Each iteration gets a fresh
 * store loaded with every key once and flushed, so every iteration starts from the same state; within it the
 * history grows with every put (nothing compacts, as in etcd without {@code --auto-compaction}). The score is
 * Puts per second ({@link OperationsPerInvocation}). The batch size is a method each rather than a {@link Param}
 * because {@link OperationsPerInvocation} is a constant.
 *
 * <p><b>Reads</b> ({@link #get}, {@link #page100}, {@link #countPrefix}): one store per fork with {@value #KEYS}
 * keys under {@value #PREFIXES} prefixes, every key written twice (so each has two versions); {@code at=current}
 * reads the newest revision (the {@code current} column family), {@code at=old} the revision between the two
 * passes (the {@code history} column family). A page is a Range from a random key of a prefix to the prefix's end
 * with limit 100, as a paginated Kubernetes list asks for its next page; a count is {@code count_only} over one
 * whole prefix ({@value #KEYS} / {@value #PREFIXES} keys). The setup checks that each read returns what it claims.
 *
 * <p>One thread per benchmark; the store's own background threads (flusher, compactor, RocksDB's two jobs) run
 * beside it on this 2-core machine, as they would in a member.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Threads(1)
public class MvccStoreBenchmark {
    /** Keys in either store. */
    static final int KEYS = 100_000;
    /** Prefixes the read store's keys are spread over, equally. */
    static final int PREFIXES = 4;
    /** Bytes of every value. */
    static final int VALUE_BYTES = 256;
    /** Commands per apply call in {@link #applyPuts128}. */
    static final int BATCH = 128;
    /** A page's limit. */
    static final int PAGE = 100;
    /** Commands per apply call while a store is loaded (setup only). */
    private static final int LOAD_BATCH = 1_000;

    /** A store being written: fresh each iteration, loaded with every key once. */
    @State(Scope.Thread)
    public static class Writes {
        private byte[][] commands;
        private SplittableRandom random;
        private Path dir;
        private MvccStore store;
        private long index;
        private long revisionAtStart;
        private long puts;

        @Setup(Level.Trial)
        public void encode() {
            random = new SplittableRandom(42);
            commands = new byte[KEYS][];
            for (int k = 0; k < KEYS; k++) {
                commands[k] = putCommand(key(k), randomValue(random));
            }
        }

        @Setup(Level.Iteration)
        public void open() throws IOException {
            dir = Files.createTempDirectory("cairn-bench-mvcc-writes");
            store = MvccStore.open(dir);
            index = 0;
            List<Applied> batch = new ArrayList<>(LOAD_BATCH);
            for (int k = 0; k < KEYS; k++) {
                batch.add(new Applied(++index, commands[k]));
                if (batch.size() == LOAD_BATCH) {
                    applyAll(store, batch);
                    batch.clear();
                }
            }
            applyAll(store, batch);
            store.flush();
            revisionAtStart = store.revision();
            puts = 0;
        }

        /** The next command: a Put to a random key, at the next Raft index. */
        Applied next() {
            puts++;
            return new Applied(++index, commands[random.nextInt(KEYS)]);
        }

        @TearDown(Level.Iteration)
        public void close() {
            try {
                // every Put bumps the revision by one: proof that none was refused while measured
                long moved = store.revision() - revisionAtStart;
                if (moved != puts) {
                    throw new IllegalStateException(puts + " puts applied but the revision moved by " + moved);
                }
            } finally {
                store.close();
                BenchFiles.deleteTree(dir);
            }
        }
    }

    /** A loaded store to read from, one per fork. */
    @State(Scope.Benchmark)
    public static class Reads {
        /** current: the newest revision; old: the revision after the first of the two passes. */
        @Param({"current", "old"})
        public String at;

        private Path dir;
        private MvccStore store;
        private ByteString[] keys;
        private ByteString[] prefixes;
        private ByteString[] prefixEnds;
        private long revision;
        private final SplittableRandom random = new SplittableRandom(7);

        @Setup(Level.Trial)
        public void load() throws IOException {
            keys = new ByteString[KEYS];
            prefixes = new ByteString[PREFIXES];
            prefixEnds = new ByteString[PREFIXES];
            for (int p = 0; p < PREFIXES; p++) {
                prefixes[p] = ByteString.copyFromUtf8(prefix(p));
                prefixEnds[p] = prefixEnd(prefixes[p]);
            }
            for (int k = 0; k < KEYS; k++) {
                keys[k] = ByteString.copyFromUtf8(readKey(k));
            }
            dir = Files.createTempDirectory("cairn-bench-mvcc-reads");
            store = MvccStore.open(dir);
            SplittableRandom values = new SplittableRandom(1);
            long index = 0;
            long oldRevision = 0;
            for (int pass = 0; pass < 2; pass++) {
                List<Applied> batch = new ArrayList<>(LOAD_BATCH);
                for (int k = 0; k < KEYS; k++) {
                    batch.add(new Applied(++index, putCommand(keys[k], randomValue(values))));
                    if (batch.size() == LOAD_BATCH) {
                        applyAll(store, batch);
                        batch.clear();
                    }
                }
                applyAll(store, batch);
                if (pass == 0) {
                    oldRevision = store.revision();
                }
            }
            store.flush();
            revision = switch (at) {
                case "current" -> 0;
                case "old" -> oldRevision;
                default -> throw new IllegalArgumentException("at must be current or old: " + at);
            };
            checkReads(oldRevision);
        }

        /** Each read returns what its name says, at the revision asked for. */
        private void checkReads(long oldRevision) {
            int k = KEYS / 2;
            RangeResponse g = store.range(getRequest(k));
            // a fresh store is at revision 1 and each Put moves it by one: key k's pass p wrote revision p*KEYS+k+2
            long expectedMod = (revision == 0 ? oldRevision : 1) + k + 1;
            check(g.getKvsCount() == 1 && g.getKvs(0).getModRevision() == expectedMod,
                    "get: %s kvs, mod revision %s, expected 1 at %s", g.getKvsCount(),
                    g.getKvsCount() > 0 ? g.getKvs(0).getModRevision() : 0, expectedMod);
            RangeResponse p = store.range(pageRequest(1, 0));
            check(p.getKvsCount() == PAGE && p.getMore(), "page: %s kvs, more %s", p.getKvsCount(), p.getMore());
            RangeResponse c = store.range(countRequest(2));
            check(c.getCount() == KEYS / PREFIXES && c.getKvsCount() == 0, "count: %s (%s kvs)", c.getCount(),
                    c.getKvsCount());
        }

        RangeRequest getRequest(int k) {
            return RangeRequest.newBuilder().setKey(keys[k]).setRevision(revision).build();
        }

        /** From the {@code from}-th key of prefix {@code p} to the prefix's end, at most {@value #PAGE}. */
        RangeRequest pageRequest(int p, int from) {
            return RangeRequest.newBuilder().setKey(keys[p * (KEYS / PREFIXES) + from]).setRangeEnd(prefixEnds[p])
                    .setLimit(PAGE).setRevision(revision).build();
        }

        RangeRequest countRequest(int p) {
            return RangeRequest.newBuilder().setKey(prefixes[p]).setRangeEnd(prefixEnds[p]).setCountOnly(true)
                    .setRevision(revision).build();
        }

        @TearDown(Level.Trial)
        public void close() {
            try {
                store.close();
            } finally {
                BenchFiles.deleteTree(dir);
            }
        }
    }

    @Benchmark
    @OperationsPerInvocation(1)
    public List<KvResult> applyPuts1(Writes w) {
        return w.store.apply(List.of(w.next()));
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public List<KvResult> applyPuts128(Writes w) {
        List<Applied> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < BATCH; i++) {
            batch.add(w.next());
        }
        return w.store.apply(batch);
    }

    /** A single-key Range (etcdctl get KEY). */
    @Benchmark
    public RangeResponse get(Reads r) {
        return r.store.range(r.getRequest(r.random.nextInt(KEYS)));
    }

    /** A page of 100 from a random key of a random prefix. */
    @Benchmark
    public RangeResponse page100(Reads r) {
        int perPrefix = KEYS / PREFIXES;
        return r.store.range(r.pageRequest(r.random.nextInt(PREFIXES), r.random.nextInt(perPrefix - PAGE)));
    }

    /** {@code count_only} over one whole prefix. */
    @Benchmark
    public RangeResponse countPrefix(Reads r) {
        return r.store.range(r.countRequest(r.random.nextInt(PREFIXES)));
    }

    // ---------------------------------------------------------------------------------------------------

    static String key(int k) {
        return String.format(Locale.ROOT, "/bench/k%06d", k);
    }

    static String prefix(int p) {
        return "/bench/p" + p + "/";
    }

    /** Key {@code k} of the read store: prefix {@code k / (KEYS / PREFIXES)}, so each prefix is contiguous. */
    static String readKey(int k) {
        int perPrefix = KEYS / PREFIXES;
        return prefix(k / perPrefix) + String.format(Locale.ROOT, "k%06d", k % perPrefix);
    }

    /** etcd's prefix end: the prefix with its last byte incremented (no prefix here ends in 0xFF). */
    static ByteString prefixEnd(ByteString prefix) {
        byte[] end = prefix.toByteArray();
        end[end.length - 1]++;
        return ByteString.copyFrom(end);
    }

    static byte[] putCommand(String key, byte[] value) {
        return putCommand(ByteString.copyFrom(key, StandardCharsets.UTF_8), value);
    }

    static byte[] putCommand(ByteString key, byte[] value) {
        return KvCommand.newBuilder().setPut(PutRequest.newBuilder().setKey(key).setValue(ByteString.copyFrom(value)))
                .build().toByteArray();
    }

    /** Random bytes, so that RocksDB's block compression finds nothing to gain. */
    static byte[] randomValue(SplittableRandom random) {
        byte[] v = new byte[VALUE_BYTES];
        for (int i = 0; i < v.length; i += 8) {
            long r = random.nextLong();
            for (int b = 0; b < 8 && i + b < v.length; b++) {
                v[i + b] = (byte) (r >>> (8 * b));
            }
        }
        return v;
    }

    private static void applyAll(MvccStore store, List<Applied> batch) {
        for (KvResult r : store.apply(batch)) {
            check(!r.isError() && !r.skipped(), "load command %s: %s", r.index(), r);
        }
    }

    private static void check(boolean condition, String format, Object... args) {
        if (!condition) {
            throw new IllegalStateException(String.format(format, args));
        }
    }
}
