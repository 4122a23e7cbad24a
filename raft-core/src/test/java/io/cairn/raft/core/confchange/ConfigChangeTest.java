package io.cairn.raft.core.confchange;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.confchange.ConfigChange.Change;
import io.cairn.raft.core.confchange.ConfigChange.Type;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link ConfigChange#apply}: which configuration a request leads to (one step for learners, joint consensus
 * whenever the voters change, thesis §4.3) and every reason it can be refused, word for word, since the leader
 * hands that text to the operator.
 */
class ConfigChangeTest {
    private static final Configuration ABC = Configuration.ofVoters(1, 2, 3);
    private static final Configuration WITH_LEARNER = new Configuration(ids(1, 2, 3), ids(), ids(4), false);

    private static long[] ids(long... ids) {
        return ids;
    }

    private static String refusal(ConfigChange change, Configuration from) {
        ConfigChange.Result r = change.apply(from);
        assertThat(r.ok()).isFalse();
        assertThat(r.configuration()).isNull();
        return r.refusal();
    }

    private static Configuration result(ConfigChange change, Configuration from) {
        ConfigChange.Result r = change.apply(from);
        assertThat(r.ok()).as("refused: %s", r.refusal()).isTrue();
        return r.configuration();
    }

    @Test
    void learnerChangesTakeOneStep() {
        assertThat(result(ConfigChange.addLearner(4), ABC)).isEqualTo(WITH_LEARNER);
        assertThat(result(ConfigChange.remove(4), WITH_LEARNER)).isEqualTo(ABC);
        assertThat(result(new ConfigChange(List.of(new Change(Type.ADD_LEARNER, 5)), true), ABC).isJoint())
                .as("explicit leave does not matter when the voters stay").isFalse();
    }

    @Test
    void voterChangesGoThroughJointConsensus() {
        assertThat(result(ConfigChange.addVoter(4), ABC))
                .isEqualTo(new Configuration(ids(1, 2, 3, 4), ids(1, 2, 3), ids(), true));
        assertThat(result(ConfigChange.addVoter(4), WITH_LEARNER)).as("a promoted learner is no longer one")
                .isEqualTo(new Configuration(ids(1, 2, 3, 4), ids(1, 2, 3), ids(), true));
        assertThat(result(ConfigChange.remove(1), ABC))
                .isEqualTo(new Configuration(ids(2, 3), ids(1, 2, 3), ids(), true));
        assertThat(result(ConfigChange.replace(3, 4), WITH_LEARNER))
                .isEqualTo(new Configuration(ids(1, 2, 4), ids(1, 2, 3), ids(), true));
        assertThat(result(new ConfigChange(List.of(new Change(Type.ADD_VOTER, 4)), true), ABC))
                .isEqualTo(new Configuration(ids(1, 2, 3, 4), ids(1, 2, 3), ids(), false));
        assertThat(result(new ConfigChange(List.of(new Change(Type.REMOVE, 3), new Change(Type.ADD_LEARNER, 5),
                new Change(Type.REMOVE, 4)), false), WITH_LEARNER))
                .isEqualTo(new Configuration(ids(1, 2), ids(1, 2, 3), ids(5), true));
        assertThat(ABC).as("apply leaves its input alone").isEqualTo(Configuration.ofVoters(1, 2, 3));
    }

    @Test
    void refusesWhileJoint() {
        Configuration joint = new Configuration(ids(1, 2, 3, 4), ids(1, 2, 3), ids(), true);
        assertThat(refusal(ConfigChange.addLearner(5), joint))
                .isEqualTo("the group is in joint consensus (voters=[1, 2, 3, 4]&&[1, 2, 3] (auto-leave)); "
                        + "leave it first");
    }

    @Test
    void refusesEmptyRequest() {
        assertThat(refusal(new ConfigChange(List.of(), false), ABC))
                .isEqualTo("a configuration change needs at least one change");
    }

    @Test
    void refusesTwoChangesOfOneMember() {
        assertThat(refusal(ConfigChange.replace(5, 5), ABC)).isEqualTo("member 5 is changed twice in one request");
        assertThat(refusal(new ConfigChange(List.of(new Change(Type.REMOVE, 4), new Change(Type.ADD_VOTER, 4)),
                false), WITH_LEARNER)).isEqualTo("member 4 is changed twice in one request");
    }

    @Test
    void refusesReservedId() {
        assertThat(refusal(ConfigChange.addLearner(0), ABC)).isEqualTo("member id 0 is reserved");
        assertThat(refusal(ConfigChange.addVoter(0), ABC)).isEqualTo("member id 0 is reserved");
    }

    @Test
    void refusesAddingAnExistingVoter() {
        assertThat(refusal(ConfigChange.addVoter(2), ABC)).isEqualTo("member 2 is already a voter");
    }

    @Test
    void refusesDemotingAVoterToLearner() {
        assertThat(refusal(ConfigChange.addLearner(2), ABC))
                .isEqualTo("member 2 is a voter; remove it before adding it back as a learner");
    }

    @Test
    void refusesAddingAnExistingLearner() {
        assertThat(refusal(ConfigChange.addLearner(4), WITH_LEARNER)).isEqualTo("member 4 is already a learner");
    }

    @Test
    void refusesRemovingANonMember() {
        assertThat(refusal(ConfigChange.remove(9), WITH_LEARNER)).isEqualTo("member 9 is not in the group");
        assertThat(refusal(ConfigChange.replace(9, 5), ABC)).isEqualTo("member 9 is not in the group");
    }

    @Test
    void refusesRemovingEveryVoter() {
        assertThat(refusal(ConfigChange.remove(1), Configuration.ofVoters(1)))
                .isEqualTo("the change would leave the group without voters");
        assertThat(refusal(new ConfigChange(List.of(new Change(Type.REMOVE, 1), new Change(Type.REMOVE, 2)),
                false), new Configuration(ids(1, 2), ids(), ids(3), false)))
                .isEqualTo("the change would leave the group without voters");
    }

    /** A refusal part-way through a request leaves nothing half-applied: the whole request is refused. */
    @Test
    void aRefusalRefusesTheWholeRequest() {
        ConfigChange change = new ConfigChange(List.of(new Change(Type.ADD_VOTER, 4), new Change(Type.REMOVE, 9)),
                false);
        assertThat(refusal(change, ABC)).isEqualTo("member 9 is not in the group");
    }
}
