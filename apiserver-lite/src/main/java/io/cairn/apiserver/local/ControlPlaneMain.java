package io.cairn.apiserver.local;

import io.cairn.apiserver.ApiServer;
import java.io.IOException;
import java.net.BindException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The process {@code cairn up} starts in the background: the embedded store and the API server of one data
 * directory (the control-plane issue adds controllers, scheduler and nodes here). When it serves, it writes
 * {@code <dataDir>/up.properties} (pid, server URL, nodes) for {@code up} and {@code down}; it removes it on exit.
 */
public final class ControlPlaneMain {
    /** The state file a running control plane keeps in its data directory. */
    public static final String STATE_FILE = "up.properties";
    public static final int DEFAULT_PORT = 6443;

    private ControlPlaneMain() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: ControlPlaneMain <data-dir> [nodes [key=value ...]]");
            System.exit(2);
        }
        Path dir = Path.of(args[0]).toAbsolutePath();
        int nodes = args.length >= 2 ? Integer.parseInt(args[1]) : 0;
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>();
        for (int i = 2; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                System.err.println("ControlPlaneMain: not key=value: " + args[i]);
                System.exit(2);
            }
            settings.put(args[i].substring(0, eq), args[i].substring(eq + 1));
        }
        AutoCloseable running = start(dir, nodes, settings);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Files.deleteIfExists(dir.resolve(STATE_FILE));
            } catch (IOException ignored) {
                // best effort: a stale state file names a dead pid, which up and down recognise
            }
            try {
                running.close();
            } catch (Exception e) {
                System.err.println("up: stopping: " + e);
            }
        }, "cairn-up-shutdown"));
        new CountDownLatch(1).await();
    }

    /** What {@link #start} runs: the API server and what the addons started; closing stops them all. */
    public record Running(ApiServer server, java.util.List<AutoCloseable> addons, int nodes) implements AutoCloseable {
        @Override
        public void close() {
            for (int i = addons.size() - 1; i >= 0; i--) {
                try {
                    addons.get(i).close();
                } catch (Exception e) {
                    System.err.println("up: stopping: " + e);
                }
            }
            server.close();
        }
    }

    /**
     * Starts the API server on 6443, or on a free port if 6443 is taken, then every {@link Addon} found (with
     * {@code nodes} simulated nodes and {@code settings}, see {@link Addon}), and records the state file once all are
     * ready.
     */
    static Running start(Path dir, int nodes, java.util.Map<String, String> settings) throws Exception {
        ApiServer.Config config = ApiServer.Config.of(dir);
        String toleration = settings.get(Addon.DEFAULT_TOLERATION_SECONDS);
        if (toleration != null) {
            config = config.withDefaultTolerationSeconds(Long.parseLong(toleration));
        }
        ApiServer server;
        try {
            server = ApiServer.start(config.withPort(DEFAULT_PORT));
        } catch (BindException e) {
            server = ApiServer.start(config.withPort(0));
        }
        java.util.List<AutoCloseable> started = new java.util.ArrayList<>();
        int served = 0;
        try {
            for (Addon addon : java.util.ServiceLoader.load(Addon.class)) {
                started.add(addon.start(server, nodes, java.util.Map.copyOf(settings)));
                served = nodes;
            }
        } catch (Exception e) {
            new Running(server, started, 0).close();
            throw e;
        }
        writeState(dir, ProcessHandle.current().pid(), server.url(), served);
        return new Running(server, started, served);
    }

    static void writeState(Path dir, long pid, String url, int nodes) throws IOException {
        String s = "pid=" + pid + "\nserver=" + url + "\nnodes=" + nodes + "\n";
        io.cairn.apiserver.auth.SecureFiles.writeAtomically(dir.resolve(STATE_FILE), s.getBytes(StandardCharsets.UTF_8),
                io.cairn.apiserver.auth.SecureFiles.PUBLIC_READ);
    }

}
