package io.cairn.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A set of field paths, in kube-apiserver's {@code FieldsV1} form: a tree whose keys are path elements, {@code f:name}
 * (a field of an object or a key of a map), {@code k:{"name":"web"}} (the element of a keyed list), {@code v:"x"} (a
 * value of a set) and {@code .} (the element itself); a path ends where a node has no children.
 *
 * <p>Which paths an object has ({@link #of}) follows its {@link ListShape}: an atomic list is one leaf, a set one leaf
 * per value, a keyed list one subtree per element (its {@code .} and its fields). At the root only the fields users own
 * count: everything but {@code apiVersion}, {@code kind} and the server's metadata (name, uid, resourceVersion, ...);
 * of metadata, labels, annotations, finalizers and owner references.
 */
final class FieldSet {
    private static final Set<String> OWNED_METADATA = Set.of("labels", "annotations", "finalizers", "ownerReferences");

    private final TreeMap<String, FieldSet> children = new TreeMap<>();

    boolean isEmpty() {
        return children.isEmpty();
    }

    /** The paths {@code obj} (a whole object) sets. */
    static FieldSet of(JsonNode obj, ListShape shape) {
        FieldSet s = new FieldSet();
        for (Iterator<Map.Entry<String, JsonNode>> it = obj.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (name.equals("apiVersion") || name.equals("kind")) {
                continue;
            }
            if (name.equals("metadata")) {
                FieldSet meta = new FieldSet();
                for (String m : OWNED_METADATA) {
                    JsonNode v = e.getValue().get(m);
                    if (v != null && !v.isNull()) {
                        meta.children.put("f:" + m, value(v, shape.field("metadata").field(m)));
                    }
                }
                if (!meta.isEmpty()) {
                    s.children.put("f:metadata", meta);
                }
                continue;
            }
            s.children.put("f:" + name, value(e.getValue(), shape.field(name)));
        }
        return s;
    }

    private static FieldSet value(JsonNode v, ListShape shape) {
        FieldSet s = new FieldSet();
        if (v.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                s.children.put("f:" + e.getKey(), value(e.getValue(), shape.field(e.getKey())));
            }
        } else if (v.isArray()) {
            switch (shape.listKind()) {
                case SET -> v.forEach(x -> s.children.put("v:" + x.toString(), new FieldSet()));
                case MAP -> {
                    for (JsonNode element : v) {
                        FieldSet item = value(element, shape.element());
                        item.children.put(".", new FieldSet());
                        s.children.put(keyOf(element, shape.keys()), item);
                    }
                }
                case ATOMIC -> { }
            }
        }
        return s;
    }

    /** {@code k:{"name":"web"}}: an element's key fields, in name order. */
    static String keyOf(JsonNode element, List<String> keys) {
        ObjectNode k = JsonNodeFactory.instance.objectNode();
        for (String key : new java.util.TreeSet<>(keys)) {
            JsonNode v = element.get(key);
            if (v != null) {
                k.set(key, v);
            }
        }
        return "k:" + k.toString();
    }

    /** Every path of this set that ends here (leaves and {@code .} markers), each as its elements. */
    List<List<String>> leaves() {
        List<List<String>> out = new ArrayList<>();
        collect(new ArrayList<>(), out);
        return out;
    }

    private void collect(List<String> prefix, List<List<String>> out) {
        for (Map.Entry<String, FieldSet> e : children.entrySet()) {
            prefix.add(e.getKey());
            if (e.getValue().isEmpty()) {
                out.add(List.copyOf(prefix));
            } else {
                e.getValue().collect(prefix, out);
            }
            prefix.remove(prefix.size() - 1);
        }
    }

    boolean contains(List<String> path) {
        FieldSet s = this;
        for (String p : path) {
            s = s.children.get(p);
            if (s == null) {
                return false;
            }
        }
        return s.isEmpty();
    }

    void add(List<String> path) {
        FieldSet s = this;
        for (String p : path) {
            s = s.children.computeIfAbsent(p, k -> new FieldSet());
        }
    }

    /** Removes {@code path} and the nodes it leaves empty. */
    void remove(List<String> path) {
        remove(path, 0);
    }

    private boolean remove(List<String> path, int i) {
        FieldSet child = children.get(path.get(i));
        if (child == null) {
            return false;
        }
        if (i == path.size() - 1) {
            if (child.isEmpty()) {
                children.remove(path.get(i));
            }
        } else if (child.remove(path, i + 1) && child.isEmpty()) {
            children.remove(path.get(i));
        }
        return children.isEmpty();
    }

    FieldSet copy() {
        FieldSet c = new FieldSet();
        children.forEach((k, v) -> c.children.put(k, v.copy()));
        return c;
    }

    /** The {@code fieldsV1} JSON. */
    ObjectNode toJson() {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        children.forEach((k, v) -> n.set(k, v.toJson()));
        return n;
    }

    static FieldSet fromJson(JsonNode n) {
        FieldSet s = new FieldSet();
        if (n != null && n.isObject()) {
            n.fields().forEachRemaining(e -> s.children.put(e.getKey(), fromJson(e.getValue())));
        }
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FieldSet f && f.children.equals(children);
    }

    @Override
    public int hashCode() {
        return children.hashCode();
    }

    @Override
    public String toString() {
        return toJson().toString();
    }
}
