package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.cairn.apiserver.local.LocalControlPlane;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * {@code cairn up} with three simulated nodes in a test's folder (a background JVM from this module's test
 * classpath), the real kubectl against it, and {@code cairn down}. The end-to-end tests of this package share it.
 */
final class UpTestSupport {
    record Result(int exit, String out, String err) {
    }

    private final Path dir;
    private final Path data;
    private final Map<String, String> env;
    private final Duration patience;

    private UpTestSupport(Path dir, Duration patience) {
        this.dir = dir;
        this.data = dir.resolve("cairn.up");
        this.env = Map.of("KUBECONFIG", dir.resolve("user-kubeconfig").toString());
        this.patience = patience;
    }

    /**
     * Brings up three nodes in {@code dir} with {@code settings} (cairn up's flags); the test is skipped when kubectl
     * is not installed. {@link #eventually} waits up to {@code patience}.
     */
    static UpTestSupport up(Path dir, Map<String, String> settings, Duration patience) throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/kubectl")), "kubectl is not installed");
        UpTestSupport cairn = new UpTestSupport(dir, patience);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LocalControlPlane.up(new LocalControlPlane.UpOptions(cairn.data, 3, false, false, settings),
                cairn.env, dir, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).endsWith(" nodes=3\n");
        return cairn;
    }

    /** The kubeconfig {@code cairn up} wrote for this cluster. */
    Path kubeconfig() {
        return data.resolve("kubeconfig");
    }

    /** cairn down; {@code cairn} may be null (the test was skipped). */
    static void down(UpTestSupport cairn) throws Exception {
        if (cairn != null) {
            LocalControlPlane.down(cairn.data, cairn.env, cairn.dir, new PrintStream(new ByteArrayOutputStream()),
                    new PrintStream(new ByteArrayOutputStream()));
        }
    }

    Result kubectl(String stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/kubectl", "--kubeconfig",
                data.resolve("kubeconfig").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder b = new ProcessBuilder(cmd);
        b.environment().put("HOME", dir.toString());
        b.environment().remove("KUBECONFIG");
        Path out = Files.createTempFile(dir, "out", ".txt");
        Path err = Files.createTempFile(dir, "err", ".txt");
        Process p = b.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (stdin != null) {
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
        }
        p.getOutputStream().close();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("kubectl %s", List.of(args)).isTrue();
        return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** kubectl's output; it must exit 0. */
    String ok(String... args) throws Exception {
        Result r = kubectl(null, args);
        assertThat(r.exit()).as("kubectl %s: %s", String.join(" ", args), r.err()).isZero();
        return r.out();
    }

    void eventually(String what, Callable<Boolean> condition) {
        Awaitility.await(what).atMost(patience).pollInterval(500, TimeUnit.MILLISECONDS).until(condition);
    }
}
