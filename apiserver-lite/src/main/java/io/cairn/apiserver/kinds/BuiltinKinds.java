package io.cairn.apiserver.kinds;

import io.cairn.apiserver.crd.CrdStrategy;
import io.cairn.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.List;

/**
 * Every built-in kind this server serves: core/v1, apps/v1, authentication.k8s.io/v1 and authorization.k8s.io/v1
 * (reviews), batch/v1, rbac.authorization.k8s.io/v1, apiextensions.k8s.io/v1 (CustomResourceDefinitions),
 * coordination.k8s.io/v1, discovery.k8s.io/v1.
 */
public final class BuiltinKinds {
    private BuiltinKinds() {
    }

    public static List<ResourceType> all() {
        return all(PodStrategy.DEFAULT_TOLERATION_SECONDS);
    }

    /** Every built-in kind, pods with default not-ready and unreachable tolerations of {@code defaultTolerationSeconds}. */
    public static List<ResourceType> all(long defaultTolerationSeconds) {
        List<ResourceType> out = new ArrayList<>();
        out.addAll(CoreKinds.all());
        out.addAll(WorkloadKinds.all(defaultTolerationSeconds));
        out.add(CrdStrategy.type());
        out.addAll(RbacKinds.all());
        out.addAll(ReviewKinds.all());
        // discovery lists core/v1 first, then the groups in the order kube-apiserver does
        out.sort(java.util.Comparator.comparingInt(t -> groupOrder(t.group())));
        return List.copyOf(out);
    }

    private static int groupOrder(String group) {
        return switch (group) {
            case "" -> 0;
            case "apps" -> 1;
            case "authentication.k8s.io" -> 2;
            case "authorization.k8s.io" -> 3;
            case "batch" -> 4;
            case "rbac.authorization.k8s.io" -> 5;
            case "apiextensions.k8s.io" -> 6;
            case "coordination.k8s.io" -> 7;
            case "discovery.k8s.io" -> 8;
            default -> 9;
        };
    }
}
