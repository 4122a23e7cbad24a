package io.cairn.raft.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Limits and their relationships are checked when a configuration is built, with messages that say what to fix. */
class RaftConfigTest {
    @Test
    void defaultsAreValid() {
        RaftConfig c = RaftConfig.builder(2, 3, 1, 2).build();
        assertThat(c.voters).containsExactly(1, 2, 3);
        assertThat(c.electionTicks).isGreaterThan(c.heartbeatTicks);
        assertThat(c.inflightBytesMax).isGreaterThanOrEqualTo(c.messageBytesMax);
        assertThat(c.uncommittedBytesMax).isGreaterThanOrEqualTo(c.messageBytesMax);
        assertThat(c.preVote).isTrue();
        assertThat(c.checkQuorum).isTrue();
        assertThat(c.injectedBugs).isEmpty();
    }

    static Stream<Arguments> invalid() {
        return Stream.of(
                bad(RaftConfig.builder(0, 1), "id must not be 0"),
                bad(RaftConfig.builder(1, 2, 3), "member 1 is not among the voters [2, 3]"),
                bad(RaftConfig.builder(1, 1, 2, 2), "voter 2 is listed twice"),
                bad(RaftConfig.builder(1, 0, 1), "voter id 0 is reserved"),
                bad(RaftConfig.builder(1, 1).heartbeatTicks(0), "heartbeatTicks must be positive"),
                bad(RaftConfig.builder(1, 1).electionTicks(3).heartbeatTicks(3),
                        "electionTicks (3) must exceed heartbeatTicks (3)"),
                bad(RaftConfig.builder(1, 1).inflightMessagesMax(0), "inflightMessagesMax must be positive"),
                bad(RaftConfig.builder(1, 1).messageBytesMax(0), "messageBytesMax must be positive"),
                bad(RaftConfig.builder(1, 1).messageBytesMax(100).inflightBytesMax(99),
                        "inflightBytesMax (99) must hold at least one message (100)"),
                bad(RaftConfig.builder(1, 1).messageBytesMax(100).uncommittedBytesMax(50),
                        "uncommittedBytesMax (50) must hold at least one message (100)"),
                bad(RaftConfig.builder(1, 1).applyBatchBytesMax(0), "applyBatchBytesMax must be positive"),
                bad(RaftConfig.builder(1, 1).readRequestsMax(0), "readRequestsMax must be positive"));
    }

    private static Arguments bad(RaftConfig.Builder b, String message) {
        return Arguments.of(b, message);
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("invalid")
    void invalidSettingsAreRefusedWithAMessageNamingThem(RaftConfig.Builder b, String message) {
        assertThatThrownBy(b::build).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid raft config: ").hasMessageContaining(message);
    }

    @Test
    void toBuilderCopiesEverySetting() {
        RaftConfig c = RaftConfig.builder(3, 1, 2, 3).electionTicks(20).heartbeatTicks(4).preVote(false)
                .checkQuorum(false).inflightMessagesMax(7).inflightBytesMax(5000).messageBytesMax(500)
                .uncommittedBytesMax(900).applyBatchBytesMax(33).readRequestsMax(11)
                .injectedBugs(EnumSet.of(InjectedBug.COMMIT_OLD_TERM)).build();
        RaftConfig copy = c.toBuilder().build();
        assertThat(copy).usingRecursiveComparison().isEqualTo(c);
    }

    @Test
    void inputsAreCopied() {
        long[] voters = {1, 2, 3};
        Set<InjectedBug> bugs = EnumSet.of(InjectedBug.SKIP_LOG_CHECK);
        RaftConfig.Builder b = RaftConfig.builder(1, voters).injectedBugs(bugs);
        voters[0] = 9;
        bugs.add(InjectedBug.COMMIT_OLD_TERM);
        RaftConfig c = b.build();
        assertThat(c.voters).containsExactly(1, 2, 3);
        assertThat(c.injectedBugs).containsExactly(InjectedBug.SKIP_LOG_CHECK);
    }
}
