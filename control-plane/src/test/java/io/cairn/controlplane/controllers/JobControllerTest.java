package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlTestSupport.name;
import static io.cairn.controlplane.controllers.CtrlTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobControllerTest extends CtrlTestSupport.EnvTest {
    private ApiClient.ResourceClient jobs() {
        return env.client.resource("batch/v1", "jobs").namespace("default");
    }

    private ObjectNode createJob(String name, int completions, int parallelism, int backoffLimit) {
        return jobs().create(parse("{'metadata':{'name':'" + name + "'},'spec':{'completions':" + completions
                + ",'parallelism':" + parallelism + ",'backoffLimit':" + backoffLimit + ",'template':{'metadata':"
                + "{'labels':{'app':'" + name + "'}},'spec':{'restartPolicy':'Never','containers':[{'name':'c',"
                + "'image':'busybox'}]}}}}"));
    }

    private List<ObjectNode> podsOf(ObjectNode job) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode p : env.pods("default").list(Map.of("labelSelector",
                "batch.kubernetes.io/controller-uid=" + job.path("metadata").path("uid").asText())).path("items")) {
            out.add((ObjectNode) p);
        }
        return out;
    }

    private List<ObjectNode> running(ObjectNode job) {
        return podsOf(job).stream().filter(p -> !p.path("status").path("phase").asText().matches("Succeeded|Failed"))
                .filter(p -> !p.path("metadata").has("deletionTimestamp")).toList();
    }

    private static boolean cond(JsonNode job, String type) {
        return CtrlUtil.conditionTrue(job.path("status").path("conditions"), type);
    }

    @Test
    void runsParallelismPodsUntilCompletionsSucceedThenCompletesDespiteAConflict() throws Exception {
        env = new CtrlTestSupport(dir, (m, p) -> m.equals("PUT") && p.endsWith("/jobs/pi/status"));
        env.startInformers();
        ObjectNode job = createJob("pi", 3, 2, 6);
        try (JobController c = new JobController(env.client, env.informers)) {
            c.start(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> running(job).size() == 2);
            ObjectNode pod = running(job).get(0);
            JsonNode meta = pod.path("metadata");
            assertThat(meta.path("labels").path("batch.kubernetes.io/job-name").asText()).isEqualTo("pi");
            assertThat(meta.path("labels").path("controller-uid").asText()).isEqualTo(job.path("metadata").path("uid").asText());
            assertThat(meta.path("labels").path("app").asText()).isEqualTo("pi");
            assertThat(meta.path("ownerReferences").get(0).path("controller").asBoolean()).isTrue();
            assertThat(meta.path("ownerReferences").get(0).path("kind").asText()).isEqualTo("Job");
            await().atMost(Duration.ofSeconds(20)).until(() -> jobs().get("pi").path("status").path("active").asInt() == 2
                    && jobs().get("pi").path("status").hasNonNull("startTime"));

            for (ObjectNode p : running(job)) {
                env.setPodStatus("default", name(p), "Succeeded", false, null);
            }
            // one more to reach three
            await().atMost(Duration.ofSeconds(20)).until(() -> running(job).size() == 1 && podsOf(job).size() == 3);
            env.setPodStatus("default", name(running(job).get(0)), "Succeeded", false, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> cond(jobs().get("pi"), "Complete"));
            JsonNode done = jobs().get("pi");
            assertThat(cond(done, "SuccessCriteriaMet")).isTrue();
            assertThat(done.path("status").path("succeeded").asInt()).isEqualTo(3);
            assertThat(done.path("status").path("active").asInt()).isZero();
            assertThat(done.path("status").hasNonNull("completionTime")).isTrue();
            assertThat(env.eventReasons("default", "pi")).contains("SuccessfulCreate", "Completed");
            assertThat(env.conflict.conflicts.get()).as("a write met a 409").isEqualTo(1);
            assertThat(podsOf(job)).hasSize(3);
        }
    }

    @Test
    void failedPodsBeyondTheBackoffLimitFailTheJobAndStopItsPods() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        ObjectNode job = createJob("flaky", 5, 2, 1);
        try (JobController c = new JobController(env.client, env.informers)) {
            c.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> running(job).size() == 2);
            env.setPodStatus("default", name(running(job).get(0)), "Failed", false, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> running(job).size() == 2
                    && jobs().get("flaky").path("status").path("failed").asInt() == 1);
            env.setPodStatus("default", name(running(job).get(0)), "Failed", false, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> cond(jobs().get("flaky"), "Failed"));
            JsonNode failed = jobs().get("flaky");
            JsonNode c1 = CtrlUtil.condition(failed.path("status").path("conditions"), "Failed");
            assertThat(c1.path("reason").asText()).isEqualTo("BackoffLimitExceeded");
            assertThat(cond(failed, "FailureTarget")).isTrue();
            await().atMost(Duration.ofSeconds(20)).until(() -> env.eventReasons("default", "flaky").contains("BackoffLimitExceeded"));
            assertThat(failed.path("status").path("failed").asInt()).isEqualTo(2);
            assertThat(running(job)).isEmpty();
            assertThat(cond(failed, "Complete")).isFalse();
        }
    }

    @Test
    void aRestartedControllerDoesNotCreatePodsTwice() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        ObjectNode job = createJob("batch", 3, 3, 6);
        try (JobController first = new JobController(env.client, env.informers)) {
            first.start(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> podsOf(job).size() == 3);
        }
        env.setPodStatus("default", name(podsOf(job).get(0)), "Succeeded", false, null);
        try (JobController second = new JobController(env.client, env.informers)) {
            second.start(2);
            await().atMost(Duration.ofSeconds(20)).until(() -> jobs().get("batch").path("status").path("succeeded").asInt() == 1);
            Thread.sleep(500);
            assertThat(podsOf(job)).hasSize(3);
            for (ObjectNode p : running(job)) {
                env.setPodStatus("default", name(p), "Succeeded", false, null);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> cond(jobs().get("batch"), "Complete"));
            assertThat(podsOf(job)).hasSize(3);
        }
    }

    @Test
    void aJobActiveLongerThanItsDeadlineFails() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        ObjectNode job = jobs().create(parse("{'metadata':{'name':'slow'},'spec':{'activeDeadlineSeconds':1,"
                + "'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c','image':'busybox'}]}}}}"));
        try (JobController c = new JobController(env.client, env.informers)) {
            c.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> cond(jobs().get("slow"), "Failed"));
            JsonNode failed = CtrlUtil.condition(jobs().get("slow").path("status").path("conditions"), "Failed");
            assertThat(failed.path("reason").asText()).as(jobs().get("slow").path("status").toString()).isEqualTo("DeadlineExceeded");
            assertThat(running(job)).isEmpty(); // its pod, if it got one, is deleted
        }
    }

    @Test
    void aJobBeingDeletedMakesNoMorePods() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        ObjectNode job = jobs().create(parse("{'metadata':{'name':'going','finalizers':['example.com/hold']},'spec':{"
                + "'parallelism':2,'completions':4,'template':{'spec':{'restartPolicy':'Never','containers':"
                + "[{'name':'c','image':'busybox'}]}}}}"));
        try (JobController c = new JobController(env.client, env.informers)) {
            c.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> running(job).size() == 2);
            jobs().delete("going");
            env.pods("default").delete(name(running(job).get(0)));
            Thread.sleep(1000);
            assertThat(podsOf(job)).hasSize(1);
            jobs().patch("going", ApiClient.MERGE_PATCH, "{\"metadata\":{\"finalizers\":null}}");
        }
    }

    @Test
    void aSuspendedJobHasNoPodsUntilResumed() throws Exception {
        env = new CtrlTestSupport(dir);
        env.startInformers();
        ObjectNode job = jobs().create(parse("{'metadata':{'name':'later'},'spec':{'suspend':true,'parallelism':2,"
                + "'completions':2,'template':{'spec':{'restartPolicy':'Never','containers':[{'name':'c',"
                + "'image':'busybox'}]}}}}"));
        try (JobController c = new JobController(env.client, env.informers)) {
            c.start(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> cond(jobs().get("later"), "Suspended"));
            assertThat(podsOf(job)).isEmpty();
            assertThat(jobs().get("later").path("status").has("startTime")).isFalse();
            jobs().patch("later", ApiClient.MERGE_PATCH, "{\"spec\":{\"suspend\":false}}");
            await().atMost(Duration.ofSeconds(20)).until(() -> running(job).size() == 2);
            await().atMost(Duration.ofSeconds(20)).until(() -> {
                JsonNode s = CtrlUtil.condition(jobs().get("later").path("status").path("conditions"), "Suspended");
                return s.path("status").asText().equals("False") && s.path("reason").asText().equals("JobResumed")
                        && jobs().get("later").path("status").has("startTime");
            });
        }
    }
}
