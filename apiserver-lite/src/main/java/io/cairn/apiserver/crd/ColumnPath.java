package io.cairn.apiserver.crd;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * The JSONPath of an {@code additionalPrinterColumns} entry, in the subset kube-apiserver's CRD tables are written
 * with: fields ({@code .spec.replicas}, {@code .metadata.labels.app}, quoted {@code ['a.b']}), an index
 * ({@code [0]}), every element ({@code [*]}) and a filter on an element's field
 * ({@code .status.conditions[?(@.type=="Ready")].status}).
 */
final class ColumnPath {
    private sealed interface Step permits Field, Index, All, Filter {
    }

    private record Field(String name) implements Step {
    }

    private record Index(int index) implements Step {
    }

    private record All() implements Step {
    }

    private record Filter(List<String> field, String value) implements Step {
    }

    private final List<Step> steps;

    private ColumnPath(List<Step> steps) {
        this.steps = steps;
    }

    /** Parses {@code path}, which may be wrapped in {@code {}} as kubectl's jsonpath templates are. */
    static ColumnPath parse(String path) {
        String p = path.trim();
        if (p.startsWith("{") && p.endsWith("}")) {
            p = p.substring(1, p.length() - 1).trim();
        }
        if (p.startsWith("$")) {
            p = p.substring(1);
        }
        List<Step> steps = new ArrayList<>();
        int i = 0;
        while (i < p.length()) {
            char c = p.charAt(i);
            if (c == '.') {
                int end = i + 1;
                while (end < p.length() && p.charAt(end) != '.' && p.charAt(end) != '[') {
                    end++;
                }
                if (end == i + 1) {
                    throw new IllegalArgumentException("empty field name at " + i + " in " + path);
                }
                steps.add(new Field(p.substring(i + 1, end)));
                i = end;
            } else if (c == '[') {
                int end = p.indexOf(']', i);
                if (end < 0) {
                    throw new IllegalArgumentException("unclosed [ in " + path);
                }
                String inner = p.substring(i + 1, end).trim();
                if (inner.startsWith("?(")) {
                    end = p.indexOf(")]", i);
                    if (end < 0) {
                        throw new IllegalArgumentException("unclosed filter in " + path);
                    }
                    steps.add(filter(p.substring(i + 3, end).trim(), path));
                    i = end + 2;
                    continue;
                }
                if (inner.equals("*")) {
                    steps.add(new All());
                } else if (inner.startsWith("'") && inner.endsWith("'") && inner.length() >= 2) {
                    steps.add(new Field(inner.substring(1, inner.length() - 1)));
                } else {
                    try {
                        steps.add(new Index(Integer.parseInt(inner)));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("unsupported subscript [" + inner + "] in " + path);
                    }
                }
                i = end + 1;
            } else {
                throw new IllegalArgumentException("unexpected '" + c + "' at " + i + " in " + path);
            }
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("empty path");
        }
        return new ColumnPath(List.copyOf(steps));
    }

    /** {@code @.type=="Ready"} (or single quotes, or a bare number/boolean). */
    private static Filter filter(String expr, String path) {
        int eq = expr.indexOf("==");
        if (!expr.startsWith("@.") || eq < 0) {
            throw new IllegalArgumentException("unsupported filter " + expr + " in " + path);
        }
        List<String> field = List.of(expr.substring(2, eq).trim().split("\\."));
        String value = expr.substring(eq + 2).trim();
        if (value.length() >= 2 && (value.startsWith("\"") && value.endsWith("\"")
                || value.startsWith("'") && value.endsWith("'"))) {
            value = value.substring(1, value.length() - 1);
        }
        return new Filter(field, value);
    }

    /** The first value the path selects in {@code obj}, or null. */
    JsonNode first(JsonNode obj) {
        List<JsonNode> current = List.of(obj);
        for (Step s : steps) {
            List<JsonNode> next = new ArrayList<>();
            for (JsonNode n : current) {
                if (s instanceof Field f) {
                    if (n.isObject() && n.has(f.name())) {
                        next.add(n.get(f.name()));
                    }
                } else if (s instanceof Index ix) {
                    int i = ix.index() < 0 ? n.size() + ix.index() : ix.index();
                    if (n.isArray() && i >= 0 && i < n.size()) {
                        next.add(n.get(i));
                    }
                } else if (s instanceof All) {
                    n.forEach(next::add);
                } else if (s instanceof Filter f && n.isArray()) {
                    for (JsonNode e : n) {
                        JsonNode v = e;
                        for (String part : f.field()) {
                            v = v == null ? null : v.get(part);
                        }
                        if (v != null && !v.isContainerNode() && v.asText().equals(f.value())) {
                            next.add(e);
                        }
                    }
                }
            }
            current = next;
        }
        return current.isEmpty() ? null : current.get(0);
    }
}
