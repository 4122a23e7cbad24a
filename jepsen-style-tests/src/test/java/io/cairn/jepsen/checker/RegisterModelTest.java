package io.cairn.jepsen.checker;

import static io.cairn.jepsen.history.OpFunction.CAS;
import static io.cairn.jepsen.history.OpFunction.READ;
import static io.cairn.jepsen.history.OpFunction.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cairn.jepsen.checker.RegisterModel.Register;
import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegisterModelTest {
    private final RegisterModel model = new RegisterModel();
    private final History h = new History();

    private Op invoke(int process, OpFunction f, Long value, Long expected) {
        return h.invoke(process, f, "k", value, expected, h.ops().size());
    }

    private Op ok(Op invocation, Long readValue) {
        return h.ok(invocation, readValue, h.ops().size());
    }

    @Test
    void startsAbsent() {
        assertThat(model.init()).isEqualTo(new Register(null));
    }

    @Test
    void readIsLegalOnlyForTheValueHeld() {
        Op r = invoke(0, READ, null, null);
        Op done = ok(r, 3L);

        assertThat(model.step(new Register(3L), r, done)).isEqualTo(new Register(3L));
        assertThat(model.step(new Register(4L), r, done)).isNull();
        assertThat(model.step(Register.ABSENT, r, done)).isNull();
        assertThat(model.step(new Register(4L), r, null)).as("unknown result").isEqualTo(new Register(4L));
    }

    @Test
    void writeAlwaysReplacesTheValue() {
        Op w = invoke(0, WRITE, 9L, null);

        assertThat(model.step(new Register(1L), w, ok(w, null))).isEqualTo(new Register(9L));
        assertThat(model.step(Register.ABSENT, w, null)).isEqualTo(new Register(9L));
    }

    @Test
    void aWriteOfNothingDeletes() {
        Op delete = invoke(0, WRITE, null, null);
        Op read = invoke(1, READ, null, null);

        assertThat(model.step(new Register(4L), delete, ok(delete, null))).isEqualTo(Register.ABSENT);
        assertThat(model.step(Register.ABSENT, read, ok(read, null))).as("absent reads as nil")
                .isEqualTo(Register.ABSENT);
    }

    @Test
    void casSwapsOnlyWhenTheExpectedValueIsThere() {
        Op c = invoke(0, CAS, 2L, 1L);
        Op done = ok(c, null);
        Op fromAbsent = invoke(0, CAS, 5L, null);

        assertThat(model.step(new Register(1L), c, done)).isEqualTo(new Register(2L));
        assertThat(model.step(new Register(7L), c, done)).isNull();
        assertThat(model.step(new Register(7L), c, null)).as("unknown outcome, comparison fails").isNull();
        assertThat(model.step(Register.ABSENT, fromAbsent, null)).isEqualTo(new Register(5L));
    }

    @Test
    void statesHaveValueEquality() {
        assertThat(new Register(5L)).isEqualTo(new Register(5L)).hasSameHashCodeAs(new Register(5L));
        assertThat(model.describe(new Register(null))).isEqualTo("register holds nil");
    }

    @Test
    void hintsLeaveOutUnknownOperationsWhoseValueNobodyObserves() {
        Operation w1 = operation(0, h.ok(invoke(0, WRITE, 1L, null), null, 1));
        Operation infoUnread = operation(1, h.info(invoke(1, WRITE, 2L, null), 3));
        Operation infoRead = operation(2, h.info(invoke(2, WRITE, 3L, null), 5));
        Operation read3 = operation(3, h.ok(invoke(3, READ, null, null), 3L, 7));
        Operation infoCasUnread = operation(4, h.info(invoke(4, CAS, 4L, 3L), 9));

        UnknownOutcomeHints hints = model.unknownOutcomeHints(List.of(w1, infoUnread, infoRead, read3, infoCasUnread));

        assertThat(hints.unneeded()).containsExactlyInAnyOrder(infoUnread, infoCasUnread);
        assertThat(hints.deadlines()).isEqualTo(Map.of(infoRead, read3));
    }

    @Test
    void anUnknownCasWhoseResultIsNeededMakesTheValueItExpectsNeeded() {
        Operation infoWrite = operation(0, h.info(invoke(0, WRITE, 1L, null), 1));
        Operation infoCas = operation(1, h.info(invoke(1, CAS, 2L, 1L), 3));
        Operation read = operation(2, h.ok(invoke(2, READ, null, null), 2L, 5));

        UnknownOutcomeHints hints = model.unknownOutcomeHints(List.of(infoWrite, infoCas, read));

        assertThat(hints.unneeded()).isEmpty();
        assertThat(hints.deadlines()).as("only the CAS's value is observed").isEqualTo(Map.of(infoCas, read));
    }

    /**
     * A read of nothing may come before every write: the register starts absent, so an unknown delete (a write of
     * absent) is needed but gets no deadline from it, even when it is the only delete.
     */
    @Test
    void anUnknownDeleteGetsNoDeadlineFromAReadOfNothing() {
        Operation okWrite = operation(0, h.ok(invoke(0, WRITE, 1L, null), null, 1));
        Operation infoDelete = operation(1, h.info(invoke(1, WRITE, null, null), 3));
        Operation readNothing = operation(2, h.ok(invoke(2, READ, null, null), null, 5));

        UnknownOutcomeHints hints = model.unknownOutcomeHints(List.of(okWrite, infoDelete, readNothing));

        assertThat(hints.unneeded()).isEmpty();
        assertThat(hints.deadlines()).isEmpty();
    }

    @Test
    void noDeadlineWhenAnotherOperationWritesTheSameValue() {
        Operation infoA = operation(0, h.info(invoke(0, WRITE, 5L, null), 1));
        Operation okB = operation(1, h.ok(invoke(1, WRITE, 5L, null), null, 3));
        Operation read = operation(2, h.ok(invoke(2, READ, null, null), 5L, 5));

        UnknownOutcomeHints hints = model.unknownOutcomeHints(List.of(infoA, okB, read));

        assertThat(hints.unneeded()).isEmpty();
        assertThat(hints.deadlines()).isEmpty();
    }

    @Test
    void theDeadlineIsTheEarliestCompletionThatObservesTheValue() {
        Operation info = operation(0, h.info(invoke(0, WRITE, 5L, null), 1));
        Op lateRead = invoke(1, READ, null, null);
        Op earlyCas = invoke(2, CAS, 6L, 5L);
        Operation cas = operation(2, h.ok(earlyCas, null, 10));
        Operation read = operation(1, h.ok(lateRead, 5L, 20));

        UnknownOutcomeHints hints = model.unknownOutcomeHints(List.of(info, read, cas));

        assertThat(hints.deadlines()).isEqualTo(Map.of(info, cas));
    }

    /** The only writer of 2 was invoked after the read of 2 returned: its deadline cannot be met. */
    @Test
    void aDeadlineThatCannotBeMetMakesTheKeyInvalidAndIsExplained() {
        ok(invoke(0, READ, null, null), 2L);
        h.info(invoke(1, WRITE, 2L, null), h.ops().size());

        CheckResult r = new LinearizabilityChecker().check(h, model, 1_000);

        assertThat(r.verdict()).isEqualTo(CheckResult.Verdict.INVALID);
        assertThat(r.explanation()).contains("#2 p1 write 2").contains("the completion the model says it must precede");
    }

    /** A model whose hints are wrong is caught before it can corrupt a verdict. */
    @Test
    void hintsThatNameAnOperationOfKnownOutcomeAreRejected() {
        h.ok(invoke(0, WRITE, 1L, null), null, 1);
        Model<Register> lying = new Model<>() {
            @Override
            public Register init() {
                return model.init();
            }

            @Override
            public Register step(Register state, Op invocation, Op completion) {
                return model.step(state, invocation, completion);
            }

            @Override
            public UnknownOutcomeHints unknownOutcomeHints(List<Operation> operations) {
                return new UnknownOutcomeHints(Set.copyOf(operations), Map.of());
            }
        };

        assertThatThrownBy(() -> new LinearizabilityChecker().check(h, lying, 1_000))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("unneeded");
    }

    /** The operation made of an invocation and its completion; the invocation is the entry just before it. */
    private Operation operation(int id, Op completion) {
        Op invocation = h.ops().stream()
                .filter(o -> o.process() == completion.process() && o.index() < completion.index())
                .reduce((a, b) -> b)
                .orElseThrow();
        return new Operation(id, invocation, completion);
    }
}
