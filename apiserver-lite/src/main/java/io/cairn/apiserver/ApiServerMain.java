package io.cairn.apiserver;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cairn apiserver}: the Kubernetes API server alone, on an embedded store in {@code <data-dir>/store}, or on an
 * etcd v3 cluster with {@code --etcd-servers} (etcd itself or {@code cairn kv} members; {@code --etcd-cafile},
 * {@code --etcd-certfile} and {@code --etcd-keyfile} for TLS). Flags as kube-apiserver names them: {@code --data-dir}
 * (certificates, and the embedded store), {@code --bind-address}, {@code --secure-port}, {@code --token-auth-file}.
 * Runs until stopped.
 */
public final class ApiServerMain {
    private ApiServerMain() {
    }

    /** The parsed flags: the server's configuration, and the etcd cluster to use (null: the embedded store). */
    public record Flags(ApiServer.Config config, io.cairn.apiserver.storage.EtcdStorage.Options etcd) {
    }

    public static void main(String[] args) throws Exception {
        Flags flags;
        try {
            flags = parseFlags(args);
        } catch (IllegalArgumentException e) {
            System.err.println("apiserver: " + e.getMessage());
            System.err.println("usage: apiserver --data-dir D [--bind-address A] [--secure-port P] [--token-auth-file F] "
                    + "[--etcd-servers URLS [--etcd-cafile F] [--etcd-certfile F --etcd-keyfile F]]");
            System.exit(2);
            return;
        }
        ApiServer.Config config = flags.config();
        ApiServer server = flags.etcd() == null ? ApiServer.start(config)
                : ApiServer.start(config, io.cairn.apiserver.storage.EtcdStorage.connect(flags.etcd()));
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "cairn-apiserver-shutdown"));
        System.err.println("apiserver: serving on " + server.url() + " (data in " + (flags.etcd() == null
                ? config.dataDir() : "etcd " + flags.etcd().servers()) + ")");
        new CountDownLatch(1).await();
    }

    /** Parses the flags ({@code --flag value} or {@code --flag=value}) into the server's configuration. */
    public static ApiServer.Config parse(String[] args) {
        return parseFlags(args).config();
    }

    public static Flags parseFlags(String[] args) {
        ApiServer.Config c = ApiServer.Config.of(Path.of("cairn.apiserver"));
        String etcdServers = null;
        java.io.File[] etcdFiles = new java.io.File[3];
        boolean dataDir = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String value;
            String flag = a;
            int eq = a.indexOf('=');
            if (eq > 0) {
                flag = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("flag " + a + " needs a value");
                }
                value = args[++i];
            }
            switch (flag) {
                case "--data-dir" -> {
                    c = new ApiServer.Config(Path.of(value), c.bindAddress(), c.securePort(), c.tokenFile(), c.tls(),
                            c.bookmarkMillis(), c.watchWindowEvents(), c.compactionMillis());
                    dataDir = true;
                }
                case "--bind-address" -> c = c.withBindAddress(value);
                case "--secure-port" -> c = c.withPort(Integer.parseInt(value));
                case "--token-auth-file" -> c = c.withTokenFile(Path.of(value));
                case "--etcd-servers" -> etcdServers = value;
                case "--etcd-cafile" -> etcdFiles[0] = new java.io.File(value);
                case "--etcd-certfile" -> etcdFiles[1] = new java.io.File(value);
                case "--etcd-keyfile" -> etcdFiles[2] = new java.io.File(value);
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (!dataDir) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        if (etcdServers == null && (etcdFiles[0] != null || etcdFiles[1] != null || etcdFiles[2] != null)) {
            throw new IllegalArgumentException("--etcd-cafile, --etcd-certfile and --etcd-keyfile need --etcd-servers");
        }
        if ((etcdFiles[1] == null) != (etcdFiles[2] == null)) {
            throw new IllegalArgumentException("--etcd-certfile and --etcd-keyfile go together");
        }
        return new Flags(c, etcdServers == null ? null
                : io.cairn.apiserver.storage.EtcdStorage.Options.parse(etcdServers, etcdFiles[0], etcdFiles[1],
                        etcdFiles[2]));
    }
}
