package io.cairn.apiserver.local;

import io.cairn.apiserver.auth.Pki;
import io.cairn.apiserver.kubeconfig.Kubeconfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * {@code cairn up} and {@code cairn down}: the local control plane of one data directory in a background JVM.
 * {@code up} starts it (or finds it running), waits for {@code /readyz}, writes {@code <dir>/kubeconfig}, merges the
 * {@code cairn} context into the user's kubeconfig and makes it current (unless told not to); {@code down} stops it
 * and removes the context. Each prints its summary line (shared/CLI.md) last on standard output.
 */
public final class LocalControlPlane {
    static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    /** The system property that marks a control-plane process and names its data directory. */
    static final String MARKER = "-Dcairn.control-plane=";

    private LocalControlPlane() {
    }

    /**
     * What {@code up} was asked; {@code settings} go to the control plane's {@link Addon}s (keys such as
     * {@link Addon#NODE_MONITOR_GRACE_PERIOD}; a missing key is Kubernetes' default).
     */
    public record UpOptions(Path dataDir, int nodes, boolean kubeconfigUpdate, boolean foreground,
                            Map<String, String> settings) {
        public UpOptions {
            settings = Map.copyOf(settings);
        }

        public UpOptions(Path dataDir, int nodes, boolean kubeconfigUpdate, boolean foreground) {
            this(dataDir, nodes, kubeconfigUpdate, foreground, Map.of());
        }
    }

