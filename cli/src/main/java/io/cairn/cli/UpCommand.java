package io.cairn.cli;

import io.cairn.apiserver.local.LocalControlPlane;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cairn up}: the local control plane in a background JVM; returns once it is ready, with its summary line
 * {@code up: ready server=... kubeconfig=... nodes=N}.
 */
@Command(name = "up", description = "Starts the local control plane (store and API server) in the background, writes "
        + "D/kubeconfig, makes the cairn context current, and returns when it is ready.")
final class UpCommand implements Callable<Integer> {
    @Option(names = "--data-dir", defaultValue = "cairn.up", description = "data directory (default ./cairn.up)")
    Path dataDir;

    @Option(names = "--nodes", defaultValue = "3", description = "simulated nodes (default 3)")
    int nodes;

    @Option(names = "--kubeconfig-update", defaultValue = "true", arity = "1",
            description = "merge the cairn context into your kubeconfig and make it current (default true)")
    boolean kubeconfigUpdate;

    @Option(names = "--foreground", description = "run in this process instead of the background")
    boolean foreground;

    @Override
    public Integer call() throws Exception {
        return LocalControlPlane.up(new LocalControlPlane.UpOptions(dataDir, nodes, kubeconfigUpdate, foreground),
                System.getenv(), Path.of(System.getProperty("user.home")), System.out, System.err);
    }
}
