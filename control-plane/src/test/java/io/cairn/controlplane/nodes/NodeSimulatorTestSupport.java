package io.cairn.controlplane.nodes;

import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the node simulator's tests share: a real in-process API server in a temporary folder, a client of it, and the
 * simulator a test starts ({@code sim}), closed after each test before the server.
 */
abstract class NodeSimulatorTestSupport {
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;
    ApiServer server;
    ApiClient client;
    NodeSimulator sim;

    @BeforeEach
    void startServer() throws Exception {
        server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false));
        client = ApiClient.of(Transport.inProcess(server.dispatcher(), "node-simulator-test"));
    }

    @AfterEach
    void closeSimulatorAndServer() throws Exception {
        if (sim != null) {
            sim.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Starts {@code sim} with {@code config}. */
    NodeSimulator start(NodeSimulator.Config config) {
        sim = new NodeSimulator(client, config);
        sim.start();
        return sim;
    }
}
