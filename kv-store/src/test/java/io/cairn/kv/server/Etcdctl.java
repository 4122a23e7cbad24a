package io.cairn.kv.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real etcdctl (v3 API) against one endpoint (or several), with bounded timeouts: etcdctl's own dial and command
 * timeouts, and a hard limit on the process after which it is killed and the test fails.
 */
final class Etcdctl {
    static final Path BINARY = Path.of("/usr/bin/etcdctl");
    private static final long PROCESS_TIMEOUT_SECONDS = 20;

    /** What one run printed and returned. */
    record Result(int exitCode, String out, String err) {
        /** The last line of stderr, where etcdctl prints "Error: ..." (before it, grpc-go may log a warning). */
        String errorLine() {
            String[] lines = err.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    private final String endpoint;
    private final Path scratch;

    Etcdctl(KvGrpcServer server, Path scratch) {
        this("127.0.0.1:" + server.port(), scratch);
    }

    /** etcdctl against {@code endpoints} (host:port, comma-separated). */
    Etcdctl(String endpoints, Path scratch) {
        this.endpoint = endpoints;
        this.scratch = scratch;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    Result run(String... args) throws IOException, InterruptedException {
        return runWithInput("", args);
    }

    Result runWithInput(String stdin, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--endpoints=" + endpoint,
                "--dial-timeout=3s", "--command-timeout=5s"));
        command.addAll(List.of(args));
        Path in = Files.writeString(Files.createTempFile(scratch, "in", ".txt"), stdin);
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectInput(in.toFile())
                .redirectOutput(out.toFile())
                .redirectError(err.toFile());
        pb.environment().put("ETCDCTL_API", "3");
        Process p = pb.start();
        if (!p.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        assertThat(p.isAlive()).as("etcdctl %s still running after %s s", command, PROCESS_TIMEOUT_SECONDS).isFalse();
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * Starts a long-running etcdctl command (a watch) in the background; {@link Background#stop} ends it and
     * returns what it printed.
     */
    Background start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--endpoints=" + endpoint,
                "--dial-timeout=3s", "--command-timeout=5s"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(scratch, "out", ".txt");
        Path err = Files.createTempFile(scratch, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().put("ETCDCTL_API", "3");
        return new Background(pb.start(), out, err);
    }

    /** A background etcdctl: its output so far, and a bounded stop. */
    record Background(Process process, Path out, Path err) {
        String outSoFar() throws IOException {
            return Files.readString(out, StandardCharsets.UTF_8);
        }

        /** Waits (at most 10 s) until stdout holds {@code text}; returns stdout. */
        String awaitOut(String text) throws IOException, InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!outSoFar().contains(text) && process.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            return outSoFar();
        }

        /** Waits up to {@code seconds} for the process to end by itself, then kills it; returns how it ended. */
        Result stop(long seconds) throws IOException, InterruptedException {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
            return new Result(process.exitValue(), outSoFar(), Files.readString(err, StandardCharsets.UTF_8));
        }
    }

    /**
     * Runs {@code args} again until etcdctl exits 0 (members just started, or a leader just lost), for up to 90 s;
     * the last failure when it never does.
     */
    Result eventually(String... args) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        Result r;
        do {
            r = run(args);
            if (r.exitCode() == 0) {
                return r;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("etcdctl " + List.of(args) + " kept failing: " + r.err());
    }

    /** Runs and expects exit code 0 and exactly {@code expected} on stdout. */
    void expect(String expected, String... args) throws IOException, InterruptedException {
        Result r = run(args);
        assertThat(r.exitCode()).as("exit code of %s; stderr: %s", List.of(args), r.err()).isZero();
        assertThat(r.out()).as("stdout of %s", List.of(args)).isEqualTo(expected);
    }
}
