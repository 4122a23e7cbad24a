package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.WorkloadTestSupport.NOW;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.created;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.messages;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class ReplicaSetStrategyTest {
    private final ReplicaSetStrategy strategy = new ReplicaSetStrategy();

    private static final String MINIMAL = """
            metadata: {name: web-5d8f, namespace: default, uid: r1, creationTimestamp: "2024-05-01T10:00:00Z"}
            spec:
              selector:
                matchLabels: {app: web}
                matchExpressions: [{key: tier, operator: In, values: [fe, edge]}]
              template:
                metadata: {labels: {app: web, tier: fe}}
                spec:
                  containers: [{name: nginx, image: "nginx:1.25"}, {name: log, image: busybox}]
            """;

    @Test
    void defaultsOneReplicaAndValidates() {
        ObjectNode rs = created(strategy, MINIMAL);
        assertThat(rs.path("spec").path("replicas").asInt()).isEqualTo(1);
        assertThat(strategy.validate(rs, null)).isEmpty();
    }

    @Test
    void matchExpressionsTakePartInTheTemplateCheck() {
        ObjectNode rs = created(strategy, MINIMAL.replace("tier: fe}", "tier: db}"));
        assertThat(messages(strategy.validate(rs, null))).containsExactly(
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\", \"tier\":\"db\"}: "
                        + "`selector` does not match template `labels`");
    }

    @Test
    void tableRowAndFieldSelector() {
        ObjectNode rs = created(strategy, MINIMAL);
        ((ObjectNode) rs.get("spec")).put("replicas", 3);
        rs.set("status", yaml("{replicas: 3, readyReplicas: 1}"));
        assertThat(strategy.cells(rs, NOW)).containsExactly("web-5d8f", 3L, 3L, 1L, "120m", "nginx,log",
                "nginx:1.25,busybox", "app=web,tier in (edge,fe)");
        assertThat(strategy.fieldValue(rs, "status.replicas")).contains("3");
    }
}
