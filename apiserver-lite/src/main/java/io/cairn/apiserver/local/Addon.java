package io.cairn.apiserver.local;

import io.cairn.apiserver.ApiServer;
import java.util.Map;

/**
 * What runs beside the API server in {@code cairn up}'s process: the control plane's controllers, scheduler and
 * simulated nodes. Found with {@link java.util.ServiceLoader}, so that the API server does not depend on the layers
 * above it; without one, {@code up} runs the store and the API server alone ({@code nodes=0}).
 */
public interface Addon {
    /** Setting: how long a node may go without a heartbeat before it is unreachable, a Go duration ({@code 40s}). */
    String NODE_MONITOR_GRACE_PERIOD = "node-monitor-grace-period";
    /** Setting: how long pods tolerate a not-ready or unreachable node by default, in seconds ({@code 300}). */
    String DEFAULT_TOLERATION_SECONDS = "default-toleration-seconds";

    /**
     * Starts on {@code server} with {@code nodes} simulated nodes and returns once they are ready (nodes
     * registered and Ready); the handle stops everything it started. {@code settings} holds what {@code up} was told
     * ({@link #NODE_MONITOR_GRACE_PERIOD}, {@link #DEFAULT_TOLERATION_SECONDS}; values as on the command line,
     * checked by {@link LocalControlPlane#duration}); a missing key means Kubernetes' default.
     */
    AutoCloseable start(ApiServer server, int nodes, Map<String, String> settings) throws Exception;
}
