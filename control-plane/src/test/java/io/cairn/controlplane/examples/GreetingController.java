package io.cairn.controlplane.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.informer.Store;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.time.Duration;

/**
 * The README's example of a user's controller: each {@code Greeting} (greetings.example.com/v1, a custom resource)
 * gets a ConfigMap {@code <name>-greeting} holding its message, owned by it (so the garbage collector removes it with
 * the Greeting), and its status says which ConfigMap and which generation it reflects.
 */
public final class GreetingController implements AutoCloseable {
    private final ApiClient client;
    private final SharedInformerFactory informers;
    private final Informer greetings;
    private final Controller controller;

    public GreetingController(ApiClient client) {
        this.client = client;
        this.informers = new SharedInformerFactory(client);
        this.greetings = informers.informerFor("example.com/v1", "greetings");
        this.controller = Controller.of("greetings", this::reconcile, 2).watch(greetings);
        // a ConfigMap changed or deleted behind our back sends its Greeting round again
        informers.informerFor("v1", "configmaps").addHandler(Informer.Handler.onObject(cm -> {
            for (JsonNode owner : cm.path("metadata").path("ownerReferences")) {
                if (owner.path("kind").asText().equals("Greeting")) {
                    controller.queue().add(cm.path("metadata").path("namespace").asText() + "/"
                            + owner.path("name").asText());
                }
            }
        }));
    }

    public void start() throws InterruptedException {
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(30));
        controller.start();
    }

    Result reconcile(String key) {
        ObjectNode greeting = greetings.store().get(key);
        if (greeting == null) {
            return Result.done(); // deleted: the garbage collector removes its ConfigMap
        }
        String ns = Store.namespaceOf(key);
        String name = Store.nameOf(key) + "-greeting";
        ObjectNode cm = JsonNodeFactory.instance.objectNode();
        ObjectNode meta = cm.putObject("metadata").put("name", name);
        meta.putArray("ownerReferences").addObject()
                .put("apiVersion", "example.com/v1").put("kind", "Greeting").put("controller", true)
                .put("name", greeting.path("metadata").path("name").asText())
                .put("uid", greeting.path("metadata").path("uid").asText());
        cm.putObject("data").put("message", greeting.path("spec").path("message").asText());
        ApiClient.ResourceClient configMaps = client.resource("v1", "configmaps").namespace(ns);
        try {
            ObjectNode current = configMaps.get(name);
            if (!current.path("data").equals(cm.path("data"))) {
                current.set("data", cm.get("data"));
                configMaps.update(current); // guarded by its resourceVersion: a conflict is retried
            }
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
            configMaps.create(cm);
        }
        long generation = greeting.path("metadata").path("generation").asLong();
        if (greeting.path("status").path("observedGeneration").asLong() != generation) {
            ObjectNode next = greeting.deepCopy();
            next.putObject("status").put("configMap", name).put("observedGeneration", generation);
            client.resource("example.com/v1", "greetings").namespace(ns).updateStatus(next);
        }
        return Result.done();
    }

    @Override
    public void close() {
        controller.close();
        informers.close();
    }
}
