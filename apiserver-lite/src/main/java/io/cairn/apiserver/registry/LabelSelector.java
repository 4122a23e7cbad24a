package io.cairn.apiserver.registry;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.validation.Validators;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A label selector in the query form ({@code app=web,tier!=db,env in (a,b),track notin (x),!legacy,canary}), with every
 * operator of Kubernetes' {@code labels.Parse}: {@code =}, {@code ==}, {@code !=}, {@code in}, {@code notin},
 * exists and {@code !} (does not exist). An empty selector matches everything.
 */
public final class LabelSelector {
    enum Op { EQ, NE, IN, NOTIN, EXISTS, NOT_EXISTS }

    record Requirement(String key, Op op, Set<String> values) {
        boolean matches(JsonNode labels) {
            JsonNode v = labels == null ? null : labels.get(key);
            boolean has = v != null && !v.isNull();
            String s = has ? v.asText() : null;
            return switch (op) {
                case EQ, IN -> has && values.contains(s);
                case NE, NOTIN -> !has || !values.contains(s);
                case EXISTS -> has;
                case NOT_EXISTS -> !has;
            };
        }
    }

    private static final LabelSelector EVERYTHING = new LabelSelector(List.of());

    private final List<Requirement> requirements;

    private LabelSelector(List<Requirement> requirements) {
        this.requirements = requirements;
    }

    public static LabelSelector everything() {
        return EVERYTHING;
    }

    public boolean isEmpty() {
        return requirements.isEmpty();
    }

