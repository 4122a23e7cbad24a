package io.cairn.apiserver.patch;

import java.util.Map;
import java.util.Optional;

/**
 * The strategic merge patch schemas of the built-in kinds this server serves, transcribed from the
 * {@code patchStrategy} / {@code patchMergeKey} struct tags of Kubernetes' Go types (k8s.io/api core/v1, apps/v1,
 * batch/v1; k8s.io/apimachinery meta/v1 for ObjectMeta). Only fields with a tag, and the structs on the way to
 * them, are listed; everything else patches as a JSON merge patch would, which is also what the Go types say for
 * untagged fields (for example tolerations, taints, envFrom and endpoint slices' endpoints are replaced whole).
 *
 * <p>Unknown kinds, custom resources among them, have no schema: kube-apiserver answers a strategic merge patch for
 * a custom resource with 415 UnsupportedMediaType, and the caller does the same when {@link #forKind} is empty.
 * A built-in kind added later without a schema of its own can use {@link #objectMetaOnly()}.
 */
public final class PatchSchemas {

    /** meta/v1 ObjectMeta: owner references merged by uid, finalizers as a set. */
    public static final PatchSchema OBJECT_META = PatchSchema.builder()
            .mergeList("ownerReferences", "uid", PatchSchema.EMPTY)
            .primitiveSet("finalizers")
            .build();

    /** core/v1 Container, and EphemeralContainer (its common fields carry the same tags). */
    public static final PatchSchema CONTAINER = PatchSchema.builder()
            .mergeList("ports", "containerPort", PatchSchema.EMPTY)
            .mergeList("env", "name", PatchSchema.EMPTY)
            .mergeList("volumeMounts", "mountPath", PatchSchema.EMPTY)
            .mergeList("volumeDevices", "devicePath", PatchSchema.EMPTY)
            .build();

    /** core/v1 PodSpec. */
    public static final PatchSchema POD_SPEC = PatchSchema.builder()
            .mergeListRetainKeys("volumes", "name", PatchSchema.EMPTY)
            .mergeList("initContainers", "name", CONTAINER)
            .mergeList("containers", "name", CONTAINER)
            .mergeList("ephemeralContainers", "name", CONTAINER)
            .mergeList("imagePullSecrets", "name", PatchSchema.EMPTY)
            .mergeList("hostAliases", "ip", PatchSchema.EMPTY)
            .mergeList("topologySpreadConstraints", "topologyKey", PatchSchema.EMPTY)
            .mergeList("schedulingGates", "name", PatchSchema.EMPTY)
            .mergeListRetainKeys("resourceClaims", "name", PatchSchema.EMPTY)
            .build();

    /** core/v1 PodStatus. */
    public static final PatchSchema POD_STATUS = PatchSchema.builder()
            .mergeList("conditions", "type", PatchSchema.EMPTY)
            .mergeList("podIPs", "ip", PatchSchema.EMPTY)
            .mergeList("hostIPs", "ip", PatchSchema.EMPTY)
            .mergeListRetainKeys("resourceClaimStatuses", "name", PatchSchema.EMPTY)
            .build();

    /** core/v1 PodTemplateSpec: the {@code spec.template} of workloads. */
    public static final PatchSchema POD_TEMPLATE_SPEC = PatchSchema.builder()
            .struct("metadata", OBJECT_META)
            .struct("spec", POD_SPEC)
            .build();

    /** A status whose only tagged field is {@code conditions}, merged by type (most kinds' status). */
    private static final PatchSchema CONDITIONS_STATUS = PatchSchema.builder()
            .mergeList("conditions", "type", PatchSchema.EMPTY)
            .build();

    /** A workload spec whose only strategic part is its pod template. */
    private static final PatchSchema TEMPLATE_SPEC = PatchSchema.builder()
            .struct("template", POD_TEMPLATE_SPEC)
            .build();

    public static final PatchSchema POD = object(POD_SPEC, POD_STATUS);

    /** apps/v1 Deployment: the strategy is a union (RollingUpdate or Recreate) with retainKeys. */
    public static final PatchSchema DEPLOYMENT = object(PatchSchema.builder()
            .struct("template", POD_TEMPLATE_SPEC)
            .retainKeys("strategy", PatchSchema.EMPTY)
            .build(), CONDITIONS_STATUS);

    public static final PatchSchema REPLICA_SET = object(TEMPLATE_SPEC, CONDITIONS_STATUS);

