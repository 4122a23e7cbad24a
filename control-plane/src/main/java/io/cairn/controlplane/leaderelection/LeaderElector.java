package io.cairn.controlplane.leaderelection;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import io.cairn.apiserver.client.ApiClient;
import io.cairn.controlplane.util.LoopThread;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Elects one leader among processes that run the same controllers, through a coordination.k8s.io/v1 {@code Lease}
 * (client-go's {@code leaderelection} with a {@code LeaseLock}): the leader writes its identity and a fresh
 * {@code renewTime} every {@code retryPeriod}; the others read the Lease as often, and take it only when its holder
 * has not changed it for {@code leaseDurationSeconds}, as measured on their own clock from when they last saw it
 * change (so clock skew between processes does not matter, only rates).
 *
 * <p>Safety. Every write carries the Lease's resourceVersion, so two candidates cannot both take it: the loser gets
 * 409 Conflict. A leader that cannot renew for {@code renewDeadline} ({@code < leaseDuration}) stops leading
 * ({@code onStoppedLeading}) before anyone else may take the Lease; one that finds another holder in the Lease stops
 * at once. The margin between the two durations is what keeps two leaders from overlapping, as long as a process's
 * pauses stay shorter than it.
 *
 * <p>After losing the Lease the elector becomes a candidate again (client-go's callers usually exit instead;
 * running controllers must be stopped in {@code onStoppedLeading} either way). {@link #close()} gives the Lease up
 * (empty holder), so a successor need not wait out the duration.
 *
 * <p>One thread per elector ({@code leader-elector-<lease>}) does every read, write and callback; callbacks must
 * return quickly (start or stop controllers on threads of their own).
 */
public final class LeaderElector implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaderElector.class);
    /** Kubernetes' MicroTime, as client-go writes {@code acquireTime} and {@code renewTime}. */
    static final DateTimeFormatter MICRO_TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSX").withZone(ZoneOffset.UTC);

    /** What the elector tells its owner; called on the elector's thread. */
    public interface Callbacks {
        void onStartedLeading();

        void onStoppedLeading();

        /** The holder the elector last saw changed (may be this elector's own identity, or "" when released). */
        default void onNewLeader(String identity) {
        }
    }

    /**
     * @param leaseDuration how long others wait, from the last change they saw, before taking the Lease
     * @param renewDeadline how long a leader keeps leading without a successful renewal
     * @param retryPeriod   how often the leader renews and candidates try
     */
    public record Config(String namespace, String name, String identity, Duration leaseDuration,
                         Duration renewDeadline, Duration retryPeriod) {
        public Config {
            if (identity == null || identity.isEmpty()) {
                throw new IllegalArgumentException("a leader elector needs an identity");
            }
            if (leaseDuration.toSeconds() < 1 || leaseDuration.compareTo(renewDeadline) <= 0
                    || renewDeadline.compareTo(retryPeriod.multipliedBy(12).dividedBy(10)) <= 0
                    || retryPeriod.isZero() || retryPeriod.isNegative()) {
                throw new IllegalArgumentException("leader election needs leaseDuration (whole seconds, >= 1 s) > "
                        + "renewDeadline > 1.2 * retryPeriod > 0: " + leaseDuration + ", " + renewDeadline + ", "
                        + retryPeriod);
            }
        }

        /** kube-controller-manager's timings: a 15 s lease, a 10 s renew deadline, a try every 2 s. */
        public static Config of(String namespace, String name, String identity) {
            return new Config(namespace, name, identity, Duration.ofSeconds(15), Duration.ofSeconds(10),
                    Duration.ofSeconds(2));
        }

        public Config withTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
            return new Config(namespace, name, identity, leaseDuration, renewDeadline, retryPeriod);
        }
    }

    private final ApiClient.ResourceClient leases;
    private final Config config;
    private final Callbacks callbacks;
    private final Clock clock;
    private final LoopThread loop;

    private volatile boolean leading;
    private volatile String observedHolder = "";
    /** The Lease's resourceVersion when last read or written, and when (nanoTime) it last changed. */
    private String observedVersion = "";
    private long observedNanos;

    public LeaderElector(ApiClient client, Config config, Callbacks callbacks) {
        this(client, config, callbacks, Clock.systemUTC());
    }

    /** With the clock that stamps {@code acquireTime} and {@code renewTime} (expiry uses the monotonic clock). */
    public LeaderElector(ApiClient client, Config config, Callbacks callbacks, Clock clock) {
        this.leases = client.resource("coordination.k8s.io/v1", "leases").namespace(config.namespace());
        this.config = config;
        this.callbacks = callbacks;
        this.clock = clock;
        this.loop = new LoopThread("leader-elector-" + config.name(), this::run, Duration.ofSeconds(10));
    }

    public boolean isLeader() {
        return leading;
    }

    /** The holder of the Lease as last seen ("" if none or not read yet). */
    public String leader() {
        return observedHolder;
    }

    public String identity() {
        return config.identity();
    }

    public void start() {
        loop.start();
    }

    /** Stops; a leader gives the Lease up and gets {@code onStoppedLeading}. */
    @Override
    public void close() {
        loop.stop();
    }

    private void run() {
        try {
            while (loop.running()) {
                acquire();
                lead();
            }
        } catch (InterruptedException e) {
            // closed
        } finally {
            if (leading) {
                Thread.interrupted(); // the release is a last write, not to be cut short by close's interrupt
                release();
                stopLeading("closed");
            }
        }
    }

    /** Tries every retryPeriod (with client-go's 1.2 jitter) until this elector holds the Lease. */
    private void acquire() throws InterruptedException {
        while (loop.running() && !tryAcquireOrRenew()) {
            long retry = config.retryPeriod().toNanos();
            Thread.sleep(Duration.ofNanos(retry + ThreadLocalRandom.current().nextLong(retry / 5 + 1)).toMillis());
        }
        if (!loop.running()) {
            throw new InterruptedException("closed");
        }
        leading = true;
        log.info("{} is now the leader of lease {}/{}", config.identity(), config.namespace(), config.name());
        callback("onStartedLeading", callbacks::onStartedLeading);
    }

    /** Renews every retryPeriod; returns once the renew deadline passed or someone else holds the Lease. */
    private void lead() throws InterruptedException {
        long lastRenewNanos = System.nanoTime();
        while (loop.running()) {
            Thread.sleep(config.retryPeriod().toMillis());
            if (tryAcquireOrRenew()) {
                lastRenewNanos = System.nanoTime();
            } else if (!observedHolder.equals(config.identity()) && !observedHolder.isEmpty()) {
                stopLeading("the lease is held by " + observedHolder);
                return;
            } else if (System.nanoTime() - lastRenewNanos > config.renewDeadline().toNanos()) {
                stopLeading("no renewal for " + config.renewDeadline());
                return;
            }
        }
    }

    private void stopLeading(String why) {
        leading = false;
        log.info("{} stopped leading lease {}/{}: {}", config.identity(), config.namespace(), config.name(), why);
        callback("onStoppedLeading", callbacks::onStoppedLeading);
    }

    /** A callback that throws must not end the elector (a leader that stops renewing would still think it leads). */
    private void callback(String which, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.error("{}: {} failed", config.identity(), which, e);
        }
    }

    /**
     * One round of client-go's {@code tryAcquireOrRenew}: read the Lease (create it if absent); if another holder
     * renewed it within its duration, answer false; else write this elector in, guarded on the version read.
     */
    boolean tryAcquireOrRenew() {
        String now = MICRO_TIME.format(clock.instant());
        ObjectNode lease;
        try {
            lease = leases.get(config.name());
        } catch (ApiException e) {
            if (e.code() == 404) {
                return create(now);
            }
            log.warn("{}: reading lease {}: {}", config.identity(), config.name(), e.getMessage());
            return false;
        } catch (RuntimeException e) {
            log.warn("{}: reading lease {}: {}", config.identity(), config.name(), e.toString());
            return false;
        }
        JsonNode spec = lease.path("spec");
        String holder = spec.path("holderIdentity").asText("");
        observe(lease);
        long durationNanos = Duration.ofSeconds(spec.path("leaseDurationSeconds").asLong(0)).toNanos();
        if (!holder.isEmpty() && !holder.equals(config.identity())
                && System.nanoTime() - observedNanos < durationNanos) {
            return false;
        }
        ObjectNode next = lease.deepCopy();
        ObjectNode s = next.get("spec") instanceof ObjectNode o ? o : next.putObject("spec");
        s.put("holderIdentity", config.identity());
        s.put("leaseDurationSeconds", config.leaseDuration().toSeconds());
        s.put("renewTime", now);
        if (!holder.equals(config.identity())) {
            s.put("acquireTime", now);
            s.put("leaseTransitions", spec.path("leaseTransitions").asInt(0) + 1);
        }
        try {
            observe(leases.update(next));
            return true;
        } catch (ApiException e) {
            if (e.code() != 409) {
                log.warn("{}: writing lease {}: {}", config.identity(), config.name(), e.getMessage());
            }
            return false; // 409: someone else wrote since our read
        } catch (RuntimeException e) {
            log.warn("{}: writing lease {}: {}", config.identity(), config.name(), e.toString());
            return false;
        }
    }

    private boolean create(String now) {
        ObjectNode lease = JsonNodeFactory.instance.objectNode();
        lease.put("apiVersion", "coordination.k8s.io/v1");
        lease.put("kind", "Lease");
        lease.putObject("metadata").put("name", config.name()).put("namespace", config.namespace());
        lease.putObject("spec").put("holderIdentity", config.identity())
                .put("leaseDurationSeconds", config.leaseDuration().toSeconds())
                .put("acquireTime", now).put("renewTime", now).put("leaseTransitions", 0);
        try {
            observe(leases.create(lease));
            return true;
        } catch (RuntimeException e) {
            return false; // 409 AlreadyExists: another candidate created it first
        }
    }

    /** Notes the Lease as read or written; a new resourceVersion restarts the holder's expiry on our clock. */
    private void observe(ObjectNode lease) {
        String version = lease.path("metadata").path("resourceVersion").asText("");
        String holder = lease.path("spec").path("holderIdentity").asText("");
        if (!version.equals(observedVersion)) {
            observedVersion = version;
            observedNanos = System.nanoTime();
        }
        if (!holder.equals(observedHolder)) {
            observedHolder = holder;
            callback("onNewLeader", () -> callbacks.onNewLeader(holder));
        }
    }

    /** Gives the Lease up: an empty holder, a one-second duration (client-go's {@code ReleaseOnCancel}). */
    private void release() {
        try {
            ObjectNode lease = leases.get(config.name());
            if (!lease.path("spec").path("holderIdentity").asText().equals(config.identity())) {
                return;
            }
            ObjectNode spec = (ObjectNode) lease.get("spec");
            spec.put("holderIdentity", "");
            spec.put("leaseDurationSeconds", 1);
            spec.put("renewTime", MICRO_TIME.format(clock.instant()));
            leases.update(lease);
        } catch (RuntimeException e) {
            log.warn("{}: releasing lease {}: {}", config.identity(), config.name(), e.toString());
        }
    }
}
