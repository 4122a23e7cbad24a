package io.cairn.cli;

import io.cairn.kv.server.KvMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cairn kv}: the etcd-compatible KV server. Its flags are etcd's ({@code --name}, {@code --data-dir},
 * {@code --listen-client-urls}, ...; {@code cairn kv --help} lists them), parsed by the server itself with etcd's
 * syntax, so they are handed over untouched.
 */
@Command(name = "kv", description = "One member of an etcd-compatible KV cluster, with etcd's flags; runs until "
        + "stopped. With no flags: a single member on 127.0.0.1:2379 (clients) and :2380 (peers), data in "
        + "./default.cairn.")
final class KvCommand implements Callable<Integer> {
    @CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        KvMain.main(args.toArray(String[]::new));
        return 0;
    }
}
