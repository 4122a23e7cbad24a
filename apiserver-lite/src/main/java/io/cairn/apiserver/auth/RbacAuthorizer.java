package io.cairn.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.LabelSelector;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Role-based access control as kube-apiserver's RBAC authorizer decides it: a request is allowed when a rule of a role
 * bound to its user (by name, by one of its groups, or as a service account) grants its verb on its resource (or its
 * non-resource path). ClusterRoleBindings grant their ClusterRole everywhere; RoleBindings grant their Role or
 * ClusterRole in their namespace. A ClusterRole with an {@code aggregationRule} holds the rules of the ClusterRoles its
 * selectors match. Members of {@code system:masters} may do anything. The roles and bindings are read from the
 * registry's watch caches.
 */
public final class RbacAuthorizer {
    private final Registry registry;
    private final ResourceType roles;
    private final ResourceType clusterRoles;
    private final ResourceType roleBindings;
    private final ResourceType clusterRoleBindings;

    /**
     * What a request asks to do: a verb on a resource ({@code resource} non-null; namespace and name may be empty) or
     * on a non-resource path.
     */
    public record Attributes(String verb, String apiGroup, String resource, String subresource, String namespace,
                             String name, String path) {
        public boolean resourceRequest() {
            return resource != null;
        }

        public static Attributes resource(String verb, String apiGroup, String resource, String subresource,
                                          String namespace, String name) {
            return new Attributes(verb, apiGroup, resource, subresource == null ? "" : subresource,
                    namespace == null ? "" : namespace, name == null ? "" : name, null);
        }

        public static Attributes nonResource(String verb, String path) {
            return new Attributes(verb, null, null, "", "", "", path);
        }
    }

    public RbacAuthorizer(Registry registry) {
        this.registry = registry;
        this.roles = type("roles");
        this.clusterRoles = type("clusterroles");
        this.roleBindings = type("rolebindings");
        this.clusterRoleBindings = type("clusterrolebindings");
    }

    private ResourceType type(String plural) {
        return registry.catalog().find("rbac.authorization.k8s.io", "v1", plural).orElseThrow();
    }

