package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.util.List;

/** The service account controller: the {@code default} ServiceAccount in every active namespace, made again if deleted. */
public final class ServiceAccountController implements AutoCloseable {
    private final ApiClient client;
    private final Informer namespaces;
    private final Informer serviceAccounts;
    private final List<String> names;
    private Controller controller;

    public ServiceAccountController(ApiClient client, SharedInformerFactory informers) {
        this(client, informers, List.of("default"));
    }

    /** @param names the service accounts every namespace gets */
    public ServiceAccountController(ApiClient client, SharedInformerFactory informers, List<String> names) {
        this.client = client;
        this.namespaces = informers.informerFor("v1", "namespaces");
        this.serviceAccounts = informers.informerFor("v1", "serviceaccounts");
        this.names = List.copyOf(names);
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        controller = Controller.of("serviceaccount", this::reconcile, workers).watch(namespaces);
        serviceAccounts.addHandler(new Informer.Handler() {
            @Override
            public void onDelete(ObjectNode obj) {
                controller.queue().add(namespace(obj));
            }
        });
        controller.start();
    }

    @Override
    public synchronized void close() {
        if (controller != null) {
            controller.close();
        }
    }

    Result reconcile(String namespace) {
        ObjectNode ns = namespaces.store().get(namespace);
        if (ns == null || deleting(ns) || "Terminating".equals(ns.path("status").path("phase").asText())) {
            return Result.done();
        }
        for (String name : names) {
            if (serviceAccounts.store().get(namespace, name) != null) {
                continue;
            }
            ObjectNode sa = obj();
            sa.put("apiVersion", "v1");
            sa.put("kind", "ServiceAccount");
            sa.putObject("metadata").put("name", name);
            try {
                client.resource("v1", "serviceaccounts").namespace(namespace).create(sa);
            } catch (ApiException e) {
                // there already (the cache is behind), or the namespace is going away (403/404)
                if (e.code() != 409 && e.code() != 403 && e.code() != 404) {
                    throw e;
                }
            }
        }
        return Result.done();
    }
}
