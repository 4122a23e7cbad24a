package io.cairn.apiserver.protobuf;

import java.util.List;
import java.util.Map;

/**
 * The protobuf schema of the kinds whose protobuf request bodies we decode, in {@link ProtoSchema}'s table language:
 * the messages reachable from v1 Namespace, ConfigMap, Secret, Service, ServiceAccount, Pod, Endpoints, Event, Node
 * and Binding, apps/v1 Deployment and ReplicaSet, batch/v1 Job and CronJob, coordination.k8s.io/v1 Lease,
 * discovery.k8s.io/v1 EndpointSlice, autoscaling/v1 Scale, policy/v1 Eviction, rbac.authorization.k8s.io/v1 roles and
 * bindings, the authorization.k8s.io/v1 and authentication.k8s.io/v1 reviews, and meta/v1 DeleteOptions.
 *
 * <p>Field numbers and types are those of Kubernetes' {@code generated.proto} files (k8s.io/api and
 * k8s.io/apimachinery, checked against release 1.26, plus fields added since that clients of today send: container
 * {@code resizePolicy} and {@code restartPolicy} (sidecars), lifecycle {@code sleep}, AppArmor profiles, service
 * {@code trafficDistribution}, job success policies, and so on). Kubernetes never renumbers a field, so a field
 * missing here is skipped, never misread. A star (keep a zero value) follows the Go types: pointers, and fields whose
 * JSON tag has no {@code omitempty}.
 *
 * <p>Left out on purpose: PersistentVolume-only volume sources, and PersistentVolume, PersistentVolumeClaim,
 * StatefulSet and DaemonSet themselves (not served here); their protobuf bodies are answered 415.
 */
final class K8sSchemaTable {
    private K8sSchemaTable() {
    }

    /** k8s.io/apimachinery/pkg/apis/meta/v1. */
    static final String META = """
            message Condition
              1 type *string
              2 status *string
              3 observedGeneration int64
              4 lastTransitionTime Time
              5 reason *string
              6 message *string
            message DeleteOptions
              1 gracePeriodSeconds *int64
              2 preconditions Preconditions
              3 orphanDependents *bool
              4 propagationPolicy *string
              5 dryRun []string
              6 ignoreStoreReadErrorWithClusterBreakingPotential *bool
            message Preconditions
              1 uid *string
              2 resourceVersion *string
            message LabelSelector
              1 matchLabels map:string
              2 matchExpressions []LabelSelectorRequirement
            message LabelSelectorRequirement
              1 key *string
              2 operator *string
              3 values []string
            message ManagedFieldsEntry
              1 manager string
              2 operation string
              3 apiVersion string
              4 time Time
              6 fieldsType string
              7 fieldsV1 FieldsV1
              8 subresource string
            message ObjectMeta
              1 name string
              2 generateName string
              3 namespace string
              4 selfLink string
              5 uid string
              6 resourceVersion string
              7 generation int64
              8 creationTimestamp Time
              9 deletionTimestamp Time
              10 deletionGracePeriodSeconds *int64
              11 labels map:string
              12 annotations map:string
              13 ownerReferences []OwnerReference
              14 finalizers []string
              17 managedFields []ManagedFieldsEntry
            message OwnerReference
              5 apiVersion *string
              1 kind *string
              3 name *string
              4 uid *string
              6 controller *bool
              7 blockOwnerDeletion *bool
            """;

