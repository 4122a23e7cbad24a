package io.cairn.jepsen.checker;

import java.util.Objects;

/**
 * The linearizability checker's verdict on a history, with enough text to act on it.
 *
 * <p>{@code key} is the key the verdict is about: the first key found not linearizable (INVALID), the first
 * key whose search ran out of budget (UNKNOWN), the key itself in a per-key result
 * ({@link LinearizabilityChecker#checkEachKey}), or null when a whole history is VALID. {@code explanation}
 * is meant for a person reading a failed test: for INVALID it names the key, the longest linearizable prefix
 * the search found, and the operations that could not be placed after it; for UNKNOWN it says the budget ran
 * out. {@code stepsUsed} is the number of search steps spent (summed over the keys checked).
 */
public record CheckResult(Verdict verdict, String key, String explanation, long stepsUsed) {

    /** What the checker concluded. */
    public enum Verdict {
        /** Some order of the operations respects real time and the model: the history is linearizable. */
        VALID,
        /** No such order exists: the history is not linearizable. */
        INVALID,
        /** The search ran out of its step budget before deciding; the history may be either. */
        UNKNOWN
    }

    public CheckResult {
        Objects.requireNonNull(verdict, "verdict");
        Objects.requireNonNull(explanation, "explanation");
        if (stepsUsed < 0) {
            throw new IllegalArgumentException("stepsUsed must be >= 0, got " + stepsUsed);
        }
    }

    public boolean isValid() {
        return verdict == Verdict.VALID;
    }

    public boolean isInvalid() {
        return verdict == Verdict.INVALID;
    }

    @Override
    public String toString() {
        return verdict + (key == null ? "" : " (key \"" + key + "\")") + " after " + stepsUsed + " steps: "
                + explanation;
    }
}
