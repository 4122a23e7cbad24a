package io.cairn.apiserver.local;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.apiserver.kubeconfig.Kubeconfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cairn up} and {@code cairn down} as a user runs them: a background JVM (started from the test classpath),
 * the summary lines scripts parse, the kubeconfig written and merged (into a temporary KUBECONFIG), a second up that
 * finds it running, and a down that stops it and removes the context.
 */
class LocalControlPlaneTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private Run up(Path data, Map<String, String> env) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LocalControlPlane.up(new LocalControlPlane.UpOptions(data, 0, true, false), env, dir,
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Run down(Path data, Map<String, String> env) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = LocalControlPlane.down(data, env, dir, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void upStartsInTheBackgroundAndDownStopsIt() throws Exception {
        Path data = dir.resolve("cairn.up");
        Path userConfig = dir.resolve("user-kubeconfig");
        Files.writeString(userConfig, """
                apiVersion: v1
                kind: Config
                clusters: []
                users: []
                contexts:
                - name: work
                  context: {cluster: elsewhere, user: me}
                current-context: work
                """);
        Map<String, String> env = Map.of("KUBECONFIG", userConfig.toString());
        Run first = up(data, env);
        try {
            assertThat(first.status()).as(first.err()).isZero();
            assertThat(first.out()).matches("(?s)up: ready server=https://127\\.0\\.0\\.1:\\d+ kubeconfig="
                    + java.util.regex.Pattern.quote(data.toAbsolutePath().resolve("kubeconfig").toString())
                    + " nodes=0\\n");
            assertThat(Kubeconfig.read(userConfig).path("current-context").asText()).isEqualTo("cairn");
            assertThat(Files.exists(data.resolve("kubeconfig"))).isTrue();
            long pid = LocalControlPlane.running(data.toAbsolutePath()).orElseThrow().pid();
            assertThat(pid).isNotEqualTo(ProcessHandle.current().pid());

            Run second = up(data, env);
            assertThat(second.status()).isZero();
            assertThat(second.err()).contains("already running");
            assertThat(second.out()).isEqualTo(first.out());

            if (Files.isExecutable(Path.of("/usr/bin/kubectl"))) {
                ProcessBuilder b = new ProcessBuilder("/usr/bin/kubectl", "--kubeconfig",
                        data.resolve("kubeconfig").toString(), "get", "namespaces", "-o", "name").redirectErrorStream(true);
                b.environment().put("HOME", dir.toString());
                b.environment().remove("KUBECONFIG");
                Process p = b.start();
                assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                        .contains("namespace/default", "namespace/kube-system");
            }

            Run stopped = down(data, env);
            assertThat(stopped.out()).isEqualTo("down: stopped\n");
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(Kubeconfig.read(userConfig).path("current-context").asText()).isEqualTo("work");
            assertThat(down(data, env).out()).isEqualTo("down: not running\n");
        } finally {
            LocalControlPlane.running(data.toAbsolutePath()).ifPresent(r ->
                    ProcessHandle.of(r.pid()).ifPresent(ProcessHandle::destroyForcibly));
        }
    }
}
