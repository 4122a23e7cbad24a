package io.cairn.apiserver.registry;

import java.util.List;
import java.util.Set;

/**
 * One served resource: where it lives in the API (group, version, plural), what discovery says of it, and the
 * {@link Strategy} its objects go through. Built-in kinds and, later, custom resources are all one of these.
 *
 * @param subresources the served subresources among {@code status}, {@code scale}, {@code binding}
 */
public record ResourceType(String group, String version, String resource, String singular, String kind,
                           boolean namespaced, List<String> shortNames, List<String> categories,
                           Set<String> subresources, Strategy strategy) {

    /** {@code v1} for the core group, else {@code group/version}. */
    public String apiVersion() {
        return group.isEmpty() ? version : group + "/" + version;
    }

    /** The key prefix of every object of this resource, with a trailing slash: {@code /registry/pods/}. */
    public String keyPrefix() {
        return "/registry/" + resource + "/";
    }

    /** The resource as messages name it: {@code pods}, {@code deployments.apps}. */
    public String qualifiedResource() {
        return group.isEmpty() ? resource : resource + "." + group;
    }

    public boolean has(String subresource) {
        return subresources.contains(subresource);
    }
}
