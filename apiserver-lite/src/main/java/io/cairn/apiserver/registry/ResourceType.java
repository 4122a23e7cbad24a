package io.cairn.apiserver.registry;

import java.util.List;
import java.util.Set;

/**
 * One served resource: where it lives in the API (group, version, plural), what discovery says of it, and the
 * {@link Strategy} its objects go through. Built-in kinds and custom resources are all one of these.
 *
 * @param subresources the served subresources among {@code status}, {@code scale}, {@code binding}
 * @param storagePrefix the key prefix of its objects with a trailing slash; null for a built-in kind's
 *                      {@code /registry/<resource>/}. Custom resources live under {@code /registry/<group>/<resource>/},
 *                      shared by every version of the resource.
 */
public record ResourceType(String group, String version, String resource, String singular, String kind,
                           boolean namespaced, List<String> shortNames, List<String> categories,
                           Set<String> subresources, Strategy strategy, String storagePrefix) {

    /** A built-in kind, stored under {@code /registry/<resource>/}. */
    public ResourceType(String group, String version, String resource, String singular, String kind,
                        boolean namespaced, List<String> shortNames, List<String> categories,
                        Set<String> subresources, Strategy strategy) {
        this(group, version, resource, singular, kind, namespaced, shortNames, categories, subresources, strategy, null);
    }

    /** {@code v1} for the core group, else {@code group/version}. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The key prefix of every object of this resource, with a trailing slash: {@code /registry/pods/}. */
    public String keyPrefix() {
        return storagePrefix != null ? storagePrefix : "/registry/" + resource + "/";
    }

    /** The resource as messages name it: {@code pods}, {@code deployments.apps}. */
    public String qualifiedResource() {
        return group.isEmpty() ? resource : resource + "." + group;
    }

    public boolean has(String subresource) {
        return subresources.contains(subresource);
    }
}
