package io.cairn.controlplane.scheduler;

import java.util.List;

/** The scheduler framework's extension points, as kube-scheduler's: Filter and Score. */
final class Plugins {
    private Plugins() {
    }

    /**
     * Why a node does not fit: the reasons ("Insufficient cpu") go to the FailedScheduling message;
     * {@code unresolvable} says preemption could not help (kube-scheduler's UnschedulableAndUnresolvable).
     */
    record Failure(List<String> reasons, boolean unresolvable) {
        static Failure of(String reason) {
            return new Failure(List.of(reason), false);
        }

        static Failure unresolvable(String reason) {
            return new Failure(List.of(reason), true);
        }
    }

    /** Whether a pod can run on a node; null when it can. */
    interface Filter {
        String name();

        Failure filter(PodInfo pod, NodeInfo node);
    }

    /**
     * Ranks the feasible nodes for a pod: fills {@code scores} (one per node of {@code feasible}) with values
     * already normalised to 0..{@link #MAX_SCORE}; {@code all} is every node, for plugins that count over the
     * cluster.
     */
    interface Score {
        String name();

        int weight();

        void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores);
    }

    static final long MAX_SCORE = 100;

    /** kube-scheduler's {@code DefaultNormalizeScore}: scales to 0..100 by the maximum; reversed if asked. */
    static void normalize(long[] scores, boolean reverse) {
        long max = 0;
        for (long s : scores) {
            max = Math.max(max, s);
        }
        for (int i = 0; i < scores.length; i++) {
            if (max == 0) {
                scores[i] = reverse ? MAX_SCORE : 0;
            } else {
                long s = MAX_SCORE * scores[i] / max;
                scores[i] = reverse ? MAX_SCORE - s : s;
            }
        }
    }
}