    /** k8s.io/api/core/v1 (Binding, ConfigMap, Endpoints, Event, Namespace, Node, Pod, Secret, Service, ServiceAccount and their parts). */
    static final String CORE = """
            message AWSElasticBlockStoreVolumeSource
              1 volumeID *string
              2 fsType string
              3 partition int32
              4 readOnly bool
            message Affinity
              1 nodeAffinity NodeAffinity
              2 podAffinity PodAffinity
              3 podAntiAffinity PodAntiAffinity
            message AppArmorProfile
              1 type *string
              2 localhostProfile *string
            message AttachedVolume
              1 name *string
              2 devicePath *string
            message AzureDiskVolumeSource
              1 diskName *string
              2 diskURI *string
              3 cachingMode *string
              4 fsType *string
              5 readOnly *bool
              6 kind *string
            message AzureFileVolumeSource
              1 secretName *string
              2 shareName *string
              3 readOnly bool
            message Binding
              1 metadata ObjectMeta
              2 target ObjectReference
            message CSIVolumeSource
              1 driver *string
              2 readOnly *bool
              3 fsType *string
              4 volumeAttributes map:string
              5 nodePublishSecretRef LocalObjectReference
            message Capabilities
              1 add []string
              2 drop []string
            message CephFSVolumeSource
              1 monitors []string
              2 path string
              3 user string
              4 secretFile string
              5 secretRef LocalObjectReference
              6 readOnly bool
            message CinderVolumeSource
              1 volumeID *string
              2 fsType string
              3 readOnly bool
              4 secretRef LocalObjectReference
            message ClaimSource
              1 resourceClaimName *string
              2 resourceClaimTemplateName *string
            message ClientIPConfig
              1 timeoutSeconds *int32
            message ConfigMap
              1 metadata ObjectMeta
              4 immutable *bool
              2 data map:string
              3 binaryData map:bytes
            message ConfigMapEnvSource
              1 - LocalObjectReference
              2 optional *bool
            message ConfigMapKeySelector
              1 - LocalObjectReference
              2 key *string
              3 optional *bool
            message ConfigMapNodeConfigSource
              1 namespace *string
              2 name *string
              3 uid string
              4 resourceVersion string
              5 kubeletConfigKey *string
            message ConfigMapProjection
              1 - LocalObjectReference
              2 items []KeyToPath
              4 optional *bool
            message ConfigMapVolumeSource
              1 - LocalObjectReference
              2 items []KeyToPath
              3 defaultMode *int32
              4 optional *bool
            message Container
              1 name *string
              2 image string
              3 command []string
              4 args []string
              5 workingDir string
              6 ports []ContainerPort
              19 envFrom []EnvFromSource
              7 env []EnvVar
              8 resources ResourceRequirements
              9 volumeMounts []VolumeMount
              21 volumeDevices []VolumeDevice
              10 livenessProbe Probe
              11 readinessProbe Probe
              22 startupProbe Probe
              12 lifecycle Lifecycle
              13 terminationMessagePath string
              20 terminationMessagePolicy string
              14 imagePullPolicy string
              15 securityContext SecurityContext
              16 stdin bool
              17 stdinOnce bool
              18 tty bool
              23 resizePolicy []ContainerResizePolicy
              24 restartPolicy *string
            message ContainerImage
              1 names []string
              2 sizeBytes int64
            message ContainerPort
              1 name string
              2 hostPort int32
              3 containerPort *int32
              4 protocol string
              5 hostIP string
            message ContainerResizePolicy
              1 resourceName *string
              2 restartPolicy *string
            message ContainerState
              1 waiting ContainerStateWaiting
              2 running ContainerStateRunning
              3 terminated ContainerStateTerminated
            message ContainerStateRunning
              1 startedAt Time
            message ContainerStateTerminated
              1 exitCode *int32
              2 signal int32
              3 reason string
              4 message string
              5 startedAt Time
              6 finishedAt Time
              7 containerID string
            message ContainerStateWaiting
              1 reason string
              2 message string
            message ContainerStatus
              1 name *string
              2 state ContainerState
              3 lastState ContainerState
              4 ready *bool
              5 restartCount *int32
              6 image *string
              7 imageID *string
              8 containerID string
              9 started *bool
            message DaemonEndpoint
              1 Port *int32
            message DownwardAPIProjection
              1 items []DownwardAPIVolumeFile
            message DownwardAPIVolumeFile
              1 path *string
              2 fieldRef ObjectFieldSelector
              3 resourceFieldRef ResourceFieldSelector
              4 mode *int32
            message DownwardAPIVolumeSource
              1 items []DownwardAPIVolumeFile
              2 defaultMode *int32
            message EmptyDirVolumeSource
              1 medium string
              2 sizeLimit Quantity
            message EndpointAddress
              1 ip *string
              3 hostname string
              4 nodeName *string
              2 targetRef ObjectReference
            message EndpointPort
              1 name string
              2 port *int32
              3 protocol string
              4 appProtocol *string
            message EndpointSubset
              1 addresses []EndpointAddress
              2 notReadyAddresses []EndpointAddress
              3 ports []EndpointPort
            message Endpoints
              1 metadata ObjectMeta
              2 subsets []EndpointSubset
            message EnvFromSource
              1 prefix string
              2 configMapRef ConfigMapEnvSource
              3 secretRef SecretEnvSource
            message EnvVar
              1 name *string
              2 value string
              3 valueFrom EnvVarSource
            message EnvVarSource
              1 fieldRef ObjectFieldSelector
              2 resourceFieldRef ResourceFieldSelector
              3 configMapKeyRef ConfigMapKeySelector
              4 secretKeyRef SecretKeySelector
            message EphemeralContainer
              1 - EphemeralContainerCommon
              2 targetContainerName string
            message EphemeralContainerCommon = Container
            message EphemeralVolumeSource
              1 volumeClaimTemplate PersistentVolumeClaimTemplate
            message Event
              1 metadata ObjectMeta
              2 involvedObject ObjectReference
              3 reason string
              4 message string
              5 source EventSource
              6 firstTimestamp Time
              7 lastTimestamp Time
              8 count int32
              9 type string
              10 eventTime MicroTime
              11 series EventSeries
              12 action string
              13 related ObjectReference
              14 reportingComponent *string
              15 reportingInstance *string
            message EventSeries
              1 count int32
              2 lastObservedTime MicroTime
            message EventSource
              1 component string
              2 host string
            message ExecAction
              1 command []string
            message FCVolumeSource
              1 targetWWNs []string
              2 lun *int32
              3 fsType string
              4 readOnly bool
              5 wwids []string
            message FlexVolumeSource
              1 driver *string
              2 fsType string
              3 secretRef LocalObjectReference
              4 readOnly bool
              5 options map:string
            message FlockerVolumeSource
              1 datasetName string
              2 datasetUUID string
            message GCEPersistentDiskVolumeSource
              1 pdName *string
              2 fsType string
              3 partition int32
              4 readOnly bool
            message GRPCAction
              1 port *int32
              2 service *string
            message GitRepoVolumeSource
              1 repository *string
              2 revision string
              3 directory string
            message GlusterfsVolumeSource
              1 endpoints *string
              2 path *string
              3 readOnly bool
            message HTTPGetAction
              1 path string
              2 port IntOrString
              3 host string
              4 scheme string
              5 httpHeaders []HTTPHeader
            message HTTPHeader
              1 name *string
              2 value *string
            message HostAlias
              1 ip string
              2 hostnames []string
            message HostPathVolumeSource
              1 path *string
              2 type *string
            message ISCSIVolumeSource
              1 targetPortal *string
              2 iqn *string
              3 lun *int32
              4 iscsiInterface string
              5 fsType string
              6 readOnly bool
              7 portals []string
              8 chapAuthDiscovery bool
              11 chapAuthSession bool
              10 secretRef LocalObjectReference
              12 initiatorName *string
            message ImageVolumeSource
              1 reference string
              2 pullPolicy string
            message KeyToPath
              1 key *string
              2 path *string
              3 mode *int32
            message Lifecycle
              1 postStart LifecycleHandler
              2 preStop LifecycleHandler
            message LifecycleHandler
              1 exec ExecAction
              2 httpGet HTTPGetAction
              3 tcpSocket TCPSocketAction
              4 sleep SleepAction
            message LoadBalancerIngress
              1 ip string
              2 hostname string
              3 ipMode *string
              4 ports []PortStatus
            message LoadBalancerStatus
              1 ingress []LoadBalancerIngress
            message LocalObjectReference
              1 name string
            message NFSVolumeSource
              1 server *string
              2 path *string
              3 readOnly bool
            message Namespace
              1 metadata ObjectMeta
              2 spec NamespaceSpec
              3 status NamespaceStatus
            message NamespaceCondition
              1 type *string
              2 status *string
              4 lastTransitionTime Time
              5 reason string
              6 message string
            message NamespaceSpec
              1 finalizers []string
            message NamespaceStatus
              1 phase string
              2 conditions []NamespaceCondition
            message Node
              1 metadata ObjectMeta
              2 spec NodeSpec
              3 status NodeStatus
            message NodeAddress
              1 type *string
              2 address *string
            message NodeAffinity
              1 requiredDuringSchedulingIgnoredDuringExecution NodeSelector
              2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm
            message NodeCondition
              1 type *string
              2 status *string
              3 lastHeartbeatTime Time
              4 lastTransitionTime Time
              5 reason string
              6 message string
            message NodeConfigSource
              2 configMap ConfigMapNodeConfigSource
            message NodeConfigStatus
              1 assigned NodeConfigSource
              2 active NodeConfigSource
              3 lastKnownGood NodeConfigSource
              4 error string
            message NodeDaemonEndpoints
              1 kubeletEndpoint DaemonEndpoint
            message NodeSelector
              1 nodeSelectorTerms []NodeSelectorTerm
            message NodeSelectorRequirement
              1 key *string
              2 operator *string
              3 values []string
            message NodeSelectorTerm
              1 matchExpressions []NodeSelectorRequirement
              2 matchFields []NodeSelectorRequirement
            message NodeSpec
              1 podCIDR string
              7 podCIDRs []string
              3 providerID string
              4 unschedulable bool
              5 taints []Taint
              6 configSource NodeConfigSource
              2 externalID string
            message NodeStatus
              1 capacity map:Quantity
              2 allocatable map:Quantity
              3 phase string
              4 conditions []NodeCondition
              5 addresses []NodeAddress
              6 daemonEndpoints NodeDaemonEndpoints
              7 nodeInfo NodeSystemInfo
              8 images []ContainerImage
              9 volumesInUse []string
              10 volumesAttached []AttachedVolume
              11 config NodeConfigStatus
            message NodeSystemInfo
              1 machineID *string
              2 systemUUID *string
              3 bootID *string
              4 kernelVersion *string
              5 osImage *string
              6 containerRuntimeVersion *string
              7 kubeletVersion *string
              8 kubeProxyVersion *string
              9 operatingSystem *string
              10 architecture *string
            message ObjectFieldSelector
              1 apiVersion string
              2 fieldPath *string
            message ObjectReference
              1 kind string
              2 namespace string
              3 name string
              4 uid string
              5 apiVersion string
              6 resourceVersion string
              7 fieldPath string
            message PersistentVolumeClaimSpec
              1 accessModes []string
              4 selector LabelSelector
              2 resources ResourceRequirements
              3 volumeName string
              5 storageClassName *string
              6 volumeMode *string
              7 dataSource TypedLocalObjectReference
              8 dataSourceRef TypedObjectReference
              9 volumeAttributesClassName *string
            message PersistentVolumeClaimTemplate
              1 metadata ObjectMeta
              2 spec PersistentVolumeClaimSpec
            message PersistentVolumeClaimVolumeSource
              1 claimName *string
              2 readOnly bool
            message PhotonPersistentDiskVolumeSource
              1 pdID *string
              2 fsType string
            message Pod
              1 metadata ObjectMeta
              2 spec PodSpec
              3 status PodStatus
            message PodAffinity
              1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
              2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
            message PodAffinityTerm
              1 labelSelector LabelSelector
              2 namespaces []string
              3 topologyKey *string
              4 namespaceSelector LabelSelector
              5 matchLabelKeys []string
              6 mismatchLabelKeys []string
            message PodAntiAffinity
              1 requiredDuringSchedulingIgnoredDuringExecution []PodAffinityTerm
              2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm
            message PodCondition
              1 type *string
              2 status *string
              3 lastProbeTime Time
              4 lastTransitionTime Time
              5 reason string
              6 message string
            message PodDNSConfig
              1 nameservers []string
              2 searches []string
              3 options []PodDNSConfigOption
            message PodDNSConfigOption
              1 name string
              2 value *string
            message PodIP
              1 ip string
            message PodOS
              1 name *string
            message PodReadinessGate
              1 conditionType *string
            message PodResourceClaim
              1 name *string
              2 source ClaimSource
              3 resourceClaimName *string
              4 resourceClaimTemplateName *string
            message PodSchedulingGate
              1 name *string
            message PodSecurityContext
              1 seLinuxOptions SELinuxOptions
              8 windowsOptions WindowsSecurityContextOptions
              2 runAsUser *int64
              6 runAsGroup *int64
              3 runAsNonRoot *bool
              4 supplementalGroups []int64
              5 fsGroup *int64
              7 sysctls []Sysctl
              9 fsGroupChangePolicy *string
              10 seccompProfile SeccompProfile
              11 appArmorProfile AppArmorProfile
              12 supplementalGroupsPolicy *string
              13 seLinuxChangePolicy *string
            message PodSpec
              1 volumes []Volume
              20 initContainers []Container
              2 containers []Container
              34 ephemeralContainers []EphemeralContainer
              3 restartPolicy string
              4 terminationGracePeriodSeconds *int64
              5 activeDeadlineSeconds *int64
              6 dnsPolicy string
              7 nodeSelector map:string
              8 serviceAccountName string
              9 serviceAccount string
              21 automountServiceAccountToken *bool
              10 nodeName string
              11 hostNetwork bool
              12 hostPID bool
              13 hostIPC bool
              27 shareProcessNamespace *bool
              14 securityContext PodSecurityContext
              15 imagePullSecrets []LocalObjectReference
              16 hostname string
              17 subdomain string
              18 affinity Affinity
              19 schedulerName string
              22 tolerations []Toleration
              23 hostAliases []HostAlias
              24 priorityClassName string
              25 priority *int32
              26 dnsConfig PodDNSConfig
              28 readinessGates []PodReadinessGate
              29 runtimeClassName *string
              30 enableServiceLinks *bool
              31 preemptionPolicy *string
              32 overhead map:Quantity
              33 topologySpreadConstraints []TopologySpreadConstraint
              35 setHostnameAsFQDN *bool
              36 os PodOS
              37 hostUsers *bool
              38 schedulingGates []PodSchedulingGate
              39 resourceClaims []PodResourceClaim
            message PodStatus
              1 phase string
              2 conditions []PodCondition
              3 message string
              4 reason string
              11 nominatedNodeName string
              5 hostIP string
              6 podIP string
              12 podIPs []PodIP
              7 startTime Time
              10 initContainerStatuses []ContainerStatus
              8 containerStatuses []ContainerStatus
              9 qosClass string
              13 ephemeralContainerStatuses []ContainerStatus
            message PodTemplateSpec
              1 metadata ObjectMeta
              2 spec PodSpec
            message PortStatus
              1 port *int32
              2 protocol *string
              3 error *string
            message PortworxVolumeSource
              1 volumeID *string
              2 fsType string
              3 readOnly bool
            message PreferredSchedulingTerm
              1 weight *int32
              2 preference NodeSelectorTerm
            message Probe
              1 - ProbeHandler
              2 initialDelaySeconds int32
              3 timeoutSeconds int32
              4 periodSeconds int32
              5 successThreshold int32
              6 failureThreshold int32
              7 terminationGracePeriodSeconds *int64
            message ProbeHandler
              1 exec ExecAction
              2 httpGet HTTPGetAction
              3 tcpSocket TCPSocketAction
              4 grpc GRPCAction
            message ProjectedVolumeSource
              1 sources []VolumeProjection
              2 defaultMode *int32
            message QuobyteVolumeSource
              1 registry *string
              2 volume *string
              3 readOnly bool
              4 user string
              5 group string
              6 tenant string
            message RBDVolumeSource
              1 monitors []string
              2 image *string
              3 fsType string
              4 pool string
              5 user string
              6 keyring string
              7 secretRef LocalObjectReference
              8 readOnly bool
            message ResourceClaim
              1 name *string
              2 request string
            message ResourceFieldSelector
              1 containerName string
              2 resource *string
              3 divisor Quantity
            message ResourceRequirements
              1 limits map:Quantity
              2 requests map:Quantity
              3 claims []ResourceClaim
            message SELinuxOptions
              1 user string
              2 role string
              3 type string
              4 level string
            message ScaleIOVolumeSource
              1 gateway *string
              2 system *string
              3 secretRef LocalObjectReference
              4 sslEnabled bool
              5 protectionDomain string
              6 storagePool string
              7 storageMode string
              8 volumeName string
              9 fsType string
              10 readOnly bool
            message SeccompProfile
              1 type *string
              2 localhostProfile *string
            message Secret
              1 metadata ObjectMeta
              5 immutable *bool
              2 data map:bytes
              4 stringData map:string
              3 type string
            message SecretEnvSource
              1 - LocalObjectReference
              2 optional *bool
            message SecretKeySelector
              1 - LocalObjectReference
              2 key *string
              3 optional *bool
            message SecretProjection
              1 - LocalObjectReference
              2 items []KeyToPath
              4 optional *bool
            message SecretReference
              1 name string
              2 namespace string
            message SecretVolumeSource
              1 secretName string
              2 items []KeyToPath
              3 defaultMode *int32
              4 optional *bool
            message SecurityContext
              1 capabilities Capabilities
              2 privileged *bool
              3 seLinuxOptions SELinuxOptions
              10 windowsOptions WindowsSecurityContextOptions
              4 runAsUser *int64
              8 runAsGroup *int64
              5 runAsNonRoot *bool
              6 readOnlyRootFilesystem *bool
              7 allowPrivilegeEscalation *bool
              9 procMount *string
              11 seccompProfile SeccompProfile
              12 appArmorProfile AppArmorProfile
            message Service
              1 metadata ObjectMeta
              2 spec ServiceSpec
              3 status ServiceStatus
            message ServiceAccount
              1 metadata ObjectMeta
              2 secrets []ObjectReference
              3 imagePullSecrets []LocalObjectReference
              4 automountServiceAccountToken *bool
            message ServiceAccountTokenProjection
              1 audience string
              2 expirationSeconds *int64
              3 path *string
            message ServicePort
              1 name string
              2 protocol string
              6 appProtocol *string
              3 port *int32
              4 targetPort IntOrString
              5 nodePort int32
            message ServiceSpec
              1 ports []ServicePort
              2 selector map:string
              3 clusterIP string
              18 clusterIPs []string
              4 type string
              5 externalIPs []string
              7 sessionAffinity string
              8 loadBalancerIP string
              9 loadBalancerSourceRanges []string
              10 externalName string
              11 externalTrafficPolicy string
              12 healthCheckNodePort int32
              13 publishNotReadyAddresses bool
              14 sessionAffinityConfig SessionAffinityConfig
              19 ipFamilies []string
              17 ipFamilyPolicy *string
              20 allocateLoadBalancerNodePorts *bool
              21 loadBalancerClass *string
              22 internalTrafficPolicy *string
              23 trafficDistribution *string
            message ServiceStatus
              1 loadBalancer LoadBalancerStatus
              2 conditions []Condition
            message SessionAffinityConfig
              1 clientIP ClientIPConfig
            message SleepAction
              1 seconds *int64
            message StorageOSVolumeSource
              1 volumeName string
              2 volumeNamespace string
              3 fsType string
              4 readOnly bool
              5 secretRef LocalObjectReference
            message Sysctl
              1 name *string
              2 value *string
            message TCPSocketAction
              1 port IntOrString
              2 host string
            message Taint
              1 key *string
              2 value string
              3 effect *string
              4 timeAdded Time
            message Toleration
              1 key string
              2 operator string
              3 value string
              4 effect string
              5 tolerationSeconds *int64
            message TopologySpreadConstraint
              1 maxSkew *int32
              2 topologyKey *string
              3 whenUnsatisfiable *string
              4 labelSelector LabelSelector
              5 minDomains *int32
              6 nodeAffinityPolicy *string
              7 nodeTaintsPolicy *string
              8 matchLabelKeys []string
            message TypedLocalObjectReference
              1 apiGroup *string
              2 kind *string
              3 name *string
            message TypedObjectReference
              1 apiGroup *string
              2 kind *string
              3 name *string
              4 namespace *string
            message Volume
              1 name *string
              2 - VolumeSource
            message VolumeDevice
              1 name *string
              2 devicePath *string
            message VolumeMount
              1 name *string
              2 readOnly bool
              7 recursiveReadOnly *string
              3 mountPath *string
              4 subPath string
              5 mountPropagation *string
              6 subPathExpr string
            message VolumeProjection
              1 secret SecretProjection
              2 downwardAPI DownwardAPIProjection
              3 configMap ConfigMapProjection
              4 serviceAccountToken ServiceAccountTokenProjection
            message VolumeSource
              1 hostPath HostPathVolumeSource
              2 emptyDir EmptyDirVolumeSource
              3 gcePersistentDisk GCEPersistentDiskVolumeSource
              4 awsElasticBlockStore AWSElasticBlockStoreVolumeSource
              5 gitRepo GitRepoVolumeSource
              6 secret SecretVolumeSource
              7 nfs NFSVolumeSource
              8 iscsi ISCSIVolumeSource
              9 glusterfs GlusterfsVolumeSource
              10 persistentVolumeClaim PersistentVolumeClaimVolumeSource
              11 rbd RBDVolumeSource
              12 flexVolume FlexVolumeSource
              13 cinder CinderVolumeSource
              14 cephfs CephFSVolumeSource
              15 flocker FlockerVolumeSource
              16 downwardAPI DownwardAPIVolumeSource
              17 fc FCVolumeSource
              18 azureFile AzureFileVolumeSource
              19 configMap ConfigMapVolumeSource
              20 vsphereVolume VsphereVirtualDiskVolumeSource
              21 quobyte QuobyteVolumeSource
              22 azureDisk AzureDiskVolumeSource
              23 photonPersistentDisk PhotonPersistentDiskVolumeSource
              26 projected ProjectedVolumeSource
              24 portworxVolume PortworxVolumeSource
              25 scaleIO ScaleIOVolumeSource
              27 storageos StorageOSVolumeSource
              28 csi CSIVolumeSource
              29 ephemeral EphemeralVolumeSource
              30 image ImageVolumeSource
            message VsphereVirtualDiskVolumeSource
              1 volumePath *string
              2 fsType string
              3 storagePolicyName string
              4 storagePolicyID string
            message WeightedPodAffinityTerm
              1 weight *int32
              2 podAffinityTerm PodAffinityTerm
            message WindowsSecurityContextOptions
              1 gmsaCredentialSpecName *string
              2 gmsaCredentialSpec *string
              3 runAsUserName *string
              4 hostProcess *bool
            """;

