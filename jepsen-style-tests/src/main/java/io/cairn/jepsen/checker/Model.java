package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;
import java.util.List;

/**
 * A sequential specification: what one key's object does when operations are applied one at a time.
 *
 * <p>The linearizability checker asks whether the concurrent history can be explained by some order of the
 * operations that respects real time and in which every operation behaves as this model says. It calls
 * {@link #step} many times on the same states while it searches, so a model must be pure: no side effects,
 * states immutable, and {@code equals}/{@code hashCode} defined by value (the search memoises on states).
 *
 * <p>{@link #step} sees an operation's invocation and, when the outcome is known (OK), its completion. When
 * the outcome is unknown (INFO, or still outstanding when the history ended) the completion is null: the model
 * then returns the state as if the operation took effect at this point (the checker separately considers that
 * it never did). A READ with an unknown result constrains nothing; the checker drops those before searching.
 *
 * @param <S> the model's state; must not be null, and must have value equality
 */
public interface Model<S> {

    /** The state before any operation. */
    S init();

    /**
     * The state after applying the operation to {@code state}, or null when the operation could not have
     * produced its recorded outcome from {@code state} (for example a READ that returned something else).
     *
     * @param invocation the operation's INVOKE entry
     * @param completion its OK entry, or null when the outcome is unknown
     */
    S step(S state, Op invocation, Op completion);

    /**
     * Optional, for speed: what this model can say about one key's operations of unknown outcome before the
     * search starts (which are never needed, which must precede a given operation). Hints must be sound: they
     * may never turn a linearizable history into a non-linearizable one. The default gives none.
     *
     * @param operations one key's operations, as the search will see them
     */
    default UnknownOutcomeHints unknownOutcomeHints(List<Operation> operations) {
        return UnknownOutcomeHints.NONE;
    }

    /** A short human-readable form of a state, used in explanations of violations. */
    default String describe(S state) {
        return String.valueOf(state);
    }
}
