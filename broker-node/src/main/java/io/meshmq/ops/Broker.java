package io.meshmq.ops;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.cluster.ClusterMode;
import io.meshmq.cluster.ClusterRetainedStore;
import io.meshmq.connection.BrokerServices;
import io.meshmq.connection.ConnectionActor;
import io.meshmq.connection.ConnectionRegistry;
import io.meshmq.codec.ReasonCode;
import io.meshmq.connection.ConnectionSettings;
import io.meshmq.connection.Limits;
import io.meshmq.retain.RetainedMessageStore;
import io.meshmq.routing.LocalSubscriptionRegistry;
import io.meshmq.routing.RetainedMessages;
import io.meshmq.routing.ReplicatedSubscriptionRegistry;
import io.meshmq.routing.Router;
import io.meshmq.routing.SubscriptionRegistry;
import io.meshmq.session.LocalSessions;
import io.meshmq.session.SessionEntity;
import io.meshmq.session.SessionSettings;
import io.meshmq.transport.MqttListener;
import io.meshmq.transport.ServerTls;
import io.meshmq.transport.WebSocketListener;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * Starts one broker node and wires it, in the order of the architecture: journal → routing → sessions → retained
 * store → recovery of persistent sessions → listeners. {@link #close()} (or SIGTERM, through Pekko's coordinated
 * shutdown) unbinds, disconnects clients, flushes sessions and stops.
 */
