package io.cairn.jepsen.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.raft.core.InjectedBug;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** {@code cairn sim}'s output is parsed by scripts: its lines and exit status must keep their form (CLI.md). */
class SimBatchTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private List<String> lines() {
        return List.of(bytes.toString(StandardCharsets.UTF_8).split("\n"));
    }

    private static SimResult result(long seed, String violation, long counterValue) {
        Map<String, Long> counters = new TreeMap<>();
        for (String name : Simulation.SOMETIMES) {
            counters.put(name, counterValue);
        }
        return new SimResult(seed, violation, false, counters, 600, 1300, 1, 1);
    }

    @Test
    void passingSeedsEndWithTheSummaryLineAndExitZero() {
        int status = SimBatch.runSeeds(1, 2, Set.of(), 2, out, null);
        List<String> lines = lines();
        assertThat(status).isZero();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0))
                .matches("sim: 2 seeds, 0 violations, 0 unknown,( [a-z0-9-]+=\\d+){" + Simulation.SOMETIMES.size() + "}");
        assertThat(lines.get(0)).contains("read-index-served=").doesNotContain("read-index-served=0 ");
    }

    @Test
    void aFailingSeedPrintsItsReplayCommandAndExitsOne() {
        int status = SimBatch.runSeeds(1, 1, EnumSet.of(InjectedBug.ACK_BEFORE_DURABLE), 1, out, null);
        List<String> lines = lines();
        assertThat(status).isEqualTo(1);
        assertThat(lines.get(0)).startsWith("FAIL seed=1 durability: ")
                .endsWith("replay: bin/cairn sim --seed 1 --inject-bug ack-before-durable");
        assertThat(lines.get(lines.size() - 1)).startsWith("sim: 1 seeds, 1 violations, 0 unknown,");
    }

    @Test
    void aZeroCounterFailsABatchOf200Seeds() {
        List<SimResult> results = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            results.add(result(i, null, 0));
        }
        int status = SimBatch.summarize(results, 200, Set.of(), out);
        assertThat(status).isEqualTo(1);
        assertThat(lines()).contains("FAIL counter leader-change-under-load=0");
        assertThat(lines().get(lines().size() - 1)).startsWith("sim: 200 seeds, 0 violations, 0 unknown,");
    }

    @Test
    void aZeroCounterIsFineInASmallBatch() {
        int status = SimBatch.summarize(List.of(result(1, null, 0)), 1, Set.of(), out);
        assertThat(status).isZero();
        assertThat(lines()).noneMatch(l -> l.startsWith("FAIL"));
    }

    @Test
    void replayOfAFailingSeedEndsWithFailAndSummary() {
        int status = SimBatch.replay(1, EnumSet.of(InjectedBug.ACK_BEFORE_DURABLE), false, out);
        List<String> lines = lines();
        assertThat(status).isEqualTo(1);
        assertThat(lines.get(lines.size() - 2)).startsWith("FAIL seed=1 ");
        assertThat(lines.get(lines.size() - 1)).startsWith("sim: 1 seeds, 1 violations, 0 unknown,");
        assertThat(lines.subList(0, lines.size() - 2)).noneMatch(l -> l.startsWith("sim:"));
    }
}
