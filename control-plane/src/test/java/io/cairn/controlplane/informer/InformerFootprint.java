package io.cairn.controlplane.informer;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A measurement for docs/decisions/0020 (not a test): N ConfigMaps of about 1 KiB in an in-process API server, then
 * the time an informer takes to list them into its cache (in-process and over HTTP) and the heap its cache holds.
 * Run: {@code java -cp <test classpath> io.cairn.controlplane.informer.InformerFootprint 10000}.
 */
public final class InformerFootprint {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        Path dir = Files.createTempDirectory("footprint");
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0).withTls(false))) {
            ApiClient local = ApiClient.of(Transport.inProcess(server.dispatcher(), "footprint"));
            ApiClient.ResourceClient cms = local.resource("v1", "configmaps").namespace("default");
            String filler = "x".repeat(900);
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                ObjectNode cm = JsonNodeFactory.instance.objectNode();
                cm.putObject("metadata").put("name", "cm-" + i).putObject("labels").put("app", "a" + (i % 10));
                cm.putObject("data").put("payload", filler);
                cms.create(cm);
            }
            System.out.printf("created %d configmaps in %d ms%n", n, (System.nanoTime() - t0) / 1_000_000);
            for (String how : new String[] {"in-process", "http", "in-process", "http"}) {
                ApiClient c = how.equals("http") ? ApiClient.of(Transport.http(server.url(), null, null)) : local;
                long before = usedHeap();
                long start = System.nanoTime();
                Informer informer = new Informer(c, "v1", "configmaps", "default", null, Informer.Options.defaults());
                informer.start();
                while (!informer.hasSynced()) {
                    Thread.sleep(1);
                }
                long syncMillis = (System.nanoTime() - start) / 1_000_000;
                long after = usedHeap();
                System.out.printf("%-10s informer synced %d objects in %d ms; cache heap %.1f MiB (%.0f bytes/object)%n",
                        how, informer.store().size(), syncMillis, (after - before) / 1048576.0,
                        (after - before) / (double) informer.store().size());
                informer.close();
            }
        }
    }

    private static long usedHeap() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
