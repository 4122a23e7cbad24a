package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import io.cairn.jepsen.history.OpType;

/**
 * One operation of one key, as the search sees it: an invocation paired with its completion.
 *
 * <p>{@code id} is the operation's position in its key's list (0-based, dense), which is what the search's
 * bitsets are indexed by. {@code completion} is the OK or INFO entry, or null when the history ended with
 * the operation outstanding; FAIL operations never become an {@code Operation} (they did not happen), nor
 * do READs whose result is unknown (they constrain nothing). Only an OK operation has a known outcome and
 * so a return event; the others may take effect at any point after their invocation, or never.
 *
 * <p>Public because a {@link Model} may inspect a key's operations before the search (see
 * {@link Model#unknownOutcomeHints}); the checker makes them, a model only reads them.
 */
public record Operation(int id, Op invocation, Op completion) {

    public Operation {
        if (invocation.type() != OpType.INVOKE) {
            throw new IllegalArgumentException("not an invocation: " + invocation);
        }
        if (completion != null && completion.type() != OpType.OK && completion.type() != OpType.INFO) {
            throw new IllegalArgumentException("only OK or INFO completions are searched, got " + completion);
        }
    }

    /** True when the operation completed OK: it took effect, exactly once, before its completion. */
    public boolean outcomeKnown() {
        return completion != null && completion.type() == OpType.OK;
    }

    /** What the model is given as the completion: the OK entry, or null when the outcome is unknown. */
    public Op modelCompletion() {
        return outcomeKnown() ? completion : null;
    }

    /**
     * A one-line description for explanations, for example
     * {@code #12 p3 read -> 7 (invoked at 1200ns, ok #15 at 1900ns)}; the number is the invocation's index.
     */
    public String describe() {
        return "#" + invocation.index() + " p" + invocation.process() + " " + payload()
                + " (invoked at " + invocation.timeNanos() + "ns, " + outcome() + ")";
    }

    private String payload() {
        OpFunction f = invocation.f();
        return switch (f) {
            case READ -> "read -> " + (outcomeKnown() ? nil(completion.value()) : "?");
            case WRITE -> "write " + invocation.value();
            case CAS -> "cas " + nil(invocation.expected()) + " -> " + invocation.value();
        };
    }

    private String outcome() {
        if (completion == null) {
            return "never completed: outcome unknown";
        }
        String where = completion.type().keyword() + " #" + completion.index() + " at " + completion.timeNanos() + "ns";
        return outcomeKnown() ? where : where + ": outcome unknown";
    }

    private static String nil(Long v) {
        return v == null ? "nil" : v.toString();
    }
}