    /** k8s.io/api/apps/v1 Deployment and ReplicaSet. */
    static final String APPS = """
            message Deployment
              1 metadata ObjectMeta
              2 spec DeploymentSpec
              3 status DeploymentStatus
            message DeploymentCondition
              1 type *string
              2 status *string
              6 lastUpdateTime Time
              7 lastTransitionTime Time
              4 reason string
              5 message string
            message DeploymentSpec
              1 replicas *int32
              2 selector LabelSelector
              3 template PodTemplateSpec
              4 strategy DeploymentStrategy
              5 minReadySeconds int32
              6 revisionHistoryLimit *int32
              7 paused bool
              9 progressDeadlineSeconds *int32
            message DeploymentStatus
              1 observedGeneration int64
              2 replicas int32
              3 updatedReplicas int32
              7 readyReplicas int32
              4 availableReplicas int32
              5 unavailableReplicas int32
              6 conditions []DeploymentCondition
              8 collisionCount *int32
              9 terminatingReplicas *int32
            message DeploymentStrategy
              1 type string
              2 rollingUpdate RollingUpdateDeployment
            message RollingUpdateDeployment
              1 maxUnavailable IntOrString
              2 maxSurge IntOrString
            message ReplicaSet
              1 metadata ObjectMeta
              2 spec ReplicaSetSpec
              3 status ReplicaSetStatus
            message ReplicaSetCondition
              1 type *string
              2 status *string
              3 lastTransitionTime Time
              4 reason string
              5 message string
            message ReplicaSetSpec
              1 replicas *int32
              4 minReadySeconds int32
              2 selector LabelSelector
              3 template PodTemplateSpec
            message ReplicaSetStatus
              1 replicas *int32
              2 fullyLabeledReplicas int32
              4 readyReplicas int32
              5 availableReplicas int32
              7 terminatingReplicas *int32
              3 observedGeneration int64
              6 conditions []ReplicaSetCondition
            """;

