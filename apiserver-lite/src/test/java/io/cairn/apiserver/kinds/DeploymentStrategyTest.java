package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.WorkloadTestSupport.NOW;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.created;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.messages;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentStrategyTest {
    private final DeploymentStrategy strategy = new DeploymentStrategy();

    private static final String MINIMAL = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web, namespace: default, uid: d1, creationTimestamp: "2024-05-01T11:56:00Z"}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers: [{name: nginx, image: "nginx:1.25"}]
            status: {replicas: 9}
            """;

    private List<String> errorsOf(String yaml) {
        return messages(strategy.validate(created(strategy, yaml), null));
    }

    @Test
    void minimalDeploymentGetsKubesDefaults() {
        ObjectNode d = created(strategy, MINIMAL);
        JsonNode spec = d.path("spec");
        assertThat(spec.path("replicas").asInt()).isEqualTo(1);
        assertThat(spec.path("strategy")).isEqualTo(yaml(
                "{type: RollingUpdate, rollingUpdate: {maxUnavailable: 25%, maxSurge: 25%}}"));
        assertThat(spec.path("revisionHistoryLimit").asInt()).isEqualTo(10);
        assertThat(spec.path("progressDeadlineSeconds").asInt()).isEqualTo(600);
        JsonNode pod = spec.path("template").path("spec");
        assertThat(pod.path("restartPolicy").asText()).isEqualTo("Always");
        assertThat(pod.path("dnsPolicy").asText()).isEqualTo("ClusterFirst");
        assertThat(pod.path("schedulerName").asText()).isEqualTo("default-scheduler");
        assertThat(pod.path("terminationGracePeriodSeconds").asInt()).isEqualTo(30);
        assertThat(pod.path("containers").get(0).path("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
        // What only Pod objects get (admission plugins, SetDefaults_Pod) stays out of a template, as in Kubernetes.
        assertThat(pod.has("tolerations")).isFalse();
        assertThat(pod.has("enableServiceLinks")).isFalse();
        assertThat(pod.has("serviceAccountName")).isFalse();
        assertThat(d.path("status")).isEqualTo(yaml("{}"));
        assertThat(strategy.validate(d, null)).isEmpty();
    }

    @Test
    void recreateGetsNoRollingUpdateDefaults() {
        ObjectNode d = created(strategy, MINIMAL.replace("spec:\n  selector", "spec:\n  strategy: {type: Recreate}\n"
                + "  selector"));
        assertThat(d.path("spec").path("strategy")).isEqualTo(yaml("{type: Recreate}"));
    }

    @Test
    void aSelectorThatDoesNotMatchTheTemplate() {
        assertThat(errorsOf(MINIMAL.replace("matchLabels: {app: web}", "matchLabels: {app: api}"))).containsExactly(
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does "
                        + "not match template `labels`");
    }

    @Test
    void aMissingSelectorIsRequiredAndMatchesNothing() {
        assertThat(errorsOf(MINIMAL.replace("  selector: {matchLabels: {app: web}}\n", ""))).containsExactly(
                "spec.selector: Required value",
                "spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"web\"}: `selector` does "
                        + "not match template `labels`");
        assertThat(errorsOf(MINIMAL.replace("{matchLabels: {app: web}}", "{}"))).containsExactly(
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
                        + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
                        + "deployment");
    }

    @Test
    void templateRulesUseFullPaths() {
        assertThat(errorsOf(MINIMAL.replace("{name: nginx, image: \"nginx:1.25\"}", "{name: Nginx}"))).containsExactly(
                "spec.template.spec.containers[0].name: Invalid value: \"Nginx\": a lowercase RFC 1123 label must "
                        + "consist of lower case alphanumeric characters or '-', and must start and end with an "
                        + "alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                "spec.template.spec.containers[0].image: Required value");
        assertThat(errorsOf(MINIMAL.replace("    spec:\n", "    spec:\n      restartPolicy: Never\n")))
                .containsExactly("spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: "
                        + "\"Always\"");
    }

    @Test
    void replicasAndRollingUpdateLimits() {
        assertThat(errorsOf(MINIMAL.replace("spec:\n  selector", "spec:\n  replicas: -1\n  selector")))
                .containsExactly("spec.replicas: Invalid value: -1: must be greater than or equal to 0");
        assertThat(errorsOf(MINIMAL.replace("spec:\n  selector", """
                spec:
                  strategy: {rollingUpdate: {maxSurge: 0, maxUnavailable: 0}}
                  selector""")))
                .containsExactly("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, "
                        + "IntVal:0, StrVal:\"\"}: may not be 0 when `maxSurge` is 0");
        assertThat(errorsOf(MINIMAL.replace("spec:\n  selector", """
                spec:
                  strategy: {rollingUpdate: {maxUnavailable: 150%}}
                  selector""")))
                .containsExactly("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, "
                        + "IntVal:0, StrVal:\"150%\"}: must not be greater than 100%");
    }

    @Test
    void theSelectorIsImmutableInAppsV1() {
        ObjectNode old = created(strategy, MINIMAL);
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.path("spec").path("selector").path("matchLabels")).put("app", "web2");
        ((ObjectNode) changed.path("spec").path("template").path("metadata").path("labels")).put("app", "web2");
        assertThat(messages(strategy.validate(changed, old))).containsExactly(
                "spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, "
                        + "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable");
        ObjectNode scaled = old.deepCopy();
        ((ObjectNode) scaled.get("spec")).put("replicas", 5);
        assertThat(strategy.validate(scaled, old)).isEmpty();
    }

    @Test
    void tableRowAsKubectlPrintsIt() {
        ObjectNode d = created(strategy, MINIMAL);
        ((ObjectNode) d.get("spec")).put("replicas", 3);
        d.set("status", yaml("{replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2}"));
        assertThat(strategy.columns()).extracting(c -> c.name() + "/" + c.priority()).containsExactly("Name/0",
                "Ready/0", "Up-to-date/0", "Available/0", "Age/0", "Containers/1", "Images/1", "Selector/1");
        assertThat(strategy.cells(d, NOW)).containsExactly("web", "2/3", 3L, 2L, "4m", "nginx", "nginx:1.25",
                "app=web");
    }

    @Test
    void statusCountersAreChecked() {
        ObjectNode old = created(strategy, MINIMAL);
        ObjectNode d = old.deepCopy();
        d.set("status", yaml("{replicas: 1, readyReplicas: 2, availableReplicas: 2}"));
        assertThat(messages(strategy.validateStatus(d, old))).containsExactly(
                "status.readyReplicas: Invalid value: 2: cannot be greater than status.replicas",
                "status.availableReplicas: Invalid value: 2: cannot be greater than status.replicas");
    }
}
