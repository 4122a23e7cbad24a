package io.cairn.controlplane.informer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * An informer's local cache of one resource: objects by key ({@code namespace/name}, or {@code name} for cluster
 * objects), with named indexes that map a value (a namespace, an owner's uid, a node name) to the keys of the objects
 * that carry it (client-go's {@code cache.Indexer}). Controllers read it instead of the API server.
 *
 * <p>Only the informer's own thread changes it; any thread may read. Objects handed out are the cached ones,
 * shared with every reader: copy ({@code deepCopy()}) before changing one. Reads are consistent per call (one lock).
 */
public final class Store {
    /** Index: objects by {@code metadata.namespace}. */
    public static final String NAMESPACE_INDEX = "namespace";
    /** Index: objects by the {@code uid} of each of their {@code metadata.ownerReferences}. */
    public static final String OWNER_UID_INDEX = "ownerUid";

    /** The values an object has for one index (none, one or several). */
    @FunctionalInterface
    public interface IndexFunction {
        List<String> values(ObjectNode obj);
    }

    /** {@link #NAMESPACE_INDEX}. */
    public static final IndexFunction BY_NAMESPACE = o -> {
        String ns = o.path("metadata").path("namespace").asText("");
        return ns.isEmpty() ? List.of() : List.of(ns);
    };

    /** {@link #OWNER_UID_INDEX}. */
    public static final IndexFunction BY_OWNER_UID = o -> {
        List<String> uids = new ArrayList<>();
        for (JsonNode ref : o.path("metadata").path("ownerReferences")) {
            String uid = ref.path("uid").asText("");
            if (!uid.isEmpty()) {
                uids.add(uid);
            }
        }
        return uids;
    };

    private final Object lock = new Object();
    private final Map<String, ObjectNode> objects = new TreeMap<>();
    private final Map<String, IndexFunction> indexers = new LinkedHashMap<>();
    /** index name → value → keys. */
    private final Map<String, Map<String, Set<String>>> indexes = new HashMap<>();

    /** A store with the namespace and owner-uid indexes. */
    public Store() {
        addIndex(NAMESPACE_INDEX, BY_NAMESPACE);
        addIndex(OWNER_UID_INDEX, BY_OWNER_UID);
    }

    /** The key of an object: {@code namespace/name}, or {@code name} when it has no namespace. */
    public static String keyOf(JsonNode obj) {
        JsonNode m = obj.path("metadata");
        String ns = m.path("namespace").asText("");
        String name = m.path("name").asText("");
        return ns.isEmpty() ? name : ns + "/" + name;
    }

    /** The namespace part of a key ("" for a cluster-scoped key). */
    public static String namespaceOf(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? "" : key.substring(0, slash);
    }

    /** The name part of a key. */
    public static String nameOf(String key) {
        return key.substring(key.indexOf('/') + 1);
    }

    /** Adds a named index, computed over the objects already cached too. */
    public void addIndex(String name, IndexFunction function) {
        synchronized (lock) {
            if (indexers.putIfAbsent(name, function) != null) {
                throw new IllegalArgumentException("index " + name + " already exists");
            }
            indexes.put(name, new HashMap<>());
            objects.forEach((key, o) -> index(name, function, key, o));
        }
    }

    public ObjectNode get(String key) {
        synchronized (lock) {
            return objects.get(key);
        }
    }

    public ObjectNode get(String namespace, String name) {
        return get(namespace == null || namespace.isEmpty() ? name : namespace + "/" + name);
    }

    /** Every cached object, in key order. */
    public List<ObjectNode> list() {
        synchronized (lock) {
            return new ArrayList<>(objects.values());
        }
    }

    public List<String> keys() {
        synchronized (lock) {
            return new ArrayList<>(objects.keySet());
        }
    }

    public int size() {
        synchronized (lock) {
            return objects.size();
        }
    }

    /** The objects whose {@code index} has {@code value}, in key order. */
    public List<ObjectNode> byIndex(String index, String value) {
        synchronized (lock) {
            Map<String, Set<String>> byValue = indexes.get(index);
            if (byValue == null) {
                throw new IllegalArgumentException("no index " + index);
            }
            List<ObjectNode> out = new ArrayList<>();
            for (String key : new TreeSet<>(byValue.getOrDefault(value, Set.of()))) {
                out.add(objects.get(key));
            }
            return out;
        }
    }

    /** Caches {@code obj}; answers what it replaced (null if new). */
    ObjectNode put(ObjectNode obj) {
        String key = keyOf(obj);
        synchronized (lock) {
            ObjectNode old = objects.put(key, obj);
            if (old != null) {
                unindex(key, old);
            }
            indexers.forEach((name, f) -> index(name, f, key, obj));
            return old;
        }
    }

    /** Removes the object at {@code key}; answers it (null if absent). */
    ObjectNode remove(String key) {
        synchronized (lock) {
            ObjectNode old = objects.remove(key);
            if (old != null) {
                unindex(key, old);
            }
            return old;
        }
    }

    private void index(String name, IndexFunction f, String key, ObjectNode obj) {
        Map<String, Set<String>> byValue = indexes.get(name);
        for (String v : f.values(obj)) {
            byValue.computeIfAbsent(v, x -> new HashSet<>()).add(key);
        }
    }

    private void unindex(String key, ObjectNode obj) {
        indexers.forEach((name, f) -> {
            Map<String, Set<String>> byValue = indexes.get(name);
            for (String v : f.values(obj)) {
                Set<String> keys = byValue.get(v);
                if (keys != null && keys.remove(key) && keys.isEmpty()) {
                    byValue.remove(v);
                }
            }
        });
    }
}
