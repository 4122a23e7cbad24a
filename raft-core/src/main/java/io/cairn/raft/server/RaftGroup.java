package io.cairn.raft.server;

import io.cairn.raft.core.confchange.ConfigChange;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A Raft group as a program embeds it: propose commands, read linearizably, change the membership, hand over
 * leadership, look at its status. Every method returns at once; futures complete (after the state machine
 * applied what they wait for, or exceptionally with a {@link RaftException} whose reason says what to do) on the
 * member's callback executor, never on the raft loop or the apply thread, so a callback may propose or read again.
 *
 * <pre>{@code
 * RaftGroup group = server.openGroup(1, RaftConfig.builder(1, 1, 2, 3).build(), new MyMap());
 * Object result = group.propose("put k v".getBytes()).get();        // applied on a quorum's log, then here
 * String v = group.read(() -> myMap.get("k")).get();                // linearizable
 * }</pre>
 */
public final class RaftGroup {
    private final GroupRuntime runtime;
    private final java.util.concurrent.Executor callbacks;

    RaftGroup(GroupRuntime runtime, java.util.concurrent.Executor callbacks) {
        this.runtime = runtime;
        this.callbacks = callbacks;
    }

    /**
     * {@code inner}, completed on the member's callback executor instead of the runtime thread that completes it
     * (the raft loop or the apply thread): a caller's callback may then propose or read again, even waiting for
     * room in a full queue, without blocking the threads its own request needs (no deadlock by construction).
     */
    private <T> CompletableFuture<T> relay(CompletableFuture<T> inner) {
        if (inner.isDone()) {
            return inner; // refused at once, on the caller's own thread
        }
        CompletableFuture<T> outer = new CompletableFuture<>();
        inner.whenComplete((v, e) -> callbacks.execute(() -> {
            if (e != null) {
                outer.completeExceptionally(e);
            } else {
                outer.complete(v);
            }
        }));
        return outer;
    }

    private List<CompletableFuture<Object>> relayAll(List<CompletableFuture<Object>> inner) {
        List<CompletableFuture<Object>> out = new java.util.ArrayList<>(inner.size());
        for (CompletableFuture<Object> f : inner) {
            out.add(relay(f));
        }
        return out;
    }

    public long id() {
        return runtime.groupId();
    }

    /**
     * Proposes {@code command}; completes with the state machine's result once applied here. On a follower the
     * proposal is forwarded to the leader and completes once this member applied it; it fails with NOT_LEADER
     * when no leader is known, and with {@link RaftException.Reason#UNKNOWN_OUTCOME} when the leader changed
     * before it said where it appended the command (it may or may not be applied: never a silent success).
     * Fails with {@link RaftException.Reason#OVERLOADED} at once if the group's input queue is full.
     */
    public CompletableFuture<Object> propose(byte[] command) {
        return relay(runtime.propose(command, false, true));
    }

    /**
     * Proposes {@code commands} together: one trip through the group's input queue and consecutive entries in
     * the log, which costs far less per command than as many {@link #propose} calls. One future per command,
     * in order, each completing as {@link #propose}'s would; a refusal (not the leader, overloaded, too large
     * together) fails them all.
     */
    public List<CompletableFuture<Object>> proposeAll(List<byte[]> commands) {
        return relayAll(runtime.proposeAll(commands, false, true));
    }

    /**
     * {@link #proposeAll}, but only on the leader: a follower refuses with NOT_LEADER and the leader's id, for
     * callers that send their clients to the leader themselves rather than forward.
     */
    public List<CompletableFuture<Object>> proposeAllHere(List<byte[]> commands) {
        return relayAll(runtime.proposeAll(commands, false, false));
    }

    /** Like {@link #propose}, but waits for room in the input queue instead of failing. */
    public CompletableFuture<Object> proposeWaiting(byte[] command) {
        return relay(runtime.propose(command, true, true));
    }

    /** {@link #propose}, but only on the leader (NOT_LEADER with the leader's id on a follower). */
    public CompletableFuture<Object> proposeHere(byte[] command) {
        return relay(runtime.propose(command, false, false));
    }

    /**
     * Completes once a linearizable read may be served: everything committed before the
     * call is applied. Works on followers too (the leader confirms the read index).
     */
    public CompletableFuture<Void> linearizableRead() {
        return relay(runtime.readIndex());
    }

    /**
     * Runs {@code query} against the state machine, on its apply thread, once a linearizable read may be served; the
     * future completes with its result on the callback executor.
     */
    public <T> CompletableFuture<T> read(Supplier<T> query) {
        return relay(runtime.query(query));
    }

    /** Adds a learner (a member that receives the log but does not vote). */
    public CompletableFuture<Object> addLearner(long member) {
        return relay(runtime.proposeConfigChange(ConfigChange.addLearner(member)));
    }

    /** Promotes a caught-up learner to voter (through joint consensus). */
    public CompletableFuture<Object> promote(long member) {
        return relay(runtime.proposeConfigChange(ConfigChange.addVoter(member)));
    }

    /** Removes a voter or learner (through joint consensus for a voter). */
    public CompletableFuture<Object> remove(long member) {
        return relay(runtime.proposeConfigChange(ConfigChange.remove(member)));
    }

    /** Any membership change; completes once its configuration entry is applied here. */
    public CompletableFuture<Object> changeMembership(ConfigChange change) {
        return relay(runtime.proposeConfigChange(change));
    }

    /** Leaves a joint configuration entered with an explicit leave. */
    public CompletableFuture<Object> leaveJoint() {
        return relay(runtime.proposeLeaveJoint());
    }

    /** Hands leadership to voter {@code member}; completes with the new leader's id. */
    public CompletableFuture<Long> transferLeadership(long member) {
        return relay(runtime.transferLeadership(member));
    }

    /**
     * Starts an election now instead of after an election timeout: what a group whose only voter is this member
     * does at start (etcd's initial election tick advance), so that it serves at once. Safe at any time (pre-vote
     * and the vote itself decide); a no-op on a leader or a non-voter.
     */
    public void campaign() {
        runtime.campaign();
    }

    public GroupStatus status() {
        return runtime.status();
    }
}
