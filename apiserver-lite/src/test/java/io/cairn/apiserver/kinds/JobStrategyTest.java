package io.cairn.apiserver.kinds;

import static io.cairn.apiserver.kinds.WorkloadTestSupport.NOW;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.ago;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.created;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.messages;
import static io.cairn.apiserver.kinds.WorkloadTestSupport.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class JobStrategyTest {
    private final JobStrategy strategy = new JobStrategy();

    private static final String PI = """
            apiVersion: batch/v1
            kind: Job
            metadata: {name: pi, namespace: default, uid: 0b7e-11, creationTimestamp: "2024-05-01T11:58:00Z"}
            spec:
              template:
                spec:
                  restartPolicy: Never
                  containers: [{name: pi, image: "perl:5.34", command: [perl, -e, print 1]}]
            """;

    @Test
    void defaultsAndTheGeneratedSelector() {
        ObjectNode job = created(strategy, PI);
        JsonNode spec = job.path("spec");
        assertThat(spec.path("completions").asInt()).isEqualTo(1);
        assertThat(spec.path("parallelism").asInt()).isEqualTo(1);
        assertThat(spec.path("backoffLimit").asInt()).isEqualTo(6);
        assertThat(spec.path("completionMode").asText()).isEqualTo("NonIndexed");
        assertThat(spec.path("suspend").asBoolean(true)).isFalse();
        assertThat(spec.path("selector")).isEqualTo(yaml(
                "{matchLabels: {batch.kubernetes.io/controller-uid: 0b7e-11}}"));
        JsonNode expectedLabels = yaml("""
                {job-name: pi, batch.kubernetes.io/job-name: pi, controller-uid: 0b7e-11,
                 batch.kubernetes.io/controller-uid: 0b7e-11}""");
        assertThat(spec.path("template").path("metadata").path("labels")).isEqualTo(expectedLabels);
        assertThat(job.path("metadata").path("labels")).isEqualTo(expectedLabels);
        assertThat(strategy.validate(job, null)).isEmpty();
    }

    @Test
    void aWorkQueueJobKeepsCompletionsUnset() {
        ObjectNode job = created(strategy, PI.replace("spec:\n  template", "spec:\n  parallelism: 3\n  template"));
        assertThat(job.path("spec").has("completions")).isFalse();
        assertThat(job.path("spec").path("parallelism").asInt()).isEqualTo(3);
    }

    @Test
    void restartPolicyMustBeOnFailureOrNever() {
        ObjectNode job = created(strategy, PI.replace("      restartPolicy: Never\n", ""));
        assertThat(messages(strategy.validate(job, null))).containsExactly(
                "spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\"");
    }

    @Test
    void aManualSelectorIsNotGeneratedAndMustMatch() {
        ObjectNode job = created(strategy, PI.replace("spec:\n  template", """
                spec:
                  manualSelector: true
                  selector: {matchLabels: {run: pi}}
                  template"""));
        assertThat(job.path("spec").path("template").path("metadata").has("labels")).isFalse();
        assertThat(messages(strategy.validate(job, null))).containsExactly(
                "spec.template.metadata.labels: Invalid value: map[string]string(nil): `selector` does not match "
                        + "template `labels`");
    }

    @Test
    void theTemplateAndSelectorAreImmutable() {
        ObjectNode old = created(strategy, PI);
        ObjectNode changed = old.deepCopy();
        ((ObjectNode) changed.path("spec").path("template").path("spec").path("containers").get(0))
                .put("image", "perl:5.36");
        assertThat(strategy.validate(changed, old)).extracting(e -> e.field() + ": " + e.detail())
                .containsExactly("spec.template: field is immutable");
        ObjectNode suspendedOld = old.deepCopy();
        ((ObjectNode) suspendedOld.get("spec")).put("suspend", true);
        ObjectNode placed = suspendedOld.deepCopy();
        ((ObjectNode) placed.path("spec").path("template").path("spec")).putObject("nodeSelector").put("zone", "a");
        assertThat(strategy.validate(placed, suspendedOld)).isEmpty();
    }

    @Test
    void tableRows() {
        ObjectNode job = created(strategy, PI);
        job.set("status", yaml("""
                startTime: "%s"
                completionTime: "%s"
                succeeded: 1
                conditions: [{type: SuccessCriteriaMet, status: "True"}, {type: Complete, status: "True"}]
                """.formatted(ago(100), ago(75))));
        assertThat(strategy.cells(job, NOW)).containsExactly("pi", "Complete", "1/1", "25s", "2m", "pi", "perl:5.34",
                "batch.kubernetes.io/controller-uid=0b7e-11");
        job.set("status", yaml("{startTime: \"%s\", active: 1}".formatted(ago(30))));
        assertThat(strategy.cells(job, NOW).subList(1, 4)).containsExactly("Running", "0/1", "30s");
        assertThat(strategy.fieldValue(job, "status.successful")).contains("0");
    }
}
