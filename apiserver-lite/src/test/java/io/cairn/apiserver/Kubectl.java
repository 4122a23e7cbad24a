package io.cairn.apiserver;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real kubectl for tests with {@code HOME} pointed at a test directory and {@code KUBECONFIG} set to a test
 * file (or unset), so it neither reads nor writes the real user's files.
 */
public final class Kubectl {
    public record Result(int exitCode, String stdout, String stderr) {}

    private Kubectl() {}

    /** The kubectl on the PATH, else {@code /usr/bin/kubectl}, or null when there is none. */
    public static Path find() {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "" : path).split(File.pathSeparator)) {
            Path p = Path.of(d, "kubectl");
            if (!d.isEmpty() && Files.isExecutable(p)) {
                return p;
            }
        }
        Path usual = Path.of("/usr/bin/kubectl");
        return Files.isExecutable(usual) ? usual : null;
    }

    /**
     * Starts {@code kubectl args} with its output going to {@code out} and {@code err}; {@code kubeconfig} null
     * leaves {@code KUBECONFIG} unset.
     */
    public static Process start(Path kubectl, Path home, Path kubeconfig, Path out, Path err, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(kubectl.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        if (kubeconfig == null) {
            pb.environment().remove("KUBECONFIG");
        } else {
            pb.environment().put("KUBECONFIG", kubeconfig.toString());
        }
        pb.environment().put("HOME", home.toString());
        pb.environment().remove("KUBECTL_EXTERNAL_DIFF");
        return pb.start();
    }

    /** Waits up to 90 s for a started kubectl, then reads what it wrote to {@code out} and {@code err}. */
    public static Result finish(Process p, Path out, Path err, String... args) throws IOException, InterruptedException {
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("kubectl " + String.join(" ", args) + " did not finish in 90 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** Runs {@code kubectl args} to the end, its output in temporary files under {@code home}. */
    public static Result run(Path kubectl, Path home, Path kubeconfig, String... args)
            throws IOException, InterruptedException {
        Path out = Files.createTempFile(home, "kubectl", ".out");
        Path err = Files.createTempFile(home, "kubectl", ".err");
        Process p = start(kubectl, home, kubeconfig, out, err, args);
        p.getOutputStream().close();
        return finish(p, out, err, args);
    }
}
