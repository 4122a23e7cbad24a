package io.cairn.controlplane.up;

import io.cairn.apiserver.ApiServer;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.apiserver.client.Transport;
import io.cairn.apiserver.local.Addon;
import io.cairn.apiserver.local.LocalControlPlane;
import io.cairn.controlplane.controllers.DeploymentController;
import io.cairn.controlplane.controllers.EndpointsController;
import io.cairn.controlplane.controllers.GarbageCollector;
import io.cairn.controlplane.controllers.JobController;
import io.cairn.controlplane.controllers.NamespaceController;
import io.cairn.controlplane.controllers.NodeLifecycleController;
import io.cairn.controlplane.controllers.ReplicaSetController;
import io.cairn.controlplane.controllers.ServiceAccountController;
import io.cairn.controlplane.informer.SharedInformerFactory;
import io.cairn.controlplane.nodes.NodeSimulator;
import io.cairn.controlplane.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane in {@code cairn up}'s process: the controller manager and the simulated nodes, each on an
 * in-process client of the API server (the same request path as HTTP), started once the API server serves.
 * Registered for {@link java.util.ServiceLoader} in {@code META-INF/services}.
 */
public final class ControlPlaneAddon implements Addon {
    private static final Logger log = LoggerFactory.getLogger(ControlPlaneAddon.class);
    private static final int WORKERS = 2;

    @Override
    public AutoCloseable start(ApiServer server, int nodes, Map<String, String> settings) throws Exception {
        Duration grace = LocalControlPlane.duration(settings.getOrDefault(Addon.NODE_MONITOR_GRACE_PERIOD, "40s"));
        if (grace.isZero() || grace.isNegative()) {
            throw new IllegalArgumentException(Addon.NODE_MONITOR_GRACE_PERIOD + " must be positive: " + grace);
        }
        // the API server gives pods their default tolerations (ControlPlaneMain configures it); logged here
        String tolerationSeconds = settings.getOrDefault(Addon.DEFAULT_TOLERATION_SECONDS, "300");
        // as kube: the monitor looks every 5 s (at most), kubelets renew their Lease at a quarter of its duration
        NodeLifecycleController.Config lifecycle = NodeLifecycleController.Config.defaults()
                .withNodeMonitorGracePeriod(grace).withMonitorPeriod(min(Duration.ofSeconds(5), grace.dividedBy(4)));
        Duration leaseRenew = min(Duration.ofSeconds(10), grace.dividedBy(4));
        List<AutoCloseable> started = new ArrayList<>();
        try {
            ApiClient controllers = ApiClient.of(Transport.inProcess(server.dispatcher(),
                    "system:kube-controller-manager"));
            SharedInformerFactory informers = new SharedInformerFactory(controllers);
            started.add(informers);
            // the controller manager and the scheduler each lead through a Lease in kube-system, as in Kubernetes, so
            // several control-plane processes on one store act once: the others wait as candidates
            String identity = "cairn-" + ProcessHandle.current().pid() + "-" + java.util.UUID.randomUUID();
            Elected manager = new Elected("kube-controller-manager",
                    () -> controllerManager(controllers, informers, lifecycle));
            manager.prepare(); // registers every informer the controllers use before the factory starts
            informers.start();
            if (!informers.waitForCacheSync(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the controllers' caches did not sync in 60 s");
            }
            started.add(manager);
            started.add(manager.elect(controllers, identity));
            ApiClient schedulerClient = ApiClient.of(Transport.inProcess(server.dispatcher(), "system:kube-scheduler"));
            SharedInformerFactory schedulerInformers = new SharedInformerFactory(schedulerClient);
            started.add(schedulerInformers);
            Elected scheduler = new Elected("kube-scheduler", () -> {
                Scheduler sched = new Scheduler(schedulerClient, schedulerInformers,
                        Scheduler.Config.defaults().withWorkers(4));
                return List.of(Elected.part(sched::start, sched));
            });
            started.add(scheduler);
            started.add(scheduler.elect(schedulerClient, identity));
            if (nodes > 0) {
                NodeSimulator sim = new NodeSimulator(ApiClient.of(Transport.inProcess(server.dispatcher(),
                        "system:node-simulator")), NodeSimulator.Config.defaults(nodes).withLeaseRenew(leaseRenew));
                sim.start();
                started.add(sim);
            }
            log.info("control plane started: controllers replicaset, deployment, job, namespace, garbage collector, endpoints, "
                    + "serviceaccount, node lifecycle (grace period {}, default toleration {} s); the scheduler; {} "
                    + "simulated nodes", grace, tolerationSeconds, nodes);
            return () -> closeAll(started);
        } catch (Exception | Error e) {
            closeAll(started);
            throw e;
        }
    }

    /** The controller manager: every controller, started with {@code workers} each. */
    private static List<Elected.Part> controllerManager(ApiClient client, SharedInformerFactory informers,
                                                         NodeLifecycleController.Config lifecycle) {
        ReplicaSetController replicaSets = new ReplicaSetController(client, informers);
        DeploymentController deployments = new DeploymentController(client, informers);
        JobController jobs = new JobController(client, informers);
        NamespaceController namespaces = new NamespaceController(client, informers);
        GarbageCollector gc = new GarbageCollector(client, informers);
        EndpointsController endpoints = new EndpointsController(client, informers);
        ServiceAccountController serviceAccounts = new ServiceAccountController(client, informers);
        NodeLifecycleController nodeLifecycle = new NodeLifecycleController(client, informers, lifecycle);
        return List.of(
                Elected.part(() -> replicaSets.start(WORKERS), replicaSets),
                Elected.part(() -> deployments.start(WORKERS), deployments),
                Elected.part(() -> jobs.start(WORKERS), jobs),
                Elected.part(() -> namespaces.start(1), namespaces),
                Elected.part(() -> gc.start(WORKERS), gc),
                Elected.part(() -> endpoints.start(WORKERS), endpoints),
                Elected.part(() -> serviceAccounts.start(1), serviceAccounts),
                Elected.part(() -> nodeLifecycle.start(1), nodeLifecycle));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static void closeAll(List<AutoCloseable> started) {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                log.warn("stopping {}: {}", started.get(i), e.toString());
            }
        }
    }
}
