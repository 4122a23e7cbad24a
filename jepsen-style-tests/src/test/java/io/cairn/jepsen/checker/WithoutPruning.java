package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.Op;

/**
 * A model with the same behaviour as the one it wraps but without its pre-search pruning hook, so tests can
 * exercise the search itself on unknown-outcome operations (the pruning would otherwise remove many of them
 * before the search sees them) and check that pruning never changes a verdict.
 */
final class WithoutPruning<S> implements Model<S> {
    private final Model<S> delegate;

    WithoutPruning(Model<S> delegate) {
        this.delegate = delegate;
    }

    @Override
    public S init() {
        return delegate.init();
    }

    @Override
    public S step(S state, Op invocation, Op completion) {
        return delegate.step(state, invocation, completion);
    }

    @Override
    public String describe(S state) {
        return delegate.describe(state);
    }
}
