package io.cairn.raft.core;

/**
 * Where the core explains itself. Every vote and commit decision produces one line with its reason ("reject
 * pre-vote from 2: our last entry 5/12 is newer than 5/10"), built only when {@link #enabled()} is true so that
 * a quiet production node pays nothing. The runtime logs the lines; the simulator prints them when replaying
 * one seed.
 */
public interface Tracer {
    /** A tracer that discards everything. */
    Tracer NONE = new Tracer() {
        @Override
        public boolean enabled() {
            return false;
        }

        @Override
        public void trace(long nodeId, String line) {
        }
    };

    /** Whether {@link #trace} lines are wanted; the core skips building them otherwise. */
    boolean enabled();

    /** One decision and its reason, by member {@code nodeId}. */
    void trace(long nodeId, String line);

    /** Something worth counting happened (called whether or not {@link #enabled()}). */
    default void event(long nodeId, RaftEvent event) {
    }

    /** Both tracers: lines go to each that wants them, events to both. */
    static Tracer both(Tracer a, Tracer b) {
        return new Tracer() {
            @Override
            public boolean enabled() {
                return a.enabled() || b.enabled();
            }

            @Override
            public void trace(long nodeId, String line) {
                if (a.enabled()) {
                    a.trace(nodeId, line);
                }
                if (b.enabled()) {
                    b.trace(nodeId, line);
                }
            }

            @Override
            public void event(long nodeId, RaftEvent event) {
                a.event(nodeId, event);
                b.event(nodeId, event);
            }
        };
    }
}
