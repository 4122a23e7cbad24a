package io.cairn.apiserver.apply;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.patch.PatchSchemas;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Field ownership ({@code metadata.managedFields}) and server-side apply, as kube-apiserver's field manager does them.
 *
 * <p>Every write records who set what: a create or an update gives its manager (the {@code fieldManager} parameter,
 * else the client's user agent) the fields it changed, in an {@code Update} entry, and takes them from every other
 * entry. An apply ({@code application/apply-patch+yaml}) states the whole of what its manager wants: the fields of its
 * configuration are merged into the object (objects field by field, keyed lists element by element, sets value by
 * value, other lists whole) and become its {@code Apply} entry; a field it applied before and leaves out now is removed
 * unless another manager owns it; a field it sets to a value other than the live one while another manager owns it is
 * a conflict (409, naming the managers and fields) unless {@code force}, which takes the field over.
 *
 * <p>Writes to the main resource of a kind with a {@code status} subresource own no status fields, and writes to
 * {@code status} only status fields, as kube's reset strategies make it.
 */
public final class ServerSideApply implements Registry.FieldManager {
    private static final String APPLY = "Apply";
    private static final String UPDATE = "Update";

    /** One entry of {@code managedFields}. */
    private static final class Entry {
        final String manager;
        final String operation;
        final String subresource;
        String apiVersion;
        String time;
        FieldSet fields;

        Entry(String manager, String operation, String subresource, String apiVersion, String time, FieldSet fields) {
            this.manager = manager;
            this.operation = operation;
            this.subresource = subresource;
            this.apiVersion = apiVersion;
            this.time = time;
            this.fields = fields;
        }

        boolean is(String manager, String operation, String subresource) {
            return this.manager.equals(manager) && this.operation.equals(operation)
                    && this.subresource.equals(subresource);
        }
    }

    @Override
    public void recordUpdate(ResourceType type, ObjectNode old, ObjectNode next, String manager, String subresource,
                             Instant now) {
        ListShape shape = shape(type);
        String sub = subresource == null ? "" : subresource;
        List<Entry> entries = entries(old);
        FieldSet before = old == null ? new FieldSet() : scope(type, FieldSet.of(old, shape), sub);
        FieldSet after = scope(type, FieldSet.of(next, shape), sub);
        List<List<String>> changed = new ArrayList<>();
        for (List<String> p : after.leaves()) {
            if (!before.contains(p) || !Objects2.sameByValue(at(old, p), at(next, p))) {
                changed.add(p);
            }
        }
        List<List<String>> removed = new ArrayList<>();
        for (List<String> p : before.leaves()) {
            if (!after.contains(p)) {
                removed.add(p);
            }
        }
        if (!changed.isEmpty() || !removed.isEmpty()) {
            for (Entry e : entries) {
                changed.forEach(e.fields::remove);
                removed.forEach(e.fields::remove);
            }
            if (!changed.isEmpty()) {
                Entry mine = find(entries, manager, UPDATE, sub);
                if (mine == null) {
                    mine = new Entry(manager, UPDATE, sub, type.apiVersion(), "", new FieldSet());
                    entries.add(mine);
                }
                changed.forEach(mine.fields::add);
                mine.apiVersion = type.apiVersion();
                mine.time = time(now);
            }
        }
        write(next, entries);
    }

    @Override
    public ObjectNode apply(ResourceType type, ObjectNode live, ObjectNode config, String manager, boolean force,
                            String subresource, Instant now) {
        ListShape shape = shape(type);
        String sub = subresource == null ? "" : subresource;
        FieldSet applied = scope(type, FieldSet.of(config, shape), sub);
        List<Entry> entries = entries(live);
        if (live != null) {
            conflicts(type, entries, applied, config, live, manager, force);
        }
        ObjectNode result;
        if (live == null) {
            result = config.deepCopy();
        } else {
            result = live.deepCopy();
            if (sub.equals("status")) {
                JsonNode status = config.get("status");
                if (status != null && status.isObject()) {
                    merge(Objects2.objectAt(result, "status"), (ObjectNode) status, shape.field("status"));
                }
            } else {
                ObjectNode body = config.deepCopy();
                if (type.has("status")) {
                    body.remove("status");
                }
                merge(result, body, shape);
            }
        }
        Entry previous = find(entries, manager, APPLY, sub);
        if (previous != null && live != null) {
            for (List<String> p : previous.fields.leaves()) {
                if (!applied.contains(p) && !ownedByOthers(entries, previous, p)) {
                    removeAt(result, p);
                }
            }
        }
        if (previous == null) {
            previous = new Entry(manager, APPLY, sub, type.apiVersion(), time(now), applied);
            entries.add(previous);
        } else if (!previous.fields.equals(applied) || !withoutManagedFields(result).equals(withoutManagedFields(live))) {
            previous.fields = applied;
            previous.apiVersion = type.apiVersion();
            previous.time = time(now);
        }
        write(result, entries);
        return result;
    }

    /** Throws 409 for each field the configuration sets differently from its live value while others own it. */
    private static void conflicts(ResourceType type, List<Entry> entries, FieldSet applied, ObjectNode config,
                                  ObjectNode live, String manager, boolean force) {
        Map<List<String>, Entry> conflicts = new LinkedHashMap<>();
        for (List<String> p : applied.leaves()) {
            if (p.get(p.size() - 1).equals(".")) {
                continue;
            }
            for (Entry e : entries) {
                if (!e.manager.equals(manager) && e.fields.contains(p)
                        && !Objects2.sameByValue(at(config, p), at(live, p))) {
                    conflicts.put(p, e);
                }
            }
        }
        if (conflicts.isEmpty()) {
            return;
        }
        if (force) {
            // the applier takes each conflicting field over: no other manager owns it any more
            for (Entry e : entries) {
                if (!e.manager.equals(manager)) {
                    conflicts.keySet().forEach(e.fields::remove);
                }
            }
            return;
        }
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        details.put("name", Objects2.name(live));
        if (!type.group().isEmpty()) {
            details.put("group", type.group());
        }
        details.put("kind", type.resource());
        ArrayNode causes = details.putArray("causes");
        StringBuilder message = new StringBuilder("Apply failed with ").append(conflicts.size())
                .append(conflicts.size() == 1 ? " conflict: " : " conflicts: ");
        Map<String, List<String>> byManager = new LinkedHashMap<>();
        conflicts.forEach((p, e) -> {
            String who = "conflict with \"" + e.manager + "\"" + (e.operation.equals(UPDATE) && !e.subresource.isEmpty()
                    ? " with subresource \"" + e.subresource + "\"" : "") + " using " + e.apiVersion;
            byManager.computeIfAbsent(who, k -> new ArrayList<>()).add(pathString(p));
            ObjectNode c = causes.addObject();
            c.put("reason", "FieldManagerConflict");
            c.put("message", who);
            c.put("field", pathString(p));
        });
        if (conflicts.size() == 1) {
            Map.Entry<String, List<String>> only = byManager.entrySet().iterator().next();
            message.append(only.getKey()).append(": ").append(only.getValue().get(0));
        } else {
            List<String> parts = new ArrayList<>();
            byManager.forEach((who, paths) -> {
                StringBuilder b = new StringBuilder(who.replaceFirst("^conflict", "conflicts")).append(":");
                paths.forEach(p -> b.append("\n- ").append(p));
                parts.add(b.toString());
            });
            message.append(String.join("\n", parts));
        }
        throw new ApiException(409, "Conflict", message.toString(), details);
    }

    private static boolean ownedByOthers(List<Entry> entries, Entry self, List<String> p) {
        for (Entry e : entries) {
            if (e != self && e.fields.contains(p)) {
                return true;
            }
        }
        return false;
    }

    /** The shape server-side apply merges a kind by: a custom resource's schema, else the kind's patch schema. */
    static ListShape shape(ResourceType type) {
        JsonNode schema = type.strategy().openApiSchema();
        if (schema != null) {
            return ListShape.of(schema);
        }
        return PatchSchemas.forKind(type.apiVersion(), type.kind()).map(ListShape::of).orElse(ListShape.ATOMIC);
    }

    /** Only the fields a write through {@code subresource} may own. */
    private static FieldSet scope(ResourceType type, FieldSet fields, String subresource) {
        if (subresource.equals("status")) {
            FieldSet only = new FieldSet();
            for (List<String> p : fields.leaves()) {
                if (p.get(0).equals("f:status")) {
                    only.add(p);
                }
            }
            return only;
        }
        if (type.has("status")) {
            FieldSet without = fields.copy();
            for (List<String> p : fields.leaves()) {
                if (p.get(0).equals("f:status")) {
                    without.remove(p);
                }
            }
            return without;
        }
        return fields;
    }

    // ---------------------------------------------------------------------------------------------------
    // Objects by field path

    /** Merges {@code patch} into {@code target} by {@code shape}: what server-side apply does with a configuration. */
    static void merge(ObjectNode target, ObjectNode patch, ListShape shape) {
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            JsonNode value = e.getValue();
            JsonNode current = target.get(name);
            ListShape fieldShape = shape.field(name);
            if (value.isNull()) {
                target.remove(name);
            } else if (value.isObject() && current instanceof ObjectNode o) {
                merge(o, (ObjectNode) value, fieldShape);
            } else if (value.isArray() && current instanceof ArrayNode a && fieldShape.listKind() != ListShape.Kind.ATOMIC) {
                mergeList(a, (ArrayNode) value, fieldShape);
            } else {
                target.set(name, value.deepCopy());
            }
        }
    }

    private static void mergeList(ArrayNode target, ArrayNode patch, ListShape shape) {
        for (JsonNode element : patch) {
            if (shape.listKind() == ListShape.Kind.SET) {
                if (!contains(target, element)) {
                    target.add(element.deepCopy());
                }
                continue;
            }
            String key = FieldSet.keyOf(element, shape.keys());
            JsonNode match = null;
            for (JsonNode t : target) {
                if (FieldSet.keyOf(t, shape.keys()).equals(key)) {
                    match = t;
                    break;
                }
            }
            if (match instanceof ObjectNode o && element.isObject()) {
                merge(o, (ObjectNode) element, shape.element());
            } else {
                target.add(element.deepCopy());
            }
        }
    }

    private static boolean contains(ArrayNode a, JsonNode v) {
        for (JsonNode x : a) {
            if (Objects2.sameByValue(x, v)) {
                return true;
            }
        }
        return false;
    }

    /** The value at a field path ({@code f:}, {@code k:}, {@code v:}, {@code .} elements), or null. */
    static JsonNode at(JsonNode root, List<String> path) {
        JsonNode n = root;
        for (String p : path) {
            if (n == null) {
                return null;
            }
            n = step(n, p);
        }
        return n;
    }

    private static JsonNode step(JsonNode n, String p) {
        if (p.equals(".")) {
            return n;
        }
        if (p.startsWith("f:")) {
            return n.isObject() ? n.get(p.substring(2)) : null;
        }
        if (!n.isArray()) {
            return null;
        }
        return n.get(indexIn((ArrayNode) n, p));
    }

    /** The index of the element {@code p} ({@code k:} or {@code v:}) names in {@code a}, or -1. */
    private static int indexIn(ArrayNode a, String p) {
        JsonNode spec = Json.parse(p.substring(2).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
        for (int i = 0; i < a.size(); i++) {
            JsonNode element = a.get(i);
            if (p.startsWith("v:") ? Objects2.sameByValue(element, spec) : matchesKeys(element, spec)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean matchesKeys(JsonNode element, JsonNode keys) {
        if (!element.isObject()) {
            return false;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = keys.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> k = it.next();
            if (!Objects2.sameByValue(element.get(k.getKey()), k.getValue())) {
                return false;
            }
        }
        return true;
    }

    /** Removes what the path names from {@code root} (a field, a list element, a set value). */
    static void removeAt(ObjectNode root, List<String> path) {
        List<String> p = path.get(path.size() - 1).equals(".") ? path.subList(0, path.size() - 1) : path;
        if (p.isEmpty()) {
            return;
        }
        JsonNode parent = at(root, p.subList(0, p.size() - 1));
        String last = p.get(p.size() - 1);
        if (parent instanceof ObjectNode o && last.startsWith("f:")) {
            o.remove(last.substring(2));
        } else if (parent instanceof ArrayNode a && !last.startsWith("f:")) {
            int i = indexIn(a, last);
            if (i >= 0) {
                a.remove(i);
            }
        }
    }

    /** {@code .spec.containers[name="web"].image}, as kube-apiserver names conflicting fields. */
    static String pathString(List<String> path) {
        StringBuilder b = new StringBuilder();
        for (String p : path) {
            if (p.equals(".")) {
                continue;
            }
            if (p.startsWith("f:")) {
                b.append('.').append(p.substring(2));
            } else if (p.startsWith("v:")) {
                b.append("[=").append(p.substring(2)).append(']');
            } else {
                JsonNode keys = Json.parse(p.substring(2).getBytes(java.nio.charset.StandardCharsets.UTF_8), false);
                List<String> parts = new ArrayList<>();
                keys.fields().forEachRemaining(k -> parts.add(k.getKey() + "=" + k.getValue()));
                b.append('[').append(String.join(",", parts)).append(']');
            }
        }
        return b.toString();
    }

    // ---------------------------------------------------------------------------------------------------
    // managedFields

    private static List<Entry> entries(ObjectNode obj) {
        List<Entry> out = new ArrayList<>();
        if (obj == null) {
            return out;
        }
        for (JsonNode m : Objects2.list(obj, "metadata", "managedFields")) {
            out.add(new Entry(m.path("manager").asText(""), m.path("operation").asText(UPDATE),
                    m.path("subresource").asText(""), m.path("apiVersion").asText(""), m.path("time").asText(""),
                    FieldSet.fromJson(m.get("fieldsV1"))));
        }
        return out;
    }

    private static Entry find(List<Entry> entries, String manager, String operation, String subresource) {
        for (Entry e : entries) {
            if (e.is(manager, operation, subresource)) {
                return e;
            }
        }
        return null;
    }

    private static void write(ObjectNode obj, List<Entry> entries) {
        ArrayNode out = JsonNodeFactory.instance.arrayNode();
        for (Entry e : entries) {
            if (e.fields.isEmpty()) {
                continue;
            }
            ObjectNode m = out.addObject();
            m.put("manager", e.manager);
            m.put("operation", e.operation);
            m.put("apiVersion", e.apiVersion);
            m.put("time", e.time);
            m.put("fieldsType", "FieldsV1");
            m.set("fieldsV1", e.fields.toJson());
            if (!e.subresource.isEmpty()) {
                m.put("subresource", e.subresource);
            }
        }
        ObjectNode meta = Objects2.objectAt(obj, "metadata");
        if (out.isEmpty()) {
            meta.remove("managedFields");
        } else {
            meta.set("managedFields", out);
        }
    }

    private static ObjectNode withoutManagedFields(ObjectNode obj) {
        ObjectNode copy = obj.deepCopy();
        Objects2.objectAt(copy, "metadata").remove("managedFields");
        return copy;
    }

    private static String time(Instant now) {
        return now.truncatedTo(ChronoUnit.SECONDS).toString();
    }
}
