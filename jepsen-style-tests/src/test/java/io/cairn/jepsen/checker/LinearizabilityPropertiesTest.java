package io.cairn.jepsen.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.jepsen.checker.CheckResult.Verdict;
import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import io.cairn.jepsen.history.OpType;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.statistics.Statistics;

/**
 * Properties of the checker over generated histories.
 *
 * <p>Histories are built from a list of integers read as a stream of decisions ({@link Choices}), so jqwik
 * shrinks a failure to a short list and so to a small history. Each property runs against the register model
 * with and without its pruning of unneeded unknown-outcome operations, so the search's own handling of INFO
 * operations is covered as well as the pruning's soundness.
 */
class LinearizabilityPropertiesTest {
    private static final long BUDGET = 1_000_000;
    /**
     * Proving a history invalid without the model's hints means trying every subset of its pending INFO
     * operations; with up to 40% INFO that can take over a million steps. So without hints the corrupted
     * histories are only required not to be judged VALID, within a budget that keeps the property fast.
     */
    private static final long UNPRUNED_INVALID_BUDGET = 100_000;
    /** Writes in {@link SimulatedRegisterClients} use 1, 2, 3, ...; this value is never written. */
    private static final long NEVER_WRITTEN = -1;

    private final LinearizabilityChecker checker = new LinearizabilityChecker();
    private final RegisterModel pruning = new RegisterModel();
    private final WithoutPruning<RegisterModel.Register> plain = new WithoutPruning<>(new RegisterModel());

    /**
     * A real register, with every operation's effect at a random point inside its window (or, for INFO, at any
     * later point or never), produces linearizable histories by construction.
     */
    @Property(tries = 300)
    void historiesOfARealRegisterAreValid(
            @ForAll @Size(max = 400) List<@IntRange(min = 0, max = 1_000) Integer> decisions,
            @ForAll @IntRange(min = 1, max = 6) int workerCount,
            @ForAll @IntRange(min = 1, max = 3) int keyCount,
            @ForAll @IntRange(min = 0, max = 60) int opCount,
            @ForAll @IntRange(min = 0, max = 40) int infoPercent) {
        History h = SimulatedRegisterClients.run(Choices.of(decisions), workerCount, keyCount, opCount, infoPercent);

        CheckResult withPruning = checker.check(h, pruning, BUDGET);
        CheckResult withoutPruning = checker.check(h, plain, BUDGET);

        assertThat(withPruning.verdict()).as("%s%n%s", withPruning, jepsen(h)).isEqualTo(Verdict.VALID);
        assertThat(withoutPruning.verdict()).as("%s%n%s", withoutPruning, jepsen(h)).isEqualTo(Verdict.VALID);
    }

    /** The same histories with one OK read's result replaced by a value nobody wrote are never linearizable. */
    @Property(tries = 300)
    void aReadOfAValueNeverWrittenIsAlwaysInvalid(
            @ForAll @Size(max = 400) List<@IntRange(min = 0, max = 1_000) Integer> decisions,
            @ForAll @IntRange(min = 1, max = 6) int workerCount,
            @ForAll @IntRange(min = 1, max = 3) int keyCount,
            @ForAll @IntRange(min = 0, max = 60) int opCount,
            @ForAll @IntRange(min = 0, max = 40) int infoPercent,
            @ForAll @IntRange(min = 0, max = 10_000) int whichRead) {
        History h = SimulatedRegisterClients.run(Choices.of(decisions), workerCount, keyCount, opCount, infoPercent);
        List<Op> ops = new ArrayList<>(h.ops());
        List<Integer> okReads = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i).type() == OpType.OK && ops.get(i).f() == OpFunction.READ) {
                okReads.add(i);
            }
        }
        int target = okReads.get(whichRead % okReads.size());
        Op read = ops.get(target);
        ops.set(target, new Op(read.index(), read.process(), OpType.OK, OpFunction.READ, read.key(), NEVER_WRITTEN,
                null, read.timeNanos()));

        CheckResult withPruning = checker.check(ops, pruning, BUDGET);
        CheckResult withoutPruning = checker.check(ops, plain, UNPRUNED_INVALID_BUDGET);

        assertThat(withPruning.verdict()).as("%s", withPruning).isEqualTo(Verdict.INVALID);
        assertThat(withPruning.key()).isEqualTo(read.key());
        assertThat(withPruning.explanation()).contains("read -> " + NEVER_WRITTEN);
        assertThat(withoutPruning.verdict()).as("%s", withoutPruning).isNotEqualTo(Verdict.VALID);
    }

    /**
     * On tiny arbitrary histories (repeated values, random outcomes, INFO and FAIL everywhere) the checker
     * agrees with the definition of linearizability executed by brute force, in both directions.
     */
    @Property(tries = 2_000)
    void agreesWithBruteForceOnSmallArbitraryHistories(
            @ForAll @Size(max = 120) List<@IntRange(min = 0, max = 1_000) Integer> decisions) {
        History h = SmallArbitraryHistories.generate(Choices.of(decisions));
        Verdict expected = BruteForceOracle.isLinearizable(h.ops()) ? Verdict.VALID : Verdict.INVALID;

        Verdict withPruning = checker.check(h, pruning, BUDGET).verdict();
        Verdict withoutPruning = checker.check(h, plain, BUDGET).verdict();

        Statistics.label("verdict").collect(expected);
        Statistics.label("verdict").coverage(c -> {
            c.check(Verdict.VALID).percentage(p -> p > 20);
            c.check(Verdict.INVALID).percentage(p -> p > 20);
        });
        assertThat(withPruning).as("with pruning%n%s", jepsen(h)).isEqualTo(expected);
        assertThat(withoutPruning).as("without pruning%n%s", jepsen(h)).isEqualTo(expected);
    }

    private static String jepsen(History h) {
        StringBuilder sb = new StringBuilder();
        h.writeJepsen(sb);
        return sb.toString();
    }
}
