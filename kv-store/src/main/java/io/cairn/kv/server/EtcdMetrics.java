package io.cairn.kv.server;

import io.cairn.kv.KvStore;
import io.cairn.raft.server.DurationHistogram;
import java.util.Locale;

/**
 * A member's metrics in Prometheus' text format (version 0.0.4) under etcd's names, where etcd's dashboards and alerts
 * look for them: leader presence and changes, proposals committed, applied, pending and failed, the WAL fsync and
 * backend commit latency histograms in etcd's buckets, the database size, plus Cairn's own figures under
 * {@code cairn_}. Stateless; any thread.
 */
final class EtcdMetrics {
    private EtcdMetrics() {}

    /** Prometheus' media type for this text. */
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    static String scrape(KvStore.Monitoring m) {
        StringBuilder b = new StringBuilder(4096);
        gauge(b, "etcd_server_has_leader", "Whether or not a leader exists. 1 is existence, 0 is not.",
                m.hasLeader() ? 1 : 0);
        gauge(b, "etcd_server_is_leader", "Whether or not this member is a leader. 1 if is, 0 otherwise.",
                m.isLeader() ? 1 : 0);
        counter(b, "etcd_server_leader_changes_seen_total", "The number of leader changes seen.", m.leaderChanges());
        // etcd exports these two as gauges; they only grow (Raft indexes), so counters here, as their names say
        counter(b, "etcd_server_proposals_committed_total", "The total number of consensus proposals committed.",
                m.committed());
        counter(b, "etcd_server_proposals_applied_total", "The total number of consensus proposals applied.",
                m.applied());
        gauge(b, "etcd_server_proposals_pending", "The current number of pending proposals to commit.",
                m.pendingWrites());
        counter(b, "etcd_server_proposals_failed_total", "The total number of failed proposals seen.",
                m.failedWrites());
        histogram(b, "etcd_disk_wal_fsync_duration_seconds", "The latency distributions of fsync called by WAL.",
                m.fsyncDurations());
        histogram(b, "etcd_disk_backend_commit_duration_seconds",
                "The latency distributions of commit called by backend.", m.commitDurations());
        gauge(b, "etcd_mvcc_db_total_size_in_bytes", "Total size of the underlying database physically allocated in bytes.",
                m.dbSize());
        gauge(b, "etcd_mvcc_db_total_size_in_use_in_bytes",
                "Total size of the underlying database logically in use in bytes.", m.dbSizeInUse());
        gauge(b, "etcd_debugging_mvcc_current_revision", "The current revision of store.", m.revision());
        gauge(b, "etcd_debugging_mvcc_compact_revision", "The revision of the last compaction in store.",
                m.compactedRevision());
        b.append("# HELP etcd_server_version Which version is running. 1 for 'server_version' label with current version.\n")
                .append("# TYPE etcd_server_version gauge\n")
                .append("etcd_server_version{server_version=\"").append(KvStore.ETCD_API_VERSION).append("\"} 1\n");
        counter(b, "cairn_kv_compaction_failures_total", "Failed attempts of the background compaction (each retried).",
                m.compactionFailures());
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long value) {
        b.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(value).append('\n');
    }

    private static void histogram(StringBuilder b, String name, String help, DurationHistogram h) {
        long count = h.count();
        double sum = h.sumSeconds();
        double[] bounds = h.boundsSeconds();
        long[] counts = h.cumulativeCounts();
        b.append("# HELP ").append(name).append(' ').append(help).append('\n')
                .append("# TYPE ").append(name).append(" histogram\n");
        for (int i = 0; i < bounds.length; i++) {
            b.append(name).append("_bucket{le=\"").append(number(bounds[i])).append("\"} ")
                    .append(Math.min(counts[i], count)).append('\n');
        }
        b.append(name).append("_bucket{le=\"+Inf\"} ").append(count).append('\n')
                .append(name).append("_sum ").append(number(sum)).append('\n')
                .append(name).append("_count ").append(count).append('\n');
    }

    /** A float as Prometheus' Go client prints one: shortest form, no exponent for these magnitudes. */
    static String number(double v) {
        String s = String.format(Locale.ROOT, "%.9f", v);
        s = s.replaceAll("0+$", "");
        return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
    }
}
