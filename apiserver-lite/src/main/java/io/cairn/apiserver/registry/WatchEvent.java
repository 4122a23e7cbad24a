package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.Json;

/**
 * One event as a watcher receives it: {@code ADDED}, {@code MODIFIED}, {@code DELETED}, {@code BOOKMARK} or
 * {@code ERROR}, with the object (shared: never mutate it). Its JSON line is built once and shared by every watcher.
 */
public final class WatchEvent {
    private final String type;
    private final ObjectNode object;
    private volatile byte[] line;

    public WatchEvent(String type, ObjectNode object) {
        this.type = type;
        this.object = object;
    }

    public String type() {
        return type;
    }

    public ObjectNode object() {
        return object;
    }

    /** {@code {"type":...,"object":...}} and a newline, as a watch over HTTP streams it. */
    public byte[] jsonLine() {
        byte[] l = line;
        if (l == null) {
            ObjectNode e = JsonNodeFactory.instance.objectNode();
            e.put("type", type);
            e.set("object", object);
            byte[] b = Json.bytes(e);
            l = java.util.Arrays.copyOf(b, b.length + 1);
            l[b.length] = '\n';
            line = l;
        }
        return l;
    }

    public static WatchEvent bookmark(String apiVersion, String kind, long revision) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("kind", kind);
        o.put("apiVersion", apiVersion);
        o.putObject("metadata").put("resourceVersion", Long.toString(revision));
        return new WatchEvent("BOOKMARK", o);
    }

    public static WatchEvent error(ObjectNode status) {
        return new WatchEvent("ERROR", status);
    }
}
