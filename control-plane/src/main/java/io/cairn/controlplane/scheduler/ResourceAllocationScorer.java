package io.cairn.controlplane.scheduler;

import java.util.List;

/**
 * kube-scheduler's {@code resourceAllocationScorer}, what NodeResourcesFit and NodeResourcesBalancedAllocation share:
 * each node scored from the cpu and memory requested on it (its pods and this one, with the non-zero defaults) and its
 * allocatable amounts; weight 1, as in the default profile.
 */
abstract class ResourceAllocationScorer implements Plugins.Score {
    @Override
    public int weight() {
        return 1;
    }

    @Override
    public final void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores) {
        for (int i = 0; i < scores.length; i++) {
            NodeInfo n = feasible.get(i);
            scores[i] = score(n.nonZeroCpu + pod.nonZeroCpu, n.allocatable("cpu"),
                    n.nonZeroMemory + pod.nonZeroMemory, n.allocatable("memory"));
        }
    }

    /** The node's score, 0..{@link Plugins#MAX_SCORE}, from what is requested of and allocatable on it. */
    abstract long score(long cpuRequested, long cpuAllocatable, long memoryRequested, long memoryAllocatable);
}
