package io.cairn.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.confchange.Configuration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Regressions for membership bugs found by the simulator (docs/robustness.md). */
class MembershipRegressionTest {

    /**
     * Bug: configurations took effect when their entry committed. A member restarted with a commit hint behind a
     * joint configuration that the group had already committed, became leader, and counted a quorum of the
     * configuration before the joint one: it committed an entry held by a majority of the old voters but not of
     * the new ones (simulator seed 458 during raft-core II, invariant "durability"). Thesis §4.1: a member uses
     * the latest configuration in its log, committed or not; a restarted member must too.
     */
    @Test
    void restartedMemberUsesTheLatestConfigurationInItsLogNotTheLatestItKnowsCommitted() {
        Configuration joint = new Configuration(new long[] {1, 2, 3, 4}, new long[] {1, 2, 3, 4, 5},
                new long[0], true);
        List<Entry> log = List.of(Entry.noop(1, 1), new Entry(1, 2, EntryType.CONFIG, joint.encode()),
                Entry.command(1, 3, new byte[] {7}));
        RaftConfig config = RaftConfig.builder(3, 1, 2, 3, 4, 5).build();

        RaftNode n = RaftNode.restart(config, new HardState(1, 3, 1), log, 0, bound -> 0, Tracer.NONE);

        assertThat(n.configuration()).isEqualTo(joint);
        n.campaign();
        n.ready();
        assertThat(n.voters()).containsExactly(1, 2, 3, 4, 5);
    }

    /**
     * Thesis §4.1: when the entry that brought a configuration is cut from a follower's log by a new leader, the
     * follower falls back to the configuration before it.
     */
    @Test
    void followerRevertsWhenTheConfigurationEntryIsCut() {
        Configuration grown = Configuration.ofVoters(1, 2, 3, 4);
        RaftConfig config = RaftConfig.builder(2, 1, 2, 3).build();
        RaftNode n = RaftNode.restart(config, new HardState(1, 1, 1),
                List.of(Entry.noop(1, 1), new Entry(1, 2, EntryType.CONFIG, grown.encode())), 0, bound -> 0,
                Tracer.NONE);
        assertThat(n.configuration()).isEqualTo(grown);

        // A leader of term 2 that never had that entry overwrites index 2.
        n.step(Message.append(3, 2, 2, 1, 1, List.of(Entry.noop(2, 2)), 1));

        assertThat(n.configuration()).isEqualTo(Configuration.ofVoters(1, 2, 3));
    }
}
