package io.cairn.apiserver.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * A request that fails, carrying the Kubernetes {@code Status} the client gets: HTTP code, reason and message in
 * kube-apiserver's words, and details (name, group, kind, causes). Thrown anywhere on the request path; the HTTP
 * layer and the in-process client turn it into the Status object.
 */
public final class ApiException extends RuntimeException {
    private final int code;
    private final String reason;
    private final ObjectNode details;

    public ApiException(int code, String reason, String message, ObjectNode details) {
        super(message, null, false, false);
        this.code = code;
        this.reason = reason;
        this.details = details;
    }

    public int code() {
        return code;
    }

    public String reason() {
        return reason;
    }

    public ObjectNode details() {
        return details;
    }

    /** The {@code Status} object. */
    public ObjectNode toStatus() {
        ObjectNode s = JsonNodeFactory.instance.objectNode();
        s.put("kind", "Status");
        s.put("apiVersion", "v1");
        s.putObject("metadata");
        s.put("status", "Failure");
        s.put("message", getMessage());
        s.put("reason", reason);
        if (details != null) {
            s.set("details", details);
        }
        s.put("code", code);
        return s;
    }

    private static ObjectNode details(String name, String group, String kind) {
        ObjectNode d = JsonNodeFactory.instance.objectNode();
        if (name != null && !name.isEmpty()) {
            d.put("name", name);
        }
        if (group != null && !group.isEmpty()) {
            d.put("group", group);
        }
        if (kind != null) {
            d.put("kind", kind);
        }
        return d;
    }

    /** {@code resource} as messages name it: {@code pods}, {@code deployments.apps}. */
    private static String qualified(String resource, String group) {
        return group == null || group.isEmpty() ? resource : resource + "." + group;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, "BadRequest", message, null);
    }

    public static ApiException unauthorized() {
        return new ApiException(401, "Unauthorized", "Unauthorized", null);
    }

    public static ApiException forbidden(String message) {
        return new ApiException(403, "Forbidden", message, null);
    }

    /** 404 for a named object: {@code pods "web" not found}. */
    public static ApiException notFound(String resource, String group, String name) {
        return new ApiException(404, "NotFound", qualified(resource, group) + " \"" + name + "\" not found",
                details(name, group, resource));
    }

    /** 404 for a path that names nothing this server serves. */
    public static ApiException notFoundPath() {
        return new ApiException(404, "NotFound", "the server could not find the requested resource", null);
    }

    public static ApiException methodNotAllowed(String verb, String what) {
        return new ApiException(405, "MethodNotAllowed",
                "the server does not allow this method on the requested resource", details(null, null, what));
    }

    public static ApiException alreadyExists(String resource, String group, String name) {
        return new ApiException(409, "AlreadyExists", qualified(resource, group) + " \"" + name + "\" already exists",
                details(name, group, resource));
    }

    /** 409 on a stale resourceVersion, in the words kubectl users know. */
    public static ApiException conflict(String resource, String group, String name) {
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + qualified(resource, group)
                + " \"" + name + "\": the object has been modified; please apply your changes to the latest version "
                + "and try again", details(name, group, resource));
    }

    /** 409 with a message of the caller's (a precondition on uid, a namespace being terminated). */
    public static ApiException conflict(String resource, String group, String name, String why) {
        return new ApiException(409, "Conflict", "Operation cannot be fulfilled on " + qualified(resource, group)
                + " \"" + name + "\": " + why, details(name, group, resource));
    }

    /** 410 Expired: a resourceVersion or continue token older than the compaction point. */
    public static ApiException expired(String message) {
        return new ApiException(410, "Expired", message, null);
    }

    public static ApiException tooLarge(String message) {
        return new ApiException(413, "RequestEntityTooLarge", message, null);
    }

    public static ApiException unsupportedMediaType(String message) {
        return new ApiException(415, "UnsupportedMediaType", message, null);
    }

    /**
     * 422 Invalid with one cause per bad field: {@code Pod "Foo" is invalid: metadata.name: Invalid value: ...}; the
     * kind is qualified by its group outside the core group ({@code Deployment.apps "web" is invalid: ...}).
     */
    public static ApiException invalid(String kind, String group, String name, List<FieldError> errors) {
        ObjectNode d = details(name, group, kind);
        var causes = d.putArray("causes");
        for (FieldError e : errors) {
            ObjectNode c = causes.addObject();
            c.put("reason", e.type().reason);
            c.put("message", e.message());
            c.put("field", e.field());
        }
        String list = errors.size() == 1 ? errors.get(0).toString()
                : "[" + String.join(", ", errors.stream().map(FieldError::toString).toList()) + "]";
        String qualifiedKind = group == null || group.isEmpty() ? kind : kind + "." + group;
        return new ApiException(422, "Invalid", qualifiedKind + " \"" + name + "\" is invalid: " + list, d);
    }

    public static ApiException internal(String message) {
        return new ApiException(500, "InternalError", "Internal error occurred: " + message, null);
    }

    /** 504 when the store did not answer in time; the write may or may not have happened. */
    public static ApiException timeout(String message) {
        return new ApiException(504, "Timeout", message, null);
    }

    public static ApiException serviceUnavailable(String message) {
        return new ApiException(503, "ServiceUnavailable", message, null);
    }

    public static ApiException tooManyRequests(String message) {
        return new ApiException(429, "TooManyRequests", message, null);
    }
}
