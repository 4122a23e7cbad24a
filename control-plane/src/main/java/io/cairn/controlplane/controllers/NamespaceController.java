package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.api.Json;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The namespace controller: a namespace being deleted loses all its content (every namespaced resource the API's
 * discovery documents list with a {@code delete} verb, deleted with propagation Background); once nothing is left,
 * its {@code kubernetes} finalizer goes through {@code PUT /api/v1/namespaces/<name>/finalize} and the server deletes
 * it. While it waits it reports, as kube does, the conditions {@code NamespaceDeletionDiscoveryFailure},
 * {@code NamespaceDeletionContentFailure}, {@code NamespaceContentRemaining} and {@code NamespaceFinalizersRemaining}.
 */
public final class NamespaceController implements AutoCloseable {
    static final String FINALIZER = "kubernetes";

    /** A namespaced resource to empty: its apiVersion and plural. */
    record Resource(String apiVersion, String plural) {
    }

    private final ApiClient client;
    private final Informer namespaces;
    private final Duration recheck;
    private Controller controller;

    public NamespaceController(ApiClient client, SharedInformerFactory informers) {
        this(client, informers, Duration.ofSeconds(1));
    }

    /** @param recheck how soon to look again while content remains */
    public NamespaceController(ApiClient client, SharedInformerFactory informers, Duration recheck) {
        this.client = client;
        this.namespaces = informers.informerFor("v1", "namespaces");
        this.recheck = recheck;
    }

