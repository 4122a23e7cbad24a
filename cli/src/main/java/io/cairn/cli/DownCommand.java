package io.cairn.cli;

import io.cairn.apiserver.local.LocalControlPlane;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn down}: stops the local control plane of a data directory; {@code down: stopped} or {@code down: not running}. */
@Command(name = "down", description = "Stops the local control plane started by up and removes its kubeconfig context.")
final class DownCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cairn.up", description = "data directory (default ./cairn.up)")
    Path dataDir;

    @Override
    public Integer call() throws Exception {
        return LocalControlPlane.down(dataDir, System.getenv(), Path.of(System.getProperty("user.home")), System.out,
                System.err);
    }
}
