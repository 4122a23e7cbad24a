package io.cairn.kv.server;

import io.cairn.kv.KvService;
import io.cairn.kv.KvStore;
import io.cairn.kv.LeaseService;
import io.cairn.kv.watch.WatchBackend;
import io.cairn.raft.core.Invariants;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The etcd v3 gRPC server: listens on one or more addresses (etcd's {@code --listen-client-urls} may name several)
 * and serves etcd's KV service over a {@link KvService}, plaintext HTTP/2 as etcdctl and jetcd speak it; a member's
 * server also serves Watch, Lease, Maintenance, Cluster, Auth, Lock, Election and the gRPC health service. Every
 * call's auth token is taken from its metadata ({@link AuthMetadata}).
 *
 * <p>What it configures, each from {@link KvServerLimits}: the transport's receive limit (etcd's request limit
 * plus its gRPC overhead, so an oversized write gets etcd's error text, see {@link KvGrpcService}); a bound on
 * concurrent streams per connection; the keep-alive policy (clients may ping every second, also without calls,
 * which etcdctl's 2 s pings need; the server pings idle connections as etcd does); and the handler pool, a fixed
 * number of threads with a bounded queue sized so that admission ({@link CallBudget}) refuses work before the
 * queue can fill. gRPC itself runs on its direct executor: its only work before the handler pool is reading and
 * parsing a request, which never blocks.
 *
 * <p>{@link #close()} is graceful: no new calls, admitted calls get {@code shutdownGraceMillis} to be answered,
 * then the rest are cancelled and the handler pool stops. Netty's event loops are grpc's shared ones.
 *
 * <p>Threads: {@link #start} and {@link #close} from any one thread; the accessors from any.
 */
public final class KvGrpcServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(KvGrpcServer.class);

    private final Server server;
    private final ThreadPoolExecutor handlers;
    private final KvGrpcService service;
    /** etcd's Watch service, or null when the server was started without one. */
    private final WatchGrpcService watch;
    private final KvServerLimits limits;
    private final List<InetSocketAddress> addresses;

    private KvGrpcServer(Server server, ThreadPoolExecutor handlers, KvGrpcService service, WatchGrpcService watch,
            KvServerLimits limits) {
        this.server = server;
        this.watch = watch;
        this.handlers = handlers;
        this.service = service;
        this.limits = limits;
        List<InetSocketAddress> bound = new ArrayList<>();
        for (SocketAddress a : server.getListenSockets()) {
            bound.add((InetSocketAddress) a);
        }
        this.addresses = List.copyOf(bound);
    }

    /** Binds every address (port 0: an ephemeral port, see {@link #addresses()}) and starts serving. */
    public static KvGrpcServer start(List<InetSocketAddress> listen, KvService kv, KvServerLimits limits)
            throws IOException {
        return start(listen, kv, null, null, limits);
    }

    /** A member's whole etcd API: KV, Watch, Lease, Maintenance, Cluster and gRPC health over one {@link KvStore}. */
    public static KvGrpcServer start(List<InetSocketAddress> listen, KvStore store, KvServerLimits limits)
            throws IOException {
        return start(listen, store, limits, null);
    }

    /** {@link #start(List, KvStore, KvServerLimits)}, over TLS on every address unless {@code tls} is null. */
    public static KvGrpcServer start(List<InetSocketAddress> listen, KvStore store, KvServerLimits limits,
            ClientTls tls) throws IOException {
        return start(listen, store, store, store, store, tls, limits);
    }

    /**
     * {@link #start(List, KvService, KvServerLimits)}, serving etcd's Watch service unless {@code watches} is null
     * and its Lease service unless {@code leases} is null.
     */
    public static KvGrpcServer start(List<InetSocketAddress> listen, KvService kv, WatchBackend watches,
            LeaseService leases, KvServerLimits limits) throws IOException {
        return start(listen, kv, watches, leases, null, null, limits);
    }

    private static KvGrpcServer start(List<InetSocketAddress> listen, KvService kv, WatchBackend watches,
            LeaseService leases, KvStore member, ClientTls tls, KvServerLimits limits) throws IOException {
        Invariants.check(!listen.isEmpty(), "no listen address");
        ThreadPoolExecutor handlers = handlerPool(limits);
        KvGrpcService service = new KvGrpcService(kv, handlers, limits);
        WatchGrpcService watch = watches == null ? null : new WatchGrpcService(watches, limits.requestBytesMax());
        NettyServerBuilder builder = NettyServerBuilder.forAddress(listen.get(0));
        for (InetSocketAddress a : listen.subList(1, listen.size())) {
            builder.addListenAddress(a);
        }
        if (watch != null) {
            builder.addService(watch.definition());
        }
        if (leases != null) {
            builder.addService(new LeaseGrpcService(leases).definition());
        }
        if (tls != null) {
            builder.sslContext(tls.serverContext());
        }
        if (member != null) {
            MaintenanceGrpcService maintenance = new MaintenanceGrpcService(member,
                    member.dataDirectory().resolve("kv-scratch"));
            builder.addService(maintenance.definition());
            builder.addService(maintenance.healthDefinition());
            ConcurrencyGrpcService concurrency = new ConcurrencyGrpcService(member);
            builder.addService(concurrency.lockDefinition());
            builder.addService(concurrency.electionDefinition());
            builder.addService(new ClusterGrpcService(member.membership(), member.auth()).definition());
            builder.addService(new AuthGrpcService(member.auth()).definition());
        }
        Server server = builder
                .intercept(AuthMetadata.interceptor())
                .directExecutor()
                .addService(service.definition())
                .maxInboundMessageSize(limits.maxInboundMessageBytes())
                .maxConcurrentCallsPerConnection(limits.callsPerConnectionMax())
                .permitKeepAliveTime(limits.permitKeepAliveTimeMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .keepAliveTime(limits.keepAliveTimeMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(limits.keepAliveTimeoutMillis(), TimeUnit.MILLISECONDS)
                .build();
        try {
            server.start();
        } catch (IOException | RuntimeException e) {
            server.shutdownNow();
            handlers.shutdownNow();
            if (watch != null) {
                watch.close();
            }
            throw e;
        }
        KvGrpcServer started = new KvGrpcServer(server, handlers, service, watch, limits);
        log.info("etcd gRPC server listening on {} (request limit {} bytes, {} handler threads)", started.addresses,
                limits.requestBytesMax(), limits.handlerThreads());
        return started;
    }

    public static KvGrpcServer start(InetSocketAddress listen, KvService kv, KvServerLimits limits)
            throws IOException {
        return start(List.of(listen), kv, limits);
    }

    /** The bound addresses, in the order given to {@link #start}, with the ports actually bound. */
    public List<InetSocketAddress> addresses() {
        return addresses;
    }

    /** The first bound address's port. */
    public int port() {
        return addresses.get(0).getPort();
    }

    /** Calls admitted and not yet answered. */
    public int inFlightCalls() {
        return service.inFlightCalls();
    }

    @Override
    public void close() {
        if (watch != null) {
            watch.close(); // watch streams never end by themselves: end them so that shutdown can be graceful
        }
        server.shutdown();
        boolean interrupted = false;
        try {
            if (!server.awaitTermination(limits.shutdownGraceMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("etcd gRPC server on {}: calls still open after {} ms; cancelling them", addresses,
                        limits.shutdownGraceMillis());
                server.shutdownNow();
                server.awaitTermination(limits.shutdownGraceMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            interrupted = true;
            server.shutdownNow();
        }
        handlers.shutdown();
        try {
            if (!handlers.awaitTermination(limits.shutdownGraceMillis(), TimeUnit.MILLISECONDS)) {
                handlers.shutdownNow();
            }
        } catch (InterruptedException e) {
            interrupted = true;
            handlers.shutdownNow();
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        log.info("etcd gRPC server on {} closed", addresses);
    }

    /** Fixed threads; the queue holds at most every admitted call, so only a shut-down pool refuses work. */
    private static ThreadPoolExecutor handlerPool(KvServerLimits limits) {
        AtomicInteger count = new AtomicInteger();
        ThreadFactory threads = r -> {
            Thread t = new Thread(r, "kv-grpc-handler-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        return new ThreadPoolExecutor(limits.handlerThreads(), limits.handlerThreads(), 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(limits.inFlightCallsMax()), threads, new ThreadPoolExecutor.AbortPolicy());
    }
}
