package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.informer.Store;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Job controller (NonIndexed completion mode): keeps {@code parallelism} pods of the job's template running until
 * {@code completions} of them have succeeded, counts failed pods against {@code backoffLimit}, and writes the job's
 * status (counters, start and completion times, the conditions {@code SuccessCriteriaMet}, {@code Complete},
 * {@code FailureTarget} and {@code Failed} with reason BackoffLimitExceeded or DeadlineExceeded, {@code Suspended})
 * through the status subresource, guarded on the resourceVersion. A job being deleted makes no more pods.
 *
 * <p>Pods it has created that its cache does not show yet count as active for a while (client-go's expectations), so
 * that a reconcile running on a stale cache does not create them twice.
 */
public final class JobController implements AutoCloseable {
    static final String JOB_NAME = "batch.kubernetes.io/job-name";
    static final String CONTROLLER_UID = "batch.kubernetes.io/controller-uid";
    private static final Duration EXPECTATION_TTL = Duration.ofSeconds(30);

    private final ApiClient client;
    private final Informer jobs;
    private final Informer pods;
    private final CtrlEvents events;
    private Controller controller;
    /** job uid → names of pods created and not yet seen in the cache → when. */
    private final Map<String, Map<String, Long>> expectedPods = new ConcurrentHashMap<>();

    public JobController(ApiClient client, SharedInformerFactory informers) {
        this.client = client;
        this.jobs = informers.informerFor("batch/v1", "jobs");
        this.pods = informers.informerFor("v1", "pods");
        this.events = new CtrlEvents(client, "job-controller");
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        controller = Controller.of("job", this::reconcile, workers);
        controller.watch(jobs);
        pods.addHandler(Informer.Handler.onObject(this::enqueueOwner));
        controller.start();
    }

    private void enqueueOwner(ObjectNode pod) {
        for (JsonNode r : pod.path("metadata").path("ownerReferences")) {
            if (r.path("controller").asBoolean(false) && "Job".equals(r.path("kind").asText())
                    && r.path("apiVersion").asText().startsWith("batch/")) {
                controller.queue().add(namespace(pod) + "/" + r.path("name").asText());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
        }
    }

    Result reconcile(String key) {
        ObjectNode job = jobs.store().get(key);
        if (job == null || deleting(job)) {
            return Result.done(); // a job being deleted makes no more pods (the garbage collector takes them)
        }
        String ns = namespace(job);
        String uid = uid(job);
        ApiClient.ResourceClient podClient = client.resource("v1", "pods").namespace(ns);
        List<ObjectNode> owned = new ArrayList<>();
        for (ObjectNode p : pods.store().byIndex(Store.OWNER_UID_INDEX, uid)) {
            if (uid.equals(controllerUid(p))) {
                owned.add(p);
            }
        }
        // expectations: created pods the cache does not show yet
        Map<String, Long> expected = expectedPods.computeIfAbsent(uid, u -> new ConcurrentHashMap<>());
        long nowNanos = System.nanoTime();
        for (ObjectNode p : owned) {
            expected.remove(name(p));
        }
        expected.values().removeIf(t -> nowNanos - t > EXPECTATION_TTL.toNanos());
        int pending = expected.size();

        List<ObjectNode> active = new ArrayList<>();
        int succeededNow = 0;
        int failedNow = 0;
        int terminating = 0;
        int ready = 0;
        for (ObjectNode p : owned) {
            String phase = phase(p);
            if ("Succeeded".equals(phase)) {
                succeededNow++;
            } else if ("Failed".equals(phase)) {
                failedNow++;
            } else if (deleting(p)) {
                terminating++;
            } else {
                active.add(p);
                if (podReady(p)) {
                    ready++;
                }
            }
        }
        JsonNode spec = job.path("spec");
        ObjectNode status = job.path("status") instanceof ObjectNode s ? s.deepCopy() : obj();
        int succeeded = Math.max(succeededNow, status.path("succeeded").asInt(0));
        int failed = Math.max(failedNow, status.path("failed").asInt(0));
        JsonNode conditions = status.path("conditions");
        boolean finished = conditionTrue(conditions, "Complete") || conditionTrue(conditions, "Failed");

        int parallelism = spec.path("parallelism").asInt(1);
        boolean completionsSet = spec.hasNonNull("completions");
        int completions = completionsSet ? spec.path("completions").asInt() : 1;
        int backoffLimit = spec.path("backoffLimit").asInt(6);
        boolean suspended = spec.path("suspend").asBoolean(false);

        String failReason = "BackoffLimitExceeded";
        String failMessage = "Job has reached the specified backoff limit";
        Duration untilDeadline = null;
        java.time.Instant started = time(status.get("startTime"));
        if (spec.hasNonNull("activeDeadlineSeconds") && started != null && !finished) {
            untilDeadline = Duration.between(java.time.Instant.now(),
                    started.plusSeconds(spec.path("activeDeadlineSeconds").asLong()));
        }
        boolean deadlineExceeded = untilDeadline != null && (untilDeadline.isNegative() || untilDeadline.isZero())
                && !conditionTrue(conditions, "SuccessCriteriaMet");
        ObjectNode target = condition(conditions, "FailureTarget");
        if (target != null && "True".equals(target.path("status").asText())) {
            failReason = target.path("reason").asText(failReason);
            failMessage = target.path("message").asText(failMessage);
        } else if (deadlineExceeded) {
            failReason = "DeadlineExceeded";
            failMessage = "Job was active longer than specified deadline";
        }
        boolean failureTarget = conditionTrue(conditions, "FailureTarget") || failed > backoffLimit
                || deadlineExceeded;
        boolean successTarget = !failureTarget
                && (conditionTrue(conditions, "SuccessCriteriaMet") || succeeded >= completions);

        if (!finished) {
            if (failureTarget) {
                setCondition(status, "FailureTarget", "True", failReason, failMessage, true);
                deleteAll(podClient, active);
                terminating += active.size();
                active.clear();
                if (terminating == 0 && pending == 0) {
                    if (setCondition(status, "Failed", "True", failReason, failMessage, true)) {
                        events.warning(job, "batch/v1", "Job", failReason, failMessage);
                    }
                }
            } else if (successTarget) {
                setCondition(status, "SuccessCriteriaMet", "True", "CompletionsReached",
                        "Reached expected number of succeeded pods", true);
                deleteAll(podClient, active);
                terminating += active.size();
                active.clear();
                if (terminating == 0 && pending == 0) {
                    setCondition(status, "Complete", "True", "CompletionsReached",
                            "Reached expected number of succeeded pods", true);
                    status.put("completionTime", now());
                    events.normal(job, "batch/v1", "Job", "Completed", "Job completed");
                }
            } else {
                int want = suspended ? 0 : Math.min(parallelism,
                        completionsSet ? completions - succeeded : (succeeded > 0 ? 0 : parallelism));
                want = Math.max(want, 0);
                int have = active.size() + pending;
                if (have < want) {
                    for (int i = 0; i < want - have; i++) {
                        ObjectNode created = podClient.create(podFor(job));
                        expected.put(name(created), System.nanoTime());
                        events.normal(job, "batch/v1", "Job", "SuccessfulCreate", "Created pod: " + name(created));
                    }
                    pending = expected.size();
                } else if (active.size() > want) {
                    // the youngest go first
                    active.sort((a, b) -> b.path("metadata").path("creationTimestamp").asText()
                            .compareTo(a.path("metadata").path("creationTimestamp").asText()));
                    List<ObjectNode> extra = new ArrayList<>(active.subList(0, active.size() - want));
                    deleteAll(podClient, extra);
                    active.removeAll(extra);
                    terminating += extra.size();
                }
                if (suspended) {
                    // the active deadline counts again from the resumption
                    if (setCondition(status, "Suspended", "True", "JobSuspended", "Job suspended", true)) {
                        events.normal(job, "batch/v1", "Job", "Suspended", "Job suspended");
                    }
                    status.remove("startTime");
                } else {
                    if (conditionTrue(status.path("conditions"), "Suspended")) {
                        setCondition(status, "Suspended", "False", "JobResumed", "Job resumed", true);
                        events.normal(job, "batch/v1", "Job", "Resumed", "Job resumed");
                        status.remove("startTime");
                    }
                    if (!status.hasNonNull("startTime")) {
                        status.put("startTime", now());
                    }
                }
            }
        } else if (conditionTrue(conditions, "Failed")) {
            deleteAll(podClient, active);
            active.clear();
        }
        status.put("active", active.size() + (finished ? 0 : pending));
        status.put("succeeded", succeeded);
        status.put("failed", failed);
        status.put("ready", ready);
        status.put("terminating", terminating);
        if (!status.has("uncountedTerminatedPods")) {
            status.putObject("uncountedTerminatedPods");
        }
        if (!status.equals(job.path("status"))) {
            ObjectNode update = job.deepCopy();
            update.set("status", status);
            client.resource("batch/v1", "jobs").namespace(ns).updateStatus(update); // 409 → retried with backoff
        }
        if (pending > 0) {
            return Result.requeueAfter(Duration.ofSeconds(1));
        }
        if (untilDeadline != null && !(untilDeadline.isNegative() || untilDeadline.isZero())) {
            return Result.requeueAfter(untilDeadline.plusMillis(50));
        }
        if (spec.hasNonNull("activeDeadlineSeconds") && started == null && status.hasNonNull("startTime")) {
            return Result.requeueAfter(Duration.ofSeconds(1)); // the start time was just written: time the deadline
        }
        return Result.done();
    }

    private static void deleteAll(ApiClient.ResourceClient podClient, List<ObjectNode> victims) {
        for (ObjectNode p : victims) {
            try {
                ObjectNode opts = obj();
                opts.put("kind", "DeleteOptions");
                opts.put("apiVersion", "v1");
                opts.putObject("preconditions").put("uid", uid(p));
                opts.put("propagationPolicy", "Background");
                podClient.delete(name(p), opts);
            } catch (Exception e) {
                if (!isNotFound(e) && !isConflict(e)) {
                    throw e;
                }
            }
        }
    }

    static ObjectNode podFor(ObjectNode job) {
        JsonNode template = job.path("spec").path("template");
        ObjectNode pod = obj();
        pod.put("apiVersion", "v1");
        pod.put("kind", "Pod");
        ObjectNode meta = template.path("metadata") instanceof ObjectNode m ? m.deepCopy() : obj();
        meta.remove("name");
        meta.remove("namespace");
        meta.put("generateName", name(job) + "-");
        ObjectNode labels = meta.path("labels") instanceof ObjectNode l ? l : meta.putObject("labels");
        labels.put(JOB_NAME, name(job));
        labels.put("job-name", name(job));
        labels.put(CONTROLLER_UID, uid(job));
        labels.put("controller-uid", uid(job));
        meta.putArray("ownerReferences").add(newControllerRef(job, "batch/v1", "Job"));
        pod.set("metadata", meta);
        pod.set("spec", template.path("spec").deepCopy());
        return pod;
    }
}