    /** k8s.io/api/batch/v1 Job and CronJob. */
    static final String BATCH = """
            message CronJob
              1 metadata ObjectMeta
              2 spec CronJobSpec
              3 status CronJobStatus
            message CronJobSpec
              1 schedule *string
              8 timeZone *string
              2 startingDeadlineSeconds *int64
              3 concurrencyPolicy string
              4 suspend *bool
              5 jobTemplate JobTemplateSpec
              6 successfulJobsHistoryLimit *int32
              7 failedJobsHistoryLimit *int32
            message CronJobStatus
              1 active []ObjectReference
              4 lastScheduleTime Time
              5 lastSuccessfulTime Time
            message Job
              1 metadata ObjectMeta
              2 spec JobSpec
              3 status JobStatus
            message JobCondition
              1 type *string
              2 status *string
              3 lastProbeTime Time
              4 lastTransitionTime Time
              5 reason string
              6 message string
            message JobSpec
              1 parallelism *int32
              2 completions *int32
              3 activeDeadlineSeconds *int64
              11 podFailurePolicy PodFailurePolicy
              15 successPolicy SuccessPolicy
              7 backoffLimit *int32
              12 backoffLimitPerIndex *int32
              13 maxFailedIndexes *int32
              4 selector LabelSelector
              5 manualSelector *bool
              6 template PodTemplateSpec
              8 ttlSecondsAfterFinished *int32
              9 completionMode *string
              10 suspend *bool
              14 podReplacementPolicy *string
              16 managedBy *string
            message JobStatus
              1 conditions []JobCondition
              2 startTime Time
              3 completionTime Time
              4 active int32
              5 succeeded int32
              6 failed int32
              11 terminating *int32
              7 completedIndexes string
              10 failedIndexes *string
              8 uncountedTerminatedPods UncountedTerminatedPods
              9 ready *int32
            message JobTemplateSpec
              1 metadata ObjectMeta
              2 spec JobSpec
            message PodFailurePolicy
              1 rules []PodFailurePolicyRule
            message PodFailurePolicyRule
              1 action *string
              2 onExitCodes PodFailurePolicyOnExitCodesRequirement
              3 onPodConditions []PodFailurePolicyOnPodConditionsPattern
            message PodFailurePolicyOnExitCodesRequirement
              1 containerName *string
              2 operator *string
              3 values []int32
            message PodFailurePolicyOnPodConditionsPattern
              1 type *string
              2 status *string
            message SuccessPolicy
              1 rules []SuccessPolicyRule
            message SuccessPolicyRule
              1 succeededIndexes *string
              2 succeededCount *int32
            message UncountedTerminatedPods
              1 succeeded []string
              2 failed []string
            """;

