package io.cairn.controlplane.controllers;

import static io.cairn.controlplane.controllers.CtrlUtil.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.informer.Informer;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.informer.Store;
import io.cairn.controlplane.workqueue.Controller;
import io.cairn.controlplane.workqueue.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The endpoints and endpointslice controllers in one: for every Service with a selector, the Endpoints of the same
 * name (ready addresses, not-ready addresses, grouped into subsets by their ports) and EndpointSlices
 * {@code <service>-<suffix>} (one per distinct port set; endpoints with the conditions ready, serving and terminating)
 * from the pods that match the selector and have an IP. A service's {@code targetPort} by name resolves against each
 * pod's container ports. Writes are guarded on the resourceVersion; a 409 is retried.
 */
public final class EndpointsController implements AutoCloseable {
    static final String SERVICE_NAME = "kubernetes.io/service-name";
    static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";
    static final String CONTROLLER_NAME = "endpointslice-controller.k8s.io";

    private final ApiClient client;
    private final Informer services;
    private final Informer pods;
    private final Informer endpoints;
    private final Informer slices;
    private Controller controller;
    /** service key → names of slices created and not yet in the cache → when. */
    private final Map<String, Map<String, Long>> pendingSlices = new java.util.concurrent.ConcurrentHashMap<>();

    public EndpointsController(ApiClient client, SharedInformerFactory informers) {
        this.client = client;
        this.services = informers.informerFor("v1", "services");
        this.pods = informers.informerFor("v1", "pods");
        this.endpoints = informers.informerFor("v1", "endpoints");
        this.slices = informers.informerFor("discovery.k8s.io/v1", "endpointslices");
    }

