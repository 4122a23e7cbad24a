package io.cairn.bench.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code bench raft}'s output as scripts read it (shared/CLI.md): one summary line, the last of standard output, and
 * no other line on either stream that starts with its prefix (issue 17: progress lines used to start with
 * {@code bench raft: }, so a script taking the last such line could take a progress line).
 */
class RaftBenchTest {
    @Test
    @Timeout(180)
    void printsExactlyOneLineWithTheSummaryPrefix() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = RaftBench.run(new RaftBench.Options(3, 1, 64, 4, 0, 1000, false, 1, List.of()), o, e);
        }

        List<String> stdout = Arrays.asList(out.toString(StandardCharsets.UTF_8).split("\n"));
        List<String> all = new ArrayList<>(stdout);
        all.addAll(Arrays.asList(err.toString(StandardCharsets.UTF_8).split("\n")));
        assertThat(status).isZero();
        assertThat(all.stream().filter(l -> l.startsWith("bench raft"))).hasSize(1);
        assertThat(stdout).last().asString()
                .matches("bench raft: \\d+ proposals/s p50=\\d+\\.\\d\\dms p99=\\d+\\.\\d\\dms p99\\.9=\\d+\\.\\d\\dms"
                        + " clients=4");
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("raft bench: 3 members started");
    }
}
