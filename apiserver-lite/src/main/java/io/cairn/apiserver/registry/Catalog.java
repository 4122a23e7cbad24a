package io.cairn.apiserver.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The resources this server serves, by group, version and plural; discovery lists them in registration order.
 * Registration is open at runtime so that custom resources can join later.
 */
public final class Catalog {
    private final List<ResourceType> types = new CopyOnWriteArrayList<>();

    public Catalog(List<ResourceType> initial) {
        types.addAll(initial);
    }

    public void register(ResourceType t) {
        types.add(t);
    }

    /** Serves {@code t} in place of the type of the same group, version and resource, or adds it; returns the old one. */
    public synchronized Optional<ResourceType> put(ResourceType t) {
        for (int i = 0; i < types.size(); i++) {
            ResourceType old = types.get(i);
            if (old.group().equals(t.group()) && old.version().equals(t.version()) && old.resource().equals(t.resource())) {
                types.set(i, t);
                return Optional.of(old);
            }
        }
        types.add(t);
        return Optional.empty();
    }

    /** Stops serving {@code t}. */
    public synchronized void remove(ResourceType t) {
        types.remove(t);
    }

    public List<ResourceType> all() {
        return List.copyOf(types);
    }

    public Optional<ResourceType> find(String group, String version, String resource) {
        for (ResourceType t : types) {
            if (t.group().equals(group) && t.version().equals(version) && t.resource().equals(resource)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The kind's type, by apiVersion ({@code v1}, {@code apps/v1}) and kind. */
    public Optional<ResourceType> byKind(String apiVersion, String kind) {
        for (ResourceType t : types) {
            if (t.apiVersion().equals(apiVersion) && t.kind().equals(kind)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Group name → its versions in registration order ("" is the core group). */
    public Map<String, List<String>> groups() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (ResourceType t : types) {
            List<String> versions = out.computeIfAbsent(t.group(), g -> new ArrayList<>());
            if (!versions.contains(t.version())) {
                versions.add(t.version());
            }
        }
        return out;
    }

    public List<ResourceType> inGroupVersion(String group, String version) {
        return types.stream().filter(t -> t.group().equals(group) && t.version().equals(version)).toList();
    }
}
