package io.cairn.kv.server;

import com.google.protobuf.ByteString;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.cairn.kv.KvStore;
import io.cairn.kv.proto.etcd.RangeRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's {@code --listen-metrics-urls}: plain HTTP on each address with {@code GET /metrics} (Prometheus text under
 * etcd's names, {@link EtcdMetrics}) and {@code GET /health} (etcd's {@code {"health":"true"}}, 200, when the member
 * knows a leader, no alarm is raised and a linearizable read succeeds within a second; {@code "false"} and 503
 * otherwise, with the reason). One thread answers; at most {@link #QUEUE_MAX} requests wait, the rest are closed unanswered.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);
    static final int QUEUE_MAX = 64;

    private final List<HttpServer> servers = new ArrayList<>();
    private final ThreadPoolExecutor executor;

    private MetricsServer(ThreadPoolExecutor executor) {
        this.executor = executor;
    }

    public static MetricsServer start(List<InetSocketAddress> listen, KvStore store) throws IOException {
        ThreadPoolExecutor executor = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(QUEUE_MAX), r -> {
                    Thread t = new Thread(r, "cairn-kv-metrics");
                    t.setDaemon(true);
                    return t;
                }, new ThreadPoolExecutor.DiscardPolicy());
        MetricsServer m = new MetricsServer(executor);
        try {
            for (InetSocketAddress a : listen) {
                HttpServer s = HttpServer.create(a, 64);
                s.setExecutor(executor);
                s.createContext("/metrics", x -> answer(x, 200, EtcdMetrics.CONTENT_TYPE,
                        EtcdMetrics.scrape(store.monitoring())));
                s.createContext("/health", x -> health(x, store));
                s.start();
                m.servers.add(s);
            }
        } catch (IOException | RuntimeException e) {
            m.close();
            throw e;
        }
        log.info("metrics and health on {}", m.addresses());
        return m;
    }

    /** The bound addresses (with the ports actually bound). */
    public List<InetSocketAddress> addresses() {
        return servers.stream().map(HttpServer::getAddress).toList();
    }

    private static void health(HttpExchange x, KvStore store) throws IOException {
        String reason = "";
        if (store.failure() != null) {
            reason = "member stopped: " + store.failure().getMessage();
        } else if (!store.hasLeader()) {
            reason = "RAFT NO LEADER";
        } else if (!store.alarms().isEmpty()) {
            reason = "ALARM " + store.alarms().stream().map(a -> a.getAlarm().name()).distinct()
                    .collect(java.util.stream.Collectors.joining(" "));
        } else {
            try {
                store.range(RangeRequest.newBuilder().setKey(ByteString.copyFromUtf8("health")).build())
                        .get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                reason = "QGET ERROR: " + e;
            }
        }
        boolean ok = reason.isEmpty();
        answer(x, ok ? 200 : 503, "application/json", "{\"health\":\"" + ok + "\",\"reason\":\""
                + reason.replace("\\", "\\\\").replace("\"", "\\\"") + "\"}");
    }

    private static void answer(HttpExchange x, int code, String contentType, String body) throws IOException {
        try (x) {
            if (!x.getRequestMethod().equals("GET") && !x.getRequestMethod().equals("HEAD")) {
                x.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            x.getResponseHeaders().set("Content-Type", contentType);
            x.sendResponseHeaders(code, x.getRequestMethod().equals("HEAD") ? -1 : bytes.length);
            if (!x.getRequestMethod().equals("HEAD")) {
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        servers.forEach(s -> s.stop(0));
        executor.shutdownNow();
    }
}
