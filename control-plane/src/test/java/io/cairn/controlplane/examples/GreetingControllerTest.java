package io.cairn.controlplane.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.controllers.GarbageCollector;
import io.cairn.controlplane.informer.SharedInformerFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's controller, as a user runs it: a CustomResourceDefinition is applied, the controller connects over
 * HTTPS with the admin certificate, and each Greeting becomes a ConfigMap that follows its message, comes back when
 * deleted, and goes with the Greeting.
 */
class GreetingControllerTest {
    static final String CRD = """
            apiVersion: apiextensions.k8s.io/v1
            kind: CustomResourceDefinition
            metadata: {name: greetings.example.com}
            spec:
              group: example.com
              scope: Namespaced
              names: {plural: greetings, singular: greeting, kind: Greeting}
              versions:
              - name: v1
                served: true
                storage: true
                subresources: {status: {}}
                schema:
                  openAPIV3Schema:
                    type: object
                    properties:
                      spec: {type: object, properties: {message: {type: string}}}
                      status: {type: object, properties: {configMap: {type: string}, observedGeneration: {type: integer}}}
            """;

    @TempDir
    Path dir;

    static ObjectNode yaml(String s) {
        return Json.parseObject(s.getBytes(StandardCharsets.UTF_8), true);
    }

    @Test
    void eachGreetingIsReconciledIntoAConfigMap() throws Exception {
        try (ApiServer server = ApiServer.start(ApiServer.Config.of(dir).withPort(0))) {
            ApiClient client = ApiClient.of(Transport.http(server.url(), server.pki().adminSslContext(), null));
            client.resource("apiextensions.k8s.io/v1", "customresourcedefinitions").create(yaml(CRD));
            ApiClient.ResourceClient greetings = client.resource("example.com/v1", "greetings").namespace("default");
            Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() -> greetings.list() != null);
            ApiClient.ResourceClient configMaps = client.resource("v1", "configmaps").namespace("default");
            try (GreetingController controller = new GreetingController(client);
                 SharedInformerFactory gcInformers = new SharedInformerFactory(client);
                 GarbageCollector gc = new GarbageCollector(client, gcInformers)) {
                controller.start();
                gcInformers.start();
                gc.start(1);
                greetings.create(yaml("metadata: {name: hello}\nspec: {message: hi there}\n"));
                Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() ->
                        configMaps.get("hello-greeting").path("data").path("message").asText().equals("hi there"));
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() ->
                        greetings.get("hello").path("status").path("observedGeneration").asLong() == 1);

                greetings.patch("hello", ApiClient.MERGE_PATCH, "{\"spec\":{\"message\":\"hello again\"}}");
                Awaitility.await().atMost(10, TimeUnit.SECONDS).until(() ->
                        configMaps.get("hello-greeting").path("data").path("message").asText().equals("hello again"));

                configMaps.delete("hello-greeting");
                Awaitility.await().atMost(10, TimeUnit.SECONDS).ignoreExceptions().until(() ->
                        configMaps.get("hello-greeting").path("data").path("message").asText().equals("hello again"));

                greetings.delete("hello");
                Awaitility.await().atMost(20, TimeUnit.SECONDS).until(() -> {
                    try {
                        configMaps.get("hello-greeting");
                        return false;
                    } catch (ApiException e) {
                        return e.code() == 404;
                    }
                });
            }
            assertThat(greetings.list().path("items")).isEmpty();
        }
    }
}
