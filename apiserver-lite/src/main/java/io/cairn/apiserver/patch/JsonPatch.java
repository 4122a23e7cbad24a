package io.cairn.apiserver.patch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * JSON Patch (RFC 6902, {@code application/json-patch+json}): what kube-apiserver applies for
 * {@code kubectl patch --type=json} and fabric8's {@code edit()}. A patch is a list of operations (add, remove,
 * replace, move, copy, test) at RFC 6901 pointers, applied in order; if one fails, none is.
 *
 * <p>Errors come in kube-apiserver's two kinds: a document that is not a list of well-formed operations is a 400
 * BadRequest (the request cannot be understood), an operation that does not apply to this object (a missing path, a
 * failed test) is a 422 Invalid. A patch of more than {@link #OPERATIONS_MAX} operations is refused with 413, as
 * kube-apiserver does.
 *
 * <p>Pure: neither argument is modified; the result shares no nodes with them.
 */
public final class JsonPatch {
    /** Most operations one patch may carry (kube-apiserver's {@code maxJSONPatchOperations}). */
    public static final int OPERATIONS_MAX = 10_000;

    private JsonPatch() {
    }

    /** One parsed operation; {@code from} only for move and copy, {@code value} only for add, replace and test. */
    private record Operation(String op, Pointer path, Pointer from, JsonNode value) {
    }

    /**
     * The target with every operation applied. The result is usually an object, but an operation on the root
     * ({@code "path": ""}) may make it anything.
     *
     * @throws ApiException 400 for a malformed patch, 413 for too many operations, 422 for an operation that does
     *                      not apply
     */
    public static JsonNode apply(JsonNode target, JsonNode patch) {
        Objects.requireNonNull(target, "target");
        List<Operation> ops = parse(patch);
        JsonNode doc = target.deepCopy();
        for (Operation op : ops) {
            doc = switch (op.op) {
                case "add" -> add(doc, op.path, op.value.deepCopy(), "add");
                case "remove" -> remove(doc, op.path, "remove");
                case "replace" -> replace(doc, op.path, op.value.deepCopy());
                case "move" -> move(doc, op.from, op.path);
                case "copy" -> add(doc, op.path, get(doc, op.from, "copy", "from ").deepCopy(), "copy");
                case "test" -> test(doc, op.path, op.value);
                default -> throw new IllegalStateException(op.op);
            };
        }
        return doc;
    }

    private static List<Operation> parse(JsonNode patch) {
        if (patch == null || !patch.isArray()) {
            throw ApiException.badRequest("a JSON patch must be a JSON array of operations, got "
                    + JsonValues.kind(patch));
        }
        if (patch.size() > OPERATIONS_MAX) {
            throw ApiException.tooLarge("The allowed maximum operations in a JSON patch is " + OPERATIONS_MAX
                    + ", got " + patch.size());
        }
        List<Operation> ops = new ArrayList<>(patch.size());
        for (int i = 0; i < patch.size(); i++) {
            ops.add(parseOperation(patch.get(i), i));
        }
        return ops;
    }

    private static Operation parseOperation(JsonNode node, int index) {
        String where = "JSON patch operation " + index;
        if (!node.isObject()) {
            throw ApiException.badRequest(where + " must be an object, got " + JsonValues.kind(node));
        }
        JsonNode opNode = node.get("op");
        if (opNode == null || !opNode.isTextual()) {
            throw ApiException.badRequest(where + ": \"op\" is required and must be a string");
        }
        String op = opNode.asText();
        if (!List.of("add", "remove", "replace", "move", "copy", "test").contains(op)) {
            throw ApiException.badRequest(where + ": unknown operation \"" + op
                    + "\" (expected add, remove, replace, move, copy or test)");
        }
        Pointer path = pointerField(node, "path", where);
        Pointer from = op.equals("move") || op.equals("copy") ? pointerField(node, "from", where) : null;
        JsonNode value = null;
        if (op.equals("add") || op.equals("replace") || op.equals("test")) {
            value = node.get("value");
            if (value == null) {
                throw ApiException.badRequest(where + " (" + op + " " + path + "): \"value\" is required");
            }
        }
        return new Operation(op, path, from, value);
    }

    private static Pointer pointerField(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isTextual()) {
            throw ApiException.badRequest(where + ": \"" + field + "\" is required and must be a string");
        }
        try {
            return Pointer.parse(v.asText());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest(where + ": \"" + field + "\": " + e.getMessage());
        }
    }

    private static ApiException doesNotApply(String message) {
        return new ApiException(422, "Invalid", message, null);
    }

    /** The value at {@code p}, or a 422 naming the operation. */
    private static JsonNode get(JsonNode doc, Pointer p, String op, String what) {
        JsonNode v = p.resolve(doc);
        if (v == null) {
            throw doesNotApply(op + " operation does not apply: doc is missing " + what + "path: \"" + p + "\"");
        }
        return v;
    }

    /** The container holding {@code p}'s last token, or a 422. */
    private static JsonNode parent(JsonNode doc, Pointer p, String op) {
        JsonNode parent = p.parent().resolve(doc);
        if (parent == null || !parent.isContainerNode()) {
            throw doesNotApply(op + " operation does not apply: doc is missing path: \"" + p + "\"");
        }
        return parent;
    }

    private static JsonNode add(JsonNode doc, Pointer p, JsonNode value, String op) {
        if (p.isRoot()) {
            return value;
        }
        JsonNode parent = parent(doc, p, op);
        String last = p.last();
        if (parent.isObject()) {
            ((ObjectNode) parent).set(last, value);
            return doc;
        }
        ArrayNode array = (ArrayNode) parent;
        if (last.equals("-")) {
            array.add(value);
            return doc;
        }
        int i = arrayIndex(last, p, op);
        if (i > array.size()) {
            throw doesNotApply(op + " operation does not apply: index " + i + " is out of bounds for the array of "
                    + array.size() + " at \"" + p + "\"");
        }
        array.insert(i, value);
        return doc;
    }

    private static JsonNode remove(JsonNode doc, Pointer p, String op) {
        if (p.isRoot()) {
            throw doesNotApply(op + " operation does not apply: the whole document cannot be removed");
        }
        JsonNode parent = parent(doc, p, op);
        String last = p.last();
        if (parent.isObject()) {
            if (((ObjectNode) parent).remove(last) == null) {
                throw doesNotApply(op + " operation does not apply: doc is missing path: \"" + p + "\"");
            }
            return doc;
        }
        ArrayNode array = (ArrayNode) parent;
        int i = arrayIndex(last, p, op);
        if (i >= array.size()) {
            throw doesNotApply(op + " operation does not apply: doc is missing path: \"" + p + "\"");
        }
        array.remove(i);
        return doc;
    }

    private static JsonNode replace(JsonNode doc, Pointer p, JsonNode value) {
        if (p.isRoot()) {
            return value;
        }
        get(doc, p, "replace", "");
        JsonNode parent = p.parent().resolve(doc);
        if (parent.isObject()) {
            ((ObjectNode) parent).set(p.last(), value);
        } else {
            ((ArrayNode) parent).set(arrayIndex(p.last(), p, "replace"), value);
        }
        return doc;
    }

    private static JsonNode move(JsonNode doc, Pointer from, Pointer to) {
        JsonNode value = get(doc, from, "move", "from ");
        if (from.equals(to)) {
            return doc;
        }
        if (from.isProperPrefixOf(to)) {
            throw doesNotApply("move operation does not apply: \"" + to + "\" is inside \"" + from
                    + "\", a value cannot be moved into itself");
        }
        doc = remove(doc, from, "move");
        return add(doc, to, value, "move");
    }

    private static JsonNode test(JsonNode doc, Pointer p, JsonNode expected) {
        JsonNode actual = p.resolve(doc);
        if (actual == null || !JsonValues.same(actual, expected)) {
            throw doesNotApply("testing value " + p + " failed: expected " + JsonValues.brief(expected) + ", found "
                    + (actual == null ? "nothing" : JsonValues.brief(actual)));
        }
        return doc;
    }

    /** An array index token: digits without leading zeros (RFC 6901 §4). "-" is only for add, handled there. */
    private static int arrayIndex(String token, Pointer p, String op) {
        boolean digits = !token.isEmpty() && token.chars().allMatch(c -> c >= '0' && c <= '9');
        if (!digits || (token.length() > 1 && token.charAt(0) == '0') || token.length() > 9) {
            throw doesNotApply(op + " operation does not apply: \"" + token + "\" is not an array index in \""
                    + p + "\"");
        }
        return Integer.parseInt(token);
    }

    /** An RFC 6901 JSON pointer: reference tokens, with {@code ~1} for "/" and {@code ~0} for "~" unescaped. */
    private record Pointer(List<String> tokens) {
        static Pointer parse(String text) {
            if (text.isEmpty()) {
                return new Pointer(List.of());
            }
            if (text.charAt(0) != '/') {
                throw new IllegalArgumentException("JSON pointer \"" + text + "\" must be empty or start with \"/\"");
            }
            List<String> tokens = new ArrayList<>();
            for (String raw : text.substring(1).split("/", -1)) {
                tokens.add(unescape(raw, text));
            }
            return new Pointer(List.copyOf(tokens));
        }

        private static String unescape(String raw, String text) {
            StringBuilder b = new StringBuilder(raw.length());
            for (int i = 0; i < raw.length(); i++) {
                char c = raw.charAt(i);
                if (c != '~') {
                    b.append(c);
                    continue;
                }
                char next = i + 1 < raw.length() ? raw.charAt(i + 1) : ' ';
                if (next != '0' && next != '1') {
                    throw new IllegalArgumentException("JSON pointer \"" + text
                            + "\" has a \"~\" not followed by 0 or 1");
                }
                b.append(next == '0' ? '~' : '/');
                i++;
            }
            return b.toString();
        }

        boolean isRoot() {
            return tokens.isEmpty();
        }

        String last() {
            return tokens.get(tokens.size() - 1);
        }

        Pointer parent() {
            return new Pointer(tokens.subList(0, tokens.size() - 1));
        }

        boolean isProperPrefixOf(Pointer other) {
            return tokens.size() < other.tokens.size() && other.tokens.subList(0, tokens.size()).equals(tokens);
        }

        /** The node this pointer names in {@code doc}, or null when there is none. */
        JsonNode resolve(JsonNode doc) {
            JsonNode at = doc;
            for (String t : tokens) {
                if (at == null) {
                    return null;
                }
                if (at.isObject()) {
                    at = at.get(t);
                } else if (at.isArray()) {
                    boolean index = !t.isEmpty() && t.length() <= 9 && t.chars().allMatch(c -> c >= '0' && c <= '9')
                            && (t.length() == 1 || t.charAt(0) != '0');
                    at = index ? at.get(Integer.parseInt(t)) : null;
                } else {
                    return null;
                }
            }
            return at;
        }

        @Override
        public String toString() {
            StringBuilder b = new StringBuilder();
            for (String t : tokens) {
                b.append('/').append(t.replace("~", "~0").replace("/", "~1"));
            }
            return b.toString();
        }
    }
}
