package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.client.ApiClient;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Best-effort core/v1 Events about objects (what {@code kubectl describe} shows); a failure is logged, not thrown. */
final class CtrlEvents {
    private static final Logger log = LoggerFactory.getLogger(CtrlEvents.class);

    private final ApiClient client;
    private final String component;

    CtrlEvents(ApiClient client, String component) {
        this.client = client;
        this.component = component;
    }

    void normal(JsonNode obj, String apiVersion, String kind, String reason, String message) {
        record(obj, apiVersion, kind, "Normal", reason, message);
    }

    void warning(JsonNode obj, String apiVersion, String kind, String reason, String message) {
        record(obj, apiVersion, kind, "Warning", reason, message);
    }

    void record(JsonNode obj, String apiVersion, String kind, String type, String reason, String message) {
        String ns = namespace(obj).isEmpty() ? "default" : namespace(obj);
        ObjectNode e = obj();
        e.put("apiVersion", "v1");
        e.put("kind", "Event");
        ObjectNode meta = e.putObject("metadata");
        meta.put("name", name(obj) + "." + Long.toHexString(System.nanoTime())
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000)));
        meta.put("namespace", ns);
        ObjectNode io = e.putObject("involvedObject");
        io.put("apiVersion", apiVersion);
        io.put("kind", kind);
        if (!namespace(obj).isEmpty()) {
            io.put("namespace", namespace(obj));
        }
        io.put("name", name(obj));
        io.put("uid", uid(obj));
        io.put("resourceVersion", obj.path("metadata").path("resourceVersion").asText(""));
        e.put("reason", reason);
        e.put("message", message);
        e.put("type", type);
        e.putObject("source").put("component", component);
        String now = now();
        e.put("firstTimestamp", now);
        e.put("lastTimestamp", now);
        e.put("count", 1);
        e.put("reportingComponent", component);
        e.put("reportingInstance", "");
        try {
            client.resource("v1", "events").namespace(ns).create(e);
        } catch (RuntimeException ex) {
            log.debug("event {} on {}/{} not recorded: {}", reason, ns, name(obj), ex.toString());
        }
    }
}
