package io.cairn.apiserver.kubeconfig;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the kubectl on the PATH, if there is one, with {@code HOME} pointed at a test directory and {@code KUBECONFIG}
 * unset, so it neither reads nor writes the real user's files.
 */
final class Kubectl {
    record Result(int exitCode, String stdout, String stderr) {}

    private Kubectl() {}

    /** The kubectl on the PATH, or null. */
    static Path find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path p = Path.of(dir, "kubectl");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    static Result run(Path kubectl, Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(kubectl.toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("KUBECONFIG");
        pb.environment().put("HOME", home.toString());
        Path out = Files.createTempFile(home, "kubectl", ".out");
        Path err = Files.createTempFile(home, "kubectl", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("kubectl " + args[0] + " did not finish in 90 s");
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }
}
