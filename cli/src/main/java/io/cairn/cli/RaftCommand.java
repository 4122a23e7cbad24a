package io.cairn.cli;

import io.cairn.raft.member.MemberMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn raft}: a Raft member process. */
@Command(name = "raft", description = "Run a Raft member.", subcommands = {RaftCommand.Member.class})
final class RaftCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: member");
    }

    /** {@code cairn raft member}: one member with a replicated map and a client port; runs until stopped. */
    @Command(name = "member", description = "One Raft member with a replicated map; runs until stopped. "
            + "An existing data directory restarts it with its state.")
    static final class Member implements Callable<Integer> {
        @Option(names = "--id", required = true, description = "This member's id.")
        long id;

        @Option(names = "--peers", required = true,
                description = "Every member: id=host:peerPort[:clientPort],... (this one included).")
        String peers;

        @Option(names = "--data-dir", required = true, description = "Where the log and snapshots live.")
        String dataDir;

        @Option(names = "--client-port", description = "The client port (default: from --peers).")
        Integer clientPort;

        @Option(names = "--tick-ms", defaultValue = "100", description = "Tick interval (default 100 ms).")
        long tickMillis;

        @Option(names = "--election-ticks", defaultValue = "10", description = "Election timeout in ticks.")
        int electionTicks;

        @Option(names = "--snapshot-entries", defaultValue = "100000",
                description = "Snapshot every this many applied entries (default 100000, as etcd's --snapshot-count).")
        long snapshotEntries;

        @Option(names = "--groups", defaultValue = "1",
                description = "Serve Raft groups 1..G, sharing the log writer's fsyncs and the connections (default 1).")
        int groups;

        @Option(names = "--quiesce-ticks",
                description = "A group idle this many ticks stops ticking and heartbeating until used (default: 10"
                        + " election timeouts; 0: never).")
        Integer quiesceTicks;

        @Option(names = "--peer-cert-file", description = "This member's certificate (PEM) for mutual TLS between members.")
        String peerCertFile;

        @Option(names = "--peer-key-file", description = "Its private key (PKCS#8 PEM).")
        String peerKeyFile;

        @Option(names = "--peer-trusted-ca-file", description = "The authority members' certificates must chain to.")
        String peerTrustedCaFile;

        @Option(names = "--unsafe-no-fsync", description = "Never sync the log: a power cut loses data (ceilings only).")
        boolean unsafeNoFsync;

        @Option(names = "--state-machine", defaultValue = "map",
                description = "map (default) or noop (applies nothing: ceilings only).")
        String stateMachine;

        @Override
        public Integer call() throws Exception {
            List<String> args = new ArrayList<>(List.of("--id", Long.toString(id), "--peers", peers, "--data-dir",
                    dataDir, "--tick-ms", Long.toString(tickMillis), "--election-ticks", Integer.toString(electionTicks),
                    "--snapshot-entries", Long.toString(snapshotEntries), "--groups", Integer.toString(groups),
                    "--state-machine", stateMachine, "--unsafe-no-fsync", Boolean.toString(unsafeNoFsync)));
            if (clientPort != null) {
                args.addAll(List.of("--client-port", Integer.toString(clientPort)));
            }
            if (quiesceTicks != null) {
                args.addAll(List.of("--quiesce-ticks", Integer.toString(quiesceTicks)));
            }
            if (peerCertFile != null) {
                args.addAll(List.of("--peer-cert-file", peerCertFile));
            }
            if (peerKeyFile != null) {
                args.addAll(List.of("--peer-key-file", peerKeyFile));
            }
            if (peerTrustedCaFile != null) {
                args.addAll(List.of("--peer-trusted-ca-file", peerTrustedCaFile));
            }
            MemberMain.main(args.toArray(String[]::new));
            return 0;
        }
    }
}