    public synchronized void start(int workers) {
        if (controller != null) {
            return;
        }
        controller = Controller.of("endpoints", this::reconcile, workers).watch(services).watch(endpoints);
        pods.addHandler(new Informer.Handler() {
            @Override
            public void onAdd(ObjectNode obj) {
                enqueueServicesOf(obj, null);
            }

            @Override
            public void onUpdate(ObjectNode oldObj, ObjectNode newObj) {
                enqueueServicesOf(newObj, oldObj);
            }

            @Override
            public void onDelete(ObjectNode obj) {
                enqueueServicesOf(obj, null);
            }
        });
        slices.addHandler(Informer.Handler.onKey(key -> {
            ObjectNode s = slices.store().get(key);
            String ns = Store.namespaceOf(key);
            String svc = s == null ? "" : s.path("metadata").path("labels").path(SERVICE_NAME).asText("");
            if (!svc.isEmpty()) {
                controller.queue().add(ns + "/" + svc);
            }
        }));
        slices.addHandler(new Informer.Handler() {
            @Override
            public void onDelete(ObjectNode obj) {
                String svc = obj.path("metadata").path("labels").path(SERVICE_NAME).asText("");
                if (!svc.isEmpty()) {
                    controller.queue().add(namespace(obj) + "/" + svc);
                }
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

    private void enqueueServicesOf(ObjectNode pod, ObjectNode old) {
        for (ObjectNode svc : services.store().byIndex(Store.NAMESPACE_INDEX, namespace(pod))) {
            JsonNode sel = svc.path("spec").path("selector");
            if (matchesMap(sel, pod.path("metadata").path("labels"))
                    || (old != null && matchesMap(sel, old.path("metadata").path("labels")))) {
                controller.queue().add(Store.keyOf(svc));
            }
        }
    }

    /** One pod's place in a service: its address and conditions, and the ports it serves. */
    private record Member(ObjectNode pod, String ip, boolean ready, boolean serving, boolean terminating,
                          ArrayNode ports) {
    }

    Result reconcile(String key) {
        String ns = Store.namespaceOf(key);
        String name = Store.nameOf(key);
        ObjectNode svc = services.store().get(key);
        if (svc == null) {
            deleteOwned(ns, name);
            return Result.done();
        }
        JsonNode selector = svc.path("spec").path("selector");
        if (!selector.isObject() || selector.isEmpty()) {
            return Result.done(); // endpoints of a service without a selector are the user's
        }
        boolean publishNotReady = svc.path("spec").path("publishNotReadyAddresses").asBoolean(false);
        List<Member> members = new ArrayList<>();
        for (ObjectNode pod : pods.store().byIndex(Store.NAMESPACE_INDEX, ns)) {
            if (!matchesMap(selector, pod.path("metadata").path("labels"))) {
                continue;
            }
            String ip = pod.path("status").path("podIP").asText("");
            String phase = phase(pod);
            if (ip.isEmpty() || ip.contains(":") || phase.equals("Succeeded") || phase.equals("Failed")) {
                continue;
            }
            boolean ready = podReady(pod);
            ArrayNode ports = portsFor(svc, pod);
            if (ports == null) {
                continue;
            }
            members.add(new Member(pod, ip, (ready || publishNotReady) && !deleting(pod), ready || publishNotReady,
                    deleting(pod), ports));
        }
        members.sort(Comparator.comparing(Member::ip));
        writeEndpoints(svc, members);
        return writeSlices(svc, members) ? Result.done() : Result.requeueAfter(java.time.Duration.ofMillis(200));
    }

    /** The endpoint ports of {@code pod} for the service's ports; null when a named targetPort cannot be found. */
    private static ArrayNode portsFor(ObjectNode svc, ObjectNode pod) {
        ArrayNode out = JSON.arrayNode();
        for (JsonNode sp : svc.path("spec").path("ports")) {
            JsonNode target = sp.path("targetPort");
            int port;
            if (target.isMissingNode() || target.isNull()) {
                port = sp.path("port").asInt();
            } else if (target.isInt() || target.asText().matches("\\d+")) {
                port = target.asInt(Integer.parseInt(target.asText("0")));
            } else {
                port = -1;
                for (JsonNode c : pod.path("spec").path("containers")) {
                    for (JsonNode cp : c.path("ports")) {
                        if (target.asText().equals(cp.path("name").asText())
                                && cp.path("protocol").asText("TCP").equals(sp.path("protocol").asText("TCP"))) {
                            port = cp.path("containerPort").asInt();
                        }
                    }
                }
                if (port < 0) {
                    continue; // this pod does not serve that port
                }
            }
            ObjectNode p = out.addObject();
            if (sp.hasNonNull("name") && !sp.path("name").asText().isEmpty()) {
                p.put("name", sp.path("name").asText());
            }
            p.put("port", port);
            p.put("protocol", sp.path("protocol").asText("TCP"));
            if (sp.hasNonNull("appProtocol")) {
                p.put("appProtocol", sp.path("appProtocol").asText());
            }
        }
        return out.isEmpty() ? null : out;
    }

    private static ObjectNode targetRef(ObjectNode pod) {
        ObjectNode ref = obj();
        ref.put("kind", "Pod");
        ref.put("namespace", namespace(pod));
        ref.put("name", name(pod));
        ref.put("uid", uid(pod));
        return ref;
    }

    private void writeEndpoints(ObjectNode svc, List<Member> members) {
        Map<String, ObjectNode> subsets = new LinkedHashMap<>();
        for (Member m : members) {
            if (m.terminating()) {
                continue;
            }
            ObjectNode subset = subsets.computeIfAbsent(m.ports().toString(), k -> {
                ObjectNode s = obj();
                s.set("ports", m.ports());
                return s;
            });
            ObjectNode a = obj();
            a.put("ip", m.ip());
            String hostname = m.pod().path("spec").path("hostname").asText("");
            if (!hostname.isEmpty() && name(svc).equals(m.pod().path("spec").path("subdomain").asText(""))) {
                a.put("hostname", hostname);
            }
            String node = m.pod().path("spec").path("nodeName").asText("");
            if (!node.isEmpty()) {
                a.put("nodeName", node);
            }
            a.set("targetRef", targetRef(m.pod()));
            subset.withArray(m.ready() ? "addresses" : "notReadyAddresses").add(a);
        }
        ArrayNode wanted = JSON.arrayNode();
        subsets.values().forEach(s -> {
            ObjectNode ordered = obj(); // kube's field order: addresses, notReadyAddresses, ports
            if (s.has("addresses")) {
                ordered.set("addresses", s.get("addresses"));
            }
            if (s.has("notReadyAddresses")) {
                ordered.set("notReadyAddresses", s.get("notReadyAddresses"));
            }
            ordered.set("ports", s.get("ports"));
            wanted.add(ordered);
        });
        ObjectNode labels = svc.path("metadata").path("labels") instanceof ObjectNode l ? l.deepCopy() : obj();
        if ("None".equals(svc.path("spec").path("clusterIP").asText())) {
            labels.put("service.kubernetes.io/headless", "");
        }
        ApiClient.ResourceClient rc = client.resource("v1", "endpoints").namespace(namespace(svc));
        ObjectNode current = endpoints.store().get(Store.keyOf(svc));
        if (current == null) {
            ObjectNode ep = obj();
            ep.put("apiVersion", "v1");
            ep.put("kind", "Endpoints");
            ObjectNode meta = ep.putObject("metadata");
            meta.put("name", name(svc));
            meta.set("labels", labels);
            ep.set("subsets", wanted);
            try {
                rc.create(ep);
            } catch (ApiException e) {
                if (e.code() != 409) {
                    throw e;
                }
                throw new IllegalStateException("endpoints " + Store.keyOf(svc) + " exist already; retrying from the cache");
            }
            return;
        }
        JsonNode have = current.path("subsets");
        boolean same = (have.isMissingNode() || have.isNull() ? JSON.arrayNode() : have).equals(wanted)
                && (current.path("metadata").path("labels").isObject()
                ? current.path("metadata").path("labels") : obj()).equals(labels);
        if (!same) {
            ObjectNode update = current.deepCopy();
            update.set("subsets", wanted);
            ((ObjectNode) update.get("metadata")).set("labels", labels);
            rc.update(update); // guarded on the cached resourceVersion: a 409 is retried
        }
    }

    /** Writes the service's slices; false when slices it created are not in the cache yet (look again soon). */
    private boolean writeSlices(ObjectNode svc, List<Member> members) {
        String svcKey = Store.keyOf(svc);
        Map<String, Long> pending = pendingSlices.computeIfAbsent(svcKey, k -> new java.util.concurrent.ConcurrentHashMap<>());
        pending.keySet().removeIf(n -> slices.store().get(namespace(svc), n) != null);
        pending.values().removeIf(t -> System.nanoTime() - t > 30_000_000_000L);
        if (!pending.isEmpty()) {
            return false;
        }
        Map<String, ArrayNode> endpointsByPorts = new LinkedHashMap<>();
        Map<String, ArrayNode> portsByKey = new LinkedHashMap<>();
        for (Member m : members) {
            String k = m.ports().toString();
            portsByKey.putIfAbsent(k, m.ports());
            ObjectNode e = endpointsByPorts.computeIfAbsent(k, x -> JSON.arrayNode()).addObject();
            e.putArray("addresses").add(m.ip());
            ObjectNode c = e.putObject("conditions");
            c.put("ready", m.ready());
            c.put("serving", m.serving());
            c.put("terminating", m.terminating());
            String node = m.pod().path("spec").path("nodeName").asText("");
            if (!node.isEmpty()) {
                e.put("nodeName", node);
            }
            e.set("targetRef", targetRef(m.pod()));
        }
        if (endpointsByPorts.isEmpty()) {
            endpointsByPorts.put("[]", JSON.arrayNode()); // a placeholder slice, as kube keeps
            portsByKey.put("[]", JSON.arrayNode());
        }
        ObjectNode labels = svc.path("metadata").path("labels") instanceof ObjectNode l ? l.deepCopy() : obj();
        labels.put(SERVICE_NAME, name(svc));
        labels.put(MANAGED_BY, CONTROLLER_NAME);
        ApiClient.ResourceClient rc = client.resource("discovery.k8s.io/v1", "endpointslices").namespace(namespace(svc));
        List<ObjectNode> existing = ownedSlices(namespace(svc), name(svc));
        // reuse a slice with the same ports first
        for (Iterator<Map.Entry<String, ArrayNode>> it = endpointsByPorts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, ArrayNode> want = it.next();
            ArrayNode ports = portsByKey.get(want.getKey());
            ObjectNode match = null;
            for (ObjectNode s : existing) {
                JsonNode p = s.path("ports");
                if ((p.isMissingNode() || p.isNull() ? JSON.arrayNode() : p).equals(ports)) {
                    match = s;
                    break;
                }
            }
            if (match != null) {
                existing.remove(match);
                it.remove();
                JsonNode eps = match.path("endpoints");
                if (!(eps.isMissingNode() || eps.isNull() ? JSON.arrayNode() : eps).equals(want.getValue())
                        || !match.path("metadata").path("labels").equals(labels)) {
                    ObjectNode update = match.deepCopy();
                    update.set("endpoints", want.getValue());
                    ((ObjectNode) update.get("metadata")).set("labels", labels);
                    rc.update(update);
                }
            }
        }
        // then rewrite leftover slices, or create new ones
        for (Map.Entry<String, ArrayNode> want : endpointsByPorts.entrySet()) {
            ArrayNode ports = portsByKey.get(want.getKey());
            if (!existing.isEmpty()) {
                ObjectNode update = existing.remove(0).deepCopy();
                update.set("endpoints", want.getValue());
                update.set("ports", ports);
                ((ObjectNode) update.get("metadata")).set("labels", labels);
                rc.update(update);
                continue;
            }
            ObjectNode slice = obj();
            slice.put("apiVersion", "discovery.k8s.io/v1");
            slice.put("kind", "EndpointSlice");
            ObjectNode meta = slice.putObject("metadata");
            meta.put("generateName", name(svc) + "-");
            meta.set("labels", labels);
            meta.putArray("ownerReferences").add(newControllerRef(svc, "v1", "Service"));
            slice.put("addressType", "IPv4");
            slice.set("endpoints", want.getValue());
            slice.set("ports", ports);
            ObjectNode created = rc.create(slice);
            pending.put(name(created), System.nanoTime());
        }
        for (ObjectNode extra : existing) {
            try {
                rc.delete(name(extra));
            } catch (ApiException e) {
                if (e.code() != 404) {
                    throw e;
                }
            }
        }
        return true;
    }

    private List<ObjectNode> ownedSlices(String ns, String service) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode s : slices.store().byIndex(Store.NAMESPACE_INDEX, ns)) {
            JsonNode l = s.path("metadata").path("labels");
            if (service.equals(l.path(SERVICE_NAME).asText()) && CONTROLLER_NAME.equals(l.path(MANAGED_BY).asText())) {
                out.add(s);
            }
        }
        return out;
    }

    private void deleteOwned(String ns, String name) {
        ObjectNode ep = endpoints.store().get(ns, name);
        try {
            if (ep != null) {
                client.resource("v1", "endpoints").namespace(ns).delete(name);
            }
            for (ObjectNode s : ownedSlices(ns, name)) {
                client.resource("discovery.k8s.io/v1", "endpointslices").namespace(ns).delete(name(s));
            }
        } catch (ApiException e) {
            if (e.code() != 404) {
                throw e;
            }
        }
    }
}
