package io.cairn.controlplane.up;

import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.leaderelection.LeaderElector;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parts of the control plane (the controller manager, the scheduler) that run only while this process leads through
 * a Lease in {@code kube-system} named after them, as kube-controller-manager and kube-scheduler do: parts are made
 * and started when leadership is won, closed when it is lost, and made anew if it is won again.
 */
final class Elected implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Elected.class);

    /** One startable piece: a controller, the scheduler. */
    interface Part {
        void start();

        void close() throws Exception;
    }

    static Part part(Runnable start, AutoCloseable close) {
        return new Part() {
            @Override
            public void start() {
                start.run();
            }

            @Override
            public void close() throws Exception {
                close.close();
            }
        };
    }

    private final String lease;
    private final Supplier<List<Part>> make;
    private List<Part> prepared;
    private List<Part> running;

    Elected(String lease, Supplier<List<Part>> make) {
        this.lease = lease;
        this.make = make;
    }

    /** Makes the first set of parts now (so that the informers they need exist before the factory starts). */
    synchronized void prepare() {
        prepared = make.get();
    }

    /** Starts campaigning as {@code identity}; closing the result releases the Lease. */
    LeaderElector elect(ApiClient client, String identity) {
        LeaderElector elector = new LeaderElector(client, LeaderElector.Config.of("kube-system", lease, identity),
                new LeaderElector.Callbacks() {
                    @Override
                    public void onStartedLeading() {
                        lead();
                    }

                    @Override
                    public void onStoppedLeading() {
                        stop();
                    }
                });
        elector.start();
        return elector;
    }

    private synchronized void lead() {
        running = prepared != null ? prepared : make.get();
        prepared = null;
        log.info("{}: leading; starting", lease);
        running.forEach(Part::start);
    }

    private synchronized void stop() {
        if (running == null) {
            return;
        }
        log.info("{}: no longer leading; stopping", lease);
        for (Part p : running) {
            try {
                p.close();
            } catch (Exception e) {
                log.warn("{}: stopping a part: {}", lease, e.toString());
            }
        }
        running = null;
    }

    @Override
    public void close() {
        stop();
    }
}
