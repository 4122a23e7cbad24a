package io.cairn.apiserver.http;

import java.util.List;
import java.util.Map;

/**
 * One API request, whatever carried it (HTTP/1.1, HTTP/2 or the in-process client): the user it was authenticated
 * as and its groups, method, path, decoded query parameters, the Accept and Content-Type headers, the body and the
 * User-Agent.
 */
public record ApiRequest(String user, String method, String path, Map<String, List<String>> query, String accept,
                         String contentType, byte[] body, String userAgent, List<String> groups) {

    /** The groups of in-process callers (controllers inside the server): the superuser's, as the admin's. */
    public static final List<String> IN_PROCESS_GROUPS = List.of("system:masters", "system:authenticated");

    /** An in-process request: its caller is trusted as a member of {@code system:masters}. */
    public ApiRequest(String user, String method, String path, Map<String, List<String>> query, String accept,
                      String contentType, byte[] body) {
        this(user, method, path, query, accept, contentType, body, "", IN_PROCESS_GROUPS);
    }

    /**
     * The field manager of a write: the {@code fieldManager} parameter, else the User-Agent up to its first '/'
     * ({@code kubectl} of {@code kubectl/v1.32.0 ...}), as kube-apiserver names it; "unknown" without either.
     */
    public String fieldManager() {
        String m = param("fieldManager");
        if (!m.isEmpty()) {
            return m;
        }
        String ua = userAgent == null ? "" : userAgent;
        int slash = ua.indexOf('/');
        String prefix = (slash < 0 ? ua : ua.substring(0, slash)).trim();
        return prefix.isEmpty() ? "unknown" : prefix;
    }

    public String param(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? "" : v.get(0);
    }

    public boolean flag(String name) {
        String v = param(name);
        return v.equals("true") || v.equals("1");
    }

    public boolean yamlBody() {
        String ct = contentType == null ? "" : contentType.toLowerCase(java.util.Locale.ROOT);
        return ct.contains("yaml");
    }
}