    public synchronized void start(int workers) {
        if (controller == null) {
            controller = Controller.of("namespace", this::reconcile, workers).watch(namespaces);
            controller.start();
        }
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
        }
    }

    /** Every namespaced resource that can be listed and deleted, from /api/v1 and each group's preferred version. */
    List<Resource> discover() {
        List<String> groupVersions = new ArrayList<>();
        groupVersions.add("v1");
        for (JsonNode g : client.raw("/apis").path("groups")) {
            String preferred = g.path("preferredVersion").path("groupVersion").asText("");
            if (preferred.isEmpty() && g.path("versions").size() > 0) {
                preferred = g.path("versions").get(0).path("groupVersion").asText("");
            }
            if (!preferred.isEmpty()) {
                groupVersions.add(preferred);
            }
        }
        List<Resource> out = new ArrayList<>();
        for (String gv : groupVersions) {
            JsonNode list = client.raw(gv.equals("v1") ? "/api/v1" : "/apis/" + gv);
            for (JsonNode r : list.path("resources")) {
                String plural = r.path("name").asText();
                if (plural.contains("/") || !r.path("namespaced").asBoolean(false)) {
                    continue;
                }
                boolean delete = false;
                boolean listable = false;
                for (JsonNode v : r.path("verbs")) {
                    delete |= v.asText().equals("delete");
                    listable |= v.asText().equals("list");
                }
                if (delete && listable) {
                    out.add(new Resource(gv, plural));
                }
            }
        }
        return out;
    }

    Result reconcile(String name) {
        ObjectNode ns = namespaces.store().get(name);
        if (ns == null || !deleting(ns)) {
            return Result.done();
        }
        List<String> finalizers = new ArrayList<>();
        ns.path("spec").path("finalizers").forEach(f -> finalizers.add(f.asText()));
        if (!finalizers.contains(FINALIZER)) {
            return Result.done(); // ours is done; other finalizers are someone else's
        }
        ObjectNode status = ns.path("status") instanceof ObjectNode s ? s.deepCopy() : obj();
        List<Resource> resources;
        try {
            resources = discover();
        } catch (RuntimeException e) {
            setCondition(status, "NamespaceDeletionDiscoveryFailure", "True", "DiscoveryFailed",
                    "Discovery failed: " + e.getMessage(), false);
            writeStatus(ns, status);
            throw e;
        }
        setCondition(status, "NamespaceDeletionDiscoveryFailure", "False", "ResourcesDiscovered",
                "All resources successfully discovered", false);
        setCondition(status, "NamespaceDeletionGroupVersionParsingFailure", "False", "ParsedGroupVersions",
                "All legacy kube types successfully parsed", false);

        Map<String, Integer> remaining = new TreeMap<>();
        Map<String, Integer> finalizersRemaining = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (Resource r : resources) {
            ApiClient.ResourceClient rc = client.resource(r.apiVersion(), r.plural()).namespace(name);
            JsonNode items;
            try {
                items = rc.list().path("items");
            } catch (ApiException e) {
                if (e.code() == 404 || e.code() == 405) {
                    continue;
                }
                failures.add(r.plural() + ": " + e.getMessage());
                continue;
            }
            String group = r.apiVersion().contains("/") ? r.apiVersion().substring(0, r.apiVersion().indexOf('/')) : "";
            String label = group.isEmpty() ? r.plural() + "." : r.plural() + "." + group;
            for (JsonNode item : items) {
                remaining.merge(label, 1, Integer::sum);
                for (JsonNode f : item.path("metadata").path("finalizers")) {
                    finalizersRemaining.merge(f.asText(), 1, Integer::sum);
                }
                if (deleting(item)) {
                    continue;
                }
                try {
                    ObjectNode opts = obj();
                    opts.put("kind", "DeleteOptions");
                    opts.put("apiVersion", "v1");
                    opts.put("propagationPolicy", "Background");
                    rc.delete(name(item), opts);
                } catch (ApiException e) {
                    if (e.code() != 404 && e.code() != 409) {
                        failures.add(r.plural() + "/" + name(item) + ": " + e.getMessage());
                    }
                }
            }
        }
        if (failures.isEmpty()) {
            setCondition(status, "NamespaceDeletionContentFailure", "False", "ContentDeleted",
                    "All content successfully deleted, may be waiting on finalization", false);
        } else {
            setCondition(status, "NamespaceDeletionContentFailure", "True", "ContentDeletionFailed",
                    "Failed to delete all resource types, " + failures.size() + " remaining: "
                            + String.join(", ", failures), false);
        }
        if (remaining.isEmpty()) {
            setCondition(status, "NamespaceContentRemaining", "False", "ContentRemoved",
                    "All content successfully removed", false);
        } else {
            List<String> parts = new ArrayList<>();
            remaining.forEach((k, v) -> parts.add(k + " has " + v + " resource instances"));
            setCondition(status, "NamespaceContentRemaining", "True", "SomeResourcesRemain",
                    "Some resources are remaining: " + String.join(", ", parts), false);
        }
        if (finalizersRemaining.isEmpty()) {
            setCondition(status, "NamespaceFinalizersRemaining", "False", "ContentHasNoFinalizers",
                    "All content-preserving finalizers finished", false);
        } else {
            List<String> parts = new ArrayList<>();
            finalizersRemaining.forEach((k, v) -> parts.add(k + " in " + v + " resource instances"));
            setCondition(status, "NamespaceFinalizersRemaining", "True", "SomeFinalizersRemain",
                    "Some content in the namespace has finalizers remaining: " + String.join(", ", parts), false);
        }
        writeStatus(ns, status);
        if (!remaining.isEmpty() || !failures.isEmpty()) {
            return Result.requeueAfter(recheck);
        }
        finalizeNamespace(ns, finalizers);
        return Result.done();
    }

    private void writeStatus(ObjectNode ns, ObjectNode status) {
        if (status.equals(ns.path("status"))) {
            return;
        }
        ObjectNode update = ns.deepCopy();
        update.set("status", status);
        try {
            client.resource("v1", "namespaces").updateStatus(update);
        } catch (ApiException e) {
            if (e.code() != 409 && e.code() != 404) { // a newer version will be reconciled again
                throw e;
            }
        }
    }

    private void finalizeNamespace(ObjectNode ns, List<String> finalizers) {
        ObjectNode body = ns.deepCopy();
        ArrayNode left = body.withObjectProperty("spec").putArray("finalizers");
        finalizers.stream().filter(f -> !f.equals(FINALIZER)).forEach(left::add);
        Transport.Response r = client.transport().call("PUT", "/api/v1/namespaces/" + name(ns) + "/finalize",
                Map.of(), "application/json", Json.bytes(body));
        if (r.code() == 404) {
            return;
        }
        if (r.code() >= 300) {
            // a conflict or another failure: the key is retried, reading the namespace again
            throw new ApiException(r.code(), r.code() == 409 ? "Conflict" : "Unknown",
                    new String(r.body(), StandardCharsets.UTF_8), null);
        }
    }

    static String describe(List<Resource> resources) {
        TreeSet<String> names = new TreeSet<>();
        resources.forEach(r -> names.add(r.apiVersion() + "/" + r.plural()));
        return String.join(",", names);
    }
}
