package io.cairn.controlplane.scheduler;

/**
 * Score (NodeResourcesBalancedAllocation, weight 1), as kube-scheduler 1.32: with the fractions
 * {@code f_r = min(requested_r / allocatable_r, 1)} for cpu and memory (requests with the non-zero defaults,
 * this pod included), {@code score = (1 − std(f)) × 100}, std the population standard deviation; for two
 * resources that is {@code (1 − |f_cpu − f_mem| / 2) × 100}.
 */
final class BalancedAllocation extends ResourceAllocationScorer {
    @Override
    public String name() {
        return "NodeResourcesBalancedAllocation";
    }

    @Override
    long score(long cpuRequested, long cpuAllocatable, long memoryRequested, long memoryAllocatable) {
        double fc = fraction(cpuRequested, cpuAllocatable);
        double fm = fraction(memoryRequested, memoryAllocatable);
        double mean = (fc + fm) / 2;
        double std = Math.sqrt(((fc - mean) * (fc - mean) + (fm - mean) * (fm - mean)) / 2);
        return (long) ((1 - std) * Plugins.MAX_SCORE);
    }

    private static double fraction(long requested, long allocatable) {
        if (allocatable == 0) {
            return 1;
        }
        return Math.min(1.0, (double) requested / allocatable);
    }
}
