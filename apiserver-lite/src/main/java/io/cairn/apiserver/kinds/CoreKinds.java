package io.cairn.apiserver.kinds;

import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.Strategy;
import java.util.List;
import java.util.Set;

/**
 * The built-in kinds other than the workloads: core/v1 namespaces, nodes, services, endpoints, serviceaccounts,
 * configmaps, secrets and events, coordination.k8s.io/v1 leases and discovery.k8s.io/v1 endpointslices, each with
 * what discovery says of it (singular name, kind, scope, short names, the {@code all} category where kube puts it,
 * served subresources) and its {@link Strategy}.
 *
 * <p>Subresources are limited to what {@link ResourceType} models: kube also serves {@code namespaces/finalize}
 * (see {@link NamespaceStrategy#prepareForFinalize}), {@code nodes/proxy} and {@code services/proxy}, which are not
 * listed here.
 */
public final class CoreKinds {
    private CoreKinds() {
    }

    /** Every resource of this package, in discovery order of their groups (core, coordination, discovery). */
    public static List<ResourceType> all() {
        return List.of(
                core("namespaces", "namespace", "Namespace", false, List.of("ns"), List.of(), Set.of("status"),
                        new NamespaceStrategy()),
                core("nodes", "node", "Node", false, List.of("no"), List.of(), Set.of("status"), new NodeStrategy()),
                core("services", "service", "Service", true, List.of("svc"), List.of("all"), Set.of("status"),
                        new ServiceStrategy()),
                core("endpoints", "endpoints", "Endpoints", true, List.of("ep"), List.of(), Set.of(),
                        new EndpointsStrategy()),
                core("serviceaccounts", "serviceaccount", "ServiceAccount", true, List.of("sa"), List.of(), Set.of("token"),
                        new ServiceAccountStrategy()),
                core("configmaps", "configmap", "ConfigMap", true, List.of("cm"), List.of(), Set.of(),
                        new ConfigMapStrategy()),
                core("secrets", "secret", "Secret", true, List.of(), List.of(), Set.of(), new SecretStrategy()),
                core("events", "event", "Event", true, List.of("ev"), List.of(), Set.of(), new EventStrategy()),
                new ResourceType("coordination.k8s.io", "v1", "leases", "lease", "Lease", true, List.of(), List.of(),
                        Set.of(), new LeaseStrategy()),
                new ResourceType("discovery.k8s.io", "v1", "endpointslices", "endpointslice", "EndpointSlice", true,
                        List.of(), List.of(), Set.of(), new EndpointSliceStrategy()));
    }

    private static ResourceType core(String resource, String singular, String kind, boolean namespaced,
                                     List<String> shortNames, List<String> categories, Set<String> subresources,
                                     Strategy strategy) {
        return new ResourceType("", "v1", resource, singular, kind, namespaced, shortNames, categories, subresources,
                strategy);
    }
}
