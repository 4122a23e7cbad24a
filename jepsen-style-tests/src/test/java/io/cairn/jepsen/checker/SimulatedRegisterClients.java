package io.cairn.jepsen.checker;

import io.cairn.jepsen.history.History;
import io.cairn.jepsen.history.Op;
import io.cairn.jepsen.history.OpFunction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Produces histories that are linearizable by construction, for the checker's positive properties.
 *
 * <p>Clients run against a real sequential key-value store (a {@link HashMap} of registers). Each operation
 * is invoked, later takes effect at one instant chosen by the {@link Choices} (an "apply" action), and later
 * still completes; so its effect lies inside its invocation-completion window and the order of apply actions
 * is a linearization. Outcomes follow Jepsen's rules: an applied operation completes OK (a CAS whose
 * comparison failed completes FAIL, as it did nothing) or INFO; an operation not applied completes FAIL
 * (and is never applied) or INFO, after which it may still be applied at any later moment, or never. A
 * process that got an INFO is retired and its worker continues under a fresh process id. At the end some
 * operations are left outstanding, then one final read per key runs alone, so every history has OK reads.
 *
 * <p>Values written are unique (1, 2, 3, ...), so a read of a value outside that range was never written.
 */
final class SimulatedRegisterClients {
    private final Choices choices;
    private final int keyCount;
    private final int opCount;
    private final int infoPercent;
    private final History history = new History();
    private final Map<String, Long> store = new HashMap<>();
    private final List<Pending> limbo = new ArrayList<>();
    private final Worker[] workers;
    private long nowNanos;
    private long nextValue = 1;
    private int nextProcess;
    private int invokedCount;

    /** An operation whose effect the store has or has not yet seen. */
    private static final class Pending {
        final Op invocation;
        boolean applied;
        boolean changedStore;
        Long readResult;

        Pending(Op invocation) {
            this.invocation = invocation;
        }
    }

    /** A client thread; its process id changes when its operation ends in INFO. */
    private static final class Worker {
        int process;
        Pending pending;
    }

    private SimulatedRegisterClients(Choices choices, int workerCount, int keyCount, int opCount, int infoPercent) {
        this.choices = choices;
        this.keyCount = keyCount;
        this.opCount = opCount;
        this.infoPercent = infoPercent;
        this.workers = new Worker[workerCount];
        for (int i = 0; i < workerCount; i++) {
            workers[i] = new Worker();
            workers[i].process = nextProcess++;
        }
    }

    static History run(Choices choices, int workerCount, int keyCount, int opCount, int infoPercent) {
        SimulatedRegisterClients sim =
                new SimulatedRegisterClients(choices, workerCount, keyCount, opCount, infoPercent);
        sim.runClients();
        sim.finalReads();
        return sim.history;
    }

    private void runClients() {
        int iterationsMax = 10 * opCount + 100;
        for (int i = 0; i < iterationsMax; i++) {
            nowNanos += choices.next(3);
            List<Runnable> actions = candidateActions();
            if (actions.isEmpty()) {
                return;
            }
            Runnable action = actions.get(choices.next(actions.size()));
            if (action == null) {
                return;
            }
            action.run();
        }
    }

    /** The actions possible now; a null entry means "stop here". Index 0 is always a step towards the end. */
    private List<Runnable> candidateActions() {
        List<Runnable> actions = new ArrayList<>();
        if (invokedCount >= opCount) {
            actions.add(null);
        }
        for (Worker w : workers) {
            if (w.pending != null && !w.pending.applied) {
                actions.add(() -> apply(w.pending));
            }
        }
        for (Worker w : workers) {
            if (w.pending != null) {
                actions.add(() -> complete(w));
            }
        }
        for (Worker w : workers) {
            if (w.pending == null && invokedCount < opCount) {
                actions.add(() -> invoke(w));
            }
        }
        for (Pending p : limbo) {
            actions.add(() -> {
                apply(p);
                limbo.remove(p);
            });
        }
        return actions;
    }

    private void invoke(Worker w) {
        OpFunction f = OpFunction.values()[choices.next(3)];
        String key = "k" + choices.next(keyCount);
        Long value = f == OpFunction.READ ? null : nextValue++;
        Long expected = f == OpFunction.CAS ? chooseExpected(key) : null;
        w.pending = new Pending(history.invoke(w.process, f, key, value, expected, nowNanos));
        invokedCount++;
    }

    /** Mostly the current value (so CASes often succeed), sometimes absent, sometimes an older value. */
    private Long chooseExpected(String key) {
        return switch (choices.next(4)) {
            case 0, 1 -> store.get(key);
            case 2 -> null;
            default -> 1L + choices.next((int) Math.min(Integer.MAX_VALUE, nextValue));
        };
    }

    private void apply(Pending p) {
        Op inv = p.invocation;
        Long current = store.get(inv.key());
        switch (inv.f()) {
            case READ -> p.readResult = current;
            case WRITE -> {
                store.put(inv.key(), inv.value());
                p.changedStore = true;
            }
            case CAS -> {
                if (Objects.equals(current, inv.expected())) {
                    store.put(inv.key(), inv.value());
                    p.changedStore = true;
                }
            }
        }
        p.applied = true;
    }

    private void complete(Worker w) {
        Pending p = w.pending;
        w.pending = null;
        if (choices.next(100) < infoPercent) {
            history.info(p.invocation, nowNanos);
            w.process = nextProcess++;
            if (!p.applied && p.invocation.f() != OpFunction.READ) {
                limbo.add(p);
            }
            return;
        }
        if (!p.applied && choices.next(4) == 0) {
            history.fail(p.invocation, nowNanos);
            return;
        }
        if (!p.applied) {
            apply(p);
        }
        boolean casDidNothing = p.invocation.f() == OpFunction.CAS && !p.changedStore;
        if (casDidNothing) {
            history.fail(p.invocation, nowNanos);
        } else {
            history.ok(p.invocation, p.readResult, nowNanos);
        }
    }

    private void finalReads() {
        nowNanos += 10;
        for (int k = 0; k < keyCount; k++) {
            String key = "k" + k;
            Op read = history.invoke(nextProcess++, OpFunction.READ, key, null, null, nowNanos);
            history.ok(read, store.get(key), nowNanos + 1);
            nowNanos += 2;
        }
    }
}
