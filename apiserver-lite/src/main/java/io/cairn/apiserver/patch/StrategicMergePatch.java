package io.cairn.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Kubernetes' strategic merge patch ({@code application/strategic-merge-patch+json}), applied on the server as
 * kube-apiserver does (apimachinery's {@code strategicpatch.StrategicMergeMapPatch}, with parallel deletion lists
 * merged and unmatched nulls ignored). This is what client-side {@code kubectl apply}, {@code edit}, {@code label},
 * {@code annotate}, {@code set image} and {@code patch} (its default type) send.
 *
 * <p>The rules, field by field, with the {@link PatchSchema} telling which lists are special:
 * <ul>
 * <li>maps merge recursively; a {@code null} deletes the key; a scalar, or a value of another JSON type, replaces;
 * <li>a list with a merge key ({@code containers} by {@code name}) merges element by element: a patch element is
 *     merged into the live element with the same key, or added; live elements the patch does not name are kept;
 * <li>a list of scalars with the merge strategy ({@code metadata.finalizers}) is merged as a set;
 * <li>every other list is replaced.
 * </ul>
 * Directives: {@code $patch: replace} (a map or list is replaced, not merged), {@code $patch: delete} (a map becomes
 * empty, as in Go; in a list, the element with that key is removed), {@code $patch: merge} (the default, spelled out),
 * {@code $retainKeys: [...]} (keys of the live map not listed are cleared: a union switching members, such as a
 * deployment strategy going from RollingUpdate to Recreate), {@code $setElementOrder/<field>: [...]} (the merged list
 * follows that order; live elements it does not name keep their place relative to the others) and
 * {@code $deleteFromPrimitiveList/<field>: [...]} (those scalars leave the list). Directives never reach the result:
 * values the live object lacks are themselves merged into nothing, which strips them.
 *
 * <p>Order of merged lists, as in Go: elements named by the patch take the patch's order, the others keep the live
 * order, and an element new to the list goes before the live elements not yet placed (so a container added by a
 * bare patch comes first; kubectl's patches carry {@code $setElementOrder}, which puts it where the user wrote it).
 *
 * <p>Deliberate differences from Go, all on patches kubectl never sends: {@code $patch: merge} is accepted instead of
 * being an error; a {@code $deleteFromPrimitiveList} for a list the live object lacks does nothing (Go stored the
 * deletion list); unknown {@code $}-prefixed keys are refused rather than dropped by decoding; every malformed patch
 * is a 400 BadRequest whose message names the field, where Go answers some with a 500.
 *
 * <p>Pure: neither argument is modified; the result shares no nodes with them. Runs on the request thread.
 */
public final class StrategicMergePatch {
    static final String DIRECTIVE = "$patch";
    static final String RETAIN_KEYS = "$retainKeys";
    static final String SET_ELEMENT_ORDER = "$setElementOrder/";
    static final String DELETE_FROM_PRIMITIVE_LIST = "$deleteFromPrimitiveList/";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private StrategicMergePatch() {
    }

    /**
     * The original with the patch applied.
     *
     * @param original the live object (not modified)
     * @param patch    the patch document; must be a JSON object
     * @param schema   the kind's schema, from {@link PatchSchemas#forKind}
     * @throws ApiException 400 BadRequest when the patch is malformed
     */
    public static ObjectNode apply(ObjectNode original, JsonNode patch, PatchSchema schema) {
        Objects.requireNonNull(original, "original");
        Objects.requireNonNull(schema, "schema");
        if (patch == null || !patch.isObject()) {
            throw ApiException.badRequest("a strategic merge patch must be a JSON object, got "
                    + JsonValues.kind(patch));
        }
        return mergeMap(original.deepCopy(), (ObjectNode) patch, schema, "");
    }

    // ---- maps

    /** Merges {@code patch} (read only) into {@code owned} (part of the result, may be modified); returns the map. */
    private static ObjectNode mergeMap(ObjectNode owned, ObjectNode patch, PatchSchema schema, String path) {
        String directive = mapDirective(patch, path);
        if ("delete".equals(directive)) {
            return NODES.objectNode();
        }
        if ("replace".equals(directive)) {
            owned = NODES.objectNode();
        }
        applyRetainKeys(owned, patch, path);
        Set<String> ordered = applySetElementOrder(owned, patch, schema, path);
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            if (key.startsWith("$")) {
                checkKnownDirective(key, path);
            } else if (!ordered.contains(key)) {
                mergeField(owned, key, e.getValue(), schema.field(key), child(path, key));
            }
        }
        applyDeletionLists(owned, patch, path);
        return owned;
    }

    private static void mergeField(ObjectNode owned, String key, JsonNode patchValue, PatchSchema.Field field,
                                   String path) {
        if (patchValue.isNull()) {
            owned.remove(key);
            return;
        }
        JsonNode live = owned.get(key);
        if (live == null || live.getNodeType() != patchValue.getNodeType()
                || !(live.isContainerNode() || live.isValueNode())) {
            owned.set(key, fresh(patchValue, field, path));
        } else if (patchValue.isObject()) {
            owned.set(key, field.strategy() == PatchSchema.Strategy.REPLACE ? fresh(patchValue, field, path)
                    : mergeMap((ObjectNode) live, (ObjectNode) patchValue, field.type(), path));
        } else if (patchValue.isArray()) {
            owned.set(key, mergeList((ArrayNode) live, (ArrayNode) patchValue, field, path));
        } else {
            owned.set(key, patchValue.deepCopy());
        }
    }

    /** A patch value where the live object has none: merged into nothing, which drops directives and nulls. */
    private static JsonNode fresh(JsonNode patchValue, PatchSchema.Field field, String path) {
        if (patchValue.isObject()) {
            return mergeMap(NODES.objectNode(), (ObjectNode) patchValue, field.type(), path);
        }
        if (patchValue.isArray()) {
            if (field.isMergedList() && field.mergeKey() != null && !containsList((ArrayNode) patchValue)) {
                // nothing live to merge into: the patch's list is taken whole (elements sharing a merge key, such
                // as 53/TCP and 53/UDP on one port, all kept), without its directive elements
                ArrayNode kept = NODES.arrayNode();
                for (JsonNode v : patchValue) {
                    if (!(v.isObject() && v.has(DIRECTIVE))) {
                        kept.add(v);
                    }
                }
                return replacedList(kept, field.type(), path);
            }
            return mergeList(NODES.arrayNode(), (ArrayNode) patchValue, field, path);
        }
        return patchValue.deepCopy();
    }

    /** The map's {@code $patch} value (null when absent), checked. */
    private static String mapDirective(ObjectNode patch, String path) {
        JsonNode d = patch.get(DIRECTIVE);
        if (d == null) {
            return null;
        }
        String v = d.isTextual() ? d.asText() : null;
        if (!"replace".equals(v) && !"merge".equals(v) && !"delete".equals(v)) {
            throw bad(path, "unknown patch type " + JsonValues.brief(d) + " in " + DIRECTIVE
                    + " (expected replace, merge or delete)");
        }
        return v;
    }

    private static void checkKnownDirective(String key, String path) {
        if (key.equals(DIRECTIVE) || key.equals(RETAIN_KEYS) || key.startsWith(SET_ELEMENT_ORDER)
                || key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
            return;
        }
        throw bad(path, "unknown strategic merge patch directive \"" + key + "\" (known: " + DIRECTIVE + ", "
                + RETAIN_KEYS + ", " + SET_ELEMENT_ORDER + "<field>, " + DELETE_FROM_PRIMITIVE_LIST + "<field>)");
    }

    /**
     * {@code $retainKeys}: every key the patch sets must be listed; keys of the live map that are not listed are
     * cleared before the merge.
     */
    private static void applyRetainKeys(ObjectNode owned, ObjectNode patch, String path) {
        JsonNode list = patch.get(RETAIN_KEYS);
        if (list == null) {
            return;
        }
        if (!list.isArray()) {
            throw bad(path, "invalid patch format of retainKeys: " + RETAIN_KEYS + " must be a list of field names, "
                    + "got " + JsonValues.kind(list));
        }
        Set<String> keep = new HashSet<>();
        for (JsonNode k : list) {
            if (!k.isTextual()) {
                throw bad(path, "invalid patch format of retainKeys: " + RETAIN_KEYS + " holds "
                        + JsonValues.brief(k) + ", not a field name");
            }
            keep.add(k.asText());
        }
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            String key = e.getKey();
            if (!key.startsWith("$") && !e.getValue().isNull() && !keep.contains(key)) {
                throw bad(path, "invalid patch format of retainKeys: the patch sets \"" + key
                        + "\" but " + RETAIN_KEYS + " " + JsonValues.brief(list) + " does not list it");
            }
        }
        owned.retain(keep);
    }

    /** {@code $deleteFromPrimitiveList/<field>}: the listed scalars leave the live list. */
    private static void applyDeletionLists(ObjectNode owned, ObjectNode patch, String path) {
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (!e.getKey().startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
                continue;
            }
            String field = directiveField(e.getKey(), DELETE_FROM_PRIMITIVE_LIST, "primitive list", path);
            JsonNode toDelete = e.getValue();
            if (!toDelete.isArray() || containsContainer(toDelete)) {
                throw bad(path, "invalid patch format of primitive list: " + e.getKey()
                        + " must be a list of scalars, got " + JsonValues.brief(toDelete));
            }
            JsonNode live = owned.get(field);
            if (live == null || !live.isArray()) {
                continue;
            }
            Set<String> gone = new HashSet<>();
            toDelete.forEach(v -> gone.add(JsonValues.key(v)));
            ArrayNode kept = NODES.arrayNode();
            live.forEach(v -> {
                if (!gone.contains(JsonValues.key(v))) {
                    kept.add(v);
                }
            });
            owned.set(field, kept);
        }
    }

    // ---- lists

    /** Merges the patch list into the live list (owned); returns the resulting list. */
    private static ArrayNode mergeList(ArrayNode owned, ArrayNode patch, PatchSchema.Field field, String path) {
        if (!field.isMergedList()) {
            return replacedList(patch, field.type(), path);
        }
        if (owned.isEmpty() && patch.isEmpty()) {
            return owned;
        }
        if (containsList(owned) || containsList(patch)) {
            throw bad(path, "lists of lists are not supported");
        }
        return field.mergeKey() == null ? mergeScalars(owned, patch, path)
                : mergeByKey(owned, patch, field, path);
    }

    /** A list that is not merged: the patch's, with directives and nulls stripped from its maps. */
    private static ArrayNode replacedList(ArrayNode patch, PatchSchema elementType, String path) {
        ArrayNode out = NODES.arrayNode(patch.size());
        for (int i = 0; i < patch.size(); i++) {
            JsonNode v = patch.get(i);
            out.add(v.isObject() ? mergeMap(NODES.objectNode(), (ObjectNode) v, elementType, path + "[" + i + "]")
                    : v.deepCopy());
        }
        return out;
    }

    /** A list of scalars with the merge strategy: the union, without duplicates. */
    private static ArrayNode mergeScalars(ArrayNode owned, ArrayNode patch, String path) {
        if (containsContainer(owned) || containsContainer(patch)) {
            throw bad(path, "cannot merge a list of objects without a merge key: this field is a list of scalars");
        }
        Map<String, JsonNode> union = new LinkedHashMap<>();
        owned.forEach(v -> union.putIfAbsent(JsonValues.key(v), v));
        patch.forEach(v -> union.putIfAbsent(JsonValues.key(v), v.deepCopy()));
        return normalizeOrder(new ArrayList<>(union.values()), keyIndex(patch, null), keyIndex(owned, null), null);
    }

    /** A list of maps merged by {@code field.mergeKey()}, with {@code $patch} elements applied first. */
    private static ArrayNode mergeByKey(ArrayNode owned, ArrayNode patch, PatchSchema.Field field, String path) {
        String mergeKey = field.mergeKey();
        List<JsonNode> working = new ArrayList<>();
        owned.forEach(working::add);
        List<ObjectNode> items = new ArrayList<>();
        boolean replace = false;
        for (int i = 0; i < patch.size(); i++) {
            JsonNode v = patch.get(i);
            if (!v.isObject()) {
                throw bad(path + "[" + i + "]", "a list merged by key \"" + mergeKey + "\" holds objects, got "
                        + JsonValues.brief(v));
            }
            ObjectNode element = (ObjectNode) v;
            String directive = element.has(DIRECTIVE) ? mapDirective(element, path + "[" + i + "]") : "";
            switch (directive) {
                case "delete" -> {
                    JsonNode key = requireMergeKey(element, mergeKey, path + "[" + i + "]");
                    working.removeIf(w -> matches(w, mergeKey, key));
                }
                case "replace" -> replace = true;
                case "merge" -> {
                    if (element.has(mergeKey)) {
                        items.add(element);
                    }
                }
                default -> items.add(element);
            }
        }
        if (replace) {
            working.clear();
        }
        Map<String, Integer> liveOrder = keyIndex(working, mergeKey);
        for (ObjectNode item : items) {
            JsonNode key = requireMergeKey(item, mergeKey, path);
            String at = path + "[" + mergeKey + "=" + key.asText() + "]";
            int i = indexOf(working, mergeKey, key);
            if (i >= 0) {
                working.set(i, mergeMap((ObjectNode) working.get(i), item, field.type(), at));
            } else {
                working.add(mergeMap(NODES.objectNode(), item, field.type(), at));
            }
        }
        return normalizeOrder(working, keyIndex(items, mergeKey), liveOrder, mergeKey);
    }

    // ---- $setElementOrder

    /**
     * Applies every {@code $setElementOrder/<field>}: merges that field's patch list (if any) into the live list and
     * orders the result. Returns the fields done, which the caller must not merge again.
     */
    private static Set<String> applySetElementOrder(ObjectNode owned, ObjectNode patch, PatchSchema schema,
                                                    String path) {
        Set<String> done = new HashSet<>();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            if (!e.getKey().startsWith(SET_ELEMENT_ORDER)) {
                continue;
            }
            String name = directiveField(e.getKey(), SET_ELEMENT_ORDER, "setElementOrder list", path);
            JsonNode order = e.getValue();
            if (!order.isArray()) {
                throw bad(path, "invalid patch format of setElementOrder list: " + e.getKey()
                        + " must be a list, got " + JsonValues.kind(order));
            }
            PatchSchema.Field field = schema.field(name);
            JsonNode patchList = patch.get(name);
            JsonNode live = owned.get(name);
            boolean hasLive = live != null && live.isArray();
            if (!field.isMergedList() || (patchList == null && !hasLive) || (patchList != null && patchList.isNull())) {
                continue; // nothing to order: the list is replaced, absent, or deleted by the main merge
            }
            if (patchList != null && !patchList.isArray()) {
                throw bad(child(path, name), "is a list (" + e.getKey() + " orders it), got "
                        + JsonValues.kind(patchList));
            }
            String at = child(path, name);
            checkOrderList((ArrayNode) order, field.mergeKey(), at);
            ArrayNode liveList = hasLive ? (ArrayNode) live : NODES.arrayNode();
            Map<String, Integer> liveOrder = keyIndex(liveList, field.mergeKey());
            ArrayNode merged = patchList == null ? liveList : mergeList(liveList, (ArrayNode) patchList, field, at);
            if (patchList != null) {
                checkPatchFollowsOrder((ArrayNode) patchList, (ArrayNode) order, field.mergeKey(), e.getKey(), at);
            }
            List<JsonNode> elements = new ArrayList<>();
            merged.forEach(elements::add);
            owned.set(name, normalizeOrder(elements, keyIndex(order, field.mergeKey()), liveOrder,
                    field.mergeKey()));
            done.add(name);
        }
        return done;
    }

    /** The order list names elements: scalars for a list of scalars, maps holding the merge key otherwise. */
    private static void checkOrderList(ArrayNode order, String mergeKey, String path) {
        for (JsonNode v : order) {
            boolean ok = mergeKey == null ? !v.isContainerNode() : v.isObject() && v.hasNonNull(mergeKey);
            if (!ok) {
                throw bad(path, "invalid patch format of setElementOrder list: " + JsonValues.brief(v)
                        + (mergeKey == null ? " is not a scalar" : " does not hold the merge key \"" + mergeKey
                        + "\""));
            }
        }
    }

    /** Go's validatePatchWithSetOrderList: the patch list's elements appear in the order list, in its order. */
    private static void checkPatchFollowsOrder(ArrayNode patchList, ArrayNode order, String mergeKey, String directive,
                                               String path) {
        int o = 0;
        for (JsonNode v : patchList) {
            if (v.isObject() && v.has(DIRECTIVE)) {
                continue;
            }
            String key = keyOf(v, mergeKey);
            if (key == null) {
                continue; // reported by the merge
            }
            while (o < order.size() && !key.equals(keyOf(order.get(o), mergeKey))) {
                o++;
            }
            if (o == order.size()) {
                throw bad(path, "the order in the patch list " + JsonValues.brief(patchList) + " doesn't match the "
                        + directive + " list " + JsonValues.brief(order));
            }
            o++;
        }
    }

    // ---- order of merged lists

    /**
     * Go's normalizeElementOrder: elements the patch names (their key in {@code patchOrder}) sorted by it, the other
     * elements by {@code liveOrder}, then the two interleaved: a live element goes first only while it stood before
     * the next patch element in the live list.
     */
    private static ArrayNode normalizeOrder(List<JsonNode> elements, Map<String, Integer> patchOrder,
                                            Map<String, Integer> liveOrder, String mergeKey) {
        List<JsonNode> fromPatch = new ArrayList<>();
        List<JsonNode> liveOnly = new ArrayList<>();
        for (JsonNode v : elements) {
            String key = keyOf(v, mergeKey);
            (key != null && patchOrder.containsKey(key) ? fromPatch : liveOnly).add(v);
        }
        fromPatch.sort(Comparator.comparingInt(v -> patchOrder.get(keyOf(v, mergeKey))));
        liveOnly.sort(Comparator.comparingInt(v -> position(liveOrder, keyOf(v, mergeKey))));
        ArrayNode out = NODES.arrayNode(elements.size());
        int i = 0;
        int j = 0;
        while (i < liveOnly.size() || j < fromPatch.size()) {
            boolean takeLive;
            if (j >= fromPatch.size()) {
                takeLive = true;
            } else if (i >= liveOnly.size()) {
                takeLive = false;
            } else {
                int li = position(liveOrder, keyOf(liveOnly.get(i), mergeKey));
                int ri = position(liveOrder, keyOf(fromPatch.get(j), mergeKey));
                takeLive = li != Integer.MAX_VALUE && ri != Integer.MAX_VALUE && li < ri;
            }
            out.add(takeLive ? liveOnly.get(i++) : fromPatch.get(j++));
        }
        return out;
    }

    private static int position(Map<String, Integer> order, String key) {
        Integer p = key == null ? null : order.get(key);
        return p == null ? Integer.MAX_VALUE : p;
    }

    /** First position of each element's key (its merge key's value, or the scalar itself). */
    private static Map<String, Integer> keyIndex(Iterable<? extends JsonNode> list, String mergeKey) {
        Map<String, Integer> index = new HashMap<>();
        int i = 0;
        for (JsonNode v : list) {
            String key = keyOf(v, mergeKey);
            if (key != null) {
                index.putIfAbsent(key, i);
            }
            i++;
        }
        return index;
    }

    /** The element's identity in its list: the merge key's value, or the scalar itself; null when it has none. */
    private static String keyOf(JsonNode v, String mergeKey) {
        if (mergeKey == null) {
            return JsonValues.key(v);
        }
        JsonNode k = v.isObject() ? v.get(mergeKey) : null;
        return k == null || k.isNull() ? null : JsonValues.key(k);
    }

    // ---- helpers

    private static JsonNode requireMergeKey(ObjectNode element, String mergeKey, String path) {
        JsonNode key = element.get(mergeKey);
        if (key == null || key.isNull() || key.isContainerNode()) {
            throw bad(path, "element " + JsonValues.brief(element) + " does not contain the declared merge key \""
                    + mergeKey + "\"");
        }
        return key;
    }

    private static boolean matches(JsonNode element, String mergeKey, JsonNode key) {
        return element.isObject() && JsonValues.same(element.get(mergeKey), key);
    }

    private static int indexOf(List<JsonNode> list, String mergeKey, JsonNode key) {
        for (int i = 0; i < list.size(); i++) {
            if (matches(list.get(i), mergeKey, key)) {
                return i;
            }
        }
        return -1;
    }

    private static String directiveField(String key, String prefix, String what, String path) {
        String field = key.substring(prefix.length());
        if (field.isEmpty()) {
            throw bad(path, "invalid patch format of " + what + ": \"" + key + "\" names no field");
        }
        return field;
    }

    private static boolean containsList(ArrayNode list) {
        for (JsonNode v : list) {
            if (v.isArray()) {
                return true;
            }
        }
        return false;
    }

    private static boolean containsContainer(JsonNode list) {
        for (JsonNode v : list) {
            if (v.isContainerNode()) {
                return true;
            }
        }
        return false;
    }

    private static String child(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private static ApiException bad(String path, String message) {
        return ApiException.badRequest("strategic merge patch: " + (path.isEmpty() ? "" : path + ": ") + message);
    }
}
