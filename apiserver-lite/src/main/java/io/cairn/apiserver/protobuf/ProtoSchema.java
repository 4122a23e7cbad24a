package io.cairn.apiserver.protobuf;

import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A table of protobuf messages, enough to turn Kubernetes' protobuf encoding back into the JSON wire form: for each
 * message, field number to JSON name, type and shape. Built once from the text of {@link K8sSchemaTable} and checked
 * as it is built (every referenced message exists, no field number or JSON name twice in a message), so a typo in the
 * table fails the class's initialisation, not a request. Immutable and shared by all request threads.
 *
 * <p>The table's language, one declaration a line ({@code #} starts a comment):
 * <pre>
 * message Container                  a message; its fields follow
 *   1 name *string                   field 1, JSON "name", a string whose zero value is kept
 *   3 command []string               repeated
 *   7 data map:string                map&lt;string, string&gt;
 *   1 - LocalObjectReference         an embedded Go struct: its fields are inlined into this object
 * message EphemeralContainerCommon = Container    the same fields as another message
 * </pre>
 * Scalar types are {@code string}, {@code bytes} (base64 in JSON), {@code bool}, {@code int32}, {@code int64}; any
 * other name is a message. Go's protobuf encoder writes every non-pointer scalar, zero or not, while its JSON encoder
 * drops zero values of {@code omitempty} fields; so a zero scalar is dropped unless the type is starred, which marks a
 * Go pointer (an explicit zero means something: {@code replicas: 0}) or a field JSON always writes.
 */
final class ProtoSchema {
    /** Kinds of value a field holds. */
    enum Type { STRING, BYTES, BOOL, INT32, INT64, MESSAGE }

    /** How a field's values appear in its message. */
    enum Shape { SINGLE, REPEATED, MAP, INLINE }

    /** Messages with a JSON form of their own, decoded by {@link ProtoDecoder} rather than by the table. */
    static final Set<String> SPECIAL = Set.of("Time", "MicroTime", "Quantity", "IntOrString", "FieldsV1");

    /** One field of a message. {@code messageName} is set for {@link Type#MESSAGE} (and map values of messages). */
    record Field(int number, String jsonName, Type type, String messageName, Shape shape, boolean keepZero) {
        boolean numeric() {
            return type == Type.BOOL || type == Type.INT32 || type == Type.INT64;
        }
    }

    /** A message: its fields by number. */
    record Message(String name, Map<Integer, Field> fields) {
        Field field(int number) {
            return fields.get(number);
        }
    }

    private final Map<String, Message> messages;

    private ProtoSchema(Map<String, Message> messages) {
        this.messages = messages;
    }

    /** The message of that name, or null. */
    Message message(String name) {
        return messages.get(name);
    }

    /**
     * The paths of the fields of {@code value} (a {@code message} in its JSON form) that the message does not declare:
     * what kube-apiserver's strict decoding reports as unknown fields. Values of the special types are not looked
     * into; the root's {@code apiVersion} and {@code kind} belong to the envelope and are never unknown.
     */
    List<String> unknownFields(String message, com.fasterxml.jackson.databind.JsonNode value, String path) {
        List<String> out = new java.util.ArrayList<>();
        unknown(message, value, path, out, false);
        return out;
    }

    /** {@link #unknownFields}, removing each such field from {@code value} as it goes (kube's decoder drops them). */
    List<String> pruneUnknownFields(String message, com.fasterxml.jackson.databind.JsonNode value, String path) {
        List<String> out = new java.util.ArrayList<>();
        unknown(message, value, path, out, true);
        return out;
    }

    private void unknown(String message, com.fasterxml.jackson.databind.JsonNode value, String path, List<String> out,
            boolean remove) {
        if (SPECIAL.contains(message) || !value.isObject() || messages.get(message) == null) {
            return;
        }
        Map<String, Field> byName = jsonFields(message);
        for (java.util.Iterator<Map.Entry<String, com.fasterxml.jackson.databind.JsonNode>> it = value.fields();
                it.hasNext(); ) {
            Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> e = it.next();
            String p = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
            Field f = byName.get(e.getKey());
            if (f == null) {
                if (path.isEmpty() && (e.getKey().equals("apiVersion") || e.getKey().equals("kind"))) {
                    continue;
                }
                out.add(p);
                if (remove) {
                    it.remove();
                }
                continue;
            }
            if (f.type() != Type.MESSAGE) {
                continue;
            }
            com.fasterxml.jackson.databind.JsonNode v = e.getValue();
            switch (f.shape()) {
                case REPEATED -> {
                    for (int i = 0; i < v.size(); i++) {
                        unknown(f.messageName(), v.get(i), p + "[" + i + "]", out, remove);
                    }
                }
                case MAP -> v.fields().forEachRemaining(entry ->
                        unknown(f.messageName(), entry.getValue(), p + "." + entry.getKey(), out, remove));
                default -> unknown(f.messageName(), v, p, out, remove);
            }
        }
    }

    private final Map<String, Map<String, Field>> jsonFields = new java.util.concurrent.ConcurrentHashMap<>();