    /** k8s.io/api/coordination/v1 Lease. */
    static final String COORDINATION = """
            message Lease
              1 metadata ObjectMeta
              2 spec LeaseSpec
            message LeaseSpec
              1 holderIdentity *string
              2 leaseDurationSeconds *int32
              3 acquireTime MicroTime
              4 renewTime MicroTime
              5 leaseTransitions *int32
              6 strategy *string
              7 preferredHolder *string
            """;

    /** k8s.io/api/discovery/v1 EndpointSlice (its Endpoint and EndpointPort differ from core's, hence the prefix). */
    static final String DISCOVERY = """
            message discovery.EndpointSlice
              1 metadata ObjectMeta
              4 addressType *string
              2 endpoints []discovery.Endpoint
              3 ports []discovery.EndpointPort
            message discovery.Endpoint
              1 addresses []string
              2 conditions discovery.EndpointConditions
              3 hostname *string
              4 targetRef ObjectReference
              5 deprecatedTopology map:string
              6 nodeName *string
              7 zone *string
              8 hints discovery.EndpointHints
            message discovery.EndpointConditions
              1 ready *bool
              2 serving *bool
              3 terminating *bool
            message discovery.EndpointHints
              1 forZones []discovery.ForZone
              2 forNodes []discovery.ForNode
            message discovery.ForZone
              1 name *string
            message discovery.ForNode
              1 name *string
            message discovery.EndpointPort
              1 name *string
              2 protocol *string
              3 port *int32
              4 appProtocol *string
            """;

