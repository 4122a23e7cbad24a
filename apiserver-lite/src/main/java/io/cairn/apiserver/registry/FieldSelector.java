package io.cairn.apiserver.registry;

import io.cairn.apiserver.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * A field selector ({@code metadata.name=web,status.phase!=Running}): terms joined by ',', each {@code =}, {@code ==}
 * or {@code !=}; a backslash escapes ',', '=' and '!' in values (Kubernetes' {@code fields.ParseSelector}).
 */
public final class FieldSelector {
    public record Term(String field, boolean equal, String value) {
    }

    private static final FieldSelector EVERYTHING = new FieldSelector(List.of());

    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = terms;
    }

    public static FieldSelector everything() {
        return EVERYTHING;
    }

    public List<Term> terms() {
        return terms;
    }

    public boolean isEmpty() {
        return terms.isEmpty();
    }

    /** The value one term requires of {@code field} with '=', if the selector has such a term. */
    public String requiredValue(String field) {
        for (Term t : terms) {
            if (t.equal && t.field.equals(field)) {
                return t.value;
            }
        }
        return null;
    }

    /** Whether an object whose fields {@code values} reads (never null: "" when unset) matches. */
    public boolean matches(Function<String, String> values) {
        for (Term t : terms) {
            boolean eq = t.value.equals(values.apply(t.field));
            if (eq != t.equal) {
                return false;
            }
        }
        return true;
    }

    public static FieldSelector parse(String s) {
        if (s == null || s.isBlank()) {
            return EVERYTHING;
        }
        List<Term> out = new ArrayList<>();
        for (String part : split(s, ',')) {
            if (part.isEmpty()) {
                continue;
            }
            int i = indexUnescaped(part, "!=");
            boolean equal;
            int opLen;
            if (i >= 0) {
                equal = false;
                opLen = 2;
            } else {
                i = indexUnescaped(part, "==");
                opLen = 2;
                if (i < 0) {
                    i = indexUnescaped(part, "=");
                    opLen = 1;
                }
                equal = true;
            }
            if (i < 0) {
                throw ApiException.badRequest("invalid selector: '" + s + "'; can't understand '" + part + "'");
            }
            out.add(new Term(part.substring(0, i).trim(), equal, unescape(part.substring(i + opLen))));
        }
        return new FieldSelector(List.copyOf(out));
    }

    private static List<String> split(String s, char sep) {
        List<String> parts = new ArrayList<>();
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length()) {
                b.append(c).append(s.charAt(++i));
            } else if (c == sep) {
                parts.add(b.toString());
                b.setLength(0);
            } else {
                b.append(c);
            }
        }
        parts.add(b.toString());
        return parts;
    }

    private static int indexUnescaped(String s, String op) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) == '\\') {
                i++;
            } else if (s.startsWith(op, i)) {
                return i;
            }
        }
        return -1;
    }

    private static String unescape(String v) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                b.append(v.charAt(++i));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
