package io.cairn.apiserver.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.auth.RbacAuthorizer;
import io.cairn.apiserver.auth.ServiceAccountTokens;
import io.cairn.apiserver.auth.RbacAuthorizer.Attributes;
import io.cairn.apiserver.kinds.PodStrategy;
import io.cairn.apiserver.protobuf.K8sProtobuf;
import io.cairn.apiserver.registry.FieldSelector;
import io.cairn.apiserver.registry.LabelSelector;
import io.cairn.apiserver.registry.Objects2;
import io.cairn.apiserver.registry.Options.DeleteOptions;
import io.cairn.apiserver.registry.Options.ListOptions;
import io.cairn.apiserver.registry.Options.PatchType;
import io.cairn.apiserver.registry.Options.WriteOptions;
import io.cairn.apiserver.registry.Registry;
import io.cairn.apiserver.registry.ResourceType;
import io.cairn.apiserver.registry.Tables;
import io.cairn.apiserver.registry.WatchCache;
import io.cairn.apiserver.registry.WatchEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API's request path after authentication, the same for HTTP and the in-process client: routes a request to
 * discovery, health, version, OpenAPI, metrics or a resource, decodes the body, runs the registry, and encodes the
 * answer (JSON, YAML or a Table). Blocking: runs on the server's request threads.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    public static final String JSON = "application/json";
    private static final java.util.Set<String> KNOWN_VERBS = java.util.Set.of("GET", "POST", "PUT", "PATCH", "DELETE",
            "HEAD", "OPTIONS");

    /** Settings of the request path. */
    public record Settings(String serverAddress, long bookmarkMillis, long defaultWatchSeconds) {
        public static Settings defaults(String serverAddress) {
            return new Settings(serverAddress, 60_000, 1800);
        }
    }

    private final Registry registry;
    private final Discovery discovery;
    private final Clock clock;
    private final PrometheusMeterRegistry metrics;
    private final Settings settings;
    private final java.util.function.BooleanSupplier ready;
    private final RbacAuthorizer authorizer;
    private final ServiceAccountTokens tokens;

    public Dispatcher(Registry registry, RbacAuthorizer authorizer, ServiceAccountTokens tokens, Clock clock,
                      PrometheusMeterRegistry metrics, Settings settings, java.util.function.BooleanSupplier ready) {
        this.registry = registry;
        this.authorizer = authorizer;
        this.tokens = tokens;
        this.discovery = new Discovery(registry.catalog());
        this.clock = clock;
        this.metrics = metrics;
        this.settings = settings;
        this.ready = ready;
        io.micrometer.core.instrument.Gauge.builder("cairn_apiserver_store_watches", registry, Registry::storeWatches)
                .description("store watches open for the watch caches (one per resource in use)").register(metrics);
    }

    public Registry registry() {
        return registry;
    }

    /** Handles one request; every failure is answered as a Status. */
    public void handle(ApiRequest r, Responder out) {
        long start = System.nanoTime();
        String verb = r.method();
        String resource = "";
        int code = 500;
        try {
            Route route = Route.parse(r.path());
            Attributes attributes = attributes(route, r);
            if (!authorizer.allowed(r.user(), r.groups(), attributes)) {
                throw forbidden(r.user(), attributes);
            }
            // a metric tag only for served resources: a path's free text must not create meters without bound
            resource = route.resource == null ? ""
                    : registry.catalog().find(route.group, route.version, route.resource).isPresent() ? route.resource
                    : "unknown";
            code = serve(route, r, out);
        } catch (ApiException e) {
            code = e.code();
            status(out, e);
        } catch (RuntimeException e) {
            log.warn("request {} {} failed", r.method(), r.path(), e);
            ApiException ie = ApiException.internal(e.toString());
            code = 500;
            status(out, ie);
        } finally {
            String verbTag = KNOWN_VERBS.contains(verb) ? verb : "OTHER";
            Counter.builder("apiserver_request_total").tag("verb", verbTag).tag("resource", resource)
                    .tag("code", Integer.toString(code)).register(metrics).increment();
            Timer.builder("apiserver_request_duration").tag("verb", verbTag).register(metrics).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /**
     * A TokenRequest (authentication.k8s.io/v1) answered with a token bound to the service account: its audiences
     * (default: the API server's issuer) and expiry (default 1 hour, at least 10 minutes), as kube-apiserver's.
     */
    private ObjectNode tokenRequest(ObjectNode account, ObjectNode request) {
        JsonNode spec = request.path("spec");
        List<String> audiences = new ArrayList<>();
        spec.path("audiences").forEach(a -> audiences.add(a.asText()));
        if (audiences.isEmpty()) {
            audiences.add(ServiceAccountTokens.ISSUER);
        }
        long seconds = spec.path("expirationSeconds").asLong(3600);
        if (seconds < 600) {
            throw ApiException.invalid("TokenRequest", "authentication.k8s.io", Objects2.name(account), List.of(
                    io.cairn.apiserver.api.FieldError.invalid("spec.expirationSeconds", seconds,
                            "may not specify a duration less than 10 minutes")));
        }
        java.time.Instant now = clock.instant();
        String token = tokens.issue(Objects2.namespace(account), Objects2.name(account),
                Objects2.text(account, "metadata", "uid"), audiences, seconds, now);
        ObjectNode answer = request.deepCopy();
        answer.put("apiVersion", "authentication.k8s.io/v1");
        answer.put("kind", "TokenRequest");
        ObjectNode meta = answer.putObject("metadata");
        meta.put("name", Objects2.name(account));
        meta.put("namespace", Objects2.namespace(account));
        ObjectNode s = answer.putObject("spec");
        ArrayNode aud = s.putArray("audiences");
        audiences.forEach(aud::add);
        s.put("expirationSeconds", seconds);
        ObjectNode status = answer.putObject("status");
        status.put("token", token);
        status.put("expirationTimestamp", now.plusSeconds(seconds).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                .toString());
        return answer;
    }

    /** What a request asks to do, in RBAC's terms: a verb on a resource, or on a non-resource path. */
    static Attributes attributes(Route route, ApiRequest r) {
        if (route.kind != Route.Kind.RESOURCE) {
            return Attributes.nonResource(r.method().toLowerCase(java.util.Locale.ROOT), r.path());
        }
        boolean watch = route.watch || r.flag("watch");
        String verb = switch (r.method()) {
            case "GET", "HEAD" -> watch ? "watch" : route.name == null ? "list" : "get";
            case "POST" -> "create";
            case "PUT" -> "update";
            case "PATCH" -> "patch";
            case "DELETE" -> route.name == null ? "deletecollection" : "delete";
            default -> r.method().toLowerCase(java.util.Locale.ROOT);
        };
        return Attributes.resource(verb, route.group, route.resource, route.subresource, route.namespace, route.name);
    }

    /** 403 in kube-apiserver's words: {@code pods is forbidden: User "alice" cannot list resource "pods" in ...}. */
    static ApiException forbidden(String user, Attributes a) {
        ObjectNode details = JsonNodeFactory.instance.objectNode();
        if (!a.resourceRequest()) {
            return new ApiException(403, "Forbidden", "forbidden: User \"" + user + "\" cannot " + a.verb() + " path \""
                    + a.path() + "\"", details);
        }
        String resource = a.subresource().isEmpty() ? a.resource() : a.resource() + "/" + a.subresource();
        String qualified = a.apiGroup().isEmpty() ? a.resource() : a.resource() + "." + a.apiGroup();
        String subject = a.name().isEmpty() ? qualified : qualified + " \"" + a.name() + "\"";
        String scope = a.namespace().isEmpty() ? " at the cluster scope" : " in the namespace \"" + a.namespace() + "\"";
        if (!a.name().isEmpty()) {
            details.put("name", a.name());
        }
        details.put("group", a.apiGroup());
        details.put("kind", a.resource());
        return new ApiException(403, "Forbidden", subject + " is forbidden: User \"" + user + "\" cannot " + a.verb()
                + " resource \"" + resource + "\" in API group \"" + a.apiGroup() + "\"" + scope, details);
    }

    /**
     * A review, answered and not stored: who the caller is (SelfSubjectReview), or whether the caller
     * (SelfSubjectAccessReview) or a named user and groups (SubjectAccessReview) may do what its spec says.
     */
    private int review(ResourceType type, Route route, ApiRequest r, Responder out) {
        if (!r.method().equals("POST") || route.name != null) {
            throw ApiException.methodNotAllowed(r.method(), type.resource());
        }
        ObjectNode review = bodyObject(r);
        review.put("apiVersion", type.apiVersion());
        review.put("kind", type.kind());
        ObjectNode status = review.putObject("status");
        JsonNode spec = review.path("spec");
        switch (type.resource()) {
            case "selfsubjectreviews" -> {
                ObjectNode info = status.putObject("userInfo");
                info.put("username", r.user());
                ArrayNode groups = info.putArray("groups");
                r.groups().forEach(groups::add);
            }
            case "subjectaccessreviews" -> {
                List<String> groups = new ArrayList<>();
                spec.path("groups").forEach(g -> groups.add(g.asText()));
                status.put("allowed", authorizer.allowed(spec.path("user").asText(""), groups, reviewed(spec)));
            }
            default -> status.put("allowed", authorizer.allowed(r.user(), r.groups(), reviewed(spec)));
        }
        return json(out, 201, review);
    }

    private static Attributes reviewed(JsonNode spec) {
        JsonNode ra = spec.get("resourceAttributes");
        if (ra != null && ra.isObject()) {
            return Attributes.resource(ra.path("verb").asText(""), ra.path("group").asText(""),
                    ra.path("resource").asText(""), ra.path("subresource").asText(""), ra.path("namespace").asText(""),
                    ra.path("name").asText(""));
        }
        JsonNode nra = spec.path("nonResourceAttributes");
        return Attributes.nonResource(nra.path("verb").asText(""), nra.path("path").asText(""));
    }

    static void status(Responder out, ApiException e) {
        out.respond(e.code(), JSON, Json.bytes(e.toStatus()));
    }

    private int serve(Route route, ApiRequest r, Responder out) {
        switch (route.kind) {
            case HEALTH -> {
                boolean ok = !route.path.equals("/readyz") || ready.getAsBoolean();
                byte[] body = (ok ? "ok" : "[-]store not ready\nreadyz check failed").getBytes(StandardCharsets.UTF_8);
                out.respond(ok ? 200 : 500, "text/plain; charset=utf-8", body);
                return ok ? 200 : 500;
            }
            case VERSION -> {
                ObjectNode v = JsonNodeFactory.instance.objectNode();
                v.put("major", "1");
                v.put("minor", "32");
                v.put("gitVersion", "v1.32.0-cairn");
                v.put("gitCommit", "cairn");
                v.put("gitTreeState", "clean");
                v.put("buildDate", "2026-12-01T00:00:00Z");
                v.put("goVersion", "go1.23.0");
                v.put("compiler", "gc");
                v.put("platform", "linux/amd64");
                return json(out, 200, v);
            }
            case METRICS -> {
                out.respond(200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.scrape().getBytes(StandardCharsets.UTF_8));
                return 200;
            }
            case OPENAPI_V2 -> {
                out.respond(200, "application/com.github.proto-openapi.spec.v2.v1.0+protobuf", OpenApi.v2Document());
                return 200;
            }
            case API -> {
                if (wantsAggregated(r)) {
                    out.respond(200, Discovery.AGGREGATED_V2, Json.bytes(discovery.aggregated(true)));
                    return 200;
                }
                return json(out, 200, discovery.apiVersions(settings.serverAddress()));
            }
            case APIS -> {
                if (wantsAggregated(r)) {
                    out.respond(200, Discovery.AGGREGATED_V2, Json.bytes(discovery.aggregated(false)));
                    return 200;
                }
                return json(out, 200, discovery.groupList());
            }
            case GROUP -> {
                List<String> versions = registry.catalog().groups().get(route.group);
                if (versions == null || route.group.isEmpty()) {
                    throw ApiException.notFoundPath();
                }
                return json(out, 200, discovery.group(route.group, versions));
            }
            case GROUP_VERSION -> {
                ObjectNode list = discovery.resourceList(route.group, route.version);
                if (list == null) {
                    throw ApiException.notFoundPath();
                }
                return json(out, 200, list);
            }
            case RESOURCE -> {
                return resource(route, r, out);
            }
            default -> throw ApiException.notFoundPath();
        }
    }

    private int resource(Route route, ApiRequest r, Responder out) {
        checkBodyType(r);
        ResourceType type = registry.catalog().find(route.group, route.version, route.resource)
                .orElseThrow(ApiException::notFoundPath);
        if (route.namespace != null && !type.namespaced()) {
            throw ApiException.notFoundPath();
        }
        if (!type.strategy().stored()) {
            return review(type, route, r, out);
        }
        String ns = route.namespace;
        if (type.namespaced() && ns == null && route.name != null) {
            throw ApiException.notFoundPath();
        }
        String sub = route.subresource;
        if (sub != null && !type.has(sub) && !(sub.equals("finalize") && type.resource().equals("namespaces"))) {
            throw ApiException.notFoundPath();
        }
        boolean dryRun = !r.param("dryRun").isEmpty();
        if (dryRun && !r.param("dryRun").equals("All")) {
            throw ApiException.badRequest("Invalid dry run value: " + r.param("dryRun") + "; supported values: All");
        }
        PatchType applyType = r.method().equals("PATCH") && route.name != null ? patchType(r) : null;
        // an apply names its manager; other writes are given one from the User-Agent when they do not
        String fieldValidation = r.param("fieldValidation").isEmpty() ? "Warn" : r.param("fieldValidation");
        if (!List.of("Strict", "Warn", "Ignore").contains(fieldValidation)) {
            throw ApiException.badRequest("fieldValidation must be one of \"Ignore\", \"Warn\", or \"Strict\", got \""
                    + fieldValidation + "\"");
        }
        WriteOptions w = new WriteOptions(dryRun, applyType == PatchType.APPLY ? r.param("fieldManager")
                : r.fieldManager(), r.user(), r.groups(), fieldValidation, out::warn);
        String method = r.method();
        boolean objectBody = method.equals("POST") || method.equals("PUT") || applyType == PatchType.APPLY;
        if (objectBody && !fieldValidation.equals("Ignore") && !K8sProtobuf.isProtobuf(r.contentType())) {
            List<String> duplicates = duplicateFields(r.body(), r.yamlBody());
            if (!duplicates.isEmpty() && fieldValidation.equals("Strict")) {
                throw ApiException.badRequest("strict decoding error: " + String.join(", ", duplicates.stream()
                        .map(f -> "duplicate field \"" + f + "\"").toList()));
            }
            duplicates.forEach(f -> out.warn("duplicate field \"" + f + "\""));
        }
        if (route.name == null) {
            return switch (method) {
                case "GET" -> r.flag("watch") || route.watch ? watch(type, ns, r, out) : list(type, ns, r, out);
                case "POST" -> {
                    ObjectNode body = bodyObject(r);
                    yield encode(out, r, type, 201, registry.create(type, ns, body, w));
                }
                case "DELETE" -> deleteCollection(type, ns, r, out);
                default -> throw ApiException.methodNotAllowed(method, type.resource());
            };
        }
        if (route.watch) {
            return watch(type, ns, r, out);
        }
        String name = route.name;
        if ("scale".equals(sub)) {
            return switch (method) {
                case "GET" -> json(out, 200, registry.scale(type, registry.get(type, ns, name)));
                case "PUT" -> {
                    ObjectNode body = bodyObject(r);
                    yield json(out, 200, registry.updateScale(type, ns, name, current -> body, w));
                }
                case "PATCH" -> {
                    PatchType pt = patchType(r);
                    JsonNode patch = Json.parse(r.body(), false);
                    yield json(out, 200, registry.updateScale(type, ns, name,
                            current -> scalePatch(current, pt, patch), w));
                }
                default -> throw ApiException.methodNotAllowed(method, type.resource() + "/scale");
            };
        }
        if ("binding".equals(sub)) {
            if (!method.equals("POST")) {
                throw ApiException.methodNotAllowed(method, "pods/binding");
            }
            ObjectNode binding = bodyObject(r);
            registry.writeThrough(type, ns, name, pod -> PodStrategy.bind(pod, binding, clock.instant()), w);
            ObjectNode ok = JsonNodeFactory.instance.objectNode();
            ok.put("kind", "Status");
            ok.put("apiVersion", "v1");
            ok.putObject("metadata");
            ok.put("status", "Success");
            ok.put("code", 201);
            return json(out, 201, ok);
        }
        if ("token".equals(sub)) {
            if (!method.equals("POST")) {
                throw ApiException.methodNotAllowed(method, "serviceaccounts/token");
            }
            return json(out, 201, tokenRequest(registry.get(type, ns, name), bodyObject(r)));
        }
        if ("finalize".equals(sub)) {
            if (!method.equals("PUT")) {
                throw ApiException.methodNotAllowed(method, "namespaces/finalize");
            }
            ObjectNode written = registry.finalizeNamespace(type, name, bodyObject(r), w);
            return encode(out, r, type, 200, written);
        }
        return switch (method) {
            case "GET" -> encode(out, r, type, 200, registry.get(type, ns, name));
            case "PUT" -> encode(out, r, type, 200,
                    registry.update(type, ns, name, sub, bodyObject(r), w));
            case "PATCH" -> {
                PatchType pt = patchType(r);
                if (pt == PatchType.APPLY) {
                    ObjectNode config = Json.parseObject(r.body(), true);
                    yield encode(out, r, type, 200, registry.apply(type, ns, name, sub, config, r.flag("force"), w));
                }
                JsonNode patch = Json.parse(r.body(), false);
                yield encode(out, r, type, 200, registry.patch(type, ns, name, sub, pt, patch, w));
            }
            case "DELETE" -> {
                JsonNode body = r.body() == null || r.body().length == 0 ? null : body(r);
                String grace = r.param("gracePeriodSeconds");
                DeleteOptions o = DeleteOptions.of(body, grace.isEmpty() ? null : parseLong(grace, "gracePeriodSeconds"),
                        r.param("propagationPolicy").isEmpty() ? null : r.param("propagationPolicy"), dryRun);
                ObjectNode after = registry.delete(type, ns, name, o);
                boolean pending = !Objects2.text(after, "metadata", "deletionTimestamp").isEmpty()
                        && registry.find(type, ns, name).isPresent();
                yield encode(out, r, type, pending ? 202 : 200, after);
            }
            default -> throw ApiException.methodNotAllowed(method, type.resource());
        };
    }

    /** A body of a create, update or delete must be JSON, YAML or Kubernetes protobuf. */
    private static void checkBodyType(ApiRequest r) {
        if (r.body() == null || r.body().length == 0 || r.method().equals("PATCH")) {
            return;
        }
        String ct = r.contentType() == null ? "" : r.contentType().split(";")[0].trim().toLowerCase(java.util.Locale.ROOT);
        if (!ct.isEmpty() && !ct.equals("application/json") && !ct.equals("application/yaml")
                && !ct.equals("text/yaml") && !ct.equals("application/x-yaml") && !ct.equals(K8sProtobuf.MEDIA_TYPE)) {
            throw ApiException.unsupportedMediaType("the body of the request was in an unknown format - accepted media "
                    + "types include: application/json, application/yaml, " + K8sProtobuf.MEDIA_TYPE);
        }
    }

    /** The request body as a tree, decoded by its Content-Type: Kubernetes protobuf, YAML or JSON. */
    private static JsonNode body(ApiRequest r) {
        return K8sProtobuf.isProtobuf(r.contentType()) ? K8sProtobuf.decode(r.body()) : Json.parse(r.body(), r.yamlBody());
    }

    /**
     * The paths of the keys a JSON or YAML body gives twice in one object ({@code spec.replicas}): the parser keeps the
     * last, which kube-apiserver's strict decoding refuses. Empty for a body that does not parse (its parse answers).
     */
    static List<String> duplicateFields(byte[] body, boolean yaml) {
        List<String> out = new ArrayList<>();
        if (body == null || body.length == 0) {
            return out;
        }
        try (com.fasterxml.jackson.core.JsonParser p = (yaml ? Json.YAML : Json.JSON).getFactory().createParser(body)) {
            if (p.nextToken() != null) {
                duplicates(p, "", out);
            }
        } catch (java.io.IOException e) {
            return List.of();
        }
        return out;
    }

    private static void duplicates(com.fasterxml.jackson.core.JsonParser p, String path, List<String> out)
            throws java.io.IOException {
        com.fasterxml.jackson.core.JsonToken t = p.currentToken();
        if (t == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
            java.util.Set<String> names = new java.util.HashSet<>();
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                String child = path.isEmpty() ? name : path + "." + name;
                if (!names.add(name) && out.size() < 100) {
                    out.add(child);
                }
                p.nextToken();
                duplicates(p, child, out);
            }
        } else if (t == com.fasterxml.jackson.core.JsonToken.START_ARRAY) {
            int i = 0;
            while (p.nextToken() != com.fasterxml.jackson.core.JsonToken.END_ARRAY && p.currentToken() != null) {
                duplicates(p, path + "[" + i++ + "]", out);
            }
        }
    }

    /** {@link #body} where the body must be one object. */
    private static ObjectNode bodyObject(ApiRequest r) {
        return K8sProtobuf.isProtobuf(r.contentType()) ? K8sProtobuf.decode(r.body())
                : Json.parseObject(r.body(), r.yamlBody());
    }

    private static PatchType patchType(ApiRequest r) {
        PatchType pt = PatchType.of(r.contentType());
        if (pt == null) {
            throw ApiException.unsupportedMediaType("the body of the request was in an unknown format - accepted media "
                    + "types include: application/json-patch+json, application/merge-patch+json, "
                    + "application/apply-patch+yaml, application/strategic-merge-patch+json");
        }
        return pt;
    }

    /** A patch of a Scale: merge or strategic merge of its spec (a Scale has no lists), or a JSON patch. */
    private static ObjectNode scalePatch(ObjectNode scale, PatchType pt, JsonNode patch) {
        return switch (pt) {
            case JSON -> (ObjectNode) io.cairn.apiserver.patch.JsonPatch.apply(scale, patch);
            case MERGE, STRATEGIC -> (ObjectNode) io.cairn.apiserver.patch.MergePatch.apply(scale, patch);
            case APPLY -> throw ApiException.unsupportedMediaType("server-side apply is not served yet");
        };
    }

    private int deleteCollection(ResourceType type, String ns, ApiRequest r, Responder out) {
        ListOptions lo = listOptions(r);
        ObjectNode list = registry.list(type, ns, lo);
        boolean dryRun = !r.param("dryRun").isEmpty();
        JsonNode body = r.body() == null || r.body().length == 0 ? null : body(r);
        String grace = r.param("gracePeriodSeconds");
        DeleteOptions o = DeleteOptions.of(body, grace.isEmpty() ? null : parseLong(grace, "gracePeriodSeconds"),
                r.param("propagationPolicy").isEmpty() ? null : r.param("propagationPolicy"), dryRun);
        List<ObjectNode> deleted = new ArrayList<>();
        for (JsonNode item : list.get("items")) {
            try {
                deleted.add(registry.delete(type, Objects2.namespace((ObjectNode) item), Objects2.name((ObjectNode) item), o));
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        ObjectNode result = list.deepCopy();
        result.set("items", JsonNodeFactory.instance.arrayNode().addAll(deleted));
        return json(out, 200, servedItems(type, result));
    }

    private int list(ResourceType type, String ns, ApiRequest r, Responder out) {
        ObjectNode list = servedItems(type, registry.list(type, ns, listOptions(r)));
        if (wantsTable(r)) {
            List<ObjectNode> items = new ArrayList<>();
            list.get("items").forEach(i -> items.add((ObjectNode) i));
            return json(out, 200, Tables.table(type, items, list.get("metadata"),
                    Tables.Include.of(r.param("includeObject")), true, clock.instant()));
        }
        return write(out, r, 200, list);
    }

    private int watch(ResourceType type, String ns, ApiRequest r, Responder out) {
        ListOptions o = listOptions(r);
        WatchStream w = new WatchStream(type, out, wantsTable(r), Tables.Include.of(r.param("includeObject")));
        WatchCache.Watcher watcher;
        synchronized (w) {
            try {
                // selectors and the resourceVersion are checked before anything is sent: a bad request is a plain 400
                watcher = registry.watch(type, ns, o, w);
            } catch (ApiException e) {
                if (e.code() != 410) {
                    throw e;
                }
                w.open().send(WatchEvent.error(e.toStatus()).jsonLine());
                w.open().end();
                return 200;
            }
            w.started(watcher.after());
        }
        Responder.Stream stream = w.open();
        stream.onClose(watcher::close);
        long seconds = o.timeoutSeconds() > 0 ? o.timeoutSeconds()
                : settings.defaultWatchSeconds() + ThreadLocalRandom.current().nextLong(settings.defaultWatchSeconds() + 1);
        stream.schedule(seconds * 1000, () -> {
            watcher.close();
            stream.end();
        });
        if (o.allowBookmarks()) {
            scheduleBookmark(type, w, watcher);
        }
        return 200;
    }

    /**
     * One watch's side of the HTTP stream: encodes events (JSON lines, or one-row Tables for kubectl), sends the 200
     * headers with the first event or once the watch is registered, and remembers the last revision it delivered.
     */
    private final class WatchStream implements WatchCache.Sink {
        private final ResourceType type;
        private final Responder out;
        private final boolean table;
        private final Tables.Include include;
        private Responder.Stream stream;
        private boolean headers = true;
        private long lastRevision;

        WatchStream(ResourceType type, Responder out, boolean table, Tables.Include include) {
            this.type = type;
            this.out = out;
            this.table = table;
            this.include = include;
        }

        synchronized Responder.Stream open() {
            if (stream == null) {
                stream = out.stream(JSON);
            }
            return stream;
        }

        synchronized void started(long after) {
            lastRevision = Math.max(lastRevision, after);
            open();
        }

        synchronized long lastRevision() {
            return lastRevision;
        }

        private byte[] encode(WatchEvent stored) {
            ObjectNode served = stored.object() == null ? null : type.strategy().served(stored.object());
            WatchEvent e = served == stored.object() ? stored : new WatchEvent(stored.type(), served);
            String rv = Objects2.text(e.object(), "metadata", "resourceVersion");
            if (!rv.isEmpty()) {
                lastRevision = Math.max(lastRevision, Long.parseLong(rv));
            }
            if (table && !e.type().equals("BOOKMARK") && !e.type().equals("ERROR")) {
                byte[] line = tableEvent(type, e, include, headers);
                headers = false;
                return line;
            }
            return e.jsonLine();
        }

        @Override
        public synchronized boolean offer(WatchEvent e) {
            return open().send(encode(e));
        }

        @Override
        public synchronized boolean offerInitial(WatchEvent e) {
            return open().sendInitial(encode(e));
        }

        /** A bookmark at the revision every event up to which this watcher has been sent. */
        synchronized boolean bookmark(long deliveredRevision) {
            lastRevision = Math.max(lastRevision, deliveredRevision);
            return open().send(WatchEvent.bookmark(type.apiVersion(), type.kind(), lastRevision).jsonLine());
        }

        @Override
        public void end(String why) {
            log.debug("watch of {} ended: {}", type.qualifiedResource(), why);
            open().end();
        }
    }

    private void scheduleBookmark(ResourceType type, WatchStream w, WatchCache.Watcher watcher) {
        w.open().schedule(settings.bookmarkMillis(), () -> {
            if (!w.bookmark(registry.cache(type).deliveredRevision())) {
                watcher.close();
                w.open().end();
                return;
            }
            scheduleBookmark(type, w, watcher);
        });
    }

    private byte[] tableEvent(ResourceType type, WatchEvent e, Tables.Include include, boolean headers) {
        ObjectNode t = Tables.table(type, List.of(e.object()), null, include, headers, clock.instant());
        Objects2.objectAt(t, "metadata").put("resourceVersion", Objects2.text(e.object(), "metadata", "resourceVersion"));
        return new WatchEvent(e.type(), t).jsonLine();
    }

    static ListOptions listOptions(ApiRequest r) {
        String limit = r.param("limit");
        String timeout = r.param("timeoutSeconds");
        return new ListOptions(LabelSelector.parse(r.param("labelSelector")), FieldSelector.parse(r.param("fieldSelector")),
                r.param("resourceVersion"), r.param("resourceVersionMatch"),
                limit.isEmpty() ? 0 : parseLong(limit, "limit"), r.param("continue"), r.flag("watch"),
                r.flag("allowWatchBookmarks"), timeout.isEmpty() ? 0 : parseLong(timeout, "timeoutSeconds"));
    }

    private static long parseLong(String v, String name) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for " + name + ": \"" + v + "\"");
        }
    }

    /** Whether the client asks for aggregated discovery (v2) before the plain documents, as kubectl does. */
    private static boolean wantsAggregated(ApiRequest r) {
        String a = r.accept() == null ? "" : r.accept();
        for (String part : a.split(",")) {
            String p = part.replace(" ", "");
            boolean v2 = p.contains("g=apidiscovery.k8s.io") && (p.contains(";v=v2;") || p.endsWith(";v=v2"));
            if (v2 && p.contains("as=APIGroupDiscoveryList")) {
                return true;
            }
            if (p.startsWith("application/json") || p.startsWith("*/*")) {
                return false;
            }
        }
        return false;
    }

    private static boolean wantsTable(ApiRequest r) {
        String a = r.accept() == null ? "" : r.accept();
        for (String part : a.split(",")) {
            if (part.contains("as=Table")) {
                return true;
            }
            if (part.trim().startsWith("application/json") || part.trim().startsWith("*/*")) {
                return false;
            }
        }
        return false;
    }

    /** A list's items as the requested version serves them (see {@link io.cairn.apiserver.registry.Strategy#served}). */
    private static ObjectNode servedItems(ResourceType type, ObjectNode list) {
        JsonNode items = list.get("items");
        if (items == null || items.isEmpty()) {
            return list;
        }
        ArrayNode served = JsonNodeFactory.instance.arrayNode(items.size());
        items.forEach(i -> served.add(type.strategy().served((ObjectNode) i)));
        list.set("items", served);
        return list;
    }

    private int encode(Responder out, ApiRequest r, ResourceType type, int code, ObjectNode stored) {
        ObjectNode obj = type.strategy().served(stored);
        if (wantsTable(r)) {
            return json(out, code, Tables.table(type, List.of(obj), null, Tables.Include.of(r.param("includeObject")),
                    true, clock.instant()));
        }
        return write(out, r, code, obj);
    }

    private static int write(Responder out, ApiRequest r, int code, JsonNode body) {
        String a = r.accept() == null ? "" : r.accept();
        if (a.startsWith("application/yaml")) {
            out.respond(code, "application/yaml", Json.yamlBytes(body));
        } else {
            out.respond(code, JSON, Json.bytes(body));
        }
        return code;
    }

    private static int json(Responder out, int code, JsonNode body) {
        out.respond(code, JSON, Json.bytes(body));
        return code;
    }

    /** A parsed request path. */
    static final class Route {
        enum Kind { HEALTH, VERSION, METRICS, OPENAPI_V2, API, APIS, GROUP, GROUP_VERSION, RESOURCE, UNKNOWN }

        Kind kind = Kind.UNKNOWN;
        String path;
        String group = "";
        String version;
        String namespace;
        String resource;
        String name;
        String subresource;
        boolean watch;

        static Route parse(String path) {
            Route r = new Route();
            r.path = path;
            List<String> seg = new ArrayList<>(Arrays.stream(path.split("/")).filter(x -> !x.isEmpty()).toList());
            if (path.equals("/healthz") || path.equals("/livez") || path.equals("/readyz")
                    || path.startsWith("/healthz/") || path.startsWith("/livez/") || path.startsWith("/readyz/")) {
                r.kind = Kind.HEALTH;
                r.path = "/" + seg.get(0);
                return r;
            }
            if (path.equals("/version") || path.equals("/version/")) {
                r.kind = Kind.VERSION;
                return r;
            }
            if (path.equals("/metrics")) {
                r.kind = Kind.METRICS;
                return r;
            }
            if (path.equals("/openapi/v2")) {
                r.kind = Kind.OPENAPI_V2;
                return r;
            }
            if (seg.isEmpty()) {
                return r;
            }
            int i;
            if (seg.get(0).equals("api")) {
                if (seg.size() == 1) {
                    r.kind = Kind.API;
                    return r;
                }
                r.version = seg.get(1);
                i = 2;
            } else if (seg.get(0).equals("apis")) {
                if (seg.size() == 1) {
                    r.kind = Kind.APIS;
                    return r;
                }
                r.group = seg.get(1);
                if (seg.size() == 2) {
                    r.kind = Kind.GROUP;
                    return r;
                }
                r.version = seg.get(2);
                i = 3;
            } else {
                return r;
            }
            List<String> rest = seg.subList(i, seg.size());
            if (rest.isEmpty()) {
                r.kind = Kind.GROUP_VERSION;
                return r;
            }
            if (rest.get(0).equals("watch")) {
                r.watch = true;
                rest = rest.subList(1, rest.size());
                if (rest.isEmpty()) {
                    return r;
                }
            }
            r.kind = Kind.RESOURCE;
            if (rest.get(0).equals("namespaces") && rest.size() >= 3 && !(r.group.isEmpty()
                    && (rest.get(2).equals("status") || rest.get(2).equals("finalize")) && rest.size() == 3)) {
                r.namespace = rest.get(1);
                rest = rest.subList(2, rest.size());
            }
            if (rest.size() > 3) {
                r.kind = Kind.UNKNOWN;
                return r;
            }
            r.resource = rest.get(0);
            if (rest.size() >= 2) {
                r.name = rest.get(1);
                if (r.resource.equals("namespaces") && r.namespace == null) {
                    r.namespace = null;
                }
            }
            if (rest.size() == 3) {
                r.subresource = rest.get(2);
            }
            return r;
        }
    }
}
