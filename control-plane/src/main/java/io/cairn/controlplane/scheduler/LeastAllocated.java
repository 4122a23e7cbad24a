package io.cairn.controlplane.scheduler;

/**
 * Score (NodeResourcesFit's default LeastAllocated strategy, weight 1): per resource (cpu and memory, weight 1
 * each), {@code (allocatable − requested) × 100 / allocatable}, where requested counts the node's pods and this
 * one with the non-zero defaults (100m cpu, 200Mi memory for a container without a request), and 0 when
 * requested exceeds allocatable or allocatable is 0; the node's score is the average over the resources.
 */
final class LeastAllocated extends ResourceAllocationScorer {
    @Override
    public String name() {
        return "NodeResourcesFit";
    }

    @Override
    long score(long cpuRequested, long cpuAllocatable, long memoryRequested, long memoryAllocatable) {
        return (least(cpuRequested, cpuAllocatable) + least(memoryRequested, memoryAllocatable)) / 2;
    }

    static long least(long requested, long allocatable) {
        if (allocatable == 0 || requested > allocatable) {
            return 0;
        }
        return (allocatable - requested) * Plugins.MAX_SCORE / allocatable;
    }
}
