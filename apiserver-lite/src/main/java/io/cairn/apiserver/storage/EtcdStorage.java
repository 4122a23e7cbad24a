package io.cairn.apiserver.storage;

import io.cairn.kv.proto.etcd.RangeRequest;
import io.cairn.kv.proto.etcd.WatchCreateRequest;
import io.cairn.kv.proto.etcd.WatchRequest;
import io.cairn.kv.proto.etcd.WatchResponse;
import io.cairn.kv.server.EtcdWatchGrpc;
import io.cairn.kv.server.KvClient;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.io.File;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Storage} on an etcd v3 cluster over gRPC ({@code --etcd-servers}): etcd 3.4 itself, or {@code cairn kv}
 * members. Requests go to the servers in turn (gRPC's round robin over the listed addresses; a member that is not the
 * leader forwards writes, as etcd does); with {@code https://} servers the CA, and a client certificate if given,
 * secure the channel. The store's revision is the highest any answer or watch event has shown, refreshed every
 * second by a cheap read, so that the API server's revision checks see the store move even when it is idle.
 */
public final class EtcdStorage extends KvServiceStorage {
    private static final Logger log = LoggerFactory.getLogger(EtcdStorage.class);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    /** {@code --etcd-servers} and its TLS files (each may be null). */
    public record Options(List<URI> servers, File caFile, File certFile, File keyFile) {
        public Options {
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("no etcd servers");
            }
            servers = List.copyOf(servers);
        }

        /** From {@code https://127.0.0.1:2379,https://...}. */
        public static Options parse(String servers, File caFile, File certFile, File keyFile) {
            List<URI> uris = new ArrayList<>();
            for (String s : servers.split(",")) {
                if (!s.isBlank()) {
                    uris.add(URI.create(s.trim()));
                }
            }
            return new Options(uris, caFile, certFile, keyFile);
        }
    }

    private final ManagedChannel channel;
    private final KvClient kv;
    private final AtomicLong revision = new AtomicLong();
    private final AtomicLong compacted = new AtomicLong();
    private final AtomicBoolean reachable = new AtomicBoolean();
    private final ScheduledExecutorService refresher;

    private EtcdStorage(ManagedChannel channel) {
        this(channel, new KvClient(channel, CALL_TIMEOUT));
    }

    private EtcdStorage(ManagedChannel channel, KvClient kv) {
        super(kv);
        this.channel = channel;
        this.kv = kv;
        this.refresher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-etcd-revision");
            t.setDaemon(true);
            return t;
        });
    }

    private static java.security.cert.X509Certificate[] certificateChain(File file) throws java.io.IOException {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(file.toPath())) {
            return java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
                    .map(c -> (java.security.cert.X509Certificate) c)
                    .toArray(java.security.cert.X509Certificate[]::new);
        } catch (java.security.cert.CertificateException e) {
            throw new java.io.IOException(file + " holds no PEM certificate: " + e.getMessage(), e);
        }
    }

    /** Connects, and waits (up to 30 s) until the cluster answers a read. */
    public static EtcdStorage connect(Options o) throws Exception {
        boolean tls = o.servers().get(0).getScheme().equals("https");
        List<java.net.SocketAddress> addresses = new ArrayList<>();
        for (URI u : o.servers()) {
            addresses.add(new java.net.InetSocketAddress(u.getHost(), u.getPort() > 0 ? u.getPort() : 2379));
        }
        NettyChannelBuilder b = NettyChannelBuilder.forTarget("cairn-etcd:///servers")
                .nameResolverFactory(new StaticResolver.Factory(addresses))
                .defaultLoadBalancingPolicy("round_robin")
                .maxInboundMessageSize(64 * 1024 * 1024);
        if (tls) {
            SslContextBuilder ssl = GrpcSslContexts.forClient();
            if (o.caFile() != null) {
                ssl.trustManager(o.caFile());
            }
            if (o.certFile() != null && o.keyFile() != null) {
                // the key in whatever PEM form etcd's tools wrote it (Netty's own reader takes PKCS#8 only)
                ssl.keyManager(io.cairn.apiserver.auth.Credential.readPrivateKey(o.keyFile().toPath()),
                        certificateChain(o.certFile()));
            }
            b.sslContext(ssl.build());
        } else {
            b.usePlaintext();
        }
        EtcdStorage s = new EtcdStorage(b.build());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                s.refresh().get(5, TimeUnit.SECONDS);
                break;
            } catch (Exception e) {
                if (System.nanoTime() > deadline) {
                    s.close();
                    throw new IllegalStateException("etcd servers " + o.servers() + " did not answer in 30 s", e);
                }
                Thread.sleep(200);
            }
        }
        s.refresher.scheduleWithFixedDelay(() -> s.refresh(), 1, 1, TimeUnit.SECONDS);
        return s;
    }

    /** Reads the store's revision (a count-only read of one key); fails when the cluster does not answer. */
    private CompletableFuture<Long> refresh() {
        return kv.range(RangeRequest.newBuilder().setKey(bytes("/registry/")).setCountOnly(true).build())
                .whenComplete((r, t) -> {
                    reachable.set(t == null);
                    if (t == null) {
                        observed(r.getHeader().getRevision());
                    }
                })
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    void observed(long rev) {
        revision.accumulateAndGet(rev, Math::max);
        reachable.set(true);
    }

    @Override
    public Watch watch(String prefix, long fromRevision, WatchListener listener) {
        ClientCall<WatchRequest, WatchResponse> call = channel.newCall(EtcdWatchGrpc.WATCH, CallOptions.DEFAULT);
        AtomicBoolean ended = new AtomicBoolean();
        Watch w = () -> {
            if (ended.compareAndSet(false, true)) {
                call.cancel("closed", null);
                listener.onCancelled(0, "closed");
            }
        };
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(WatchResponse r) {
                if (ended.get()) {
                    return;
                }
                if (r.getCompactRevision() > 0) {
                    compacted.accumulateAndGet(r.getCompactRevision(), Math::max);
                }
                if (r.getCanceled()) {
                    if (ended.compareAndSet(false, true)) {
                        call.cancel("cancelled by the server", null);
                        listener.onCancelled(r.getCompactRevision(), r.getCancelReason().isEmpty() ? "watch cancelled"
                                : r.getCancelReason());
                    }
                    return;
                }
                if (!r.getCreated() || r.getEventsCount() > 0) {
                    List<Event> events = new ArrayList<>(r.getEventsCount());
                    for (io.cairn.kv.proto.mvcc.Event e : r.getEventsList()) {
                        boolean delete = e.getType() == io.cairn.kv.proto.mvcc.Event.EventType.DELETE;
                        events.add(new Event(delete, item(e.getKv()), e.hasPrevKv() ? item(e.getPrevKv()) : null));
                    }
                    if (events.isEmpty()) {
                        observed(r.getHeader().getRevision());
                        listener.onProgress(r.getHeader().getRevision());
                    } else {
                        long last = r.getEvents(r.getEventsCount() - 1).getKv().getModRevision();
                        observed(last);
                        listener.onEvents(events, last);
                    }
                }
                call.request(1);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                if (ended.compareAndSet(false, true)) {
                    listener.onCancelled(0, "store watch ended: " + status);
                }
            }
        }, new Metadata());
        call.sendMessage(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder()
                .setKey(bytes(prefix)).setRangeEnd(prefixEnd(bytes(prefix))).setStartRevision(fromRevision)
                .setPrevKv(true).setProgressNotify(true)).build());
        call.request(1);
        return w;
    }

    @Override
    public CompletableFuture<Void> compact(long rev) {
        return super.compact(rev).thenRun(() -> compacted.accumulateAndGet(rev, Math::max));
    }

    @Override
    public long currentRevision() {
        return revision.get();
    }

    @Override
    public long compactedRevision() {
        return compacted.get();
    }

    @Override
    public boolean ready() {
        return reachable.get();
    }

    @Override
    public void close() {
        refresher.shutdownNow();
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        log.debug("etcd storage closed");
    }

    /** A name resolver that answers the listed addresses (gRPC then balances over them). */
    static final class StaticResolver extends io.grpc.NameResolver {
        private final List<java.net.SocketAddress> addresses;

        StaticResolver(List<java.net.SocketAddress> addresses) {
            this.addresses = addresses;
        }

        @Override
        public String getServiceAuthority() {
            java.net.InetSocketAddress a = (java.net.InetSocketAddress) addresses.get(0);
            return a.getHostString() + ":" + a.getPort();
        }

        @Override
        public void start(Listener2 listener) {
            List<io.grpc.EquivalentAddressGroup> groups = new ArrayList<>();
            addresses.forEach(a -> groups.add(new io.grpc.EquivalentAddressGroup(a)));
            listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
        }

        @Override
        public void shutdown() {
        }

        static final class Factory extends io.grpc.NameResolver.Factory {
            private final List<java.net.SocketAddress> addresses;

            Factory(List<java.net.SocketAddress> addresses) {
                this.addresses = addresses;
            }

            @Override
            public io.grpc.NameResolver newNameResolver(URI target, io.grpc.NameResolver.Args args) {
                return new StaticResolver(addresses);
            }

            @Override
            public String getDefaultScheme() {
                return "cairn-etcd";
            }
        }
    }
}
