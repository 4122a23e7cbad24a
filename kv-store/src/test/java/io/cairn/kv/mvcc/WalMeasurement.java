package io.cairn.kv.mvcc;

import static io.cairn.kv.mvcc.Req.cmd;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.PutRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The measurement behind decision 0009 (RocksDB WAL off): applies the same Puts (etcd check-perf's shape: 256-byte
 * keys, 1 KiB values) in Raft-sized batches with RocksDB's WAL off, on without sync, and on with a sync per batch,
 * and prints apply throughput. Not a test of behaviour, so it asserts nothing and runs only when asked:
 * {@code mvn -pl kv-store test -Dtest=WalMeasurement -Dkv.measure=true}.
 */
@EnabledIfSystemProperty(named = "kv.measure", matches = "true")
class WalMeasurement {
    private static final int PUTS = 40_000;

    @Test
    void applyThroughputByWalMode() throws Exception {
        for (int batchSize : new int[] {10, 100}) {
            for (Columns.Wal wal : Columns.Wal.values()) {
                for (int round = 0; round < 2; round++) { // the first round warms up the JIT
                    double perSecond = run(wal, batchSize);
                    if (round == 1) {
                        System.out.printf("wal=%-10s batch=%3d puts/s=%,.0f%n", wal, batchSize, perSecond);
                    }
                }
            }
        }
    }

    private static double run(Columns.Wal wal, int batchSize) throws Exception {
        Path dir = Files.createTempDirectory("kv-wal-");
        byte[] value = new byte[1024];
        try (MvccStore store = MvccStore.open(dir, KvLimits.DEFAULTS.withFlushIntervalMillis(1000), wal)) {
            long index = 0;
            long start = System.nanoTime();
            for (int done = 0; done < PUTS; done += batchSize) {
                List<Applied> batch = new ArrayList<>(batchSize);
                for (int i = 0; i < batchSize; i++) {
                    String key = String.format("/etcdctl-check-perf/%0236d", (done + i) % 5000);
                    batch.add(new Applied(++index, cmd(PutRequest.newBuilder().setKey(Req.bs(key))
                            .setValue(ByteString.copyFrom(value)).build()).toByteArray()));
                }
                store.apply(batch);
            }
            return PUTS / ((System.nanoTime() - start) / 1e9);
        } finally {
            FileTrees.deleteTree(dir);
        }
    }
}
