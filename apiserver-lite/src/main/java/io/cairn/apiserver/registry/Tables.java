package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.List;

/**
 * Objects as a meta.k8s.io/v1 {@code Table}, what {@code kubectl get} asks for ({@code as=Table}): the kind's columns
 * and one row per object, each row carrying the object, its metadata only, or nothing ({@code includeObject}).
 */
public final class Tables {
    private Tables() {
    }

    public enum Include { NONE, METADATA, OBJECT;
        public static Include of(String s) {
            return switch (s == null ? "" : s) {
                case "None" -> NONE;
                case "Object" -> OBJECT;
                default -> METADATA;
            };
        }
    }

    /** A table of {@code objects}; {@code listMeta} (resourceVersion, continue) is copied when given. */
    public static ObjectNode table(ResourceType type, List<ObjectNode> objects, JsonNode listMeta, Include include,
                                   boolean headers, Instant now) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        t.put("kind", "Table");
        t.put("apiVersion", "meta.k8s.io/v1");
        t.set("metadata", listMeta == null ? JsonNodeFactory.instance.objectNode() : listMeta.deepCopy());
        ArrayNode cols = t.putArray("columnDefinitions");
        if (headers) {
            for (TableColumn c : type.strategy().columns()) {
                ObjectNode col = cols.addObject();
                col.put("name", c.name());
                col.put("type", c.type());
                col.put("format", c.format());
                col.put("description", c.description());
                col.put("priority", c.priority());
            }
        }
        ArrayNode rows = t.putArray("rows");
        for (ObjectNode o : objects) {
            ObjectNode row = rows.addObject();
            ArrayNode cells = row.putArray("cells");
            for (Object cell : type.strategy().cells(o, now)) {
                if (cell == null) {
                    cells.addNull();
                } else if (cell instanceof Integer i) {
                    cells.add(i);
                } else if (cell instanceof Long l) {
                    cells.add(l);
                } else if (cell instanceof Boolean b) {
                    cells.add(b);
                } else if (cell instanceof Double d) {
                    cells.add(d);
                } else if (cell instanceof JsonNode n) {
                    cells.add(n);
                } else {
                    cells.add(cell.toString());
                }
            }
            switch (include) {
                case OBJECT -> row.set("object", o);
                case METADATA -> {
                    ObjectNode m = row.putObject("object");
                    m.put("kind", "PartialObjectMetadata");
                    m.put("apiVersion", "meta.k8s.io/v1");
                    m.set("metadata", o.get("metadata"));
                }
                case NONE -> { }
            }
        }
        return t;
    }
}
