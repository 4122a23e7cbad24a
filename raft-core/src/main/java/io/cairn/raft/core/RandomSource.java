package io.cairn.raft.core;

/**
 * The core's only source of randomness (election timeout jitter). Injected so that a simulator seed decides
 * every draw; a production runtime passes a generator seeded once at start-up.
 */
@FunctionalInterface
public interface RandomSource {
    /** A uniformly distributed integer in {@code [0, bound)}. */
    int nextInt(int bound);
}
