package io.cairn.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The roles and bindings every cluster starts with, as kube-apiserver bootstraps them (trimmed to the resources this
 * server serves): {@code cluster-admin} for {@code system:masters}; the user-facing {@code admin}, {@code edit} and
 * {@code view}, which aggregate the {@code system:aggregate-to-*} roles (and each other: view into edit, edit into
 * admin); discovery and self-review for every authenticated user.
 */
public final class RbacDefaults {
    private RbacDefaults() {
    }

    private static final String YAML = """
            kind: ClusterRole
            metadata: {name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            rules:
            - {apiGroups: ["*"], resources: ["*"], verbs: ["*"]}
            - {nonResourceURLs: ["*"], verbs: ["*"]}
            ---
            kind: ClusterRole
            metadata: {name: admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            aggregationRule:
              clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-admin: "true"}}]
            ---
            kind: ClusterRole
            metadata:
              name: edit
              labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-admin: "true"}
            aggregationRule:
              clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-edit: "true"}}]
            ---
            kind: ClusterRole
            metadata:
              name: view
              labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-edit: "true"}
            aggregationRule:
              clusterRoleSelectors: [{matchLabels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}}]
            ---
            kind: ClusterRole
            metadata:
              name: system:aggregate-to-view
              labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-view: "true"}
            rules:
            - apiGroups: [""]
              resources: [configmaps, endpoints, persistentvolumeclaims, pods, pods/log, pods/status, replicationcontrollers,
                          services, services/status, serviceaccounts, events, namespaces, namespaces/status, limitranges,
                          resourcequotas, bindings]
              verbs: [get, list, watch]
            - apiGroups: [apps]
              resources: [deployments, deployments/scale, deployments/status, replicasets, replicasets/scale,
                          replicasets/status, statefulsets, daemonsets, controllerrevisions]
              verbs: [get, list, watch]
            - apiGroups: [batch]
              resources: [jobs, jobs/status, cronjobs]
              verbs: [get, list, watch]
            - apiGroups: [discovery.k8s.io]
              resources: [endpointslices]
              verbs: [get, list, watch]
            ---
            kind: ClusterRole
            metadata:
              name: system:aggregate-to-edit
              labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-edit: "true"}
            rules:
            - apiGroups: [""]
              resources: [configmaps, endpoints, persistentvolumeclaims, pods, replicationcontrollers, secrets, services,
                          serviceaccounts, pods/exec, pods/attach, pods/portforward, pods/eviction, serviceaccounts/token]
              verbs: [create, delete, deletecollection, patch, update]
            - apiGroups: [""]
              resources: [secrets]
              verbs: [get, list, watch]
            - apiGroups: [apps]
              resources: [deployments, deployments/scale, deployments/rollback, replicasets, replicasets/scale,
                          statefulsets, daemonsets]
              verbs: [create, delete, deletecollection, patch, update]
            - apiGroups: [batch]
              resources: [jobs, cronjobs]
              verbs: [create, delete, deletecollection, patch, update]
            - apiGroups: [discovery.k8s.io]
              resources: [endpointslices]
              verbs: [create, delete, deletecollection, patch, update]
            ---
            kind: ClusterRole
            metadata:
              name: system:aggregate-to-admin
              labels: {kubernetes.io/bootstrapping: rbac-defaults, rbac.authorization.k8s.io/aggregate-to-admin: "true"}
            rules:
            - apiGroups: [rbac.authorization.k8s.io]
              resources: [roles, rolebindings]
              verbs: [create, delete, deletecollection, get, list, patch, update, watch]
            - apiGroups: [authorization.k8s.io]
              resources: [localsubjectaccessreviews]
              verbs: [create]
            ---
            kind: ClusterRole
            metadata: {name: system:discovery, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            rules:
            - nonResourceURLs: [/api, /api/*, /apis, /apis/*, /healthz, /livez, /readyz, /openapi, /openapi/*, /version,
                                /version/]
              verbs: [get]
            ---
            kind: ClusterRole
            metadata: {name: system:basic-user, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            rules:
            - apiGroups: [authorization.k8s.io]
              resources: [selfsubjectaccessreviews, selfsubjectrulesreviews]
              verbs: [create]
            - apiGroups: [authentication.k8s.io]
              resources: [selfsubjectreviews]
              verbs: [create]
            ---
            kind: ClusterRoleBinding
            metadata: {name: cluster-admin, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:masters"}]
            ---
            kind: ClusterRoleBinding
            metadata: {name: system:discovery, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:discovery}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:authenticated"}]
            ---
            kind: ClusterRoleBinding
            metadata: {name: system:basic-user, labels: {kubernetes.io/bootstrapping: rbac-defaults}}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:basic-user}
            subjects: [{apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:authenticated"}]
            """;

    /** The default objects, each with its apiVersion and kind. */
    public static List<ObjectNode> objects() {
        List<ObjectNode> out = new ArrayList<>();
        for (String doc : YAML.split("\n---\n")) {
            ObjectNode o = Json.parseObject(doc.getBytes(StandardCharsets.UTF_8), true);
            o.put("apiVersion", "rbac.authorization.k8s.io/v1");
            out.add(o);
        }
        return out;
    }

    /** The plural of a default object's kind. */
    public static String plural(JsonNode obj) {
        return obj.path("kind").asText().equals("ClusterRole") ? "clusterroles" : "clusterrolebindings";
    }
}
