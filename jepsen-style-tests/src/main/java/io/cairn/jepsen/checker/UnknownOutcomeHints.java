package io.cairn.jepsen.checker;

import java.util.Map;
import java.util.Set;

/**
 * What a model can tell the search, before it starts, about one key's operations of unknown outcome.
 *
 * <p>An operation whose outcome is unknown (INFO, or never completed) has no return event: from its invocation
 * to the end of the history it stays a candidate, and may also be left out. With several of them pending the
 * search has to consider every subset, at every point, which is where its time goes on histories with many
 * INFO operations. A model that understands its data can often say more:
 * <ul>
 *   <li>{@code unneeded}: operations that no linearization needs; the search leaves them out. Leaving them out
 *       must never turn a linearizable history into a non-linearizable one.</li>
 *   <li>{@code deadlines}: for an operation U, an operation O of known outcome such that every linearization
 *       places U before O. The search then must place U, and before O's return: U gets a return event just
 *       before O's, which makes it as cheap as an ordinary operation.</li>
 * </ul>
 * Keys of both must be operations of unknown outcome of the key being checked, and a deadline's value an
 * operation of known outcome; the checker verifies this and throws {@link IllegalStateException} otherwise.
 */
public record UnknownOutcomeHints(Set<Operation> unneeded, Map<Operation, Operation> deadlines) {

    /** No hints: every unknown-outcome operation is searched as optional, with no deadline. */
    public static final UnknownOutcomeHints NONE = new UnknownOutcomeHints(Set.of(), Map.of());

    public UnknownOutcomeHints {
        unneeded = Set.copyOf(unneeded);
        deadlines = Map.copyOf(deadlines);
        for (Operation o : deadlines.keySet()) {
            if (unneeded.contains(o)) {
                throw new IllegalArgumentException("an operation cannot be both unneeded and given a deadline: "
                        + o.describe());
            }
        }
    }
}
