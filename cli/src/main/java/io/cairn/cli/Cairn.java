package io.cairn.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cairn} command: one entry point that gathers every module's main under a subcommand. Each
 * subcommand's last line of standard output is its summary line, in the form shared/CLI.md fixes for scripts;
 * progress and logs go to standard error.
 */
@Command(name = "cairn", mixinStandardHelpOptions = true, version = "cairn 0.1.0",
        description = "Raft consensus, an etcd-compatible store and a local control plane.",
        subcommands = {SimCommand.class, RaftCommand.class, KvCommand.class, ApiServerCommand.class, UpCommand.class,
                DownCommand.class, BenchCommand.class})
public final class Cairn implements Runnable {
    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
    }

    public static void main(String[] args) {
        int status = new CommandLine(new Cairn()).execute(args);
        System.exit(status);
    }
}
