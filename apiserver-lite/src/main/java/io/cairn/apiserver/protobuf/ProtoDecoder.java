package io.cairn.apiserver.protobuf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.protobuf.ProtoSchema.Field;
import io.cairn.apiserver.protobuf.ProtoSchema.Message;
import io.cairn.apiserver.protobuf.ProtoSchema.Type;
import java.io.IOException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one protobuf message into its JSON wire form, driven by a {@link ProtoSchema}: JSON names, zero values
 * dropped or kept as Go's JSON encoder would, embedded structs inlined, maps as objects, {@code bytes} as base64, and
 * the types with a JSON form of their own: {@code metav1.Time} (RFC 3339, seconds, {@code null} when zero),
 * {@code MicroTime} (six fraction digits), {@code resource.Quantity} (its string), {@code IntOrString} (a number or a
 * string) and {@code FieldsV1} (its raw JSON).
 *
 * <p>A field number the schema does not know, or one whose wire type does not fit the schema (a newer client's field,
 * or a guess of ours that was wrong) is skipped and logged at debug, so the rest of the object still decodes; bytes
 * that are not protobuf at all are a 400. Nesting is bounded by {@link #DEPTH_MAX}. Stateless; safe to share.
 */
final class ProtoDecoder {
    private static final Logger log = LoggerFactory.getLogger(ProtoDecoder.class);
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    /** Deepest message nesting we decode (a pod template in a job template is about 12 deep). */
    static final int DEPTH_MAX = 64;
    private static final DateTimeFormatter RFC3339 =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter RFC3339_MICRO =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

    private final ProtoSchema schema;

    ProtoDecoder(ProtoSchema schema) {
        this.schema = schema;
    }

    /** Decodes the whole of {@code in} as message {@code name}. */
    ObjectNode decode(String name, ProtoReader in) {
        ObjectNode out = NODES.objectNode();
        decodeInto(schema.message(name), in, out, 0);
        return out;
    }

    private void decodeInto(Message m, ProtoReader in, ObjectNode out, int depth) {
        if (depth > DEPTH_MAX) {
            throw ProtoReader.malformed("messages nested deeper than " + DEPTH_MAX);
        }
        while (in.hasMore()) {
            int tag = in.readTag();
            int number = tag >>> 3;
            int wire = tag & 7;
            Field f = m.field(number);
            if (f == null || !fits(f, wire)) {
                log.debug("protobuf {}: skipping field {} (wire type {}){}", m.name(), number, wire,
                        f == null ? "" : ", which the schema names " + f.jsonName() + " of another type");
                in.skip(wire);
                continue;
            }
            switch (f.shape()) {
                case SINGLE -> putSingle(out, f, value(f, in, depth));
                case INLINE -> decodeInto(schema.message(f.messageName()), in.readMessage(), out, depth + 1);
                case REPEATED -> addRepeated(array(out, f.jsonName()), f, wire, in, depth);
                case MAP -> putEntry(object(out, f.jsonName()), f, in.readMessage(), depth);
            }
        }
    }

    /** Whether a field's wire type is the one its schema type is written with. */
    private static boolean fits(Field f, int wire) {
        if (f.shape() == ProtoSchema.Shape.REPEATED && f.numeric() && wire == ProtoReader.LEN) {
            return true; // packed
        }
        boolean scalar = f.numeric() && f.shape() != ProtoSchema.Shape.MAP;
        return wire == (scalar ? ProtoReader.VARINT : ProtoReader.LEN);
    }

    /**
     * Puts a singular value; a zero scalar of an omitempty field is left out (a message, even an int-or-string of 0,
     * is a set struct or pointer and stays); a message sent twice merges, as protobuf says.
     */
    private static void putSingle(ObjectNode out, Field f, JsonNode v) {
        if (!f.keepZero() && f.type() != Type.MESSAGE && isZeroScalar(v)) {
            out.remove(f.jsonName());
            return;
        }
        JsonNode previous = out.get(f.jsonName());
        if (previous instanceof ObjectNode p && v instanceof ObjectNode o) {
            p.setAll(o);
        } else {
            out.set(f.jsonName(), v);
        }
    }

    private static boolean isZeroScalar(JsonNode v) {
        return (v.isTextual() && v.textValue().isEmpty()) || (v.isBoolean() && !v.booleanValue())
                || (v.isIntegralNumber() && v.longValue() == 0);
    }

    private void addRepeated(ArrayNode array, Field f, int wire, ProtoReader in, int depth) {
        if (f.numeric() && wire == ProtoReader.LEN) {
            ProtoReader packed = in.readMessage();
            while (packed.hasMore()) {
                array.add(scalar(f.type(), packed));
            }
            return;
        }
        array.add(value(f, in, depth));
    }

    /** A map entry: key in field 1, value in field 2; a missing part is its type's zero value. */
    private void putEntry(ObjectNode map, Field f, ProtoReader entry, int depth) {
        String key = "";
        JsonNode value = null;
        while (entry.hasMore()) {
            int tag = entry.readTag();
            int wire = tag & 7;
            if ((tag >>> 3) == 1 && wire == ProtoReader.LEN) {
                key = entry.readString();
            } else if ((tag >>> 3) == 2 && wire == (f.numeric() ? ProtoReader.VARINT : ProtoReader.LEN)) {
                value = value(f, entry, depth);
            } else {
                log.debug("protobuf map {}: skipping entry field {} (wire type {})", f.jsonName(), tag >>> 3, wire);
                entry.skip(wire);
            }
        }
        map.set(key, value != null ? value : zero(f));
    }

    private JsonNode value(Field f, ProtoReader in, int depth) {
        if (f.type() != Type.MESSAGE) {
            return scalar(f.type(), in);
        }
        String messageName = f.messageName();
        ProtoReader sub = in.readMessage();
        if (ProtoSchema.SPECIAL.contains(messageName)) {
            return special(messageName, sub);
        }
        ObjectNode o = NODES.objectNode();
        decodeInto(schema.message(messageName), sub, o, depth + 1);
        return o;
    }

    private static JsonNode scalar(Type type, ProtoReader in) {
        return switch (type) {
            case STRING -> NODES.textNode(in.readString());
            case BYTES -> NODES.textNode(Base64.getEncoder().encodeToString(in.readBytes()));
            case BOOL -> NODES.booleanNode(in.readVarint() != 0);
            case INT32 -> NODES.numberNode((int) in.readVarint());
            case INT64 -> number(in.readVarint());
            case MESSAGE -> throw new IllegalStateException("not a scalar");
        };
    }

    /** An int when it fits, as parsed JSON holds it (trees are compared and patched as parsed JSON). */
    private static JsonNode number(long v) {
        return v == (int) v ? NODES.numberNode((int) v) : NODES.numberNode(v);
    }

    private static JsonNode zero(Field f) {
        return switch (f.type()) {
            case STRING, BYTES -> NODES.textNode("");
            case BOOL -> NODES.booleanNode(false);
            case INT32, INT64 -> NODES.numberNode(0);
            case MESSAGE -> switch (f.messageName()) {
                case "Quantity" -> NODES.textNode("0");
                case "IntOrString" -> NODES.numberNode(0);
                case "Time", "MicroTime", "FieldsV1" -> NODES.nullNode();
                default -> NODES.objectNode();
            };
        };
    }

    /** The types whose JSON form is not an object of their fields. */
    private static JsonNode special(String name, ProtoReader in) {
        return switch (name) {
            case "Time" -> time(in, RFC3339);
            case "MicroTime" -> time(in, RFC3339_MICRO);
            case "Quantity" -> quantity(in);
            case "IntOrString" -> intOrString(in);
            case "FieldsV1" -> fieldsV1(in);
            default -> throw new IllegalStateException("no decoder for " + name);
        };
    }

    /** Go writes a zero time as an empty message, and its JSON encoder writes it as null. */
    private static JsonNode time(ProtoReader in, DateTimeFormatter format) {
        if (!in.hasMore()) {
            return NODES.nullNode();
        }
        long seconds = 0;
        long nanos = 0;
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (tag) {
                case (1 << 3) -> seconds = in.readVarint();
                case (2 << 3) -> nanos = (int) in.readVarint();
                default -> in.skip(tag & 7);
            }
        }
        if (nanos < 0 || nanos > 999_999_999) {
            throw ProtoReader.malformed("a timestamp has " + nanos + " nanoseconds");
        }
        try {
            return NODES.textNode(format.format(Instant.ofEpochSecond(seconds, nanos)));
        } catch (java.time.DateTimeException e) {
            throw ProtoReader.malformed("a timestamp of " + seconds + " seconds is out of range");
        }
    }

    private static JsonNode quantity(ProtoReader in) {
        String s = "0";
        while (in.hasMore()) {
            int tag = in.readTag();
            if (tag == ((1 << 3) | ProtoReader.LEN)) {
                s = in.readString();
            } else {
                in.skip(tag & 7);
            }
        }
        return NODES.textNode(s);
    }

    /** {@code type} 0 is an int ({@code intVal}), 1 a string ({@code strVal}). */
    private static JsonNode intOrString(ProtoReader in) {
        long type = 0;
        int intVal = 0;
        String strVal = "";
        while (in.hasMore()) {
            int tag = in.readTag();
            switch (tag) {
                case (1 << 3) -> type = in.readVarint();
                case (2 << 3) -> intVal = (int) in.readVarint();
                case (3 << 3) | ProtoReader.LEN -> strVal = in.readString();
                default -> in.skip(tag & 7);
            }
        }
        return type == 1 ? NODES.textNode(strVal) : NODES.numberNode(intVal);
    }

    private static JsonNode fieldsV1(ProtoReader in) {
        byte[] raw = null;
        while (in.hasMore()) {
            int tag = in.readTag();
            if (tag == ((1 << 3) | ProtoReader.LEN)) {
                raw = in.readBytes();
            } else {
                in.skip(tag & 7);
            }
        }
        if (raw == null || raw.length == 0) {
            return NODES.nullNode();
        }
        try {
            return Json.JSON.readTree(raw);
        } catch (IOException e) {
            throw ApiException.badRequest("managedFields[].fieldsV1 is not JSON: " + e.getMessage());
        }
    }

    private static ArrayNode array(ObjectNode out, String name) {
        JsonNode n = out.get(name);
        if (n instanceof ArrayNode a) {
            return a;
        }
        return out.putArray(name);
    }

    private static ObjectNode object(ObjectNode out, String name) {
        JsonNode n = out.get(name);
        if (n instanceof ObjectNode o) {
            return o;
        }
        return out.putObject(name);
    }
}
