package io.cairn.raft.core.confchange;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A request to change the membership: a list of single changes applied together, and whether the joint
 * configuration they need is left automatically once it commits (the default) or only when
 * {@code RaftNode.proposeLeaveJoint()} is called.
 *
 * <p>Changes that only touch learners take effect in one step. Any change to the voters goes through joint
 * consensus (thesis §4.3): the leader first commits {@code C_old,new}, in which decisions need majorities of
 * both the old and the new voters, then {@code C_new}.
 */
public record ConfigChange(List<Change> changes, boolean explicitLeave) {
    /** One change of one member. */
    public record Change(Type type, long id) {}

    /** What happens to the member. */
    public enum Type {
        /** Adds a voter, or promotes a learner (which must have caught up with the leader). */
        ADD_VOTER,
        /** Adds a learner. */
        ADD_LEARNER,
        /** Removes a voter or a learner. */
        REMOVE
    }

    public ConfigChange {
        changes = List.copyOf(changes);
    }

    public static ConfigChange addLearner(long id) {
        return new ConfigChange(List.of(new Change(Type.ADD_LEARNER, id)), false);
    }

    public static ConfigChange addVoter(long id) {
        return new ConfigChange(List.of(new Change(Type.ADD_VOTER, id)), false);
    }

    public static ConfigChange remove(long id) {
        return new ConfigChange(List.of(new Change(Type.REMOVE, id)), false);
    }

    /** Replaces voter {@code out} by {@code in} (a caught-up learner or a new member) in one joint change. */
    public static ConfigChange replace(long out, long in) {
        return new ConfigChange(List.of(new Change(Type.ADD_VOTER, in), new Change(Type.REMOVE, out)), false);
    }

    /**
     * The configuration this change leads to from {@code current}, or an explanation of why it is not allowed.
     * The result is joint when the voters change.
     */
    public Result apply(Configuration current) {
        if (current.isJoint()) {
            return Result.refused("the group is in joint consensus (" + current + "); leave it first");
        }
        if (changes.isEmpty()) {
            return Result.refused("a configuration change needs at least one change");
        }
        List<Long> voters = toList(current.voters());
        List<Long> learners = toList(current.learners());
        List<Long> touched = new ArrayList<>();
        for (Change c : changes) {
            if (touched.contains(c.id)) {
                return Result.refused("member " + c.id + " is changed twice in one request");
            }
            touched.add(c.id);
            String error = applyOne(c, voters, learners);
            if (error != null) {
                return Result.refused(error);
            }
        }
        if (voters.isEmpty()) {
            return Result.refused("the change would leave the group without voters");
        }
        long[] newVoters = toArray(voters);
        long[] newLearners = toArray(learners);
        if (Arrays.equals(newVoters, current.voters())) {
            return Result.ok(new Configuration(newVoters, new long[0], newLearners, false));
        }
        return Result.ok(new Configuration(newVoters, current.voters(), newLearners, !explicitLeave));
    }

    private static String applyOne(Change c, List<Long> voters, List<Long> learners) {
        if (c.id == 0) {
            return "member id 0 is reserved";
        }
        switch (c.type) {
            case ADD_VOTER -> {
                if (voters.contains(c.id)) {
                    return "member " + c.id + " is already a voter";
                }
                learners.remove(c.id);
                voters.add(c.id);
            }
            case ADD_LEARNER -> {
                if (voters.contains(c.id)) {
                    return "member " + c.id + " is a voter; remove it before adding it back as a learner";
                }
                if (learners.contains(c.id)) {
                    return "member " + c.id + " is already a learner";
                }
                learners.add(c.id);
            }
            case REMOVE -> {
                if (!voters.remove(c.id) && !learners.remove(c.id)) {
                    return "member " + c.id + " is not in the group";
                }
            }
        }
        return null;
    }

    private static List<Long> toList(long[] ids) {
        List<Long> l = new ArrayList<>();
        for (long id : ids) {
            l.add(id);
        }
        return l;
    }

    private static long[] toArray(List<Long> ids) {
        return ids.stream().mapToLong(Long::longValue).sorted().toArray();
    }

    /** The outcome of {@link #apply}: a configuration, or why not. */
    public record Result(Configuration configuration, String refusal) {
        static Result ok(Configuration c) {
            return new Result(c, null);
        }

        static Result refused(String why) {
            return new Result(null, why);
        }

        public boolean ok() {
            return refusal == null;
        }
    }
}
