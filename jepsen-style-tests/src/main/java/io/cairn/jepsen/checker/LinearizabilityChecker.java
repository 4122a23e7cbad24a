package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides whether a client history is linearizable with respect to a sequential model, per key.
 *
 * <p>Why it exists: the simulator and the fault harness record what clients were told; this class is what turns
 * that record into a verdict. It is the Wing and Gong search with Lowe's memoisation, as in the Porcupine
 * checker, applied separately to each key (linearizability is local, so keys are independent and checking them
 * apart is both sound and much cheaper). Jepsen's completion rules are applied first: FAIL operations are
 * removed, READs with an unknown result are removed, and INFO or never-completed WRITEs and CASes may take
 * effect at any point after their invocation or never. Real-time order is taken from the entries'
 * {@code timeNanos}, ties broken by their order in the history. Before searching a key, the model may give
 * hints about its unknown-outcome operations ({@link Model#unknownOutcomeHints}): which are never needed, and
 * which must precede some acknowledged operation.
 *
 * <p>Verdict: INVALID if any key is not linearizable (the first such key, in key order, is reported and the
 * remaining keys are not searched); otherwise UNKNOWN if any key's search ran out of budget; otherwise VALID.
 *
 * <p>Budget: {@code stepBudget} is given to <em>each key</em>, so a hard key cannot starve the others of the
 * chance to be found INVALID; the work of one call is therefore at most (number of keys) x {@code stepBudget}
 * steps. A step is one iteration of the search loop (see {@link KeySearch}); it is counted, never timed, so
 * verdicts are reproducible. {@link CheckResult#stepsUsed()} is the sum over the keys searched. Memory grows
 * with steps (one memo entry per linearization step), which the budget also bounds.
 *
 * <p>Stateless and thread-safe; the model must be pure (see {@link Model}).
 */
public final class LinearizabilityChecker {

    /** A per-key step budget that decides simulator-sized histories (thousands of operations) with room to spare. */
    public static final long DEFAULT_STEP_BUDGET_PER_KEY = 2_000_000;

    /** Checks a recorded history; operations still outstanding are treated as INFO. */
    public <S> CheckResult check(History history, Model<S> model, long stepBudget) {
        return check(history.ops(), model, stepBudget);
    }

    /**
     * Checks a history given as its entries in recorded order (for example one read back from a file).
     *
     * @throws IllegalArgumentException if the entries are not a well-formed history
     */
    public <S> CheckResult check(List<Op> ops, Model<S> model, long stepBudget) {
        requireBudget(stepBudget);
        Objects.requireNonNull(model, "model");
        Map<String, KeyOperations> byKey = KeyOperations.partition(ops);
        long stepsUsed = 0;
        CheckResult firstUnknown = null;
        for (KeyOperations keyOps : byKey.values()) {
            CheckResult r = checkKey(keyOps, model, stepBudget);
            stepsUsed += r.stepsUsed();
            if (r.verdict() == CheckResult.Verdict.INVALID) {
                return new CheckResult(r.verdict(), r.key(), r.explanation(), stepsUsed);
            }
            if (r.verdict() == CheckResult.Verdict.UNKNOWN && firstUnknown == null) {
                firstUnknown = r;
            }
        }
        if (firstUnknown != null) {
            return new CheckResult(firstUnknown.verdict(), firstUnknown.key(), firstUnknown.explanation(), stepsUsed);
        }
        String explanation = "linearizable: all " + byKey.size() + " keys, "
                + byKey.values().stream().mapToInt(k -> k.operations().size()).sum()
                + " operations (FAIL operations and reads of unknown result excluded)";
        return new CheckResult(CheckResult.Verdict.VALID, null, explanation, stepsUsed);
    }

    /**
     * Checks every key and returns each key's own result, in key order; useful for a report that lists all the
     * keys that failed rather than the first. Each key's {@code stepsUsed} is its own.
     */
    public <S> Map<String, CheckResult> checkEachKey(List<Op> ops, Model<S> model, long stepBudget) {
        requireBudget(stepBudget);
        Objects.requireNonNull(model, "model");
        Map<String, CheckResult> results = new LinkedHashMap<>();
        for (KeyOperations keyOps : KeyOperations.partition(ops).values()) {
            results.put(keyOps.key(), checkKey(keyOps, model, stepBudget));
        }
        return results;
    }

    private static <S> CheckResult checkKey(KeyOperations keyOps, Model<S> model, long stepBudget) {
        KeyOperations searched = keyOps.withHints(model.unknownOutcomeHints(keyOps.operations()));
        return new KeySearch<>(searched, model, stepBudget).run();
    }

    private static void requireBudget(long stepBudget) {
        if (stepBudget <= 0) {
            throw new IllegalArgumentException("stepBudget must be positive, got " + stepBudget);
        }
    }
}