    public static final PatchSchema JOB = object(TEMPLATE_SPEC, CONDITIONS_STATUS);

    /** core/v1 Service: ports merged by port (as in Go, so TCP and UDP on one port number collide). */
    public static final PatchSchema SERVICE = object(PatchSchema.builder()
            .mergeList("ports", "port", PatchSchema.EMPTY)
            .build(), CONDITIONS_STATUS);

    public static final PatchSchema NODE = object(PatchSchema.builder()
            .primitiveSet("podCIDRs")
            .build(), PatchSchema.builder()
            .mergeList("conditions", "type", PatchSchema.EMPTY)
            .mergeList("addresses", "type", PatchSchema.EMPTY)
            .build());

    public static final PatchSchema NAMESPACE = object(PatchSchema.EMPTY, CONDITIONS_STATUS);

    /** core/v1 ServiceAccount: its (legacy) token secrets merged by name; imagePullSecrets are replaced. */
    public static final PatchSchema SERVICE_ACCOUNT = PatchSchema.builder()
            .struct("metadata", OBJECT_META)
            .mergeList("secrets", "name", PatchSchema.EMPTY)
            .build();

    private static final PatchSchema META_ONLY = PatchSchema.builder().struct("metadata", OBJECT_META).build();

    /** Workloads beyond the brief's list, same tags: their templates and status conditions. */
    private static final PatchSchema CRON_JOB = object(PatchSchema.builder()
            .struct("jobTemplate", PatchSchema.builder().struct("spec", TEMPLATE_SPEC).build())
            .build(), PatchSchema.EMPTY);

    private static final PatchSchema POD_TEMPLATE = PatchSchema.builder()
            .struct("metadata", OBJECT_META)
            .struct("template", POD_TEMPLATE_SPEC)
            .build();

    private static final Map<String, PatchSchema> BY_KIND = Map.ofEntries(
            Map.entry("v1/Pod", POD),
            Map.entry("v1/Service", SERVICE),
            Map.entry("v1/Node", NODE),
            Map.entry("v1/Namespace", NAMESPACE),
            Map.entry("v1/ConfigMap", META_ONLY),
            Map.entry("v1/Secret", META_ONLY),
            Map.entry("v1/Endpoints", META_ONLY),
            Map.entry("v1/Event", META_ONLY),
            Map.entry("v1/ServiceAccount", SERVICE_ACCOUNT),
            Map.entry("v1/PodTemplate", POD_TEMPLATE),
            Map.entry("v1/ReplicationController", object(TEMPLATE_SPEC, CONDITIONS_STATUS)),
            Map.entry("apps/v1/Deployment", DEPLOYMENT),
            Map.entry("apps/v1/ReplicaSet", REPLICA_SET),
            Map.entry("apps/v1/StatefulSet", object(TEMPLATE_SPEC, CONDITIONS_STATUS)),
            Map.entry("apps/v1/DaemonSet", object(TEMPLATE_SPEC, CONDITIONS_STATUS)),
            Map.entry("batch/v1/Job", JOB),
            Map.entry("batch/v1/CronJob", CRON_JOB),
            Map.entry("discovery.k8s.io/v1/EndpointSlice", META_ONLY),
            Map.entry("events.k8s.io/v1/Event", META_ONLY),
            Map.entry("coordination.k8s.io/v1/Lease", META_ONLY),
            Map.entry("autoscaling/v1/Scale", META_ONLY));

    private PatchSchemas() {
    }

    /**
     * The schema of a built-in kind ({@code "apps/v1"}, {@code "Deployment"}), or empty when strategic merge patch
     * does not apply to it (custom resources, kinds this server does not know).
     */
    public static Optional<PatchSchema> forKind(String apiVersion, String kind) {
        return Optional.ofNullable(BY_KIND.get(apiVersion + "/" + kind));
    }

    /** A schema that knows only ObjectMeta, for a built-in kind with no tagged fields of its own. */
    public static PatchSchema objectMetaOnly() {
        return META_ONLY;
    }

    /** {@code metadata}, {@code spec} and {@code status} of a kind. */
    private static PatchSchema object(PatchSchema spec, PatchSchema status) {
        return PatchSchema.builder()
                .struct("metadata", OBJECT_META)
                .struct("spec", spec)
                .struct("status", status)
                .build();
    }
}