    /**
     * A Go duration as Kubernetes' flags take it: a sequence of decimal numbers with units {@code ms}, {@code s},
     * {@code m}, {@code h} ({@code 2s}, {@code 40s}, {@code 1m30s}, {@code 1.5h}); {@code 0} alone is zero.
     *
     * @throws IllegalArgumentException if {@code s} is not one
     */
    public static Duration duration(String s) {
        if (s.equals("0")) {
            return Duration.ZERO;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+(?:\\.\\d*)?|\\.\\d+)(ms|s|m|h)").matcher(s);
        double millis = 0;
        int at = 0;
        while (m.lookingAt()) {
            double n = Double.parseDouble(m.group(1));
            millis += n * switch (m.group(2)) {
                case "ms" -> 1;
                case "s" -> 1_000;
                case "m" -> 60_000;
                default -> 3_600_000;
            };
            at = m.end();
            m.region(at, s.length());
        }
        if (s.isEmpty() || at != s.length()) {
            throw new IllegalArgumentException("invalid duration \"" + s + "\" (use e.g. 2s, 40s, 1m)");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /** The running control plane of a data directory, from its state file, if its process is alive. */
    public record Running(long pid, String server, int nodes) {
    }

    public static Optional<Running> running(Path dir) {
        Path state = dir.resolve(ControlPlaneMain.STATE_FILE);
        if (!Files.exists(state)) {
            return Optional.empty();
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(state)) {
            p.load(in);
        } catch (IOException e) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(p.getProperty("pid", ""));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
        // a pid is reused after its process ends: only a live control plane of this directory counts
        if (ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .map(h -> h.info().commandLine().map(c -> c.contains(MARKER + dir.toAbsolutePath())
                        || c.contains("--foreground")).orElse(true))
                .orElse(false)) {
            return Optional.of(new Running(pid, p.getProperty("server", ""),
                    Integer.parseInt(p.getProperty("nodes", "0"))));
        }
        return Optional.empty();
    }

    /** {@code cairn up}; returns the exit status. */
    public static int up(UpOptions o, Map<String, String> env, Path home, PrintStream out, PrintStream err)
            throws Exception {
        Path dir = o.dataDir().toAbsolutePath();
        Files.createDirectories(dir);
        Optional<Running> r = running(dir);
        if (r.isPresent()) {
            err.println("up: the control plane of " + dir + " is already running (pid " + r.get().pid() + ")");
            return ready(dir, r.get().server(), r.get().nodes(), o, env, home, out, err);
        }
        if (o.foreground()) {
            var server = ControlPlaneMain.start(dir, o.nodes(), o.settings());
            int status = ready(dir, server.server().url(), server.nodes(), o, env, home, out, err);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    Files.deleteIfExists(dir.resolve(ControlPlaneMain.STATE_FILE));
                    if (o.kubeconfigUpdate()) {
                        Kubeconfig.remove(Kubeconfig.defaultPath(env, home));
                    }
                } catch (IOException ignored) {
                    // best effort on the way out
                }
                server.close();
            }));
            if (status == 0) {
                Thread.currentThread().join();
            }
            return status;
        }
        err.println("up: starting the store and the API server of " + dir + " (log: " + dir.resolve("cairn.log") + ")");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add(MARKER + dir); // first, where the kernel's command line is never cut: names the process as ours
        cmd.add("-Xss8m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ControlPlaneMain.class.getName());
        cmd.add(dir.toString());
        cmd.add(Integer.toString(o.nodes()));
        o.settings().forEach((k, v) -> cmd.add(k + "=" + v));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("cairn.log").toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        long lastNote = 0;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                err.println("up: the control plane exited with status " + p.exitValue() + "; see "
                        + dir.resolve("cairn.log"));
                return 1;
            }
            Optional<Running> started = running(dir);
            if (started.isPresent() && readyz(dir, started.get().server())) {
                return ready(dir, started.get().server(), started.get().nodes(), o, env, home, out, err);
            }
            if (System.nanoTime() - lastNote > 2_000_000_000L) {
                err.println("up: waiting for " + (started.isPresent() ? started.get().server() + "/readyz"
                        : "the API server to listen") + " ...");
                lastNote = System.nanoTime();
            }
            Thread.sleep(200);
        }
        err.println("up: not ready after " + READY_TIMEOUT.toSeconds() + " s; stopping it; see " + dir.resolve("cairn.log"));
        p.destroy();
        return 1;
    }

    private static int ready(Path dir, String server, int nodes, UpOptions o, Map<String, String> env, Path home,
                             PrintStream out, PrintStream err) throws IOException {
        Pki pki = Pki.loadOrCreate(dir, "127.0.0.1", List.of());
        Kubeconfig.Entry entry = Kubeconfig.Entry.of(pki, server);
        Path kubeconfig = dir.resolve("kubeconfig");
        Kubeconfig.writeStandalone(kubeconfig, entry);
        if (o.kubeconfigUpdate()) {
            Path user = Kubeconfig.defaultPath(env, home);
            Kubeconfig.merge(user, entry, true);
            err.println("up: context \"cairn\" merged into " + user + " and made current");
        }
        out.println("up: ready server=" + server + " kubeconfig=" + kubeconfig + " nodes=" + nodes);
        out.flush();
        return 0;
    }

    /** Whether {@code server}/readyz answers 200 to the admin certificate. */
    static boolean readyz(Path dir, String server) {
        try {
            Pki pki = Pki.loadOrCreate(dir, "127.0.0.1", List.of());
            HttpClient c = HttpClient.newBuilder().sslContext(pki.adminSslContext())
                    .connectTimeout(Duration.ofSeconds(2)).build();
            HttpResponse<String> r = c.send(HttpRequest.newBuilder(URI.create(server + "/readyz"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200;
        } catch (IOException | RuntimeException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** {@code cairn down}; returns the exit status. */
    public static int down(Path dataDir, Map<String, String> env, Path home, PrintStream out, PrintStream err)
            throws IOException, InterruptedException {
        Path dir = dataDir.toAbsolutePath();
        Optional<Running> r = running(dir);
        Path user = Kubeconfig.defaultPath(env, home);
        if (r.isEmpty()) {
            if (Files.exists(user)) {
                Kubeconfig.remove(user);
            }
            out.println("down: not running");
            return 0;
        }
        err.println("down: stopping the control plane of " + dir + " (pid " + r.get().pid() + ")");
        ProcessHandle h = ProcessHandle.of(r.get().pid()).orElse(null);
        if (h != null) {
            h.destroy();
            try {
                h.onExit().get(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                err.println("down: still running after 60 s; killing it");
                h.destroyForcibly();
                h.onExit().join();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException(e.getCause());
            }
        }
        Files.deleteIfExists(dir.resolve(ControlPlaneMain.STATE_FILE));
        if (Files.exists(user)) {
            Kubeconfig.remove(user);
        }
        out.println("down: stopped");
        return 0;
    }
}