    /** A message's fields by JSON name, those of inlined messages included. */
    private Map<String, Field> jsonFields(String message) {
        Map<String, Field> cached = jsonFields.get(message);
        if (cached != null) {
            return cached;
        }
        Map<String, Field> out = new HashMap<>();
        for (Field f : messages.get(message).fields().values()) {
            if (f.shape() == Shape.INLINE) {
                out.putAll(jsonFields(f.messageName()));
            } else {
                out.put(f.jsonName(), f);
            }
        }
        jsonFields.put(message, out);
        return out;
    }

    /** Parses and checks table text (see the class comment). */
    static ProtoSchema parse(List<String> texts) {
        Map<String, Map<Integer, Field>> fields = new LinkedHashMap<>();
        Map<String, String> aliases = new HashMap<>();
        Map<Integer, Field> current = null;
        String currentName = null;
        int lineNumber = 0;
        for (String text : texts) {
            for (String raw : text.split("\n")) {
                lineNumber++;
                String line = stripComment(raw).trim();
                if (line.isEmpty()) {
                    continue;
                }
                String[] words = line.split("\\s+");
                if (words[0].equals("message")) {
                    currentName = declareMessage(words, fields, aliases, lineNumber);
                    current = fields.get(currentName);
                    continue;
                }
                if (current == null || aliases.containsKey(currentName)) {
                    throw new IllegalStateException("schema line " + lineNumber + ": a field outside a message: " + line);
                }
                addField(currentName, current, parseField(words, lineNumber), lineNumber);
            }
        }
        for (Map.Entry<String, String> alias : aliases.entrySet()) {
            Map<Integer, Field> target = fields.get(alias.getValue());
            if (target == null || aliases.containsKey(alias.getValue())) {
                throw new IllegalStateException("schema: " + alias.getKey() + " copies unknown message " + alias.getValue());
            }
            fields.put(alias.getKey(), target);
        }
        Map<String, Message> messages = new HashMap<>();
        fields.forEach((name, f) -> messages.put(name, new Message(name, Collections.unmodifiableMap(f))));
        checkReferences(messages);
        return new ProtoSchema(Collections.unmodifiableMap(messages));
    }

    private static String declareMessage(String[] words, Map<String, Map<Integer, Field>> fields,
                                         Map<String, String> aliases, int lineNumber) {
        boolean alias = words.length == 4 && words[2].equals("=");
        if (words.length != 2 && !alias) {
            throw new IllegalStateException("schema line " + lineNumber + ": expected 'message Name [= Other]'");
        }
        String name = words[1];
        if (fields.containsKey(name) || SPECIAL.contains(name)) {
            throw new IllegalStateException("schema line " + lineNumber + ": message " + name + " declared twice");
        }
        fields.put(name, new LinkedHashMap<>());
        if (alias) {
            aliases.put(name, words[3]);
        }
        return name;
    }

    private static Field parseField(String[] words, int lineNumber) {
        if (words.length != 3) {
            throw new IllegalStateException("schema line " + lineNumber + ": expected 'number name type'");
        }
        int number;
        try {
            number = Integer.parseInt(words[0]);
        } catch (NumberFormatException e) {
            throw new IllegalStateException("schema line " + lineNumber + ": bad field number " + words[0], e);
        }
        String type = words[2];
        Shape shape = Shape.SINGLE;
        if (words[1].equals("-")) {
            shape = Shape.INLINE;
        } else if (type.startsWith("[]")) {
            shape = Shape.REPEATED;
            type = type.substring(2);
        } else if (type.startsWith("map:")) {
            shape = Shape.MAP;
            type = type.substring(4);
        }
        boolean keepZero = type.startsWith("*");
        if (keepZero) {
            type = type.substring(1);
        }
        Type t = switch (type) {
            case "string" -> Type.STRING;
            case "bytes" -> Type.BYTES;
            case "bool" -> Type.BOOL;
            case "int32" -> Type.INT32;
            case "int64" -> Type.INT64;
            default -> Type.MESSAGE;
        };
        if (shape == Shape.INLINE && (t != Type.MESSAGE || SPECIAL.contains(type))) {
            throw new IllegalStateException("schema line " + lineNumber + ": only a plain message can be inlined");
        }
        return new Field(number, words[1], t, t == Type.MESSAGE ? type : null, shape, keepZero);
    }

    private static void addField(String message, Map<Integer, Field> fields, Field f, int lineNumber) {
        if (f.number() < 1 || fields.containsKey(f.number())) {
            throw new IllegalStateException("schema line " + lineNumber + ": " + message + " field number "
                    + f.number() + " is invalid or used twice");
        }
        if (f.shape() != Shape.INLINE && fields.values().stream().anyMatch(o -> o.jsonName().equals(f.jsonName()))) {
            throw new IllegalStateException("schema line " + lineNumber + ": " + message + "." + f.jsonName()
                    + " declared twice");
        }
        fields.put(f.number(), f);
    }

    private static void checkReferences(Map<String, Message> messages) {
        Set<String> missing = new HashSet<>();
        for (Message m : messages.values()) {
            for (Field f : m.fields().values()) {
                if (f.messageName() != null && !messages.containsKey(f.messageName())
                        && !SPECIAL.contains(f.messageName())) {
                    missing.add(m.name() + "." + f.jsonName() + " -> " + f.messageName());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("schema: fields name messages that are not declared: " + missing);
        }
    }

    private static String stripComment(String line) {
        int hash = line.indexOf('#');
        return hash < 0 ? line : line.substring(0, hash);
    }
}
