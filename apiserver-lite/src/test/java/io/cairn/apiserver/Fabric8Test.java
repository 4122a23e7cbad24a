package io.cairn.apiserver;

import static org.assertj.core.api.Assertions.assertThat;

import io.cairn.apiserver.kubeconfig.Kubeconfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * fabric8's kubernetes-client 8.0.0, as Java users run it, over HTTPS with a kubeconfig of the server's: CRUD, edit,
 * scale, a watch (fabric8 opens watches over WebSocket), and a shared informer whose cache stays equal to the server's
 * across a restart of the server that makes its next watch fail with 410 Gone; on a built-in kind and on a custom
 * resource. On the embedded store, or on etcd with {@code -Dcairn.test.etcd} (see {@link EtcdProcess}).
 */
class Fabric8Test {
    @TempDir
    Path dir;
    /** The etcd member the servers store in ({@code -Dcairn.test.etcd}), or null for the embedded store. */
    StoreBackend etcd;

    @org.junit.jupiter.api.BeforeEach
    void startEtcd() throws Exception {
        etcd = EtcdProcess.forSuite(dir);
    }

    @org.junit.jupiter.api.AfterEach
    void stopEtcd() {
        if (etcd != null) {
            etcd.close();
        }
    }

    ApiServer start(int port) throws Exception {
        return EtcdProcess.server(ApiServer.Config.of(dir.resolve("data")).withPort(port), etcd);
    }

    KubernetesClient connect(ApiServer server) throws Exception {
        Path kubeconfig = dir.resolve("kubeconfig");
        Kubeconfig.writeStandalone(kubeconfig, Kubeconfig.Entry.of(server.pki(), server.url()));
        Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
        config.setRequestRetryBackoffLimit(0);
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    @Test
    void crudEditScaleAndAWatchOverWebSocket() throws Exception {
        try (ApiServer server = start(0); KubernetesClient k = connect(server)) {
            List<String> events = new CopyOnWriteArrayList<>();
            Watch watch = k.configMaps().inNamespace("default").watch(new Watcher<>() {
                @Override
                public void eventReceived(Action action, ConfigMap cm) {
                    events.add(action + " " + cm.getMetadata().getName() + " " + cm.getData());
                }

                @Override
                public void onClose(WatcherException cause) {
                    events.add("closed " + cause);
                }
            });
            k.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata().withName("a")
                    .endMetadata().addToData("k", "v1").build()).create();
            ConfigMap edited = k.configMaps().inNamespace("default").withName("a")
                    .edit(cm -> new ConfigMapBuilder(cm).addToData("k", "v2").build());
            assertThat(edited.getData()).containsEntry("k", "v2");
            assertThat(k.configMaps().inNamespace("default").withName("a").get().getData()).containsEntry("k", "v2");
            assertThat(k.configMaps().inNamespace("default").withName("a").delete()).hasSize(1);
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> events.size() >= 3);
            assertThat(events).containsExactly("ADDED a {k=v1}", "MODIFIED a {k=v2}", "DELETED a {k=v2}");
            watch.close();

            Deployment d = k.apps().deployments().inNamespace("default").resource(new DeploymentBuilder()
                    .withNewMetadata().withName("web").endMetadata()
                    .withNewSpec().withReplicas(1).withNewSelector().addToMatchLabels("app", "web").endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", "web").endMetadata()
                    .withNewSpec().addNewContainer().withName("web").withImage("nginx").endContainer().endSpec()
                    .endTemplate().endSpec().build()).create();
            assertThat(d.getMetadata().getUid()).isNotEmpty();
            k.apps().deployments().inNamespace("default").withName("web").scale(3);
            assertThat(k.apps().deployments().inNamespace("default").withName("web").get().getSpec().getReplicas())
                    .isEqualTo(3);
        }
    }

    @Test
    void informersStayEqualToTheServerThroughA410AndRelist() throws Exception {
        int port;
        try (ApiServer first = start(0)) {
            port = first.address().getPort();
        }
        ApiServer server = start(port);
        try (KubernetesClient k = connect(server)) {
            k.apiextensions().v1().customResourceDefinitions().load(new java.io.ByteArrayInputStream(
                    CustomResourceTest.WIDGETS.getBytes())).create();
            ResourceDefinitionContext widgets = new ResourceDefinitionContext.Builder().withGroup("example.com")
                    .withVersion("v1").withPlural("widgets").withKind("Widget").withNamespaced(true).build();
            Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() ->
                    k.genericKubernetesResources(widgets).inNamespace("default").list() != null);
            for (int i = 0; i < 3; i++) {
                k.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("cm-" + i).endMetadata().addToData("i", "" + i).build()).create();
                k.genericKubernetesResources(widgets).inNamespace("default").resource(widget("w-" + i, i + 1)).create();
            }
            SharedIndexInformer<ConfigMap> cms = k.configMaps().inNamespace("default").inform();
            SharedIndexInformer<GenericKubernetesResource> ws = k.genericKubernetesResources(widgets)
                    .inNamespace("default").inform();
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() -> cms.hasSynced() && ws.hasSynced());
            assertThat(names(cms.getStore().list())).containsExactly("cm-0", "cm-1", "cm-2");

            // the server goes away; while it is away the store changes (through another server on the same data);
            // the informers' next watch starts from a revision the restarted server's caches do not hold: 410, relist
            server.close();
            try (ApiServer other = start(0); KubernetesClient k2 = connect(other)) {
                k2.configMaps().inNamespace("default").withName("cm-0").delete();
                k2.configMaps().inNamespace("default").resource(new ConfigMapBuilder().withNewMetadata()
                        .withName("cm-new").endMetadata().build()).create();
                k2.genericKubernetesResources(widgets).inNamespace("default").withName("w-1").delete();
            }
            server = start(port);
            ApiServer restarted = server;
            Awaitility.await().atMost(30, TimeUnit.SECONDS).untilAsserted(() -> {
                assertThat(names(cms.getStore().list())).isEqualTo(names(k.configMaps().inNamespace("default")
                        .list().getItems()));
                assertThat(names(ws.getStore().list())).containsExactly("w-0", "w-2");
            });
            k.configMaps().inNamespace("default").withName("cm-2").edit(cm -> new ConfigMapBuilder(cm)
                    .addToData("after", "restart").build());
            Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() ->
                    "restart".equals(cms.getStore().getByKey("default/cm-2").getData().get("after")));
            assertThat(restarted.storage().currentRevision()).isPositive();
            cms.close();
            ws.close();
        } finally {
            server.close();
        }
    }

    static GenericKubernetesResource widget(String name, int size) {
        GenericKubernetesResource w = new GenericKubernetesResource();
        w.setApiVersion("example.com/v1");
        w.setKind("Widget");
        w.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).build());
        w.setAdditionalProperties(Map.of("spec", Map.of("size", size)));
        return w;
    }

    static Set<String> names(List<? extends io.fabric8.kubernetes.api.model.HasMetadata> objects) {
        return objects.stream().map(o -> o.getMetadata().getName()).collect(Collectors.toCollection(
                java.util.TreeSet::new));
    }
}
