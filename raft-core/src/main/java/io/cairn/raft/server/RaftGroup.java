package io.cairn.raft.server;

import io.cairn.raft.core.confchange.ConfigChange;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * A Raft group as a program embeds it: propose commands, read linearizably, change the membership, hand over
 * leadership, look at its status. Every method returns at once; futures complete on the group's apply thread
 * (after the state machine applied what they wait for) or exceptionally with a {@link RaftException} whose
 * reason says what to do.
 *
 * <pre>{@code
 * RaftGroup group = server.openGroup(1, RaftConfig.builder(1, 1, 2, 3).build(), new MyMap());
 * Object result = group.propose("put k v".getBytes()).get();        // applied on a quorum's log, then here
 * String v = group.read(() -> myMap.get("k")).get();                // linearizable
 * }</pre>
 */
public final class RaftGroup {
    private final GroupRuntime runtime;

    RaftGroup(GroupRuntime runtime) {
        this.runtime = runtime;
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
        return runtime.propose(command, false, true);
    }

    /**
     * Proposes {@code commands} together: one trip through the group's input queue and consecutive entries in
     * the log, which costs far less per command than as many {@link #propose} calls. One future per command,
     * in order, each completing as {@link #propose}'s would; a refusal (not the leader, overloaded, too large
     * together) fails them all.
     */
    public List<CompletableFuture<Object>> proposeAll(List<byte[]> commands) {
        return runtime.proposeAll(commands, false, true);
    }

    /**
     * {@link #proposeAll}, but only on the leader: a follower refuses with NOT_LEADER and the leader's id, for
     * callers that send their clients to the leader themselves rather than forward.
     */
    public List<CompletableFuture<Object>> proposeAllHere(List<byte[]> commands) {
        return runtime.proposeAll(commands, false, false);
    }

    /** Like {@link #propose}, but waits for room in the input queue instead of failing. */
    public CompletableFuture<Object> proposeWaiting(byte[] command) {
        return runtime.propose(command, true, true);
    }

    /** {@link #propose}, but only on the leader (NOT_LEADER with the leader's id on a follower). */
    public CompletableFuture<Object> proposeHere(byte[] command) {
        return runtime.propose(command, false, false);
    }

    /**
     * Completes (on the apply thread) once a linearizable read may be served: everything committed before the
     * call is applied. Works on followers too (the leader confirms the read index).
     */
    public CompletableFuture<Void> linearizableRead() {
        return runtime.readIndex();
    }

    /** Runs {@code query} against the state machine, on its apply thread, once a linearizable read may be served. */
    public <T> CompletableFuture<T> read(Supplier<T> query) {
        return runtime.query(query);
    }

    /** Adds a learner (a member that receives the log but does not vote). */
    public CompletableFuture<Object> addLearner(long member) {
        return runtime.proposeConfigChange(ConfigChange.addLearner(member));
    }

    /** Promotes a caught-up learner to voter (through joint consensus). */
    public CompletableFuture<Object> promote(long member) {
        return runtime.proposeConfigChange(ConfigChange.addVoter(member));
    }

    /** Removes a voter or learner (through joint consensus for a voter). */
    public CompletableFuture<Object> remove(long member) {
        return runtime.proposeConfigChange(ConfigChange.remove(member));
    }

    /** Any membership change; completes once its configuration entry is applied here. */
    public CompletableFuture<Object> changeMembership(ConfigChange change) {
        return runtime.proposeConfigChange(change);
    }

    /** Leaves a joint configuration entered with an explicit leave. */
    public CompletableFuture<Object> leaveJoint() {
        return runtime.proposeLeaveJoint();
    }

    /** Hands leadership to voter {@code member}; completes with the new leader's id. */
    public CompletableFuture<Long> transferLeadership(long member) {
        return runtime.transferLeadership(member);
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
