package io.cairn.controlplane.up;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Version;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.api.reconciler.Workflow;
import io.javaoperatorsdk.operator.api.reconciler.dependent.Dependent;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A controller written with Java Operator SDK 5.2.3, with its default settings (server-side apply for its dependent
 * resources and for the primary's status, informers over fabric8's watches), run against {@code cairn up} (a
 * background JVM with the controllers, the scheduler and three simulated nodes) over HTTPS with its kubeconfig: a
 * WebApp custom resource reconciled into a ConfigMap and a Deployment whose pods come up Running, its status written
 * back, and its changes followed.
 */
class OperatorSdkTest {
    static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: webapps.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: webapps, singular: webapp, kind: WebApp}
              versions:
              - name: v1
                served: true
                storage: true
                subresources: {status: {}}
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec:
                        type: object
                        properties:
                          message: {type: string}
                          replicas: {type: integer}
                      status:
                        type: object
                        properties:
                          configMap: {type: string}
                          replicas: {type: integer}
            """;

    public static class WebAppSpec {
        private String message;
        private int replicas;

        public String getMessage() {
            return message;
        }

        public void setMessage(String message) {
            this.message = message;
        }

        public int getReplicas() {
            return replicas;
        }

        public void setReplicas(int replicas) {
            this.replicas = replicas;
        }
    }

    public static class WebAppStatus {
        private String configMap;
        private Integer replicas;

        public String getConfigMap() {
            return configMap;
        }

        public void setConfigMap(String configMap) {
            this.configMap = configMap;
        }

        public Integer getReplicas() {
            return replicas;
        }

        public void setReplicas(Integer replicas) {
            this.replicas = replicas;
        }
    }

    @Group("example.com")
    @Version("v1")
    public static class WebApp extends CustomResource<WebAppSpec, WebAppStatus> implements Namespaced {
    }

    public static class ConfigMapDependent extends CRUDKubernetesDependentResource<ConfigMap, WebApp> {
        public ConfigMapDependent() {
            super(ConfigMap.class);
        }

        @Override
        protected ConfigMap desired(WebApp app, Context<WebApp> context) {
            return new ConfigMapBuilder().withMetadata(new ObjectMetaBuilder().withName(app.getMetadata().getName()
                    + "-config").withNamespace(app.getMetadata().getNamespace()).build())
                    .withData(Map.of("message", app.getSpec().getMessage())).build();
        }
    }

    public static class DeploymentDependent extends CRUDKubernetesDependentResource<Deployment, WebApp> {
        public DeploymentDependent() {
            super(Deployment.class);
        }

        @Override
        protected Deployment desired(WebApp app, Context<WebApp> context) {
            String name = app.getMetadata().getName();
            return new DeploymentBuilder().withMetadata(new ObjectMetaBuilder().withName(name)
                    .withNamespace(app.getMetadata().getNamespace()).build())
                    .withNewSpec().withReplicas(app.getSpec().getReplicas())
                    .withNewSelector().addToMatchLabels("app", name).endSelector()
                    .withNewTemplate().withNewMetadata().addToLabels("app", name).endMetadata()
                    .withNewSpec().addNewContainer().withName("web").withImage("nginx:1.25").endContainer().endSpec()
                    .endTemplate().endSpec().build();
        }
    }

    @Workflow(dependents = {@Dependent(type = ConfigMapDependent.class), @Dependent(type = DeploymentDependent.class)})
    @ControllerConfiguration
    public static class WebAppReconciler implements Reconciler<WebApp> {
        @Override
        public UpdateControl<WebApp> reconcile(WebApp app, Context<WebApp> context) {
            WebAppStatus status = new WebAppStatus();
            status.setConfigMap(app.getMetadata().getName() + "-config");
            status.setReplicas(app.getSpec().getReplicas());
            WebApp patch = new WebApp();
            patch.setMetadata(new ObjectMetaBuilder().withName(app.getMetadata().getName())
                    .withNamespace(app.getMetadata().getNamespace()).build());
            patch.setStatus(status);
            return UpdateControl.patchStatus(patch);
        }
    }

    @TempDir
    Path dir;

    @Test
    void aWebAppIsReconciledIntoAConfigMapAndADeploymentWithItsStatusWrittenBack() throws Exception {
        UpTestSupport cairn = UpTestSupport.up(dir, Map.of(), Duration.ofSeconds(60));
        try {
            Path kubeconfig = cairn.kubeconfig();
            try (KubernetesClient k = new KubernetesClientBuilder()
                    .withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build()) {
                k.apiextensions().v1().customResourceDefinitions()
                        .load(new ByteArrayInputStream(CRD.getBytes(StandardCharsets.UTF_8))).create();
                Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() ->
                        k.resources(WebApp.class).inNamespace("default").list() != null);
                Operator operator = new Operator(o -> o.withKubernetesClient(k).withCloseClientOnStop(false));
                operator.register(new WebAppReconciler());
                operator.start();
                try {
                    WebApp app = new WebApp();
                    app.setMetadata(new ObjectMetaBuilder().withName("shop").withNamespace("default").build());
                    WebAppSpec spec = new WebAppSpec();
                    spec.setMessage("hello");
                    spec.setReplicas(2);
                    app.setSpec(spec);
                    k.resources(WebApp.class).inNamespace("default").resource(app).create();

                    Awaitility.await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() -> {
                        ConfigMap cm = k.configMaps().inNamespace("default").withName("shop-config").get();
                        assertThat(cm.getData()).containsEntry("message", "hello");
                        assertThat(cm.getMetadata().getOwnerReferences()).extracting(r -> r.getKind())
                                .containsExactly("WebApp");
                        Deployment d = k.apps().deployments().inNamespace("default").withName("shop").get();
                        assertThat(d.getSpec().getReplicas()).isEqualTo(2);
                        assertThat(d.getStatus().getReadyReplicas()).as("pods Running on the simulated nodes")
                                .isEqualTo(2);
                        WebApp seen = k.resources(WebApp.class).inNamespace("default").withName("shop").get();
                        assertThat(seen.getStatus().getConfigMap()).isEqualTo("shop-config");
                        assertThat(seen.getStatus().getReplicas()).isEqualTo(2);
                    });

                    k.resources(WebApp.class).inNamespace("default").withName("shop").edit(a -> {
                        a.getSpec().setReplicas(3);
                        a.getSpec().setMessage("changed");
                        return a;
                    });
                    Awaitility.await().atMost(60, TimeUnit.SECONDS).ignoreExceptions().untilAsserted(() -> {
                        assertThat(k.apps().deployments().inNamespace("default").withName("shop").get().getSpec()
                                .getReplicas()).isEqualTo(3);
                        assertThat(k.configMaps().inNamespace("default").withName("shop-config").get().getData())
                                .containsEntry("message", "changed");
                        assertThat(k.resources(WebApp.class).inNamespace("default").withName("shop").get().getStatus()
                                .getReplicas()).isEqualTo(3);
                    });
                    assertThat(k.apps().deployments().inNamespace("default").withName("shop").get().getMetadata()
                            .getManagedFields()).extracting(f -> f.getManager() + "/" + f.getOperation())
                            .contains("webappreconciler/Apply");
                } finally {
                    operator.stop();
                }
            }
        } finally {
            UpTestSupport.down(cairn);
        }
    }
}