public final class Broker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Broker.class);

    private final ActorSystem<Void> system;
    private final Metrics metrics;
    private final Tcp.ServerBinding mqttBinding;
    private final Tcp.ServerBinding tlsBinding;
    private final ServerBinding webSocketBinding;
    private final ServerBinding webSocketTlsBinding;

    private final ConnectionRegistry connections;

    private Broker(ActorSystem<Void> system, Metrics metrics, Tcp.ServerBinding mqtt, Tcp.ServerBinding tls,
                   ServerBinding webSocket, ServerBinding webSocketTls, ConnectionRegistry connections) {
        this.connections = connections;
        this.system = system;
        this.metrics = metrics;
        this.mqttBinding = mqtt;
        this.tlsBinding = tls;
        this.webSocketBinding = webSocket;
        this.webSocketTlsBinding = webSocketTls;
    }

    /** The configuration {@link Main} uses: see {@link #loadConfig(Config)}. */
    public static Config loadConfig() {
        return loadConfig(ConfigFactory.empty());
    }

    /**
     * Layers, highest first: system properties, {@code overrides}, the overlay ({@code -Dconfig.file},
     * {@code -Dconfig.resource}, or {@code cluster-config/single-node.conf}), {@code meshmq-defaults.conf}, and the
     * reference.conf of the broker and its libraries.
     */
    public static Config loadConfig(Config overrides) {
        ConfigFactory.invalidateCaches();
        String file = System.getProperty("config.file");
        String resource = System.getProperty("config.resource");
        Config overlay = file != null ? ConfigFactory.parseFile(new java.io.File(file))
                : ConfigFactory.parseResources(resource != null ? resource : "cluster-config/single-node.conf");
        return ConfigFactory.systemProperties()
                .withFallback(overrides)
                .withFallback(overlay)
                .withFallback(ConfigFactory.parseResources("meshmq-defaults.conf"))
                .withFallback(ConfigFactory.defaultReference())
                .resolve();
    }

    public static Broker start(Config config) throws Exception {
        Config full = withJournal(ClusterMode.apply(config));
        boolean clustered = ClusterMode.enabled(full);
        Config b = full.getConfig("broker");
        Config journal = b.getConfig("journal");
        if (journal.getBoolean("create-schema")) {
            JournalSchema.ensure(journal.getString("dialect"), full.getString("pekko-persistence-jdbc.shared-databases.broker.db.url"),
                    journal.getString("user"), journal.getString("password"));
        }

        if (clustered && !"postgres".equals(journal.getString("dialect"))) {
            log.warn("cluster mode with a {} journal: every node must share one journal (PostgreSQL, cluster-config/postgres.conf)",
                    journal.getString("dialect"));
        }
        ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), ClusterMode.SYSTEM_NAME, full);
        try {
            Cluster cluster = Cluster.get(system);
            if (full.getStringList("pekko.cluster.seed-nodes").isEmpty() && !Operations.bootstrapsCluster(full)) {
                cluster.manager().tell(Join.create(cluster.selfMember().address()));
            }
            Operations ops = Operations.start(system, full); // management HTTP, health, cluster bootstrap

            Metrics metrics = new Metrics();
            SessionSettings sessionSettings = SessionSettings.from(b.getConfig("session"));
            Limits limits = Limits.from(b.getConfig("limits"));
            // in a cluster the store is a singleton: its limits are the cluster's, as configured on the node hosting it
            RetainedMessageStore.Quota retainedQuota = new RetainedMessageStore.Quota(limits.maxRetainedMessages(),
                    limits.maxRetainedBytes(), () -> metrics.rejected("limit.retained"));
            ActorRef<RetainedMessageStore.Command> retainedStore = clustered
                    ? ClusterRetainedStore.init(system, sessionSettings.journalPluginId(), sessionSettings.snapshotPluginId(), retainedQuota)
                    : system.systemActorOf(RetainedMessageStore.create("retained-messages", sessionSettings.journalPluginId(),
                            sessionSettings.snapshotPluginId(), retainedQuota), "retained-messages", Props.empty());
            RetainedMessages retained = RetainedMessageStore.client(system, retainedStore);
            // the direct path to local sessions is for a single node: in a cluster, entities move between nodes
            // and every sender must keep using sharding for a target to keep the order of its messages
            LocalSessions sessions = new LocalSessions(system, !clustered);
            SubscriptionRegistry registry = clustered
                    ? ReplicatedSubscriptionRegistry.start(system, ReplicatedSubscriptionRegistry.Settings.from(b.getConfig("cluster")))
                    : new LocalSubscriptionRegistry();
            Router router = new Router(registry, sessions, retained);
            SessionEntity.initSharding(system, router, sessions, sessionSettings, metrics);
            if (clustered) io.meshmq.cluster.WillWatch.get(system);   // keeps wills of sessions co-located with their connection
            if (clustered) io.meshmq.cluster.MemberRemovals.get(system);   // lets connections re-send deliveries lost with a node

            if (clustered) awaitUp(cluster, b.getDuration("cluster.join-timeout"));
            wakePersistentSessions(system, registry, b.getInt("session.wake-parallelism"));
            if (registry instanceof ReplicatedSubscriptionRegistry replicated) {
                // a node that just joined must know the cluster's subscriptions before it accepts a PUBLISH
                Duration t = b.getDuration("cluster.subscription-write-timeout");
                replicated.initialSync(t).toCompletableFuture().get(t.toMillis() * 2 + 5000, TimeUnit.MILLISECONDS);
            }

            BrokerServices services = new BrokerServices(router, sessions::tell,
                    metrics, ConnectionSettings.from(b.getConfig("connection")), io.meshmq.auth.Security.get(system).authenticator(),
                    new ConnectionRegistry());
            Tcp.ServerBinding mqtt = MqttListener.bind(system, services, b.getString("mqtt.host"), b.getInt("mqtt.port"),
                    Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Config ws = b.getConfig("websocket");
            // one TLS context for every TLS listener, so a reloaded certificate reaches them all
            Optional<ServerTls> serverTls = b.getBoolean("tls.enabled") || ws.getBoolean("tls.enabled")
                    ? Optional.of(ServerTls.load(ServerTls.Settings.from(b.getConfig("tls")))) : Optional.empty();
            serverTls.ifPresent(t -> t.startReloading(system));
            Tcp.ServerBinding tls = null;
            if (b.getBoolean("tls.enabled")) {
                tls = MqttListener.bind(system, services, b.getString("tls.host"), b.getInt("tls.port"), serverTls)
                        .toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            String wsPath = ws.getString("path");
            // empty hosts follow the MQTT listener's (a substitution in reference.conf would not see overrides)
            String wsHost = ws.getString("host").isEmpty() ? b.getString("mqtt.host") : ws.getString("host");
            String wssHost = ws.getString("tls.host").isEmpty() ? wsHost : ws.getString("tls.host");
            ServerBinding webSocket = null;
            if (ws.getBoolean("enabled")) {
                webSocket = WebSocketListener.bind(system, services, wsHost, ws.getInt("port"), wsPath, ws.getDuration("idle-timeout"),
                        Optional.empty()).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            ServerBinding webSocketTls = null;
            if (ws.getBoolean("tls.enabled")) {
                webSocketTls = WebSocketListener.bind(system, services, wssHost, ws.getInt("tls.port"),
                        wsPath, ws.getDuration("idle-timeout"), serverTls).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
            Broker broker = new Broker(system, metrics, mqtt, tls, webSocket, webSocketTls, services.connections());
            broker.registerShutdown();
            ops.brokerStarted(metrics, router, clustered); // /metrics, $SYS, readiness
            log.info("MeshMQ broker ready: MQTT on {}:{}{}{}{}, journal {}{}", b.getString("mqtt.host"), broker.mqttPort(),
                    tls == null ? "" : ", MQTT over TLS on " + b.getString("tls.host") + ":" + broker.tlsPort(),
                    webSocket == null ? "" : ", MQTT over WebSocket on ws://" + wsHost + ":" + broker.webSocketPort() + wsPath,
                    webSocketTls == null ? "" : ", MQTT over secure WebSocket on wss://" + wssHost + ":"
                            + broker.webSocketTlsPort() + wsPath,
                    journal.getString("dialect"), clustered ? ", cluster node " + cluster.selfMember().address() : "");
            return broker;
        } catch (Exception e) {
            system.terminate();
            system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Waits until this node is an Up member of its cluster (it joined the seed nodes, or formed the cluster). */
    private static void awaitUp(Cluster cluster, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (cluster.selfMember().status() != org.apache.pekko.cluster.MemberStatus.up()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(cluster.selfMember().address() + " did not join the cluster within "
                        + timeout + ": are the seed nodes (broker.cluster.seed-nodes) reachable?");
            }
            Thread.sleep(50);
        }
    }

    /** Fills the journal plugin's database settings from {@code broker.journal} (after overrides are applied). */
    static Config withJournal(Config config) throws Exception {
        Config j = config.getConfig("broker.journal");
        String url = j.getString("url");
        if (url.isEmpty()) {
            Path dir = Path.of(config.getString("broker.data-dir")).toAbsolutePath();
            Files.createDirectories(dir);
            // WRITE_DELAY=0: a commit is in the file before the journal confirms it (a killed process loses nothing).
            // MAX_LENGTH_INPLACE_LOB: events stay in the row instead of H2's separate LOB store (about 2x faster).
            url = "jdbc:h2:file:" + dir.resolve("journal") + ";WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=1048576;DB_CLOSE_ON_EXIT=FALSE";
        }
        Map<String, Object> db = new HashMap<>();
        String prefix = "pekko-persistence-jdbc.shared-databases.broker.db.";
        db.put(prefix + "url", url);
        db.put(prefix + "user", j.getString("user"));
        db.put(prefix + "password", j.getString("password"));
        db.put(prefix + "driver", j.getString("driver"));
        db.put(prefix + "numThreads", j.getInt("max-connections"));
        db.put(prefix + "maxConnections", j.getInt("max-connections"));
        db.put(prefix + "minConnections", 1);
        return ConfigFactory.parseMap(db).withFallback(config).resolve();
    }

    /**
     * Starts every persistent session found in the journal so that its subscriptions are routable again before
     * the first client connects (messages for offline sessions are then queued, not lost).
     */
    private static void wakePersistentSessions(ActorSystem<Void> system, SubscriptionRegistry registry, int parallelism)
            throws Exception {
        JdbcReadJournal journal = PersistenceQuery.get(Adapter.toClassic(system))
                .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
        String prefix = SessionEntity.KEY.name() + "|";
        List<String> late = java.util.Collections.synchronizedList(new ArrayList<>());
        long count = journal.currentPersistenceIds()
                .filter(id -> id.startsWith(prefix))
                .mapAsyncUnordered(parallelism, id -> wake(system, registry, id.substring(prefix.length()), late))
                .runWith(Sink.fold(0L, (n, d) -> n + 1), system)
                .toCompletableFuture().get(10, TimeUnit.MINUTES);
        if (count > 0) log.info("recovered {} persistent sessions", count);
        if (!late.isEmpty()) wakeLater(system, registry, List.copyOf(late), 1);
    }

    private static final Duration WAKE_TIMEOUT = Duration.ofSeconds(30);
    private static final int WAKE_ROUNDS = 10;

    /**
     * Wakes one session; one that does not answer in time goes into {@code late}. In a cluster that happens when the
     * session's shard lived on a node lost a moment ago (its shards wait for the removal margin, and a shard home
     * handed out just before may point at the dead node): that must not stop this node from starting.
     */
    private static CompletionStage<Done> wake(ActorSystem<?> system, SubscriptionRegistry registry, String clientId,
                                              List<String> late) {
        return sessionRef(system, clientId)
                .<SessionEntity.Woken>ask(SessionEntity.Wake::new, WAKE_TIMEOUT)
                // on a node that joined a running cluster they are in its replica already (initialSync): no write
                .thenCompose(w -> java.util.concurrent.CompletableFuture.allOf(w.filters().stream()
                        .map(f -> registry.ensure(clientId, f).toCompletableFuture())
                        .toArray(java.util.concurrent.CompletableFuture[]::new)))
                .handle((ok, err) -> {
                    if (err != null) late.add(clientId);
                    return Done.getInstance();
                });
    }

    /** Wakes the sessions that did not answer at start-up again, in the background, up to {@value #WAKE_ROUNDS} rounds. */
    private static void wakeLater(ActorSystem<?> system, SubscriptionRegistry registry, List<String> clientIds, int round) {
        log.warn("{} persistent sessions did not answer their wake-up within {} s (a node lost a moment ago?); waking them again in the background (round {} of {})",
                clientIds.size(), WAKE_TIMEOUT.toSeconds(), round, WAKE_ROUNDS);
        List<String> late = java.util.Collections.synchronizedList(new ArrayList<>());
        org.apache.pekko.stream.javadsl.Source.from(clientIds)
                .mapAsyncUnordered(16, id -> wake(system, registry, id, late))
                .runWith(Sink.ignore(), system)
                .thenRun(() -> {
                    if (late.isEmpty()) log.info("the {} late persistent sessions are awake", clientIds.size());
                    else if (round < WAKE_ROUNDS) wakeLater(system, registry, List.copyOf(late), round + 1);
                    else log.error("{} persistent sessions still do not answer; they wake when a client or a message reaches them", late.size());
                });
    }

    private static org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef<SessionEntity.Command> sessionRef(
            ActorSystem<?> system, String clientId) {
        return org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding.get(system)
                .entityRefFor(SessionEntity.KEY, clientId);
    }

    private void registerShutdown() {
        CoordinatedShutdown cs = CoordinatedShutdown.get(Adapter.toClassic(system));
        cs.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "unbind-mqtt", () -> {
            var unbind = mqttBinding.unbind();
            if (tlsBinding != null) unbind = unbind.thenCompose(d -> tlsBinding.unbind());
            if (webSocketBinding != null) unbind = unbind.thenCompose(d -> webSocketBinding.unbind().thenApply(x -> null));
            if (webSocketTlsBinding != null) unbind = unbind.thenCompose(d -> webSocketTlsBinding.unbind().thenApply(x -> null));
            return unbind.thenApply(x -> Done.getInstance());
        });
        // Clients hear why (MQTT 5: 0x8B) and their sessions record the detach before sharding stops them.
        cs.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "disconnect-clients", () -> {
            int count = connections.size();
            connections.tellAll(new ConnectionActor.Shutdown(ReasonCode.SERVER_SHUTTING_DOWN));
            return java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(4);
                while (connections.size() > 0 && System.nanoTime() < deadline) {
                    try { Thread.sleep(20); } catch (InterruptedException e) { Thread.currentThread().interrupt(); break; }
                }
                if (count > 0) log.info("disconnected {} clients for shutdown", count);
                return Done.getInstance();
            });
        });
    }

    public int mqttPort() { return mqttBinding.localAddress().getPort(); }

    public int tlsPort() { return tlsBinding == null ? -1 : tlsBinding.localAddress().getPort(); }

    /** The port of the MQTT over WebSocket listener ({@code ws://}), -1 when it is off. */
    public int webSocketPort() { return webSocketBinding == null ? -1 : webSocketBinding.localAddress().getPort(); }

    /** The port of the MQTT over secure WebSocket listener ({@code wss://}), -1 when it is off. */
    public int webSocketTlsPort() { return webSocketTlsBinding == null ? -1 : webSocketTlsBinding.localAddress().getPort(); }

    public Metrics metrics() { return metrics; }

    public ActorSystem<Void> system() { return system; }

    @Override
    public void close() {
        system.terminate();
        try {
            system.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            log.warn("broker did not stop in time", e);
        }
    }
}
