package io.cairn.apiserver.http;

import java.util.List;
import java.util.Map;

/**
 * One API request, whatever carried it (HTTP/1.1, HTTP/2 or the in-process client): the user it was authenticated
 * as, method, path, decoded query parameters, the Accept and Content-Type headers and the body.
 */
public record ApiRequest(String user, String method, String path, Map<String, List<String>> query, String accept,
                         String contentType, byte[] body) {

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
