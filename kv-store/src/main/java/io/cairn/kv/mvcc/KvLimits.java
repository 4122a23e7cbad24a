package io.cairn.kv.mvcc;

import io.cairn.raft.core.Invariants;


/**
 * Every limit of the store in one place, with their relationships checked at construction.
 *
 * <p>The limits that decide whether a command is accepted ({@link #txnOpsMax}, {@link #requestBytesMax},
 * {@link #rangeResponseBytesMax}) are part of the replicated semantics: every member of a group must run with the
 * same values, or replicas could answer the same command differently. The others only shape batching and
 * background work.
 *
 * @param txnOpsMax the most operations in one compare, success or failure list (etcd {@code --max-txn-ops}, 128);
 *     a nested Txn gets what its parent's longest list leaves of it, as in etcd
 * @param requestBytesMax the largest encoded request or command (etcd {@code --max-request-bytes}, 1.5 MiB)
 * @param rangeResponseBytesMax the most key and value bytes one Range (alone or inside a Txn) may collect
 * @param applyBatchBytesMax a write batch this large is committed at the next command boundary and a new one begun
 * @param compactionBatchKeysMax the most history entries one compaction write removes
 * @param flushIntervalMillis how often the background flusher makes applied state durable (0: only on request)
 * @param backgroundWork whether the store works in the background: RocksDB merging its files, and the removal of
 *     compacted history on a thread of its own (false only in the simulator, whose replays must not depend on when
 *     that happens: RocksDB's files are then merged every 32 flushes, and history removed on the apply thread
 *     right after the Compact that asks for it)
 */
public record KvLimits(
        int txnOpsMax,
        int requestBytesMax,
        long rangeResponseBytesMax,
        long applyBatchBytesMax,
        int compactionBatchKeysMax,
        long flushIntervalMillis,
        boolean backgroundWork) {

    /** etcd's default for {@code --max-request-bytes}: 1.5 MiB. */
    public static final int ETCD_REQUEST_BYTES_MAX = 1536 * 1024;

    /** etcd's default for {@code --max-txn-ops}. */
    public static final int ETCD_TXN_OPS_MAX = 128;

    /**
     * The largest Range answer: what one protobuf message and one gRPC message can carry (2 GiB), etcd's only limit,
     * so that a large Kubernetes LIST is answered as etcd would answer it.
     */
    public static final long RANGE_RESPONSE_BYTES_MAX = Integer.MAX_VALUE;

    public static final KvLimits DEFAULTS = new KvLimits(
            ETCD_TXN_OPS_MAX, ETCD_REQUEST_BYTES_MAX, RANGE_RESPONSE_BYTES_MAX, 64L << 20, 1000, 1000, true);

    public KvLimits {
        Invariants.check(txnOpsMax >= 1, "txnOpsMax must be >= 1: %s", txnOpsMax);
        Invariants.check(requestBytesMax >= 1024, "requestBytesMax must be >= 1 KiB: %s", requestBytesMax);
        Invariants.check(rangeResponseBytesMax >= requestBytesMax,
                "rangeResponseBytesMax (%s) must hold at least one largest request (%s)", rangeResponseBytesMax,
                requestBytesMax);
        Invariants.check(applyBatchBytesMax >= 4L * requestBytesMax,
                "applyBatchBytesMax (%s) must hold several largest commands (%s)", applyBatchBytesMax,
                requestBytesMax);
        Invariants.check(compactionBatchKeysMax >= 1, "compactionBatchKeysMax must be >= 1: %s",
                compactionBatchKeysMax);
        Invariants.check(flushIntervalMillis >= 0, "flushIntervalMillis must be >= 0: %s", flushIntervalMillis);
    }

    /** etcd's {@code --max-txn-ops}. */
    public KvLimits withTxnOpsMax(int ops) {
        return new KvLimits(ops, requestBytesMax, rangeResponseBytesMax, applyBatchBytesMax, compactionBatchKeysMax,
                flushIntervalMillis, backgroundWork);
    }

    /**
     * etcd's {@code --max-request-bytes}; the response and apply-batch bounds grow with it where they must hold at
     * least one such request.
     */
    public KvLimits withRequestBytesMax(int bytes) {
        return new KvLimits(txnOpsMax, bytes, Math.max(rangeResponseBytesMax, bytes),
                Math.max(applyBatchBytesMax, 4L * bytes), compactionBatchKeysMax, flushIntervalMillis, backgroundWork);
    }

    public KvLimits withFlushIntervalMillis(long millis) {
        return new KvLimits(txnOpsMax, requestBytesMax, rangeResponseBytesMax, applyBatchBytesMax,
                compactionBatchKeysMax, millis, backgroundWork);
    }

    /** The simulator's store: no background work whose timing would change what a seed replays. */
    public KvLimits deterministic() {
        return new KvLimits(txnOpsMax, requestBytesMax, rangeResponseBytesMax, applyBatchBytesMax,
                compactionBatchKeysMax, 0, false);
    }

    public KvLimits withCompactionBatchKeysMax(int keys) {
        return new KvLimits(txnOpsMax, requestBytesMax, rangeResponseBytesMax, applyBatchBytesMax, keys,
                flushIntervalMillis, backgroundWork);
    }
}
