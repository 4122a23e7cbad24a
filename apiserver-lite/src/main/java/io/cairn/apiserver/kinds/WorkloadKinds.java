package io.cairn.apiserver.kinds;

import io.cairn.apiserver.registry.ResourceType;
import java.util.List;
import java.util.Set;

/**
 * The workload kinds this server serves, with the discovery facts kubectl reads ({@code kubectl api-resources}):
 * core/v1 pods ({@code po}; status and binding), apps/v1 deployments ({@code deploy}) and replicasets ({@code rs}),
 * both with status and scale, and batch/v1 jobs (status). All are namespaced and in the {@code all} category, so
 * {@code kubectl get all} lists them.
 */
public final class WorkloadKinds {
    private WorkloadKinds() {
    }

    public static ResourceType pods() {
        return pods(PodStrategy.DEFAULT_TOLERATION_SECONDS);
    }

    /** Pods whose default not-ready and unreachable tolerations last {@code defaultTolerationSeconds}. */
    public static ResourceType pods(long defaultTolerationSeconds) {
        return new ResourceType("", "v1", "pods", "pod", "Pod", true, List.of("po"), List.of("all"),
                Set.of("status", "binding"), new PodStrategy(defaultTolerationSeconds));
    }

    public static ResourceType deployments() {
        return new ResourceType("apps", "v1", "deployments", "deployment", "Deployment", true, List.of("deploy"),
                List.of("all"), Set.of("status", "scale"), new DeploymentStrategy());
    }

    public static ResourceType replicaSets() {
        return new ResourceType("apps", "v1", "replicasets", "replicaset", "ReplicaSet", true, List.of("rs"),
                List.of("all"), Set.of("status", "scale"), new ReplicaSetStrategy());
    }

    public static ResourceType jobs() {
        return new ResourceType("batch", "v1", "jobs", "job", "Job", true, List.of(), List.of("all"),
                Set.of("status"), new JobStrategy());
    }

    /** Every workload kind, for the registry to serve. */
    public static List<ResourceType> all() {
        return all(PodStrategy.DEFAULT_TOLERATION_SECONDS);
    }

    /** Every workload kind, pods with default tolerations of {@code defaultTolerationSeconds}. */
    public static List<ResourceType> all(long defaultTolerationSeconds) {
        return List.of(pods(defaultTolerationSeconds), deployments(), replicaSets(), jobs());
    }
}
