package io.cairn.apiserver;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * {@code cairn apiserver}: the Kubernetes API server alone, on an embedded store in {@code <data-dir>/store}.
 * Flags as kube-apiserver names them: {@code --data-dir}, {@code --bind-address}, {@code --secure-port},
 * {@code --token-auth-file}. Runs until stopped.
 */
public final class ApiServerMain {
    private ApiServerMain() {
    }

    public static void main(String[] args) throws Exception {
        ApiServer.Config config;
        try {
            config = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("apiserver: " + e.getMessage());
            System.err.println("usage: apiserver --data-dir D [--bind-address A] [--secure-port P] [--token-auth-file F]");
            System.exit(2);
            return;
        }
        ApiServer server = ApiServer.start(config);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "cairn-apiserver-shutdown"));
        System.err.println("apiserver: serving on " + server.url() + " (data in " + config.dataDir() + ")");
        new CountDownLatch(1).await();
    }

    /** Parses the flags ({@code --flag value} or {@code --flag=value}). */
    public static ApiServer.Config parse(String[] args) {
        ApiServer.Config c = ApiServer.Config.of(Path.of("cairn.apiserver"));
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
                case "--etcd-servers", "--etcd-cafile", "--etcd-certfile", "--etcd-keyfile" ->
                        throw new IllegalArgumentException(flag + ": the etcd backend is not available yet; "
                                + "the API server runs on its embedded store");
                default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
        }
        if (!dataDir) {
            throw new IllegalArgumentException("--data-dir is required");
        }
        return c;
    }
}
