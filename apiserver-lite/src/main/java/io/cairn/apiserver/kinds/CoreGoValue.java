package io.cairn.apiserver.kinds;

import java.util.List;

/**
 * A bad value that kube-apiserver prints with Go's {@code %#v} (a slice, a struct), so that our message reads exactly
 * as theirs: {@code spec.clusterIPs[0]: Invalid value: []string{"10.96.0.9"}: may not change once set}.
 * {@link io.cairn.apiserver.api.FieldError} prints any non-string value with {@code toString()}.
 */
record CoreGoValue(String goSyntax) {

    /** A Go {@code []string} literal. */
    static CoreGoValue strings(List<String> values) {
        StringBuilder b = new StringBuilder("[]string{");
        for (int i = 0; i < values.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(quote(values.get(i)));
        }
        return new CoreGoValue(b.append('}').toString());
    }

    /** Go's {@code %q} of a plain string. */
    static String quote(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    @Override
    public String toString() {
        return goSyntax;
    }
}