    public boolean allowed(String user, List<String> groups, Attributes a) {
        if (groups.contains(User.MASTERS)) {
            return true;
        }
        for (ObjectNode b : registry.cache(clusterRoleBindings).list(x -> true).objects()) {
            if (boundTo(b, user, groups, "") && rulesAllow(clusterRole(Objects2.text(b, "roleRef", "name")), a)) {
                return true;
            }
        }
        if (!a.resourceRequest() || a.namespace().isEmpty()) {
            return false;
        }
        String ns = a.namespace();
        for (ObjectNode b : registry.cache(roleBindings).list(x -> ns.equals(Objects2.namespace(x))).objects()) {
            if (!boundTo(b, user, groups, ns)) {
                continue;
            }
            String roleName = Objects2.text(b, "roleRef", "name");
            List<JsonNode> rules = "ClusterRole".equals(Objects2.text(b, "roleRef", "kind")) ? clusterRole(roleName)
                    : role(ns, roleName);
            if (rulesAllow(rules, a)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Every rule the user holds in {@code namespace} ("" for the cluster scope): its ClusterRoleBindings' roles, and
     * in a namespace its RoleBindings' there.
     */
    public List<JsonNode> rulesFor(String user, List<String> groups, String namespace) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode b : registry.cache(clusterRoleBindings).list(x -> true).objects()) {
            if (boundTo(b, user, groups, "")) {
                out.addAll(clusterRole(Objects2.text(b, "roleRef", "name")));
            }
        }
        if (!namespace.isEmpty()) {
            for (ObjectNode b : registry.cache(roleBindings).list(x -> namespace.equals(Objects2.namespace(x)))
                    .objects()) {
                if (boundTo(b, user, groups, namespace)) {
                    String roleName = Objects2.text(b, "roleRef", "name");
                    out.addAll("ClusterRole".equals(Objects2.text(b, "roleRef", "kind")) ? clusterRole(roleName)
                            : role(namespace, roleName));
                }
            }
        }
        return out;
    }

    /** The rules a role reference grants: a Role in {@code namespace}, or a ClusterRole with those it aggregates. */
    public List<JsonNode> referencedRules(String kind, String name, String namespace) {
        return "ClusterRole".equals(kind) ? clusterRole(name) : role(namespace, name);
    }

    /** The rules of a ClusterRole being written: its own, and those of the ClusterRoles it aggregates. */
    public List<JsonNode> rulesOf(ObjectNode clusterRole) {
        List<JsonNode> out = new ArrayList<>();
        collect(clusterRole, out, new HashSet<>());
        return out;
    }

    private static boolean boundTo(ObjectNode binding, String user, List<String> groups, String bindingNamespace) {
        for (JsonNode s : Objects2.list(binding, "subjects")) {
            String name = s.path("name").asText();
            switch (s.path("kind").asText()) {
                case "User" -> {
                    if (name.equals(user)) {
                        return true;
                    }
                }
                case "Group" -> {
                    if (groups.contains(name)) {
                        return true;
                    }
                }
                case "ServiceAccount" -> {
                    String ns = s.path("namespace").asText(bindingNamespace);
                    if (user.equals("system:serviceaccount:" + ns + ":" + name)) {
                        return true;
                    }
                }
                default -> { }
            }
        }
        return false;
    }

    private List<JsonNode> role(String namespace, String name) {
        ObjectNode r = registry.cache(roles).get(Registry.key(roles, namespace, name));
        return r == null ? List.of() : Objects2.list(r, "rules");
    }

    /** A ClusterRole's rules, those of the ClusterRoles it aggregates included. */
    private List<JsonNode> clusterRole(String name) {
        List<JsonNode> out = new ArrayList<>();
        collect(registry.cache(clusterRoles).get(Registry.key(clusterRoles, null, name)), out, new HashSet<>());
        return out;
    }

    private void collect(ObjectNode role, List<JsonNode> out, Set<String> seen) {
        if (role == null || !seen.add(Objects2.name(role))) {
            return;
        }
        out.addAll(Objects2.list(role, "rules"));
        for (JsonNode selector : Objects2.list(role, "aggregationRule", "clusterRoleSelectors")) {
            LabelSelector s = LabelSelector.parse(LabelSelector.format(selector));
            for (ObjectNode member : registry.cache(clusterRoles).list(x ->
                    s.matches(Objects2.at(x, "metadata", "labels"))).objects()) {
                collect(member, out, seen);
            }
        }
    }

    static boolean rulesAllow(List<JsonNode> rules, Attributes a) {
        for (JsonNode rule : rules) {
            if (ruleAllows(rule, a)) {
                return true;
            }
        }
        return false;
    }

    static boolean ruleAllows(JsonNode rule, Attributes a) {
        if (!matches(Objects2.strings(rule, "verbs"), a.verb())) {
            return false;
        }
        if (!a.resourceRequest()) {
            for (String url : Objects2.strings(rule, "nonResourceURLs")) {
                if (url.equals("*") || url.equals(a.path())
                        || (url.endsWith("*") && a.path().startsWith(url.substring(0, url.length() - 1)))) {
                    return true;
                }
            }
            return false;
        }
        if (!matches(Objects2.strings(rule, "apiGroups"), a.apiGroup())) {
            return false;
        }
        List<String> resources = Objects2.strings(rule, "resources");
        String combined = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
        boolean resourceMatches = resources.contains("*") || resources.contains(combined)
                || (!a.subresource().isEmpty() && resources.contains("*/" + a.subresource()));
        if (!resourceMatches) {
            return false;
        }
        List<String> names = Objects2.strings(rule, "resourceNames");
        return names.isEmpty() || (!a.name().isEmpty() && names.contains(a.name()));
    }

    private static boolean matches(List<String> allowed, String value) {
        return allowed.contains("*") || allowed.contains(value);
    }
}
