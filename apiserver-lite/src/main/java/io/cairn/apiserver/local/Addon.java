package io.cairn.apiserver.local;

import io.cairn.apiserver.ApiServer;

/**
 * What runs beside the API server in {@code cairn up}'s process: the control plane's controllers, scheduler and
 * simulated nodes. Found with {@link java.util.ServiceLoader}, so that the API server does not depend on the layers
 * above it; without one, {@code up} runs the store and the API server alone ({@code nodes=0}).
 */
public interface Addon {
    /**
     * Starts on {@code server} with {@code nodes} simulated nodes and returns once they are ready (nodes
     * registered and Ready); the handle stops everything it started.
     */
    AutoCloseable start(ApiServer server, int nodes) throws Exception;
}
