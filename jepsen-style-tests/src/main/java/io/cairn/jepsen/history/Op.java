package io.cairn.jepsen.history;

import java.util.Objects;

/**
 * One entry of a client history: an invocation or a completion of an operation on one key.
 *
 * <p>An operation is recorded as two {@code Op}s from the same process: an {@link OpType#INVOKE} and later an
 * {@link OpType#OK}, {@link OpType#FAIL} or {@link OpType#INFO} (or nothing, if the history ends first). The
 * fields mean:
 *
 * <table>
 *   <caption>value and expected, by function</caption>
 *   <tr><th>f</th><th>value</th><th>expected</th></tr>
 *   <tr><td>READ</td><td>the value read, on an OK completion; null otherwise (and null read = key absent)</td>
 *       <td>null</td></tr>
 *   <tr><td>WRITE</td><td>the value written, on every entry of the operation; null writes "absent" (a delete)</td>
 *       <td>null</td></tr>
 *   <tr><td>CAS</td><td>the new value, on every entry of the operation</td>
 *       <td>the value the key must hold for the swap (null = absent)</td></tr>
 * </table>
 *
 * <p>{@code index} is the entry's position in its {@link History} (0-based, as in Jepsen) and breaks ties
 * between equal {@code timeNanos}. Entries are immutable and validated on construction, so a malformed entry
 * fails where it is made rather than confusing the checker later.
 */
public record Op(
        long index, int process, OpType type, OpFunction f, String key, Long value, Long expected, long timeNanos) {

    public Op {
        require(index >= 0, "index must be >= 0, got " + index);
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(f, "f");
        Objects.requireNonNull(key, "key");
        require(expected == null || f == OpFunction.CAS, "only a CAS carries an expected value: " + f + " " + key);
        require(f != OpFunction.CAS || value != null, "a CAS must carry the value it writes (key " + key + ")");
        require(f != OpFunction.READ || type == OpType.OK || value == null,
                "a READ carries a value only on its OK completion, not on " + type + " (key " + key + ")");
    }

    /** True for the three completion types (OK, FAIL, INFO). */
    public boolean isCompletion() {
        return type != OpType.INVOKE;
    }

    /**
     * This entry as one EDN map in the shape of a Jepsen history line, for example
     * {@code {:index 3, :type :ok, :process 1, :f :read, :key "k2", :value 7, :time 1200}}. A CAS's value is
     * written as the vector {@code [expected new]}; null is {@code nil}.
     */
    public String toEdn() {
        StringBuilder sb = new StringBuilder(96);
        sb.append("{:index ").append(index)
                .append(", :type :").append(type.keyword())
                .append(", :process ").append(process)
                .append(", :f :").append(f.keyword())
                .append(", :key ");
        appendEdnString(sb, key);
        sb.append(", :value ");
        if (f == OpFunction.CAS) {
            sb.append('[').append(ednLong(expected)).append(' ').append(ednLong(value)).append(']');
        } else {
            sb.append(ednLong(value));
        }
        return sb.append(", :time ").append(timeNanos).append('}').toString();
    }

    @Override
    public String toString() {
        return toEdn();
    }

    private static String ednLong(Long v) {
        return v == null ? "nil" : v.toString();
    }

    /** EDN strings use the same escapes as Clojure's: backslash, double quote and the control characters. */
    private static void appendEdnString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
