package io.cairn.cli;

import io.cairn.jepsen.sim.SimBatch;
import io.cairn.raft.core.InjectedBug;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn sim}: the deterministic simulator, over many seeds or replaying one. */
@Command(name = "sim", description = "Run the deterministic Raft simulator over seeds, or replay one seed.")
final class SimCommand implements Callable<Integer> {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Option(names = "--seeds", description = "How many seeds to run.")
    private Integer seeds;

    @Option(names = "--seed-start", defaultValue = "1", description = "The first seed (default 1).")
    private long seedStart;

    @Option(names = "--seed", description = "Replay one seed with a readable trace.")
    private Long seed;

    @Option(names = "--inject-bug", description = "Break one rule of the core deliberately (see --list-bugs).")
    private List<String> bugs = new ArrayList<>();

    @Option(names = "--list-bugs", description = "List the injectable bugs and exit.")
    private boolean listBugs;

    @Option(names = "--threads", description = "Seeds run in parallel (default: available processors).")
    private Integer threads;

    @Option(names = "--verbose", description = "With --seed: also trace every message.")
    private boolean verbose;

    @Override
    public Integer call() {
        if (listBugs) {
            for (InjectedBug b : InjectedBug.values()) {
                System.out.println(b.cliName());
            }
            return 0;
        }
        // The real runtime's own log lines (leader changes and the like) carry no virtual time; the trace
        // already tells those events (a torn tail cut on recovery included). Its errors too: a disk fault's fail-stop
        // is expected there (the trace says so), and any other stop is reported as the seed's violation.
        System.setProperty("org.slf4j.simpleLogger.log.io.cairn.raft", "off");
        System.setProperty("org.slf4j.simpleLogger.log.io.cairn.kv", "off"); // the KV store of state=kv seeds
        Set<InjectedBug> injected = EnumSet.noneOf(InjectedBug.class);
        for (String name : bugs) {
            try {
                injected.add(InjectedBug.fromCliName(name));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
        }
        if (seed != null && seeds != null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either --seed or --seeds, not both");
        }
        if (seed != null) {
            return SimBatch.replay(seed, injected, verbose, System.out);
        }
        if (seeds == null || seeds < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--seeds N (N >= 1) or --seed S is required");
        }
        int n = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        return SimBatch.runSeeds(seedStart, seeds, injected, n, System.out, System.err);
    }
}