    /** Whether an object with {@code labels} (its {@code metadata.labels}, possibly null) matches. */
    public boolean matches(JsonNode labels) {
        for (Requirement r : requirements) {
            if (!r.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A selector object ({@code metav1.LabelSelector}: {@code matchLabels}, {@code matchExpressions}) in the query
     * form, as {@code labels.Selector.String()} prints it (kubectl's SELECTOR column, a Scale's {@code status.selector}): requirements sorted by key, {@code k=v},
     * {@code k in (a,b)}, {@code k notin (a,b)}, {@code k}, {@code !k}; "" for an empty or absent selector.
     */
    public static String format(JsonNode selector) {
        if (selector == null || !selector.isObject()) {
            return "";
        }
        TreeMap<String, List<String>> byKey = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = selector.path("matchLabels").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            byKey.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getKey() + "=" + e.getValue().asText());
        }
        for (JsonNode r : selector.path("matchExpressions")) {
            String key = r.path("key").asText();
            List<String> values = new ArrayList<>();
            r.path("values").forEach(v -> values.add(v.asText()));
            values.sort(null);
            String text = switch (r.path("operator").asText()) {
                case "In" -> key + " in (" + String.join(",", values) + ")";
                case "NotIn" -> key + " notin (" + String.join(",", values) + ")";
                case "Exists" -> key;
                case "DoesNotExist" -> "!" + key;
                default -> key + " " + r.path("operator").asText() + " (" + String.join(",", values) + ")";
            };
            byKey.computeIfAbsent(key, k -> new ArrayList<>()).add(text);
        }
        List<String> parts = new ArrayList<>();
        byKey.values().forEach(parts::addAll);
        return String.join(",", parts);
    }

    /** Parses the query form; a syntax error is a 400 naming the selector. */
    public static LabelSelector parse(String s) {
        if (s == null || s.isBlank()) {
            return EVERYTHING;
        }
        List<Requirement> out = new ArrayList<>();
        Lexer lx = new Lexer(s);
        while (true) {
            lx.skipSpaces();
            if (lx.done()) {
                break;
            }
            out.add(requirement(lx, s));
            lx.skipSpaces();
            if (lx.done()) {
                break;
            }
            if (lx.peek() != ',') {
                throw bad(s, "expected ',' at position " + lx.pos);
            }
            lx.pos++;
            lx.skipSpaces();
            if (lx.done()) {
                throw bad(s, "found '', expected: identifier after ','");
            }
        }
        return new LabelSelector(List.copyOf(out));
    }

    private static Requirement requirement(Lexer lx, String s) {
        if (lx.peek() == '!') {
            lx.pos++;
            lx.skipSpaces();
            String key = key(lx, s);
            return new Requirement(key, Op.NOT_EXISTS, Set.of());
        }
        String key = key(lx, s);
        lx.skipSpaces();
        if (lx.done() || lx.peek() == ',') {
            return new Requirement(key, Op.EXISTS, Set.of());
        }
        if (lx.startsWith("==")) {
            lx.pos += 2;
            return new Requirement(key, Op.EQ, Set.of(value(lx, s)));
        }
        if (lx.startsWith("!=")) {
            lx.pos += 2;
            return new Requirement(key, Op.NE, Set.of(value(lx, s)));
        }
        if (lx.startsWith("=")) {
            lx.pos += 1;
            return new Requirement(key, Op.EQ, Set.of(value(lx, s)));
        }
        Op op;
        if (lx.startsWithWord("notin")) {
            lx.pos += 5;
            op = Op.NOTIN;
        } else if (lx.startsWithWord("in")) {
            lx.pos += 2;
            op = Op.IN;
        } else {
            throw bad(s, "found '" + lx.rest() + "', expected: in, notin, =, ==, !=");
        }
        lx.skipSpaces();
        if (lx.done() || lx.peek() != '(') {
            throw bad(s, "found '" + lx.rest() + "', expected: '('");
        }
        lx.pos++;
        Set<String> values = new LinkedHashSet<>();
        while (true) {
            lx.skipSpaces();
            if (lx.done()) {
                throw bad(s, "found '', expected: ')'");
            }
            if (lx.peek() == ')') {
                lx.pos++;
                break;
            }
            values.add(value(lx, s));
            lx.skipSpaces();
            if (!lx.done() && lx.peek() == ',') {
                lx.pos++;
            }
        }
        return new Requirement(key, op, Set.copyOf(values));
    }

    private static String key(Lexer lx, String s) {
        String k = lx.word();
        if (k.isEmpty()) {
            throw bad(s, "found '" + lx.rest() + "', expected: identifier");
        }
        String err = Validators.checkQualifiedName(k);
        if (err != null) {
            throw bad(s, "invalid label key \"" + k + "\": " + err);
        }
        return k;
    }

    private static String value(Lexer lx, String s) {
        lx.skipSpaces();
        String v = lx.word();
        String err = Validators.checkLabelValue(v);
        if (err != null) {
            throw bad(s, "invalid label value: \"" + v + "\": at key: " + err);
        }
        return v;
    }

    private static ApiException bad(String s, String why) {
        return ApiException.badRequest("unable to parse requirement: " + why + " (selector \"" + s + "\")");
    }

    /** A cursor over the selector text. */
    private static final class Lexer {
        final String s;
        int pos;

        Lexer(String s) {
            this.s = s;
        }

        boolean done() {
            return pos >= s.length();
        }

        char peek() {
            return s.charAt(pos);
        }

        String rest() {
            return s.substring(Math.min(pos, s.length()));
        }

        boolean startsWith(String t) {
            return s.startsWith(t, pos);
        }

        boolean startsWithWord(String w) {
            if (!s.startsWith(w, pos)) {
                return false;
            }
            int end = pos + w.length();
            return end < s.length() && (s.charAt(end) == ' ' || s.charAt(end) == '(');
        }

        void skipSpaces() {
            while (pos < s.length() && s.charAt(pos) == ' ') {
                pos++;
            }
        }

        /** Characters up to a space, ',', '=', '!', '(' or ')'. */
        String word() {
            int start = pos;
            while (pos < s.length() && " ,=!()".indexOf(s.charAt(pos)) < 0) {
                pos++;
            }
            return s.substring(start, pos);
        }
    }
}
