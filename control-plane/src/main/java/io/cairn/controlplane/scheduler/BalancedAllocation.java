package io.cairn.controlplane.scheduler;

import java.util.List;

/**
 * Score (NodeResourcesBalancedAllocation, weight 1), as kube-scheduler 1.32: with the fractions
 * {@code f_r = min(requested_r / allocatable_r, 1)} for cpu and memory (requests with the non-zero defaults,
 * this pod included), {@code score = (1 − std(f)) × 100}, std the population standard deviation; for two
 * resources that is {@code (1 − |f_cpu − f_mem| / 2) × 100}.
 */
final class BalancedAllocation implements Plugins.Score {
    @Override
    public String name() {
        return "NodeResourcesBalancedAllocation";
    }

    @Override
    public int weight() {
        return 1;
    }

    @Override
    public void score(PodInfo pod, List<NodeInfo> feasible, List<NodeInfo> all, long[] scores) {
        for (int i = 0; i < scores.length; i++) {
            NodeInfo n = feasible.get(i);
            double fc = fraction(n.nonZeroCpu + pod.nonZeroCpu, n.allocatable("cpu"));
            double fm = fraction(n.nonZeroMemory + pod.nonZeroMemory, n.allocatable("memory"));
            double mean = (fc + fm) / 2;
            double std = Math.sqrt(((fc - mean) * (fc - mean) + (fm - mean) * (fm - mean)) / 2);
            scores[i] = (long) ((1 - std) * Plugins.MAX_SCORE);
        }
    }

    private static double fraction(long requested, long allocatable) {
        if (allocatable == 0) {
            return 1;
        }
        return Math.min(1.0, (double) requested / allocatable);
    }
}
