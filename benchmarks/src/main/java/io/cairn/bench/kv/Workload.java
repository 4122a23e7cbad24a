package io.cairn.bench.kv;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What {@code bench compare} can run against a cluster, by the name {@code --workloads} takes. The first four are
 * closed loops of one request per client, run at each of {@code --clients}; the rest run once per cluster.
 */
enum Workload {
    /** Puts of 256-byte values to keys drawn uniformly from {@link KvWorkloads#PUT_KEYS}. */
    PUT("put", true, "Put of a 256-byte value to a key drawn uniformly from 100,000"),
    /** Linearizable single-key Ranges of keys loaded before. */
    RANGE_L("range-l", true, "linearizable Range of one key, drawn uniformly from 10,000 loaded keys of 256 bytes"),
    /** Serializable single-key Ranges (any member answers from its own state). */
    RANGE_S("range-s", true, "serializable Range of one key, drawn as for range-l"),
    /** Compare-and-put: each client's own key, guarded on the mod_revision it last wrote. */
    TXN_PUT("txn-put", true, "Txn: if mod_revision(own key) = the revision of the client's last write, put a"
            + " 256-byte value, else read the key (a conflict, counted apart; none is expected)"),
    /** Event delivery latency to watchers of a prefix, from the put's send to the event's arrival. */
    WATCH("watch", false, KvWorkloads.WATCHERS + " watch streams on one prefix; " + KvWorkloads.WATCH_WRITERS
            + " closed-loop writers put 256-byte values stamped with their send time; latency is from the put's"
            + " send to a watcher's receipt of its event, throughput is events delivered per second over all watchers"),
    /** Keep-alives per second of leases kept alive over LeaseKeepAlive streams. */
    LEASE("lease", false, KvWorkloads.LEASES + " leases (TTL " + KvWorkloads.LEASE_TTL_SECONDS + " s) over "
            + KvWorkloads.LEASES / 10 + " LeaseKeepAlive streams, one keep-alive outstanding per lease"),
    /** {@code etcdctl check perf --load=l}: 500 clients asked for 8,000 writes/s for 60 s. */
    CHECK_PERF_L("check-perf-l", false, "etcdctl check perf --load=l"),
    /** {@code etcdctl check perf --load=xl}: 1,000 clients asked for 15,000 writes/s for 60 s. */
    CHECK_PERF_XL("check-perf-xl", false, "etcdctl check perf --load=xl");

    /** The name on the command line and in the report. */
    final String id;
    /** Whether the workload runs once per client count. */
    final boolean perClientCount;
    /** One sentence for the report. */
    final String description;

    Workload(String id, boolean perClientCount, String description) {
        this.id = id;
        this.perClientCount = perClientCount;
        this.description = description;
    }

    /** The workload named {@code id}; an unknown name is refused with the list of names. */
    static Workload byId(String id) {
        for (Workload w : values()) {
            if (w.id.equals(id)) {
                return w;
            }
        }
        throw new IllegalArgumentException("unknown workload " + id + "; the workloads are " + ids());
    }

    /** Every name, comma-separated. */
    static String ids() {
        return Arrays.stream(values()).map(w -> w.id).collect(Collectors.joining(","));
    }

    /** {@code etcdctl check perf}'s {@code --load} for the check-perf workloads. */
    String checkPerfLoad() {
        return switch (this) {
            case CHECK_PERF_L -> "l";
            case CHECK_PERF_XL -> "xl";
            default -> throw new IllegalStateException(id + " is not a check-perf workload");
        };
    }

    /** The closed-loop KV workloads, in the order they run. */
    static List<Workload> closedLoop() {
        return List.of(PUT, RANGE_L, RANGE_S, TXN_PUT);
    }
}
