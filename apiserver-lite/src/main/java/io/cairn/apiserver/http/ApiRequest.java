package io.cairn.apiserver.http;

import java.util.List;
import java.util.Map;

/**
 * One API request, whatever carried it (HTTP/1.1, HTTP/2 or the in-process client): the user it was authenticated
 * as, method, path, decoded query parameters, the Accept and Content-Type headers, the body and the User-Agent.
 */
public record ApiRequest(String user, String method, String path, Map<String, List<String>> query, String accept,
                         String contentType, byte[] body, String userAgent) {

    public ApiRequest(String user, String method, String path, Map<String, List<String>> query, String accept,
                      String contentType, byte[] body) {
        this(user, method, path, query, accept, contentType, body, "");
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
