package io.cairn.apiserver.auth;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.auth.RbacAuthorizer.Attributes;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Options.WriteOptions;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import java.util.ArrayList;
import java.util.List;

/**
 * RBAC's rule against privilege escalation, as kube-apiserver enforces it: a user may write a role only with rules it
 * holds itself (where the role applies), and bind a role only if it holds every rule of that role, unless it may
 * {@code escalate} roles or {@code bind} that role. Otherwise a user allowed to edit RoleBindings in its namespace
 * could bind itself to {@code cluster-admin} there.
 */
public final class RbacEscalation implements Registry.Admission {
    private static final String GROUP = "rbac.authorization.k8s.io";
    private final RbacAuthorizer authorizer;

    public RbacEscalation(RbacAuthorizer authorizer) {
        this.authorizer = authorizer;
    }

    @Override
    public void admit(ResourceType type, ObjectNode old, ObjectNode next, WriteOptions w) {
        if (!type.group().equals(GROUP) || w.groups().contains(User.MASTERS)) {
            return;
        }
        String ns = type.namespaced() ? Objects2.namespace(next) : "";
        String name = Objects2.name(next);
        List<JsonNode> granted;
        switch (type.resource()) {
            case "roles", "clusterroles" -> {
                if (authorizer.allowed(w.user(), w.groups(), Attributes.resource("escalate", GROUP, type.resource(), "",
                        ns, name))) {
                    return;
                }
                granted = type.resource().equals("roles") ? Objects2.list(next, "rules") : authorizer.rulesOf(next);
            }
            case "rolebindings", "clusterrolebindings" -> {
                String kind = Objects2.text(next, "roleRef", "kind");
                String roleName = Objects2.text(next, "roleRef", "name");
                String plural = kind.equals("ClusterRole") ? "clusterroles" : "roles";
                if (authorizer.allowed(w.user(), w.groups(), Attributes.resource("bind", GROUP, plural, "",
                        kind.equals("Role") ? ns : "", roleName))) {
                    return;
                }
                granted = authorizer.referencedRules(kind, roleName, ns);
            }
            default -> {
                return;
            }
        }
        List<JsonNode> held = authorizer.rulesFor(w.user(), w.groups(), ns);
        List<String> missing = new ArrayList<>();
        for (JsonNode rule : granted) {
            for (Attributes a : atoms(rule)) {
                if (!RbacAuthorizer.rulesAllow(held, a)) {
                    missing.add(describe(a));
                }
            }
        }
        if (!missing.isEmpty()) {
            String qualified = type.resource() + "." + GROUP;
            throw new ApiException(403, "Forbidden", qualified + " \"" + name + "\" is forbidden: user \"" + w.user()
                    + "\" (groups=" + w.groups() + ") is attempting to grant RBAC permissions not currently held:\n"
                    + String.join("\n", missing.subList(0, Math.min(missing.size(), 20))), null);
        }
    }

    /** A rule as the single requests it allows (a wildcard stands for itself: only a wildcard covers it). */
    private static List<Attributes> atoms(JsonNode rule) {
        List<Attributes> out = new ArrayList<>();
        List<String> verbs = Objects2.strings(rule, "verbs");
        List<String> urls = Objects2.strings(rule, "nonResourceURLs");
        for (String verb : verbs) {
            for (String url : urls) {
                out.add(Attributes.nonResource(verb, url));
            }
            for (String group : Objects2.strings(rule, "apiGroups")) {
                for (String resource : Objects2.strings(rule, "resources")) {
                    int slash = resource.indexOf('/');
                    String res = slash < 0 ? resource : resource.substring(0, slash);
                    String sub = slash < 0 ? "" : resource.substring(slash + 1);
                    List<String> names = Objects2.strings(rule, "resourceNames");
                    if (names.isEmpty()) {
                        out.add(Attributes.resource(verb, group, res, sub, "", ""));
                    }
                    for (String n : names) {
                        out.add(Attributes.resource(verb, group, res, sub, "", n));
                    }
                }
            }
        }
        return out;
    }

    private static String describe(Attributes a) {
        if (!a.resourceRequest()) {
            return "{NonResourceURLs:[\"" + a.path() + "\"], Verbs:[\"" + a.verb() + "\"]}";
        }
        String resource = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
        return "{APIGroups:[\"" + a.apiGroup() + "\"], Resources:[\"" + resource + "\"]"
                + (a.name().isEmpty() ? "" : ", ResourceNames:[\"" + a.name() + "\"]") + ", Verbs:[\"" + a.verb()
                + "\"]}";
    }
}
