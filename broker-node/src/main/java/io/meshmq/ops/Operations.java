package io.meshmq.ops;

import com.typesafe.config.Config;
import io.meshmq.routing.Router;
import org.apache.pekko.Done;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;
import org.apache.pekko.actor.ExtensionIdProvider;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything an operator or Kubernetes talks to, per actor system: the management HTTP server (Pekko Management on
 * {@code broker.management.port}: {@code /metrics}, {@code /ready}, {@code /alive}, {@code /health/ready},
 * {@code /health/alive}, and cluster bootstrap's routes), cluster bootstrap when {@code broker.management.cluster-bootstrap}
 * is on, the Prometheus registry, readiness, and the {@code $SYS} topics.
 *
 * <p>{@link org.apache.pekko.actor.typed.ActorSystem}-wide singleton (a Pekko extension), so the route provider and
 * the health checks that Pekko Management instantiates from configuration find the same state. Wiring in
 * {@link Broker}: {@link #start} right after the actor system exists (liveness answers during recovery, bootstrap
 * forms the cluster before sharding is used), {@link #brokerStarted} once the listeners are bound.
 */
public final class Operations implements Extension {
    private static final Logger log = LoggerFactory.getLogger(Operations.class);

    public static final class Id extends AbstractExtensionId<Operations> implements ExtensionIdProvider {
        @Override public Operations createExtension(ExtendedActorSystem system) { return new Operations(system); }

        @Override public Id lookup() { return ID; }
    }

    public static final Id ID = new Id();

    public static Operations get(ActorSystem system) { return ID.get(system); }

    private final ExtendedActorSystem system;
    private final Config config;
    private final BrokerHealth health;
    private final OpsMetrics metrics;
    private final AtomicLong retainedCount = new AtomicLong();
    private final long startedNanos = System.nanoTime();
    private volatile int managementPort = -1;
    private volatile Cancellable sysTask;
    private volatile Cancellable retainedTask;

    private Operations(ExtendedActorSystem system) {
        this.system = system;
        this.config = system.settings().config();
        Cluster cluster = Cluster.get(Adapter.toTyped(system));
        this.health = new BrokerHealth(cluster);
        this.metrics = new OpsMetrics(cluster, health);
        system.registerOnTermination(metrics::close);
    }

    /** True when {@code broker.management.cluster-bootstrap} forms the cluster (the node must not join itself). */
    public static boolean bootstrapsCluster(Config full) {
        return full.getInt("broker.management.port") >= 0 && full.getBoolean("broker.management.cluster-bootstrap");
    }

    /**
     * Starts the management HTTP server (unless {@code broker.management.port = -1}), cluster bootstrap when
     * configured, and readiness's shutdown hook. {@code full} is the broker's full configuration (journal filled in).
     */
    public static Operations start(org.apache.pekko.actor.typed.ActorSystem<?> typed, Config full) throws Exception {
        ActorSystem classic = Adapter.toClassic(typed);
        Operations ops = get(classic);
        JournalPing ping = JournalPing.from(full);
        ops.health.journal(ping);
        classic.registerOnTermination(ping::close);
        Config m = full.getConfig("broker.management");
        if (m.getInt("port") >= 0) {
            var uri = PekkoManagement.get(classic).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
            ops.managementPort = uri.port();
            log.info("management HTTP on {}:{} (/metrics, /ready, /alive, /health/ready, /health/alive)",
                    m.getString("host"), ops.managementPort);
            if (bootstrapsCluster(full)) {
                ClusterBootstrap.get(classic).start();
                log.info("cluster bootstrap started ({} discovery)",
                        full.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
            }
        }
        CoordinatedShutdown cs = CoordinatedShutdown.get(classic);
        // First phase: Kubernetes stops sending new clients here while the listeners still accept.
        cs.addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "meshmq-not-ready", () -> {
            ops.health.shuttingDown();
            Cancellable s = ops.sysTask;
            if (s != null) s.cancel();
            Cancellable r = ops.retainedTask;
            if (r != null) r.cancel();
            return CompletableFuture.completedFuture(Done.getInstance());
        });
        return ops;
    }

    /**
     * The broker accepts clients: readiness can turn true, metrics are bound to the broker's counters and the
     * $SYS topics start ({@code broker.sys.interval}, 0 = off; cluster totals through Distributed Data when
     * {@code clustered}).
     */
    public void brokerStarted(Metrics brokerMetrics, Router router, boolean clustered) {
        Duration refresh = Duration.ofSeconds(15);
        retainedTask = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, refresh,
                () -> router.retained().match("#").thenAccept((List<?> l) -> retainedCount.set(l.size())),
                system.dispatcher());
        metrics.bind(brokerMetrics, router.registry(), retainedCount::get);
        Duration interval = config.getDuration("broker.sys.interval");
        if (!interval.isZero() && !interval.isNegative()) {
            ClusterTotals totals = clustered ? ClusterTotals.replicated(Adapter.toTyped(system)) : ClusterTotals.single();
            SysTopics sys = new SysTopics(brokerMetrics, router.registry(), retainedCount::get, router, version(), startedNanos, totals);
            sysTask = system.scheduler().scheduleWithFixedDelay(Duration.ZERO, interval, () -> {
                try {
                    sys.tick();
                } catch (RuntimeException e) {
                    log.warn("$SYS publication failed", e);
                }
            }, system.dispatcher());
        }
        health.listenersBound();
    }

    public BrokerHealth health() { return health; }

    public OpsMetrics metrics() { return metrics; }

    /** The bound management port, or -1 when the server is off. */
    public int managementPort() { return managementPort; }

    /** The broker's version: from the jar's manifest, else "dev". */
    static String version() {
        String v = Operations.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
