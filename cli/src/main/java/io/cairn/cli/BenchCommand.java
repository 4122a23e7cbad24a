package io.cairn.cli;

import io.cairn.bench.kv.BenchCompare;
import io.cairn.bench.raft.RaftBench;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cairn bench}: benchmarks that print one summary line. */
@Command(name = "bench", description = "Benchmarks.", subcommands = {BenchCommand.Raft.class, BenchCommand.SchedulerBenchCommand.class,
        BenchCommand.ApiServerBenchCommand.class, BenchCommand.Compare.class})
final class BenchCommand implements Runnable {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: raft, scheduler, "
                + "apiserver, compare");
    }

    /** {@code cairn bench raft}: closed-loop proposals against member processes. */
    @Command(name = "raft", description = "Proposals per second against 3 member processes on loopback.")
    static final class Raft implements Callable<Integer> {
        @Option(names = "--members", defaultValue = "3", description = "Member processes (default 3).")
        int members;

        @Option(names = "--seconds", defaultValue = "20", description = "Measured seconds (default 20).")
        int seconds;

        @Option(names = "--value-size", defaultValue = "256", description = "Bytes per value (default 256).")
        int valueSize;

        @Option(names = "--clients", defaultValue = "256", description = "Closed-loop clients (default 256).")
        int clients;

        @Option(names = "--warmup", defaultValue = "30", description = "Warm-up seconds, not measured (default 30: the"
                + " members' JIT compilers take most of that on 2 shared cores).")
        int warmup;

        @Option(names = "--upper", description = "The ceiling: members without fsync and with a no-op state machine.")
        boolean upper;

        @Option(names = "--groups", defaultValue = "1",
                description = "Raft groups on the same member processes (default 1); clients spread over them.")
        int groups;

        @Option(names = "--tls", description = "Mutual TLS between the members (test certificates made with openssl).")
        boolean tls;

        @Option(names = "--key-space", defaultValue = "100000",
                description = "Distinct keys the puts cycle through (default 100000), so the state stays bounded.")
        long keySpace;

        @Override
        public Integer call() throws Exception {
            if (members < 1 || seconds < 1 || clients < 1 || valueSize < 0 || keySpace < 1 || groups < 1) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--members, --seconds, --clients, --groups and --key-space must be positive, --value-size not negative");
            }
            return RaftBench.run(new RaftBench.Options(members, seconds, valueSize, clients, warmup, keySpace, tls, groups,
                    upper ? List.of("--unsafe-no-fsync", "true", "--state-machine", "noop") : List.of()),
                    System.out, System.err);
        }
    }

    /** {@code cairn bench scheduler}: pods bound per second through the API server and the store. */
    @Command(name = "scheduler", description = "Pods bound per second by the scheduler through the API server and the "
            + "embedded store (pending pods created first, as kube-scheduler's scheduler_perf does); fails if any node "
            + "ends over its capacity.")
    static final class SchedulerBenchCommand implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "1000", description = "Nodes (default 1000).")
        int nodes;

        @Option(names = "--pods", defaultValue = "5000", description = "Pending pods to bind (default 5000).")
        int pods;

        @Override
        public Integer call() throws Exception {
            if (nodes < 1 || pods < 1) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--nodes and --pods must be at least 1");
            }
            io.cairn.bench.controlplane.SchedulerBench.Result r =
                    io.cairn.bench.controlplane.SchedulerBench.run(nodes, pods, System.err);
            if (r.overcommitted() > 0) {
                System.err.println("scheduler bench: " + r.overcommitted() + " nodes over their capacity");
            }
            System.out.printf("bench scheduler: %d pods/s nodes=%d pods=%d%n", Math.round(r.podsPerSecond()), nodes,
                    pods);
            return r.overcommitted() == 0 ? 0 : 1;
        }
    }

    /** {@code cairn bench apiserver}: creates per second, LIST latency at 10,000 pods, watch delivery to 1,000 watchers. */
    @Command(name = "apiserver", description = "The API server on its embedded store over HTTP: creates per second, the "
            + "latency of a LIST of every pod, and watch event delivery latency to many watchers.")
    static final class ApiServerBenchCommand implements Callable<Integer> {
        @Option(names = "--pods", defaultValue = "10000", description = "Pods to create, then list (default 10000).")
        int pods;

        @Option(names = "--clients", defaultValue = "32", description = "Concurrent creating clients (default 32).")
        int clients;

        @Option(names = "--watchers", defaultValue = "1000", description = "Watches (default 1000).")
        int watchers;

        @Option(names = "--events", defaultValue = "50", description = "Events each watcher receives (default 50).")
        int events;

        @Override
        public Integer call() throws Exception {
            if (pods < 1 || clients < 1 || watchers < 1 || events < 1) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--pods, --clients, --watchers and --events must be at least 1");
            }
            io.cairn.bench.controlplane.ApiServerBench.Result r =
                    io.cairn.bench.controlplane.ApiServerBench.run(pods, clients, watchers, events, System.err);
            System.err.printf("apiserver bench: LIST of %d pods is %d bytes%n", r.pods(), r.listBytes());
            System.out.printf("bench apiserver: %d creates/s list-10k-p50=%.1fms watch-p99=%.1fms watchers=%d%n",
                    Math.round(r.createsPerSecond()), r.listP50Millis(), r.watchP99Millis(), r.watchers());
            return 0;
        }
    }

    /** {@code cairn bench compare}: etcd 3.4 and Cairn side by side, the same workloads from the same client. */
    @Command(name = "compare", mixinStandardHelpOptions = true, description = "Three etcd members, then three "
            + "cairn kv members, with the same flags and ports; the same workloads against each from one client "
            + "(closed loops on etcd's gRPC API), alternating for several rounds; writes bench-results/<timestamp>/ "
            + "(report.md, chart.html, logs) and prints ratios Cairn / etcd of the medians.")
    static final class Compare implements Callable<Integer> {
        @picocli.CommandLine.Spec
        private picocli.CommandLine.Model.CommandSpec spec;

        @Option(names = "--seconds", defaultValue = "10", description = "Measured seconds per case (default 10).")
        int seconds;

        @Option(names = "--rounds", defaultValue = "3",
                description = "Rounds of both systems, alternating which goes first; cells are medians (default 3).")
        int rounds;

        @Option(names = "--warmup", defaultValue = "30", description = "Warm-up seconds per cluster before its first "
                + "case, not measured (default 30: Cairn's JIT compilers are still busy a minute after a start on 2 "
                + "shared cores).")
        int warmup;

        @Option(names = "--workloads", split = ",", defaultValue = "put,range-l,range-s,txn-put,watch,lease,"
                + "check-perf-l,check-perf-xl", description = "Comma-separated subset of: put, range-l, range-s, "
                + "txn-put, watch, lease, check-perf-l, check-perf-xl (default all).")
        List<String> workloads;

        @Option(names = "--clients", split = ",", defaultValue = "1,10,1000",
                description = "Client counts for put, range-l, range-s and txn-put (default 1,10,1000).")
        List<Integer> clients;

        @Option(names = "--etcd", defaultValue = "/usr/bin/etcd",
                description = "The etcd binary (default /usr/bin/etcd).")
        String etcd;

        @Option(names = "--etcdctl", defaultValue = "/usr/bin/etcdctl",
                description = "The etcdctl binary, for check perf (default /usr/bin/etcdctl).")
        String etcdctl;

        @Override
        public Integer call() throws Exception {
            BenchCompare.Options options;
            try {
                options = new BenchCompare.Options(seconds, rounds, warmup, workloads, clients,
                        java.nio.file.Path.of("bench-results"), etcd, etcdctl,
                        "bin/cairn " + String.join(" ", spec.commandLine().getParseResult().originalArgs()));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            }
            return BenchCompare.run(options, System.out, System.err).exitStatus();
        }
    }
}
