package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.transport.LoopbackPorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --listen-metrics-urls} on a member of three {@code cairn kv} processes: {@code /metrics} carries etcd's
 * metric names with their types (a leader, writes applied, the WAL fsync histogram in etcd's buckets, cumulative and
 * ending at its count, the database size; {@code promtool check metrics} accepts it), and {@code /health} answers {@code {"health":"true"}} while a quorum
 * serves and 503 with the reason once the other two are killed.
 */
class MetricsEndpointTest {
    @TempDir
    Path dir;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static long value(String text, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
        assertThat(m.find()).as("%s in\n%s", series, text).isTrue();
        return (long) Double.parseDouble(m.group(1));
    }

    @Test
    void metricsUnderEtcdsNamesAndHealth() throws Exception {
        try (KvProcesses c = new KvProcesses(dir.resolve("cluster"), 3)) {
            int port = LoopbackPorts.free();
            String base = "http://127.0.0.1:" + port;
            List<String> flags = new ArrayList<>(c.flags(1));
            flags.addAll(List.of("--listen-metrics-urls", base));
            c.start(1, flags);
            c.start(2);
            c.start(3);
            Etcdctl ctl = new Etcdctl(c.endpoints(), dir);
            Awaitility.await().atMost(90, TimeUnit.SECONDS).until(() -> ctl.run("put", "a", "1").exitCode() == 0);
            for (int i = 0; i < 5; i++) {
                assertThat(ctl.run("put", "k" + i, "v").exitCode()).isZero();
            }
            Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions()
                    .until(() -> value(get(base + "/metrics").body(), "etcd_server_proposals_applied_total") >= 7);

            HttpResponse<String> scrape = get(base + "/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("content-type").orElse("")).startsWith("text/plain; version=0.0.4");
            String m = scrape.body();
            assertThat(m).contains("# TYPE etcd_server_has_leader gauge", "# TYPE etcd_server_leader_changes_seen_total counter",
                    "# TYPE etcd_disk_wal_fsync_duration_seconds histogram",
                    "# TYPE etcd_disk_backend_commit_duration_seconds histogram",
                    "# TYPE etcd_mvcc_db_total_size_in_bytes gauge", "etcd_server_version{server_version=\"3.4.0\"} 1");
            assertThat(value(m, "etcd_server_has_leader")).isEqualTo(1);
            assertThat(value(m, "etcd_server_leader_changes_seen_total")).isGreaterThanOrEqualTo(1);
            assertThat(value(m, "etcd_mvcc_db_total_size_in_bytes")).isPositive();
            long fsyncs = value(m, "etcd_disk_wal_fsync_duration_seconds_count");
            assertThat(fsyncs).isPositive();
            List<Long> buckets = new ArrayList<>();
            Matcher b = Pattern.compile("(?m)^etcd_disk_wal_fsync_duration_seconds_bucket\\{le=\"([^\"]+)\"} (\\d+)$")
                    .matcher(m);
            List<String> bounds = new ArrayList<>();
            while (b.find()) {
                bounds.add(b.group(1));
                buckets.add(Long.parseLong(b.group(2)));
            }
            assertThat(bounds).as("etcd's buckets").startsWith("0.001", "0.002", "0.004").contains("8.192")
                    .endsWith("+Inf").hasSize(15);
            assertThat(buckets).isSorted().last().isEqualTo(fsyncs);

            // Prometheus' own parser and linter read the scrape without a complaint
            java.nio.file.Path promtool = java.nio.file.Path.of("/usr/bin/promtool");
            if (java.nio.file.Files.isExecutable(promtool)) {
                java.nio.file.Path scraped = java.nio.file.Files.writeString(dir.resolve("scrape.txt"), m);
                Process check = new ProcessBuilder(promtool.toString(), "check", "metrics")
                        .redirectInput(scraped.toFile()).redirectErrorStream(true)
                        .redirectOutput(dir.resolve("promtool.out").toFile()).start();
                assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
                assertThat(check.exitValue()).as(java.nio.file.Files.readString(dir.resolve("promtool.out"))).isZero();
            }

            HttpResponse<String> healthy = get(base + "/health");
            assertThat(healthy.statusCode()).isEqualTo(200);
            assertThat(healthy.body()).startsWith("{\"health\":\"true\"");

            c.kill(2);
            c.kill(3);
            Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> get(base + "/health").statusCode() == 503);
            assertThat(get(base + "/health").body()).startsWith("{\"health\":\"false\"");
        }
    }
}