    /** k8s.io/api/autoscaling/v1 Scale. */
    static final String AUTOSCALING = """
            message Scale
              1 metadata ObjectMeta
              2 spec ScaleSpec
              3 status ScaleStatus
            message ScaleSpec
              1 replicas int32
            message ScaleStatus
              1 replicas *int32
              2 selector string
            """;

    /** k8s.io/api/policy/v1 Eviction (kubectl drain's default; the subresource is not served yet). */
    static final String POLICY = """
            message Eviction
              1 metadata ObjectMeta
              2 deleteOptions DeleteOptions
            """;

    /** k8s.io/api/rbac/v1: roles and bindings ({@code kubectl create role|rolebinding|clusterrole...} send them so). */
    static final String RBAC = """
            message Role
              1 metadata ObjectMeta
              2 rules []PolicyRule
            message ClusterRole
              1 metadata ObjectMeta
              2 rules []PolicyRule
              3 aggregationRule AggregationRule
            message AggregationRule
              1 clusterRoleSelectors []LabelSelector
            message PolicyRule
              1 verbs []string
              2 apiGroups []string
              3 resources []string
              4 resourceNames []string
              5 nonResourceURLs []string
            message RoleBinding
              1 metadata ObjectMeta
              2 subjects []Subject
              3 roleRef RoleRef
            message ClusterRoleBinding
              1 metadata ObjectMeta
              2 subjects []Subject
              3 roleRef RoleRef
            message RoleRef
              1 apiGroup *string
              2 kind *string
              3 name *string
            message Subject
              1 kind *string
              2 apiGroup string
              3 name *string
              4 namespace string
            """;

