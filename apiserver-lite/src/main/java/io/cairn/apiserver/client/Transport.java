package io.cairn.apiserver.client;

import io.cairn.apiserver.http.ApiRequest;
import io.cairn.apiserver.http.Dispatcher;
import io.cairn.apiserver.http.Responder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * How the client reaches the API server: over HTTP(S), or in-process through the server's {@link Dispatcher} (the
 * same authentication result, admission, validation and storage code as an HTTP request, without sockets).
 */
public interface Transport {

    /** A whole answer. */
    record Response(int code, String contentType, byte[] body) {
    }

    Response call(String method, String path, Map<String, String> query, String contentType, byte[] body);

    /**
     * Streams the answer's lines (a watch) to {@code lines} on a thread of the transport's; {@code done} runs once
     * when the stream ends. Closing the handle ends it from this side.
     */
    AutoCloseable stream(String path, Map<String, String> query, Consumer<byte[]> lines, Runnable done);

    static String queryString(Map<String, String> query) {
        if (query.isEmpty()) {
            return "";
        }
        StringBuilder b = new StringBuilder("?");
        for (Map.Entry<String, String> e : query.entrySet()) {
            if (b.length() > 1) {
                b.append('&');
            }
            b.append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8)).append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
        }
        return b.toString();
    }

    /** The in-process path, as {@code user}. */
    static Transport inProcess(Dispatcher dispatcher, String user) {
        return new Transport() {
            @Override
            public Response call(String method, String path, Map<String, String> query, String contentType,
                                 byte[] body) {
                CompletableFuture<Response> answer = new CompletableFuture<>();
                dispatcher.handle(request(method, path, query, contentType, body), new Responder() {
                    @Override
                    public void respond(int code, String ct, byte[] b) {
                        answer.complete(new Response(code, ct, b));
                    }

                    @Override
                    public Stream stream(String ct) {
                        throw new IllegalStateException("a streamed answer to a plain call");
                    }
                });
                return answer.join();
            }

            private ApiRequest request(String method, String path, Map<String, String> query, String contentType,
                                       byte[] body) {
                Map<String, List<String>> q = new LinkedHashMap<>();
                query.forEach((k, v) -> q.put(k, List.of(v)));
                // the user names the writer in managedFields, as a client's User-Agent does over HTTP
                return new ApiRequest(user, method, path, q, "application/json", contentType,
                        body == null ? new byte[0] : body, user, ApiRequest.IN_PROCESS_GROUPS);
            }

            @Override
            public AutoCloseable stream(String path, Map<String, String> query, Consumer<byte[]> lines, Runnable done) {
                InProcessStream stream = new InProcessStream(lines, done);
                dispatcher.handle(request("GET", path, query, null, null), new Responder() {
                    @Override
                    public void respond(int code, String ct, byte[] b) {
                        // an error before the stream began: one line with the Status, as an ERROR event would carry
                        stream.sendInitial(("{\"type\":\"ERROR\",\"object\":" + new String(b, StandardCharsets.UTF_8)
                                + "}").getBytes(StandardCharsets.UTF_8));
                        stream.end();
                    }

                    @Override
                    public Stream stream(String ct) {
                        return stream;
                    }
                });
                return stream::end;
            }
        };
    }

    /**
     * An in-process watch stream: the server's thread only queues lines (at most {@link #QUEUE_MAX} live ones; a
     * watcher further behind is ended and watches again), and a thread of the watch's own hands them to the
     * caller's consumer, so a slow or failing consumer never holds up the server or other watchers.
     */
    final class InProcessStream implements Responder.Stream {
        static final int QUEUE_MAX = 10_000;
        private static final byte[] END = new byte[0];

        private final java.util.concurrent.LinkedBlockingQueue<byte[]> queue = new java.util.concurrent.LinkedBlockingQueue<>();
        private final java.util.concurrent.atomic.AtomicInteger live = new java.util.concurrent.atomic.AtomicInteger();
        private final AtomicBoolean ended = new AtomicBoolean();
        private final List<Runnable> onClose = new ArrayList<>();
        private final List<java.util.concurrent.Future<?>> timers = new ArrayList<>();

        InProcessStream(Consumer<byte[]> lines, Runnable done) {
            WatchThread.start(() -> {
                while (true) {
                    byte[] line = queue.take();
                    if (line == END) {
                        return;
                    }
                    live.decrementAndGet();
                    try {
                        lines.accept(line);
                    } catch (RuntimeException e) {
                        end();
                        return;
                    }
                }
            }, done);
        }

        @Override
        public boolean send(byte[] chunk) {
            if (ended.get() || live.incrementAndGet() > QUEUE_MAX) {
                return false;
            }
            queue.add(chunk);
            return true;
        }

        @Override
        public boolean sendInitial(byte[] chunk) {
            if (ended.get()) {
                return false;
            }
            live.incrementAndGet();
            queue.add(chunk);
            return true;
        }

        @Override
        public void end() {
            if (ended.compareAndSet(false, true)) {
                List<Runnable> run;
                List<java.util.concurrent.Future<?>> cancel;
                synchronized (onClose) {
                    run = new ArrayList<>(onClose);
                    cancel = new ArrayList<>(timers);
                    timers.clear();
                }
                cancel.forEach(f -> f.cancel(false));
                run.forEach(Runnable::run);
                queue.add(END);
            }
        }

        @Override
        public void onClose(Runnable r) {
            synchronized (onClose) {
                onClose.add(r);
            }
            if (ended.get()) {
                r.run();
            }
        }

        @Override
        public void schedule(long millis, Runnable r) {
            java.util.concurrent.Future<?> f = InProcessTimer.INSTANCE.schedule(() -> {
                if (!ended.get()) {
                    r.run();
                }
            }, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            synchronized (onClose) {
                timers.removeIf(java.util.concurrent.Future::isDone);
                timers.add(f);
            }
        }
    }

    /** HTTP(S) to {@code baseUrl}; {@code ssl} carries the client certificate (null for plain HTTP). */
    static Transport http(String baseUrl, SSLContext ssl, String bearerToken) {
        HttpClient.Builder b = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (ssl != null) {
            b.sslContext(ssl);
        }
        HttpClient client = b.build();
        return new Transport() {
            private HttpRequest.Builder request(String path, Map<String, String> query) {
                HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(baseUrl + path + queryString(query)))
                        .header("Accept", "application/json")
                        .header("User-Agent", "cairn-client/0.1");
                if (bearerToken != null) {
                    r.header("Authorization", "Bearer " + bearerToken);
                }
                return r;
            }

            @Override
            public Response call(String method, String path, Map<String, String> query, String contentType,
                                 byte[] body) {
                HttpRequest.Builder r = request(path, query).timeout(Duration.ofSeconds(60));
                HttpRequest.BodyPublisher p = body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body);
                if (contentType != null) {
                    r.header("Content-Type", contentType);
                }
                r.method(method, p);
                try {
                    HttpResponse<byte[]> resp = client.send(r.build(), HttpResponse.BodyHandlers.ofByteArray());
                    return new Response(resp.statusCode(), resp.headers().firstValue("content-type").orElse(""),
                            resp.body());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }

            @Override
            public AutoCloseable stream(String path, Map<String, String> query, Consumer<byte[]> lines, Runnable done) {
                AtomicBoolean closed = new AtomicBoolean();
                InputStream[] body = new InputStream[1];
                Thread t = WatchThread.start(() -> {
                    try {
                        HttpResponse<InputStream> resp = client.send(request(path, query).GET().build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                        synchronized (body) {
                            body[0] = resp.body();
                            if (closed.get()) {
                                resp.body().close();
                                return;
                            }
                        }
                        try (BufferedReader in = new BufferedReader(new InputStreamReader(resp.body(),
                                StandardCharsets.UTF_8))) {
                            if (resp.statusCode() != 200) {
                                String status = new String(resp.body().readAllBytes(), StandardCharsets.UTF_8);
                                lines.accept(("{\"type\":\"ERROR\",\"object\":" + status + "}")
                                        .getBytes(StandardCharsets.UTF_8));
                                return;
                            }
                            String line;
                            while (!closed.get() && (line = in.readLine()) != null) {
                                if (!line.isEmpty()) {
                                    lines.accept(line.getBytes(StandardCharsets.UTF_8));
                                }
                            }
                        }
                    } catch (IOException e) {
                        // the stream ended (closed by either side)
                    }
                }, done);
                return () -> {
                    closed.set(true);
                    synchronized (body) {
                        if (body[0] != null) {
                            body[0].close();
                        }
                    }
                    t.interrupt();
                };
            }
        };
    }

    /** The timer of in-process watches (timeouts, bookmarks). */
    final class InProcessTimer {
        static final java.util.concurrent.ScheduledExecutorService INSTANCE =
                java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "cairn-client-timer");
                    t.setDaemon(true);
                    return t;
                });

        private InProcessTimer() {
        }
    }
}
