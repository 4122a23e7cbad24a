package io.cairn.apiserver.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.registry.Catalog;
import io.cairn.apiserver.registry.ResourceType;
import java.util.List;
import java.util.Map;

/** The discovery documents: {@code /api}, {@code /apis}, {@code /apis/<group>} and the group-versions' resource lists. */
final class Discovery {
    static final List<String> RESOURCE_VERBS = List.of("create", "delete", "deletecollection", "get", "list", "patch",
            "update", "watch");

    private final Catalog catalog;

    Discovery(Catalog catalog) {
        this.catalog = catalog;
    }

    ObjectNode apiVersions(String serverAddress) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", "APIVersions");
        n.putArray("versions").add("v1");
        ObjectNode a = n.putArray("serverAddressByClientCIDRs").addObject();
        a.put("clientCIDR", "0.0.0.0/0");
        a.put("serverAddress", serverAddress);
        return n;
    }

    ObjectNode groupList() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", "APIGroupList");
        n.put("apiVersion", "v1");
        ArrayNode groups = n.putArray("groups");
        for (Map.Entry<String, List<String>> g : catalog.groups().entrySet()) {
            if (!g.getKey().isEmpty()) {
                groups.add(group(g.getKey(), g.getValue()));
            }
        }
        return n;
    }

    ObjectNode group(String name, List<String> versions) {
        ObjectNode g = JsonNodeFactory.instance.objectNode();
        g.put("kind", "APIGroup");
        g.put("apiVersion", "v1");
        g.put("name", name);
        ArrayNode vs = g.putArray("versions");
        for (String v : versions) {
            ObjectNode vo = vs.addObject();
            vo.put("groupVersion", name + "/" + v);
            vo.put("version", v);
        }
        ObjectNode preferred = g.putObject("preferredVersion");
        preferred.put("groupVersion", name + "/" + versions.get(0));
        preferred.put("version", versions.get(0));
        return g;
    }

    /** The media type of aggregated discovery (kubectl 1.26+ asks for it first). */
    static final String AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

    /**
     * Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList): every group of {@code /apis}, or the core
     * group of {@code /api}, with all its versions and resources in one document.
     */
    ObjectNode aggregated(boolean core) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", "APIGroupDiscoveryList");
        n.put("apiVersion", "apidiscovery.k8s.io/v2");
        n.putObject("metadata");
        ArrayNode items = n.putArray("items");
        for (Map.Entry<String, List<String>> g : catalog.groups().entrySet()) {
            if (g.getKey().isEmpty() != core) {
                continue;
            }
            ObjectNode item = items.addObject();
            ObjectNode meta = item.putObject("metadata");
            if (!core) {
                meta.put("name", g.getKey());
            }
            ArrayNode versions = item.putArray("versions");
            for (String v : g.getValue()) {
                ObjectNode version = versions.addObject();
                version.put("version", v);
                ArrayNode resources = version.putArray("resources");
                for (ResourceType t : catalog.inGroupVersion(g.getKey(), v)) {
                    resources.add(aggregatedResource(t));
                }
                version.put("freshness", "Current");
            }
        }
        return n;
    }

    private static ObjectNode aggregatedResource(ResourceType t) {
        ObjectNode r = JsonNodeFactory.instance.objectNode();
        r.put("resource", t.resource());
        r.set("responseKind", kind(t.group(), t.version(), t.kind()));
        r.put("scope", t.namespaced() ? "Namespaced" : "Cluster");
        r.put("singularResource", t.singular());
        ArrayNode verbs = r.putArray("verbs");
        verbs(t).forEach(verbs::add);
        if (!t.shortNames().isEmpty()) {
            ArrayNode sn = r.putArray("shortNames");
            t.shortNames().forEach(sn::add);
        }
        if (!t.categories().isEmpty()) {
            ArrayNode c = r.putArray("categories");
            t.categories().forEach(c::add);
        }
        ArrayNode subs = JsonNodeFactory.instance.arrayNode();
        for (Sub sub : subresources(t)) {
            ObjectNode s = subs.addObject();
            s.put("subresource", sub.name());
            s.set("responseKind", kind(sub.group() == null ? t.group() : sub.group(),
                    sub.group() == null ? t.version() : sub.version(), sub.kind()));
            ArrayNode sv = s.putArray("verbs");
            sub.verbs().forEach(sv::add);
        }
        if (!subs.isEmpty()) {
            r.set("subresources", subs);
        }
        return r;
    }

    /** A resource's verbs: all of them, or only {@code create} for a review that is not stored. */
    private static List<String> verbs(ResourceType t) {
        return t.strategy().stored() ? RESOURCE_VERBS : List.of("create");
    }

    /**
     * A served subresource as discovery describes it; {@code group} and {@code version} are null when its kind is in
     * the resource's own group-version.
     */
    private record Sub(String name, String group, String version, String kind, List<String> verbs) {
    }

    private static final List<String> READ_WRITE = List.of("get", "patch", "update");

    /** The subresources {@code t} serves (namespaces also serve {@code finalize}). */
    private static List<Sub> subresources(ResourceType t) {
        List<Sub> out = new java.util.ArrayList<>();
        if (t.has("binding")) {
            out.add(new Sub("binding", null, null, "Binding", List.of("create")));
        }
        if (t.resource().equals("namespaces") && t.group().isEmpty()) {
            out.add(new Sub("finalize", null, null, t.kind(), List.of("update")));
        }
        if (t.has("scale")) {
            out.add(new Sub("scale", "autoscaling", "v1", "Scale", READ_WRITE));
        }
        if (t.has("status")) {
            out.add(new Sub("status", null, null, t.kind(), READ_WRITE));
        }
        if (t.has("token")) {
            out.add(new Sub("token", "authentication.k8s.io", "v1", "TokenRequest", List.of("create")));
        }
        return out;
    }

    private static ObjectNode kind(String group, String version, String kind) {
        ObjectNode k = JsonNodeFactory.instance.objectNode();
        k.put("group", group);
        k.put("version", version);
        k.put("kind", kind);
        return k;
    }

    /** An APIResourceList, or null when the group-version is not served. */
    ObjectNode resourceList(String group, String version) {
        List<ResourceType> types = catalog.inGroupVersion(group, version);
        if (types.isEmpty()) {
            return null;
        }
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("kind", "APIResourceList");
        n.put("apiVersion", "v1");
        n.put("groupVersion", group.isEmpty() ? version : group + "/" + version);
        ArrayNode rs = n.putArray("resources");
        for (ResourceType t : types) {
            ObjectNode r = rs.addObject();
            r.put("name", t.resource());
            r.put("singularName", t.singular());
            r.put("namespaced", t.namespaced());
            r.put("kind", t.kind());
            ArrayNode verbs = r.putArray("verbs");
            verbs(t).forEach(verbs::add);
            if (!t.shortNames().isEmpty()) {
                ArrayNode sn = r.putArray("shortNames");
                t.shortNames().forEach(sn::add);
            }
            if (!t.categories().isEmpty()) {
                ArrayNode c = r.putArray("categories");
                t.categories().forEach(c::add);
            }
            for (Sub sub : subresources(t)) {
                ObjectNode s = rs.addObject();
                s.put("name", t.resource() + "/" + sub.name());
                s.put("singularName", "");
                s.put("namespaced", t.namespaced());
                if (sub.group() != null) {
                    s.put("group", sub.group());
                    s.put("version", sub.version());
                }
                s.put("kind", sub.kind());
                ArrayNode sv = s.putArray("verbs");
                sub.verbs().forEach(sv::add);
            }
        }
        return n;
    }
}
