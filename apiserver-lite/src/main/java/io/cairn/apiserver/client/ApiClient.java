package io.cairn.apiserver.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The client everything above the API server uses (controllers, the scheduler, nodes, tests): untyped access to any
 * resource as Jackson trees, typed access through Jackson to any class that maps the JSON (your own records or a
 * model library's), list, watch and the three patch types, over HTTP or in-process ({@link Transport}). Failures are
 * the server's {@code Status} as an {@link ApiException}.
 *
 * <pre>{@code
 * ApiClient c = ApiClient.of(Transport.inProcess(server.dispatcher(), "me"));
 * ResourceClient pods = c.resource("v1", "pods").namespace("default");
 * ObjectNode pod = pods.create(Json.parseObject(bytes, true));
 * pods.patch("web", ApiClient.MERGE_PATCH, "{\"metadata\":{\"labels\":{\"tier\":\"front\"}}}");
 * }</pre>
 */
public final class ApiClient {
    public static final String JSON_PATCH = "application/json-patch+json";
    public static final String MERGE_PATCH = "application/merge-patch+json";
    public static final String STRATEGIC_MERGE_PATCH = "application/strategic-merge-patch+json";

    /** Typed access: Java classes map the JSON; fields they do not declare are ignored, nulls are not sent. */
    static final com.fasterxml.jackson.databind.ObjectMapper TYPED = new com.fasterxml.jackson.databind.ObjectMapper()
            .disable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .setSerializationInclusion(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);

    private final Transport transport;

    private ApiClient(Transport transport) {
        this.transport = transport;
    }

    public static ApiClient of(Transport transport) {
        return new ApiClient(transport);
    }

    public Transport transport() {
        return transport;
    }

    /** A resource by apiVersion ({@code v1}, {@code apps/v1}) and plural ({@code pods}), cluster-wide until {@link ResourceClient#namespace}. */
    public ResourceClient resource(String apiVersion, String plural) {
        return new ResourceClient(apiVersion, plural, null);
    }

    /** GET of any path (discovery, /version): the JSON body. */
    public JsonNode raw(String path) {
        return body(transport.call("GET", path, Map.of(), null, null));
    }

    static JsonNode body(Transport.Response r) {
        if (r.code() >= 300) {
            throw error(r);
        }
        return Json.parse(r.body(), false);
    }

    static ApiException error(Transport.Response r) {
        try {
            JsonNode s = Json.JSON.readTree(r.body());
            if (s != null && "Status".equals(s.path("kind").asText())) {
                return new ApiException(s.path("code").asInt(r.code()), s.path("reason").asText(),
                        s.path("message").asText(), s.get("details") instanceof ObjectNode d ? d : null);
            }
        } catch (IOException ignored) {
            // not JSON: fall through
        }
        return new ApiException(r.code(), "Unknown", new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), null);
    }

    /** Operations on one resource, optionally within a namespace. */
    public final class ResourceClient {
        private final String apiVersion;
        private final String plural;
        private final String namespace;

        ResourceClient(String apiVersion, String plural, String namespace) {
            this.apiVersion = apiVersion;
            this.plural = plural;
            this.namespace = namespace;
        }

        public ResourceClient namespace(String ns) {
            return new ResourceClient(apiVersion, plural, ns);
        }

        private String base() {
            String prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
            return namespace == null ? prefix + "/" + plural : prefix + "/namespaces/" + namespace + "/" + plural;
        }

        private String path(String name, String sub) {
            return base() + "/" + name + (sub == null ? "" : "/" + sub);
        }

        public ObjectNode get(String name) {
            return (ObjectNode) body(transport.call("GET", path(name, null), Map.of(), null, null));
        }

        public <T> T get(String name, Class<T> type) {
            return TYPED.convertValue(get(name), type);
        }

        /** A list with query options ({@code labelSelector}, {@code fieldSelector}, {@code limit}, {@code continue}, {@code resourceVersion}). */
        public ObjectNode list(Map<String, String> query) {
            return (ObjectNode) body(transport.call("GET", base(), query, null, null));
        }

        public ObjectNode list() {
            return list(Map.of());
        }

        /** The list's items as {@code type} (any class that maps the JSON; unknown fields are ignored). */
        public <T> java.util.List<T> list(Map<String, String> query, Class<T> type) {
            java.util.List<T> out = new java.util.ArrayList<>();
            for (JsonNode item : list(query).path("items")) {
                out.add(TYPED.convertValue(item, type));
            }
            return out;
        }

        public ObjectNode create(JsonNode obj) {
            return (ObjectNode) body(transport.call("POST", base(), Map.of(), "application/json", Json.bytes(obj)));
        }

        /** Creates any object that maps to JSON (a record, a model class) and reads the answer back as its type. */
        @SuppressWarnings("unchecked")
        public <T> T create(T obj) {
            return (T) TYPED.convertValue(create(TYPED.valueToTree(obj)), obj.getClass());
        }

        /** Replaces the object {@code obj} names (guarded on its resourceVersion if it carries one). */
        @SuppressWarnings("unchecked")
        public <T> T update(T obj) {
            return (T) TYPED.convertValue(update(TYPED.<JsonNode>valueToTree(obj)), obj.getClass());
        }

        public ObjectNode update(JsonNode obj) {
            String name = obj.path("metadata").path("name").asText();
            return (ObjectNode) body(transport.call("PUT", path(name, null), Map.of(), "application/json",
                    Json.bytes(obj)));
        }

        public ObjectNode updateStatus(JsonNode obj) {
            String name = obj.path("metadata").path("name").asText();
            return (ObjectNode) body(transport.call("PUT", path(name, "status"), Map.of(), "application/json",
                    Json.bytes(obj)));
        }

        /** A patch of {@code patchContentType} ({@link #JSON_PATCH}, {@link #MERGE_PATCH}, {@link #STRATEGIC_MERGE_PATCH}). */
        public ObjectNode patch(String name, String patchContentType, String patch) {
            return patch(name, null, patchContentType, patch);
        }

        public ObjectNode patch(String name, String subresource, String patchContentType, String patch) {
            return (ObjectNode) body(transport.call("PATCH", path(name, subresource), Map.of(), patchContentType,
                    patch.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }

        /** POST to a subresource ({@code binding}). */
        public JsonNode post(String name, String subresource, JsonNode body) {
            return body(transport.call("POST", path(name, subresource), Map.of(), "application/json", Json.bytes(body)));
        }

        public JsonNode delete(String name) {
            return body(transport.call("DELETE", path(name, null), Map.of(), null, null));
        }

        public JsonNode delete(String name, JsonNode deleteOptions) {
            return body(transport.call("DELETE", path(name, null), Map.of(), "application/json",
                    Json.bytes(deleteOptions)));
        }

        /**
         * Watches from {@code resourceVersion} ("" or "0": synthetic ADDED events of what exists first), with query
         * options; each event ({@code type}, {@code object}) goes to {@code events}; {@code ended} runs when the
         * watch ends. Close the handle to stop.
         */
        public AutoCloseable watch(String resourceVersion, Map<String, String> query, Consumer<ObjectNode> events,
                                   Runnable ended) {
            Map<String, String> q = new LinkedHashMap<>(query);
            q.put("watch", "true");
            if (!resourceVersion.isEmpty()) {
                q.put("resourceVersion", resourceVersion);
            }
            return transport.stream(base(), q, line -> events.accept((ObjectNode) Json.parse(line, false)), ended);
        }
    }
}
