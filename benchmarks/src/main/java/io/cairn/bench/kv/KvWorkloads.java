package io.cairn.bench.kv;

import com.google.protobuf.ByteString;
import io.cairn.kv.proto.etcd.Compare;
import io.cairn.kv.proto.etcd.PutRequest;
import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.RequestOp;
import io.cairn.kv.proto.etcd.TxnRequest;
import io.cairn.kv.proto.etcd.TxnResponse;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The requests of {@code bench compare}'s closed-loop workloads ({@link Workload#closedLoop()}), built once per
 * cluster so that the client spends its CPU on the wire, not on making keys: 256-byte values (random bytes, one
 * array shared by every request, as etcd's benchmark shares one), 100,000 put keys and 10,000 read keys drawn
 * uniformly. The read keys are {@link PutStream}'s ({@code /load/k0000000}...), loaded before the reads run.
 *
 * <p>{@code txn-put} is an optimistic update as Kubernetes does one: client {@code j} owns the key
 * {@code /bench/txn/<clients>/c<j>} and remembers the revision of its last write (0 at first: an absent key's
 * mod_revision is 0); its Txn compares the key's mod_revision with it, puts on success, and reads the key on
 * failure to learn the revision it missed. With one writer per key every compare should hold, so a failed one is
 * counted as an unexpected answer (it also happens once per client when an earlier run left the key behind, which
 * falls in the warm-up).
 *
 * <p>Immutable but for the txn clients' revisions, each written only by its own client's answers (one request per
 * client at a time, so one writer at a time); any thread.
 */
final class KvWorkloads {
    /** Distinct keys the puts go to: the store stays bounded however long the run. */
    static final int PUT_KEYS = 100_000;
    /** Keys loaded before the reads and read by them. */
    static final int READ_KEYS = 10_000;
    /** Bytes per value. */
    static final int VALUE_BYTES = 256;
    /** Watch streams in the watch workload, each on its own connection. */
    static final int WATCHERS = 4;
    /** Closed-loop writers in the watch workload. */
    static final int WATCH_WRITERS = 10;
    /** Distinct keys the watch workload's writers put under its prefix. */
    static final int WATCH_KEYS = 1_000;
    /** Leases kept alive in the lease workload. */
    static final int LEASES = 100;
    /** Their TTL: long beside the run's pace, so none expires between keep-alives. */
    static final int LEASE_TTL_SECONDS = 60;

    private final ByteString value;
    private final ByteString[] putKeys = new ByteString[PUT_KEYS];
    private final RangeRequest[] linearizableReads = new RangeRequest[READ_KEYS];
    private final RangeRequest[] serializableReads = new RangeRequest[READ_KEYS];

    KvWorkloads(long seed) {
        byte[] v = new byte[VALUE_BYTES];
        new SplittableRandom(seed).nextBytes(v);
        value = ByteString.copyFrom(v);
        for (int k = 0; k < PUT_KEYS; k++) {
            putKeys[k] = utf8(String.format(Locale.ROOT, "/bench/put/k%06d", k));
        }
        for (int k = 0; k < READ_KEYS; k++) {
            ByteString key = utf8(PutStream.key(k));
            linearizableReads[k] = RangeRequest.newBuilder().setKey(key).build();
            serializableReads[k] = RangeRequest.newBuilder().setKey(key).setSerializable(true).build();
        }
    }

    ByteString value() {
        return value;
    }

    /** The operation of closed-loop workload {@code w} for {@code clients} clients over {@code connections}. */
    ClosedLoop.Operation operation(Workload w, Connections connections, int clients) {
        return switch (w) {
            case PUT -> client -> connections.kv(client).put(PutRequest.newBuilder()
                    .setKey(putKeys[ThreadLocalRandom.current().nextInt(PUT_KEYS)]).setValue(value).build())
                    .thenApply(r -> true);
            case RANGE_L -> client -> connections.kv(client)
                    .range(linearizableReads[ThreadLocalRandom.current().nextInt(READ_KEYS)])
                    .thenApply(r -> r.getKvsCount() == 1);
            case RANGE_S -> client -> connections.kv(client)
                    .range(serializableReads[ThreadLocalRandom.current().nextInt(READ_KEYS)])
                    .thenApply(r -> r.getKvsCount() == 1);
            case TXN_PUT -> new CompareAndPut(connections, clients, value)::issue;
            default -> throw new IllegalArgumentException(w.id + " is not a closed-loop workload");
        };
    }

    private static ByteString utf8(String s) {
        return ByteString.copyFrom(s.getBytes(StandardCharsets.UTF_8));
    }

    /** The txn-put clients: their keys and the revision each last wrote. */
    private static final class CompareAndPut {
        private final Connections connections;
        private final ByteString[] keys;
        private final long[] lastRevision;
        private final ByteString value;

        CompareAndPut(Connections connections, int clients, ByteString value) {
            this.connections = connections;
            this.keys = new ByteString[clients];
            this.lastRevision = new long[clients];
            this.value = value;
            for (int c = 0; c < clients; c++) {
                keys[c] = utf8("/bench/txn/" + clients + "/c" + c);
            }
        }

        CompletableFuture<Boolean> issue(int client) {
            ByteString key = keys[client];
            TxnRequest txn = TxnRequest.newBuilder()
                    .addCompare(Compare.newBuilder().setKey(key).setTarget(Compare.CompareTarget.MOD)
                            .setResult(Compare.CompareResult.EQUAL).setModRevision(lastRevision[client]))
                    .addSuccess(RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(key)
                            .setValue(value)))
                    .addFailure(RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(key)))
                    .build();
            return connections.kv(client).txn(txn).thenApply(r -> learn(client, r));
        }

        private boolean learn(int client, TxnResponse r) {
            if (r.getSucceeded()) {
                lastRevision[client] = r.getHeader().getRevision(); // the put's revision: the txn's only write
                return true;
            }
            var range = r.getResponses(0).getResponseRange();
            lastRevision[client] = range.getKvsCount() == 0 ? 0 : range.getKvs(0).getModRevision();
            return false;
        }
    }
}
