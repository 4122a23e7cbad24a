package io.cairn.cli;

import io.cairn.apiserver.local.Addon;
import io.cairn.apiserver.local.LocalControlPlane;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code cairn up}: the local control plane in a background JVM; returns once it is ready, with its summary line
 * {@code up: ready server=... kubeconfig=... nodes=N}.
 */
@Command(name = "up", description = "Starts the local control plane (store and API server) in the background, writes "
        + "D/kubeconfig, makes the cairn context current, and returns when it is ready.")
final class UpCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--data-dir", defaultValue = "cairn.up", description = "data directory (default ./cairn.up)")
    Path dataDir;

    @Option(names = "--nodes", defaultValue = "3", description = "simulated nodes (default 3)")
    int nodes;

    @Option(names = "--kubeconfig-update", defaultValue = "true", arity = "1",
            description = "merge the cairn context into your kubeconfig and make it current (default true)")
    boolean kubeconfigUpdate;

    @Option(names = "--node-monitor-grace-period", defaultValue = "40s", description = "how long a node may go "
            + "without a heartbeat before it is NotReady (Unknown) and tainted unreachable, a Go duration (default 40s)")
    String nodeMonitorGracePeriod;

    @Option(names = "--default-toleration-seconds", defaultValue = "300", description = "how long pods stay on a "
            + "not-ready or unreachable node before they are evicted, unless they say otherwise (default 300)")
    long defaultTolerationSeconds;

    @Option(names = "--foreground", description = "run in this process instead of the background")
    boolean foreground;

    @Override
    public Integer call() throws Exception {
        try {
            if (LocalControlPlane.duration(nodeMonitorGracePeriod).isZero()) {
                throw new IllegalArgumentException("must be more than 0");
            }
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--node-monitor-grace-period: " + e.getMessage());
        }
        if (defaultTolerationSeconds < 0) {
            throw new ParameterException(spec.commandLine(), "--default-toleration-seconds: must be 0 or more");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(Addon.NODE_MONITOR_GRACE_PERIOD, nodeMonitorGracePeriod);
        settings.put(Addon.DEFAULT_TOLERATION_SECONDS, Long.toString(defaultTolerationSeconds));
        return LocalControlPlane.up(new LocalControlPlane.UpOptions(dataDir, nodes, kubeconfigUpdate, foreground,
                settings), System.getenv(), Path.of(System.getProperty("user.home")), System.out, System.err);
    }
}
