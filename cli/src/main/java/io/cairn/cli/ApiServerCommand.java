package io.cairn.cli;

import io.cairn.apiserver.ApiServerMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code cairn apiserver}: the Kubernetes API server alone, with kube-apiserver's flag names; runs until stopped. */
@Command(name = "apiserver", description = "The Kubernetes API server on an embedded store, or on etcd: --data-dir D "
        + "[--bind-address A] [--secure-port P] [--token-auth-file F] [--etcd-servers URLS --etcd-cafile F "
        + "--etcd-certfile F --etcd-keyfile F]; runs until stopped.")
final class ApiServerCommand implements Callable<Integer> {
    @CommandLine.Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        ApiServerMain.main(args.toArray(String[]::new));
        return 0;
    }
}
