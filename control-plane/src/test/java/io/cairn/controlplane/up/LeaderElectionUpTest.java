package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two control planes on one API server (what three masters are): the controller manager and the scheduler of only
 * one act, through their Leases in kube-system, so a ReplicaSet gets its replicas once, not twice; when the leader
 * stops, the other takes the Leases over and goes on.
 */
class LeaderElectionUpTest {
    @TempDir
    Path dir;

    @Test
    void onlyTheLeaderActsAndTheOtherTakesOverWhenItStops() throws Exception {
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false))) {
            ApiClient client = ApiClient.of(Transport.inProcess(server.dispatcher(), "test"));
            AutoCloseable first = new ControlPlaneAddon().start(server, 2, Map.of());
            AutoCloseable second = new ControlPlaneAddon().start(server, 0, Map.of());
            try {
                ApiClient.ResourceClient leases = client.resource("coordination.k8s.io/v1", "leases")
                        .namespace("kube-system");
                Awaitility.await().atMost(30, TimeUnit.SECONDS).ignoreExceptionsInstanceOf(ApiException.class)
                        .until(() -> !holder(leases, "kube-controller-manager").isEmpty()
                                && !holder(leases, "kube-scheduler").isEmpty());
                String leader = holder(leases, "kube-controller-manager");

                ApiClient.ResourceClient replicaSets = client.resource("apps/v1", "replicasets").namespace("default");
                replicaSets.create(Json.parseObject(("""
                        {"metadata":{"name":"web"},
                         "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"}},
                                 "template":{"metadata":{"labels":{"app":"web"}},
                                             "spec":{"containers":[{"name":"c","image":"nginx"}]}}}}""")
                        .getBytes(StandardCharsets.UTF_8), false));
                ApiClient.ResourceClient pods = client.resource("v1", "pods").namespace("default");
                Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> podCount(pods) == 3);
                Thread.sleep(2000); // a second active controller would have made its own three by now
                assertThat(podCount(pods)).as("one controller manager acts").isEqualTo(3);

                first.close();
                first = null;
                Awaitility.await().atMost(40, TimeUnit.SECONDS).ignoreExceptionsInstanceOf(ApiException.class)
                        .until(() -> {
                            String now = holder(leases, "kube-controller-manager");
                            return !now.isEmpty() && !now.equals(leader);
                        });
                replicaSets.patch("web", ApiClient.MERGE_PATCH, "{\"spec\":{\"replicas\":5}}");
                Awaitility.await().atMost(30, TimeUnit.SECONDS).until(() -> podCount(pods) == 5);
            } finally {
                if (first != null) {
                    first.close();
                }
                second.close();
            }
        }
    }

    private static String holder(ApiClient.ResourceClient leases, String name) {
        ObjectNode lease = leases.get(name);
        return lease.path("spec").path("holderIdentity").asText("");
    }

    private static long podCount(ApiClient.ResourceClient pods) {
        return pods.list(Map.of("labelSelector", "app=web")).path("items").size();
    }
}
