package io.cairn.apiserver;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.auth.Authenticator;
import io.cairn.apiserver.auth.Pki;
import io.cairn.apiserver.auth.RbacAuthorizer;
import io.cairn.apiserver.auth.RbacDefaults;
import io.cairn.apiserver.auth.RbacEscalation;
import io.cairn.apiserver.auth.ServiceAccountTokens;
import io.cairn.apiserver.apply.ServerSideApply;
import io.cairn.apiserver.auth.User;
import io.cairn.apiserver.crd.CustomResources;
import io.cairn.apiserver.http.ApiHttpServer;
import io.cairn.apiserver.http.Dispatcher;
import io.cairn.apiserver.kinds.BuiltinKinds;
import io.cairn.apiserver.registry.Catalog;
import io.cairn.apiserver.registry.Options.WriteOptions;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.ServiceIps;
import io.cairn.apiserver.storage.KvStorage;
import io.cairn.apiserver.storage.Storage;
import io.cairn.kv.KvStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kubernetes API server, embeddable: the built-in kinds on a {@link Storage} (by default an embedded
 * {@link KvStore} in {@code <dataDir>/store}), served over HTTPS (client certificates of the cluster CA generated in
 * {@code <dataDir>/pki}, and bearer tokens from a token file), and to in-process callers through {@link #client()},
 * which takes the same request path.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ApiServer.class);
    /** Request threads; further requests queue up to {@link #REQUEST_QUEUE_MAX}, then get 429. */
    static final int REQUEST_THREADS = 16;
    static final int REQUEST_QUEUE_MAX = 4096;
    static final int WATCH_WINDOW_EVENTS = 10_000;
    public static final String SERVICE_RANGE = "10.96.0.0/12";
    /** kube-apiserver's default {@code --etcd-compaction-interval}. */
    public static final long COMPACTION_INTERVAL_MILLIS = 5 * 60 * 1000;

    /**
     * @param bindAddress the address to listen on ({@code 127.0.0.1})
     * @param securePort the port (0 for any free one)
     * @param tokenFile a {@code --token-auth-file} (null: none)
     * @param tls HTTPS (the default); false serves plain HTTP, for tests and benchmarks on loopback
     * @param defaultTolerationSeconds the tolerationSeconds of the not-ready and unreachable tolerations pods are given
     */
    public record Config(Path dataDir, String bindAddress, int securePort, Path tokenFile, boolean tls,
                         long bookmarkMillis, int watchWindowEvents, long compactionMillis,
                         long defaultTolerationSeconds) {
        /** A Config with Kubernetes' default tolerationSeconds (300). */
        public Config(Path dataDir, String bindAddress, int securePort, Path tokenFile, boolean tls,
                      long bookmarkMillis, int watchWindowEvents, long compactionMillis) {
            this(dataDir, bindAddress, securePort, tokenFile, tls, bookmarkMillis, watchWindowEvents, compactionMillis,
                    io.cairn.apiserver.kinds.PodStrategy.DEFAULT_TOLERATION_SECONDS);
        }

        public static Config of(Path dataDir) {
            return new Config(dataDir, "127.0.0.1", 6443, null, true, 60_000, WATCH_WINDOW_EVENTS,
                    COMPACTION_INTERVAL_MILLIS, io.cairn.apiserver.kinds.PodStrategy.DEFAULT_TOLERATION_SECONDS);
        }

        /**
         * How often the store's history is compacted, each time up to the revision of the previous round (so at least
         * one interval of history is kept); 0 never compacts.
         */
        public Config withCompactionMillis(long millis) {
            return new Config(dataDir, bindAddress, securePort, tokenFile, tls, bookmarkMillis, watchWindowEvents, millis,
                    defaultTolerationSeconds);
        }

        /** How many recent events each resource's watch cache keeps for watches that start in the past. */
        public Config withWatchWindow(int events) {
            return new Config(dataDir, bindAddress, securePort, tokenFile, tls, bookmarkMillis, events, compactionMillis,
                    defaultTolerationSeconds);
        }

        public Config withPort(int port) {
            return new Config(dataDir, bindAddress, port, tokenFile, tls, bookmarkMillis, watchWindowEvents, compactionMillis,
                    defaultTolerationSeconds);
        }

        public Config withBindAddress(String address) {
            return new Config(dataDir, address, securePort, tokenFile, tls, bookmarkMillis, watchWindowEvents, compactionMillis,
                    defaultTolerationSeconds);
        }

        public Config withTokenFile(Path file) {
            return new Config(dataDir, bindAddress, securePort, file, tls, bookmarkMillis, watchWindowEvents, compactionMillis,
                    defaultTolerationSeconds);
        }

        public Config withTls(boolean v) {
            return new Config(dataDir, bindAddress, securePort, tokenFile, v, bookmarkMillis, watchWindowEvents, compactionMillis,
                    defaultTolerationSeconds);
        }

        public Config withBookmarkMillis(long v) {
            return new Config(dataDir, bindAddress, securePort, tokenFile, tls, v, watchWindowEvents, compactionMillis,
                    defaultTolerationSeconds);
        }
    
        /**
         * The tolerationSeconds of the not-ready and unreachable NoExecute tolerations the DefaultTolerationSeconds
         * admission gives pods that have none (kube: 300).
         */
        public Config withDefaultTolerationSeconds(long seconds) {
            return new Config(dataDir, bindAddress, securePort, tokenFile, tls, bookmarkMillis, watchWindowEvents,
                    compactionMillis, seconds);
        }
    }

    private final Config config;
    private final Storage storage;
    private final Registry registry;
    private final Dispatcher dispatcher;
    private final ApiHttpServer http;
    private final ThreadPoolExecutor requests;
    private final ScheduledExecutorService housekeeping;
    private final Pki pki;
    private final CustomResources customResources;
    private final InetSocketAddress address;

    private ApiServer(Config config, Storage storage) throws IOException, InterruptedException {
        this.config = config;
        this.storage = storage;
        Files.createDirectories(config.dataDir());
        ServiceIps serviceIps = new ServiceIps(SERVICE_RANGE);
        Catalog catalog = new Catalog(BuiltinKinds.all(config.defaultTolerationSeconds()));
        this.registry = new Registry(storage, catalog, Clock.systemUTC(), PatchApplier::apply, new ServerSideApply(),
                serviceIps,
                config.watchWindowEvents());
        PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AtomicInteger threads = new AtomicInteger();
        this.requests = new ThreadPoolExecutor(REQUEST_THREADS, REQUEST_THREADS, 60, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(REQUEST_QUEUE_MAX), r -> {
                    Thread t = new Thread(r, "cairn-api-" + threads.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        this.pki = Pki.loadOrCreate(config.dataDir(), config.bindAddress(), List.of());
        ServiceAccountTokens serviceAccountTokens = ServiceAccountTokens.loadOrCreate(config.dataDir().resolve("pki"));
        ResourceType serviceAccounts = catalog.find("", "v1", "serviceaccounts").orElseThrow();
        Authenticator authenticator = Authenticator.create(pki, config.tokenFile()).withServiceAccounts(
                serviceAccountTokens, claims -> {
                    ObjectNode sa = registry.cache(serviceAccounts).get(Registry.key(serviceAccounts, claims.namespace(),
                            claims.name()));
                    return sa != null && claims.uid().equals(sa.path("metadata").path("uid").asText());
                });
        String host = config.bindAddress().equals("0.0.0.0") ? "127.0.0.1" : config.bindAddress();
        RbacAuthorizer authorizer = new RbacAuthorizer(registry);
        registry.admission(new RbacEscalation(authorizer));
        this.dispatcher = new Dispatcher(registry, authorizer, serviceAccountTokens, Clock.systemUTC(), metrics,
                new Dispatcher.Settings(host + ":" + config.securePort(), config.bookmarkMillis(), 1800),
                storage::ready);
        this.http = new ApiHttpServer(new InetSocketAddress(config.bindAddress(), config.securePort()),
                config.tls() ? pki.serverContext() : null,
                (session, authorization) -> config.tls()
                        ? authenticator.authenticateOrThrow(session, authorization)
                        : authenticator.authenticate(null, authorization).orElse(User.ADMIN),
                dispatcher, requests);
        // every resource's watch cache starts with the server (as kube-apiserver's cacher does), so that a watch from a
        // list's resourceVersion finds that version in the cache's window
        for (ResourceType t : catalog.all()) {
            if (t.strategy().stored()) {
                registry.cache(t);
            }
        }
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "cairn-api-housekeeping");
            t.setDaemon(true);
            return t;
        });
        this.customResources = new CustomResources(registry, catalog.find("apiextensions.k8s.io", "v1",
                "customresourcedefinitions").orElseThrow(), Clock.systemUTC());
        try {
            bootstrap();
            customResources.start();
            this.address = http.start();
        } catch (Exception e) {
            // (Netty rethrows a BindException unchecked) nothing of a server that could not start may keep running (a port in use, a store that failed)
            customResources.close();
            housekeeping.shutdownNow();
            http.close();
            requests.shutdownNow();
            registry.close();
            throw e;
        }
        housekeeping.scheduleWithFixedDelay(this::reapPods, 1, 1, TimeUnit.SECONDS);
        if (config.compactionMillis() > 0) {
            housekeeping.scheduleWithFixedDelay(this::compact, config.compactionMillis(), config.compactionMillis(),
                    TimeUnit.MILLISECONDS);
        }
        log.info("API server listening on {}", url());
    }

    /** Starts on an embedded single-member store in {@code <dataDir>/store}. */
    public static ApiServer start(Config config) throws IOException, InterruptedException {
        KvStore store = KvStore.open(config.dataDir().resolve("store"));
        waitForLeader(store);
        try {
            return new ApiServer(config, new KvStorage(store, true));
        } catch (IOException | RuntimeException | InterruptedException e) {
            store.close();
            throw e;
        }
    }

    /** Starts on a storage of the caller's (closed with the server). */
    public static ApiServer start(Config config, Storage storage) throws IOException, InterruptedException {
        return new ApiServer(config, storage);
    }

    private static void waitForLeader(KvStore store) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!store.hasLeader() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
    }

    /** The namespaces, the {@code kubernetes} service and the default RBAC roles and bindings every cluster has. */
    private void bootstrap() {
        for (ObjectNode o : RbacDefaults.objects()) {
            ResourceType t = registry.catalog().find("rbac.authorization.k8s.io", "v1", RbacDefaults.plural(o))
                    .orElseThrow();
            if (registry.find(t, null, o.path("metadata").path("name").asText()).isEmpty()) {
                createIgnoringExists(t, null, o);
            }
        }
        ResourceType namespaces = registry.catalog().find("", "v1", "namespaces").orElseThrow();
        for (String ns : List.of("default", "kube-system", "kube-public", "kube-node-lease")) {
            if (registry.find(namespaces, null, ns).isEmpty()) {
                ObjectNode o = JsonNodeFactory.instance.objectNode();
                o.putObject("metadata").put("name", ns);
                createIgnoringExists(namespaces, null, o);
            }
        }
        ResourceType services = registry.catalog().find("", "v1", "services").orElseThrow();
        if (registry.find(services, "default", "kubernetes").isEmpty()) {
            ObjectNode s = JsonNodeFactory.instance.objectNode();
            ObjectNode meta = s.putObject("metadata");
            meta.put("name", "kubernetes");
            meta.putObject("labels").put("component", "apiserver").put("provider", "kubernetes");
            ObjectNode spec = s.putObject("spec");
            spec.put("clusterIP", new ServiceIps(SERVICE_RANGE).first());
            ObjectNode port = spec.putArray("ports").addObject();
            port.put("name", "https");
            port.put("port", 443);
            port.put("protocol", "TCP");
            port.put("targetPort", config.securePort());
            createIgnoringExists(services, "default", s);
        }
    }

    private void createIgnoringExists(ResourceType type, String ns, ObjectNode obj) {
        try {
            registry.create(type, ns, obj, WriteOptions.DEFAULT);
        } catch (ApiException e) {
            if (e.code() != 409) {
                throw e;
            }
        }
    }

    private long compactNext;

    /** Compacts the store to the revision seen one interval ago (kube-apiserver's compactor does the same). */
    private void compact() {
        try {
            long target = compactNext;
            compactNext = storage.currentRevision();
            if (target > storage.compactedRevision()) {
                storage.compact(target).get(30, TimeUnit.SECONDS);
                log.info("compacted the store to revision {}", target);
            }
        } catch (Exception e) {
            log.warn("compacting the store failed (retried next round): {}", e.toString());
        }
    }

    private void reapPods() {
        try {
            registry.reapExpiredPods();
        } catch (RuntimeException e) {
            log.debug("reaping pods whose grace period ended failed: {}", e.toString());
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    /** {@code https://127.0.0.1:6443} (or http:// without TLS). */
    public String url() {
        String host = address.getAddress().isAnyLocalAddress() ? "127.0.0.1" : address.getAddress().getHostAddress();
        return (config.tls() ? "https://" : "http://") + host + ":" + address.getPort();
    }

    public Pki pki() {
        return pki;
    }

    public Registry registry() {
        return registry;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public Storage storage() {
        return storage;
    }

    @Override
    public void close() {
        customResources.close();
        housekeeping.shutdownNow();
        http.close();
        requests.shutdownNow();
        registry.close();
        storage.close();
    }
}
