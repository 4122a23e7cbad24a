package io.cairn.jepsen.checker;

/**
 * Every hand-made history of {@link LinearizabilityCheckerTest} again, with the register model's pruning of
 * unneeded unknown-outcome operations turned off: the INFO cases then exercise the search itself (the pruning
 * would remove the never-read INFO writes before the search sees them), and equal verdicts show the pruning
 * changes none of them.
 */
class LinearizabilityCheckerWithoutPruningTest extends LinearizabilityCheckerTest {
    @Override
    Model<RegisterModel.Register> model() {
        return new WithoutPruning<>(new RegisterModel());
    }
}
