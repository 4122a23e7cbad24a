package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.WorkloadTestSupport.NOW;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.ago;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.created;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.messages;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.FieldError;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PodStrategyTest {
    private final PodStrategy strategy = new PodStrategy();

    private static final String MINIMAL = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: default, uid: 6f1c, creationTimestamp: "2024-05-01T11:55:00Z"}
            spec:
              containers:
              - name: nginx
                image: nginx
                ports: [{containerPort: 80}]
            status: {phase: Running, podIP: 10.0.0.9}
            """;

    private ObjectNode createdPod(String yaml) {
        return created(strategy, yaml);
    }

    @Nested
    class Defaults {
        @Test
        void minimalPodGetsKubesDefaultsAndAdmissionFields() {
            ObjectNode pod = createdPod(MINIMAL);
            JsonNode spec = pod.path("spec");
            assertThat(spec.path("restartPolicy").asText()).isEqualTo("Always");
            assertThat(spec.path("dnsPolicy").asText()).isEqualTo("ClusterFirst");
            assertThat(spec.path("schedulerName").asText()).isEqualTo("default-scheduler");
            assertThat(spec.path("terminationGracePeriodSeconds").asLong()).isEqualTo(30);
            assertThat(spec.path("securityContext").isObject()).isTrue();
            assertThat(spec.path("securityContext").isEmpty()).isTrue();
            assertThat(spec.path("enableServiceLinks").asBoolean()).isTrue();
            assertThat(spec.path("serviceAccountName").asText()).isEqualTo("default");
            assertThat(spec.path("serviceAccount").asText()).isEqualTo("default");
            assertThat(spec.path("priority").asInt(-1)).isZero();
            assertThat(spec.path("preemptionPolicy").asText()).isEqualTo("PreemptLowerPriority");
            JsonNode c = spec.path("containers").get(0);
            assertThat(c.path("terminationMessagePath").asText()).isEqualTo("/dev/termination-log");
            assertThat(c.path("terminationMessagePolicy").asText()).isEqualTo("File");
            assertThat(c.path("imagePullPolicy").asText()).isEqualTo("Always");
            assertThat(c.path("ports").get(0).path("protocol").asText()).isEqualTo("TCP");
        }

        @Test
        void defaultTolerationSecondsAdmissionAddsNotReadyAndUnreachable() {
            ObjectNode pod = createdPod(MINIMAL);
            assertThat(pod.path("spec").path("tolerations")).isEqualTo(yaml("""
                    t:
                    - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
                    - {key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 300}
                    """).get("t"));
        }

        @Test
        void aTolerationOfItsOwnForATaintKeepsThatDefaultOut() {
            ObjectNode pod = createdPod(MINIMAL.replace("spec:\n", """
                    spec:
                      tolerations: [{key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute}]
                    """));
            ArrayNode tolerations = (ArrayNode) pod.path("spec").path("tolerations");
            assertThat(tolerations).hasSize(2);
            assertThat(tolerations.get(0).has("tolerationSeconds")).isFalse();
            assertThat(tolerations.get(1).path("key").asText()).isEqualTo("node.kubernetes.io/unreachable");

            ObjectNode tolerant = createdPod(MINIMAL.replace("spec:\n", "spec:\n  tolerations: [{operator: Exists}]\n"));
            assertThat(tolerant.path("spec").path("tolerations")).hasSize(1);
        }

        @Test
        void defaultsAreIdempotentAcrossUpdates() {
            ObjectNode pod = createdPod(MINIMAL);
            ObjectNode again = pod.deepCopy();
            strategy.applyDefaults(again);
            assertThat(again).isEqualTo(pod);
        }

        @Test
        void pullPolicyFollowsTheImageTag() {
            assertThat(PodTemplates.pullsLatest("nginx")).isTrue();
            assertThat(PodTemplates.pullsLatest("nginx:latest")).isTrue();
            assertThat(PodTemplates.pullsLatest("localhost:5000/team/app")).isTrue();
            assertThat(PodTemplates.pullsLatest("nginx:1.25")).isFalse();
            assertThat(PodTemplates.pullsLatest("registry.k8s.io/pause:3.10")).isFalse();
            assertThat(PodTemplates.pullsLatest("nginx@sha256:0123456789abcdef")).isFalse();
            assertThat(PodTemplates.pullsLatest("Nginx")).isFalse();
        }

        @Test
        void createStartsPendingAndDropsTheClientsStatus() {
            ObjectNode pod = createdPod(MINIMAL);
            assertThat(pod.path("status")).isEqualTo(yaml("{phase: Pending, qosClass: BestEffort}"));
        }

        @Test
        void qosClassIsComputedAsKubernetesDoes() {
            String limitsOnly = MINIMAL.replace("ports: [{containerPort: 80}]",
                    "resources: {limits: {cpu: 500m, memory: 64Mi}}");
            ObjectNode guaranteed = createdPod(limitsOnly);
            assertThat(guaranteed.path("status").path("qosClass").asText()).isEqualTo("Guaranteed");
            assertThat(guaranteed.path("spec").path("containers").get(0).path("resources").path("requests"))
                    .isEqualTo(yaml("{cpu: 500m, memory: 64Mi}"));
            String requestsOnly = MINIMAL.replace("ports: [{containerPort: 80}]", "resources: {requests: {cpu: 1}}");
            assertThat(createdPod(requestsOnly).path("status").path("qosClass").asText()).isEqualTo("Burstable");
            String unequal = MINIMAL.replace("ports: [{containerPort: 80}]",
                    "resources: {requests: {cpu: 250m, memory: 64Mi}, limits: {cpu: 500m, memory: 64Mi}}");
            assertThat(createdPod(unequal).path("status").path("qosClass").asText()).isEqualTo("Burstable");
        }

        @Test
        void aStatedPriorityThatDisagreesWithItsClassIsForbidden() {
            ObjectNode pod = yaml(MINIMAL.replace("spec:\n", "spec:\n  priority: 7\n"));
            strategy.applyDefaults(pod);
            assertThatThrownBy(() -> strategy.prepareForCreate(pod)).isInstanceOf(ApiException.class)
                    .hasMessage("pods \"web\" is forbidden: the integer value of priority (7) must not be provided in "
                            + "pod spec; priority admission controller computed 0 from the given PriorityClass name");
            ObjectNode critical = createdPod(MINIMAL.replace("spec:\n", "spec:\n  priorityClassName: "
                    + "system-node-critical\n"));
            assertThat(critical.path("spec").path("priority").asLong()).isEqualTo(2000001000L);
        }
    }

    @Nested
    class Validation {
        private List<String> errorsOf(String containersYaml) {
            ObjectNode pod = yaml("""
                    metadata: {name: web, namespace: default}
                    spec:
                      containers:
                    """ + containersYaml);
            strategy.applyDefaults(pod);
            return messages(strategy.validate(pod, null));
        }

        @Test
        void aValidPodHasNoErrors() {
            assertThat(strategy.validate(createdPod(MINIMAL), null)).isEmpty();
        }

        @Test
        void invalidContainerNameAndMissingImage() {
            assertThat(errorsOf("""
                      - {name: Web_1, image: nginx}
                      - {name: sidecar}
                    """)).containsExactly(
                    "spec.containers[0].name: Invalid value: \"Web_1\": a lowercase RFC 1123 label must consist of "
                            + "lower case alphanumeric characters or '-', and must start and end with an alphanumeric "
                            + "character (e.g. 'my-name',  or '123-abc', regex used for validation is "
                            + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
                    "spec.containers[1].image: Required value");
        }

        @Test
        void containersAreRequiredAndNamesUnique() {
            assertThat(errorsOf("    []\n")).containsExactly("spec.containers: Required value");
            assertThat(errorsOf("""
                      - {name: app, image: a}
                      - {name: app, image: b}
                    """)).containsExactly("spec.containers[1].name: Duplicate value: \"app\"");
        }

        @Test
        void portsAndEnv() {
            assertThat(errorsOf("""
                      - name: app
                        image: nginx
                        ports: [{containerPort: 70000}, {containerPort: 80, protocol: HTTP}]
                        env: [{name: "A=B", value: x}, {value: y}]
                    """)).containsExactly(
                    "spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, "
                            + "inclusive",
                    "spec.containers[0].ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", "
                            + "\"TCP\", \"UDP\"",
                    "spec.containers[0].env[0].name: Invalid value: \"A=B\": a valid environment variable name must "
                            + "consist only of printable ASCII characters other than '='",
                    "spec.containers[0].env[1].name: Required value");
        }

        @Test
        void requestsMayNotExceedLimitsAndQuantitiesMayNotBeNegative() {
            assertThat(errorsOf("""
                      - name: app
                        image: nginx
                        resources: {requests: {cpu: "2", memory: "-1"}, limits: {cpu: 1000m}}
                    """)).containsExactly(
                    "spec.containers[0].resources.requests[memory]: Invalid value: \"-1\": must be greater than or "
                            + "equal to 0",
                    "spec.containers[0].resources.requests: Invalid value: \"2\": must be less than or equal to cpu "
                            + "limit of 1");
        }

        @Test
        void aQuantityThatDoesNotParseIsABadRequest() {
            assertThatThrownBy(() -> errorsOf("""
                      - {name: app, image: nginx, resources: {limits: {memory: 1Gb}}}
                    """)).isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(400);
                        assertThat(e.getMessage()).isEqualTo("Pod in version \"v1\" cannot be handled as a Pod: "
                                + "quantities must match the regular expression "
                                + "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
                    });
        }

        @Test
        void restartPolicyMustBeSupported() {
            ObjectNode pod = createdPod(MINIMAL);
            ((ObjectNode) pod.get("spec")).put("restartPolicy", "Sometimes");
            assertThat(messages(strategy.validate(pod, null))).containsExactly(
                    "spec.restartPolicy: Unsupported value: \"Sometimes\": supported values: \"Always\", "
                            + "\"OnFailure\", \"Never\"");
        }
    }

    @Nested
    class Updates {
        private final ObjectNode old = createdPod(MINIMAL);

        private List<FieldError> update(java.util.function.Consumer<ObjectNode> change) {
            ObjectNode pod = old.deepCopy();
            change.accept((ObjectNode) pod.get("spec"));
            strategy.applyDefaults(pod);
            return strategy.validate(pod, old);
        }

        private static ObjectNode container(ObjectNode spec) {
            return (ObjectNode) spec.path("containers").get(0);
        }

        @Test
        void theImageAndTheDeadlineMayChange() {
            assertThat(update(spec -> {
                container(spec).put("image", "nginx:1.27");
                spec.put("activeDeadlineSeconds", 600);
            })).isEmpty();
        }

        @Test
        void tolerationsMayOnlyBeAdded() {
            assertThat(update(spec -> ((ArrayNode) spec.get("tolerations")).addObject()
                    .put("key", "dedicated").put("operator", "Exists"))).isEmpty();
            ObjectNode withMine = old.deepCopy();
            ((ArrayNode) withMine.path("spec").get("tolerations")).addObject().put("key", "gpu")
                    .put("operator", "Exists");
            ObjectNode dropped = withMine.deepCopy();
            ((ArrayNode) dropped.path("spec").get("tolerations")).remove(2);
            strategy.applyDefaults(dropped);
            assertThat(messages(strategy.validate(dropped, withMine))).containsExactly(
                    "spec.tolerations: Forbidden: existing toleration can not be modified except its "
                            + "tolerationSeconds");
        }

        @Test
        void anyOtherChangeIsForbiddenWithKubesMessageAndTheDiff() {
            List<FieldError> errors = update(spec -> ((ObjectNode) container(spec).path("ports").get(0))
                    .put("containerPort", 8080));
            assertThat(errors).hasSize(1);
            assertThat(errors.get(0).field()).isEqualTo("spec");
            assertThat(errors.get(0).type()).isEqualTo(FieldError.Type.FORBIDDEN);
            assertThat(errors.get(0).message()).startsWith("Forbidden: pod updates may not change fields other than "
                    + "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
                    + "`spec.tolerations` (only additions to existing tolerations),"
                    + "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)\n")
                    .contains("- containers[0].ports[0].containerPort: 80")
                    .contains("+ containers[0].ports[0].containerPort: 8080");
        }

        @Test
        void nodeNameChangesOnlyThroughBinding() {
            List<FieldError> errors = update(spec -> spec.put("nodeName", "node-1"));
            assertThat(errors).extracting(FieldError::field).containsExactly("spec");
            assertThat(errors.get(0).message()).contains("+ nodeName: \"node-1\"");
        }

        @Test
        void containersMayNotBeAddedOrRemoved() {
            assertThat(messages(update(spec -> ((ArrayNode) spec.get("containers")).addObject()
                    .put("name", "two").put("image", "busybox")))).containsExactly(
                    "spec.containers: Forbidden: pod updates may not add or remove containers");
        }
    }

    @Nested
    class Binding {
        private final ObjectNode pod = createdPod(MINIMAL);

        @Test
        void bindingSetsTheNodeAndThePodScheduledCondition() {
            PodStrategy.bind(pod, yaml("{metadata: {name: web}, target: {kind: Node, name: node-1}}"), NOW);
            assertThat(pod.path("spec").path("nodeName").asText()).isEqualTo("node-1");
            JsonNode condition = pod.path("status").path("conditions").get(0);
            assertThat(condition.path("type").asText()).isEqualTo("PodScheduled");
            assertThat(condition.path("status").asText()).isEqualTo("True");
        }

        @Test
        void aBoundPodCannotBeBoundAgain() {
            PodStrategy.bind(pod, yaml("{metadata: {name: web}, target: {name: node-1}}"), NOW);
            assertThatThrownBy(() -> PodStrategy.bind(pod, yaml("{metadata: {name: web}, target: {name: node-2}}"),
                    NOW)).isInstanceOfSatisfying(ApiException.class, e -> {
                        assertThat(e.code()).isEqualTo(409);
                        assertThat(e.getMessage()).isEqualTo("Operation cannot be fulfilled on pods/binding \"web\": "
                                + "pod web is already assigned to node \"node-1\"");
                    });
        }

        @Test
        void aBindingNeedsANode() {
            assertThatThrownBy(() -> PodStrategy.bind(pod, yaml("{metadata: {name: web}, target: {kind: Pod}}"),
                    NOW)).hasMessage("Binding \"web\" is invalid: [target.kind: Unsupported value: \"Pod\": supported "
                    + "values: \"Node\", \"<empty>\", target.name: Required value]");
        }
    }

    @Nested
    class Table {
        private List<Object> row(String statusYaml) {
            ObjectNode pod = createdPod(MINIMAL);
            pod.set("status", yaml(statusYaml));
            return strategy.cells(pod, NOW);
        }

        @Test
        void columnsAreKubectls() {
            assertThat(strategy.columns()).extracting(c -> c.name() + "/" + c.priority()).containsExactly(
                    "Name/0", "Ready/0", "Status/0", "Restarts/0", "Age/0", "IP/1", "Node/1", "Nominated Node/1",
                    "Readiness Gates/1");
        }

        @Test
        void aPendingPod() {
            assertThat(strategy.cells(createdPod(MINIMAL), NOW)).containsExactly(
                    "web", "0/1", "Pending", "0", "5m", "<none>", "<none>", "<none>", "<none>");
        }

        @Test
        void aRunningPodAfterTwoRestarts() {
            ObjectNode pod = createdPod(MINIMAL);
            ((ObjectNode) pod.get("spec")).put("nodeName", "node-1");
            pod.set("status", yaml("""
                    phase: Running
                    podIP: 10.0.0.5
                    conditions: [{type: Ready, status: "True"}]
                    containerStatuses:
                    - name: nginx
                      ready: true
                      restartCount: 2
                      state: {running: {startedAt: "%s"}}
                      lastState: {terminated: {exitCode: 1, finishedAt: "%s"}}
                    """.formatted(ago(200), ago(200))));
            strategy.applyDefaults(pod);
            assertThat(strategy.cells(pod, NOW)).containsExactly(
                    "web", "1/1", "Running", "2 (3m20s ago)", "5m", "10.0.0.5", "node-1", "<none>", "<none>");
        }

        @Test
        void aTerminatingPod() {
            ObjectNode pod = createdPod(MINIMAL);
            ((ObjectNode) pod.get("metadata")).put("deletionTimestamp", ago(5));
            pod.set("status", yaml("{phase: Running, containerStatuses: [{name: nginx, ready: true, state: {running: "
                    + "{}}}]}"));
            assertThat(strategy.cells(pod, NOW).subList(0, 3)).containsExactly("web", "1/1", "Terminating");
        }

        @Test
        void containerReasonsWinOverThePhase() {
            assertThat(row("{phase: Pending, containerStatuses: [{name: nginx, state: {waiting: {reason: "
                    + "ContainerCreating}}}]}").get(2)).isEqualTo("ContainerCreating");
            assertThat(row("{phase: Running, containerStatuses: [{name: nginx, restartCount: 4, state: {waiting: "
                    + "{reason: CrashLoopBackOff}}}]}").subList(2, 4)).containsExactly("CrashLoopBackOff", "4");
            assertThat(row("{phase: Succeeded, containerStatuses: [{name: nginx, state: {terminated: {exitCode: 0, "
                    + "reason: Completed}}}]}").get(2)).isEqualTo("Completed");
            assertThat(row("{phase: Failed, containerStatuses: [{name: nginx, state: {terminated: {exitCode: 137}}}]}")
                    .get(2)).isEqualTo("ExitCode:137");
        }

        @Test
        void initContainersShowTheirProgress() {
            ObjectNode pod = createdPod(MINIMAL.replace("spec:\n", """
                    spec:
                      initContainers: [{name: migrate, image: busybox}, {name: seed, image: busybox}]
                    """));
            pod.set("status", yaml("""
                    phase: Pending
                    initContainerStatuses:
                    - {name: migrate, state: {terminated: {exitCode: 0, reason: Completed}}}
                    - {name: seed, state: {running: {}}}
                    containerStatuses: [{name: nginx, state: {waiting: {reason: PodInitializing}}}]
                    """));
            assertThat(strategy.cells(pod, NOW).subList(1, 3)).containsExactly("0/1", "Init:1/2");
        }

        @Test
        void fieldSelectorsReadThePod() {
            ObjectNode pod = createdPod(MINIMAL);
            assertThat(strategy.fieldValue(pod, "status.phase")).contains("Pending");
            assertThat(strategy.fieldValue(pod, "spec.serviceAccountName")).contains("default");
            assertThat(strategy.fieldValue(pod, "spec.hostNetwork")).contains("false");
            assertThat(strategy.fieldValue(pod, "spec.nodeName")).contains("");
            assertThat(strategy.fieldValue(pod, "metadata.labels")).isEmpty();
            assertThat(strategy.selectableFields()).contains("spec.nodeName", "status.podIP",
                    "status.nominatedNodeName", "spec.restartPolicy", "spec.schedulerName");
        }
    }
}
