package io.cairn.controlplane.scheduler;

import java.util.List;

/**
 * Score (NodeResourcesFit's default LeastAllocated strategy, weight 1): per resource (cpu and memory, weight 1
 * each), {@code (allocatable − requested) × 100 / allocatable}, where requested counts the node's pods and this
 * one with the non-zero defaults (100m cpu, 200Mi memory for a container without a request), and 0 when
 * requested exceeds allocatable or allocatable is 0; the node's score is the average over the resources.
 */
final class LeastAllocated implements Plugins.Score {
    @Override
    public String name() {
        return "NodeResourcesFit";
    }

    @Override
    public int weight() {
        return 1;
    }

    @Override
    public void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores) {
        for (int i = 0; i < scores.length; i++) {
            NodeInfo n = feasible.get(i);
            long cpu = least(n.nonZeroCpu + pod.nonZeroCpu, n.allocatable("cpu"));
            long mem = least(n.nonZeroMemory + pod.nonZeroMemory, n.allocatable("memory"));
            scores[i] = (cpu + mem) / 2;
        }
    }

    static long least(long requested, long allocatable) {
        if (allocatable == 0 || requested > allocatable) {
            return 0;
        }
        return (allocatable - requested) * Plugins.MAX_SCORE / allocatable;
    }
}