    /** k8s.io/api/authorization/v1 and authentication/v1 reviews ({@code kubectl auth can-i}, {@code auth whoami}). */
    static final String REVIEWS = """
            message SelfSubjectAccessReview
              1 metadata ObjectMeta
              2 spec SelfSubjectAccessReviewSpec
              3 status SubjectAccessReviewStatus
            message SelfSubjectAccessReviewSpec
              1 resourceAttributes ResourceAttributes
              2 nonResourceAttributes NonResourceAttributes
            message SubjectAccessReview
              1 metadata ObjectMeta
              2 spec SubjectAccessReviewSpec
              3 status SubjectAccessReviewStatus
            message SubjectAccessReviewSpec
              1 resourceAttributes ResourceAttributes
              2 nonResourceAttributes NonResourceAttributes
              3 user string
              4 groups []string
              6 uid string
            message SubjectAccessReviewStatus
              1 allowed *bool
              2 reason string
              3 evaluationError string
              4 denied bool
            message ResourceAttributes
              1 namespace string
              2 verb string
              3 group string
              4 version string
              5 resource string
              6 subresource string
              7 name string
            message NonResourceAttributes
              1 path string
              2 verb string
            message SelfSubjectReview
              1 metadata ObjectMeta
              2 status SelfSubjectReviewStatus
            message SelfSubjectReviewStatus
              1 userInfo UserInfo
            message UserInfo
              1 username string
              2 uid string
              3 groups []string
            message TokenRequest
              1 metadata ObjectMeta
              2 spec TokenRequestSpec
              3 status TokenRequestStatus
            message TokenRequestSpec
              1 audiences []string
              3 boundObjectRef BoundObjectReference
              4 expirationSeconds *int64
            message BoundObjectReference
              1 kind string
              2 apiVersion string
              3 name string
              4 uid string
            message TokenRequestStatus
              1 token string
              2 expirationTimestamp Time
            """;

