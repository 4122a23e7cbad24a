package io.cairn.controlplane.scheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.informer.SharedInformerFactory;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pods bound per second, for a look by hand ({@code -Dscheduler.throughput=true -Dnodes=1000 -Dpods=5000}); not a
 * gate: the benchmark proper is {@code cairn bench scheduler}.
 */
@EnabledIfSystemProperty(named = "scheduler.throughput", matches = "true")
class SchedulerThroughput {
    @TempDir
    Path dir;

    @Test
    void podsBoundPerSecond() throws Exception {
        int nodeCount = Integer.getInteger("nodes", 500);
        int podCount = Integer.getInteger("pods", 2000);
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false))) {
            ApiClient client = ApiClient.of(Transport.inProcess(server.dispatcher(), "throughput"));
            ApiClient.ResourceClient nodes = client.resource("v1", "nodes");
            for (int i = 0; i < nodeCount; i++) {
                ObjectNode n = SchedulerTest.node("node-" + i, "32", "256Gi", 110);
                ObjectNode created = nodes.create(n);
                if (created.path("status").path("allocatable").isEmpty()) {
                    created.set("status", n.path("status").deepCopy());
                    nodes.updateStatus(created);
                }
            }
            ApiClient.ResourceClient pods = client.resource("v1", "pods").namespace("default");
            long c0 = System.nanoTime();
            for (int i = 0; i < podCount; i++) {
                pods.create(SchedulerTest.pod("p-" + i, "100m", "128Mi"));
            }
            long created = System.nanoTime() - c0;
            // the pods wait; the clock runs from the scheduler's start (its informers' list included)
            try (SharedInformerFactory informers = new SharedInformerFactory(client);
                    Scheduler scheduler = new Scheduler(client, informers, Scheduler.Config.defaults())) {
                long t0 = System.nanoTime();
                scheduler.start();
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50))
                        .until(() -> scheduler.boundCount() == podCount);
                long end = System.nanoTime();
                System.err.printf("THROUGHPUT %d nodes, %d pods: created in %d ms; all bound in %d ms: %.0f pods/s%n",
                        nodeCount, podCount, created / 1_000_000, (end - t0) / 1_000_000,
                        podCount * 1e9 / (end - t0));
                System.err.printf("THROUGHPUT scheduling cycles %d ms in all, bindings %d ms in all (over the binders)%n",
                        scheduler.cycleNanos.get() / 1_000_000, scheduler.bindNanos.get() / 1_000_000);
                assertThat(scheduler.boundCount()).isEqualTo(podCount);
            }
        }
    }
}
