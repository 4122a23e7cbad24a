package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.FieldError;
import io.cairn.apiserver.registry.NameRule;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.Strategy;
import io.cairn.apiserver.registry.TableColumn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * rbac.authorization.k8s.io/v1: Roles and ClusterRoles (rules of verbs on resources, or on non-resource URLs for
 * ClusterRoles; a ClusterRole may aggregate others by label), RoleBindings and ClusterRoleBindings (subjects, and a
 * role reference that never changes), validated as kube-apiserver does and tabled as kubectl shows them.
 */
public final class RbacKinds {
    public static final String GROUP = "rbac.authorization.k8s.io";

    private RbacKinds() {
    }

    public static List<ResourceType> all() {
        return List.of(
                type("roles", "role", "Role", true, new RoleStrategy(false)),
                type("clusterroles", "clusterrole", "ClusterRole", false, new RoleStrategy(true)),
                type("rolebindings", "rolebinding", "RoleBinding", true, new BindingStrategy(false)),
                type("clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false,
                        new BindingStrategy(true)));
    }

    private static ResourceType type(String plural, String singular, String kind, boolean namespaced, Strategy s) {
        return new ResourceType(GROUP, "v1", plural, singular, kind, namespaced, List.of(), List.of(), Set.of(), s);
    }

    static final class RoleStrategy implements Strategy {
        private final boolean cluster;

        RoleStrategy(boolean cluster) {
            this.cluster = cluster;
        }

        @Override
        public NameRule nameRule() {
            return NameRule.PATH_SEGMENT;
        }

        @Override
        public List<FieldError> validate(ObjectNode role, ObjectNode old) {
            List<FieldError> errors = new ArrayList<>();
            List<JsonNode> rules = Objects2.list(role, "rules");
            for (int i = 0; i < rules.size(); i++) {
                JsonNode r = rules.get(i);
                String path = "rules[" + i + "]";
                if (Objects2.strings(r, "verbs").isEmpty()) {
                    errors.add(FieldError.required(path + ".verbs", "verbs must contain at least one value"));
                }
                boolean nonResource = !Objects2.strings(r, "nonResourceURLs").isEmpty();
                if (nonResource && !cluster) {
                    errors.add(FieldError.invalid(path + ".nonResourceURLs", Objects2.strings(r, "nonResourceURLs")
                            .toString(), "namespaced rules cannot apply to non-resource URLs"));
                }
                if (nonResource && (r.has("resources") || r.has("apiGroups"))) {
                    errors.add(FieldError.invalid(path + ".nonResourceURLs", Objects2.strings(r, "nonResourceURLs")
                            .toString(), "rules cannot apply to both regular resources and non-resource URLs"));
                }
                if (!nonResource) {
                    if (!r.has("apiGroups")) {
                        errors.add(FieldError.required(path + ".apiGroups", "resource rules must supply at least one "
                                + "api group"));
                    }
                    if (Objects2.strings(r, "resources").isEmpty()) {
                        errors.add(FieldError.required(path + ".resources", "resource rules must supply at least one "
                                + "resource"));
                    }
                }
            }
            return errors;
        }

        @Override
        public List<TableColumn> columns() {
            return List.of(TableColumn.nameColumn(), TableColumn.createdAtColumn());
        }

        @Override
        public List<Object> cells(ObjectNode role, Instant now) {
            return List.of(Objects2.name(role), Objects2.text(role, "metadata", "creationTimestamp"));
        }
    }

    static final class BindingStrategy implements Strategy {
        private static final Set<String> SUBJECT_KINDS = Set.of("User", "Group", "ServiceAccount");
        private final boolean cluster;

        BindingStrategy(boolean cluster) {
            this.cluster = cluster;
        }

        @Override
        public NameRule nameRule() {
            return NameRule.PATH_SEGMENT;
        }

        @Override
        public List<FieldError> validate(ObjectNode binding, ObjectNode old) {
            List<FieldError> errors = new ArrayList<>();
            JsonNode ref = binding.path("roleRef");
            String kind = ref.path("kind").asText("");
            if (!GROUP.equals(ref.path("apiGroup").asText(""))) {
                errors.add(FieldError.notSupported("roleRef.apiGroup", ref.path("apiGroup").asText(""), List.of(GROUP)));
            }
            List<String> kinds = cluster ? List.of("ClusterRole") : List.of("Role", "ClusterRole");
            if (!kinds.contains(kind)) {
                errors.add(FieldError.notSupported("roleRef.kind", kind, kinds));
            }
            if (ref.path("name").asText("").isEmpty()) {
                errors.add(FieldError.required("roleRef.name", ""));
            }
            if (old != null && !Objects2.same(old.get("roleRef"), binding.get("roleRef"))) {
                errors.add(FieldError.invalid("roleRef", binding.path("roleRef").toString(),
                        "cannot change roleRef"));
            }
            List<JsonNode> subjects = Objects2.list(binding, "subjects");
            for (int i = 0; i < subjects.size(); i++) {
                JsonNode s = subjects.get(i);
                String path = "subjects[" + i + "]";
                String sk = s.path("kind").asText("");
                if (!SUBJECT_KINDS.contains(sk)) {
                    errors.add(FieldError.notSupported(path + ".kind", sk, List.of("Group", "ServiceAccount", "User")));
                }
                if (s.path("name").asText("").isEmpty()) {
                    errors.add(FieldError.required(path + ".name", ""));
                }
                if (sk.equals("ServiceAccount") && cluster && s.path("namespace").asText("").isEmpty()) {
                    errors.add(FieldError.required(path + ".namespace", ""));
                }
            }
            return errors;
        }

        @Override
        public List<TableColumn> columns() {
            return List.of(TableColumn.nameColumn(), TableColumn.of("Role", "string", "Role references the role"),
                    TableColumn.ageColumn(), TableColumn.wide("Users", "string", "Users in the binding"),
                    TableColumn.wide("Groups", "string", "Groups in the binding"),
                    TableColumn.wide("ServiceAccounts", "string", "ServiceAccounts in the binding"));
        }

        @Override
        public List<Object> cells(ObjectNode binding, Instant now) {
            List<String> users = new ArrayList<>();
            List<String> groups = new ArrayList<>();
            List<String> accounts = new ArrayList<>();
            for (JsonNode s : Objects2.list(binding, "subjects")) {
                switch (s.path("kind").asText()) {
                    case "User" -> users.add(s.path("name").asText());
                    case "Group" -> groups.add(s.path("name").asText());
                    default -> accounts.add(s.path("namespace").asText() + "/" + s.path("name").asText());
                }
            }
            return List.of(Objects2.name(binding), Objects2.text(binding, "roleRef", "kind") + "/"
                    + Objects2.text(binding, "roleRef", "name"), Objects2.age(binding, now), String.join(", ", users),
                    String.join(", ", groups), String.join(", ", accounts));
        }
    }
}