    /** All of the table. */
    static final List<String> ALL = List.of(META, CORE, APPS, BATCH, COORDINATION, DISCOVERY, AUTOSCALING, POLICY, RBAC,
            REVIEWS);

    /** The message of each top-level kind, by {@code apiVersion/kind} as the envelope names it. */
    static final Map<String, String> ROOTS = Map.ofEntries(
            Map.entry("v1/Namespace", "Namespace"),
            Map.entry("v1/ConfigMap", "ConfigMap"),
            Map.entry("v1/Secret", "Secret"),
            Map.entry("v1/Service", "Service"),
            Map.entry("v1/ServiceAccount", "ServiceAccount"),
            Map.entry("v1/Pod", "Pod"),
            Map.entry("v1/Endpoints", "Endpoints"),
            Map.entry("v1/Event", "Event"),
            Map.entry("v1/Node", "Node"),
            Map.entry("v1/Binding", "Binding"),
            Map.entry("apps/v1/Deployment", "Deployment"),
            Map.entry("apps/v1/ReplicaSet", "ReplicaSet"),
            Map.entry("batch/v1/Job", "Job"),
            Map.entry("batch/v1/CronJob", "CronJob"),
            Map.entry("coordination.k8s.io/v1/Lease", "Lease"),
            Map.entry("discovery.k8s.io/v1/EndpointSlice", "discovery.EndpointSlice"),
            Map.entry("autoscaling/v1/Scale", "Scale"),
            Map.entry("policy/v1/Eviction", "Eviction"),
            Map.entry("rbac.authorization.k8s.io/v1/Role", "Role"),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRole", "ClusterRole"),
            Map.entry("rbac.authorization.k8s.io/v1/RoleBinding", "RoleBinding"),
            Map.entry("rbac.authorization.k8s.io/v1/ClusterRoleBinding", "ClusterRoleBinding"),
            Map.entry("authorization.k8s.io/v1/SelfSubjectAccessReview", "SelfSubjectAccessReview"),
            Map.entry("authorization.k8s.io/v1/SubjectAccessReview", "SubjectAccessReview"),
            Map.entry("authentication.k8s.io/v1/SelfSubjectReview", "SelfSubjectReview"),
            Map.entry("authentication.k8s.io/v1/TokenRequest", "TokenRequest"));

    /**
     * Found by kind alone: clients send DeleteOptions in the version of the resource they delete ({@code v1},
     * {@code apps/v1}, ...) as well as in {@code meta.k8s.io/v1}.
     */
    static final String DELETE_OPTIONS = "DeleteOptions";
}
