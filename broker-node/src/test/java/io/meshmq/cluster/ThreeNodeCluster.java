package io.meshmq.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.meshmq.ops.Broker;
import io.meshmq.session.SessionEntity;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.typed.Cluster;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

/**
 * Three broker nodes in this JVM, one Pekko cluster on 127.0.0.1 (distinct Artery ports, the first node is the seed),
 * sharing one embedded PostgreSQL journal. {@link #kill} stops a node the way a crash does (no leaving, no hand-off)
 * and downs it from a survivor.
 */
public final class ThreeNodeCluster implements AutoCloseable {
    final EmbeddedPostgres postgres;
    final List<Broker> nodes = new ArrayList<>();
    final boolean[] alive = {true, true, true};

    private final Map<String, Object> extraSettings;

    private ThreeNodeCluster(EmbeddedPostgres postgres, Map<String, Object> extraSettings) {
        this.postgres = postgres;
        this.extraSettings = extraSettings;
    }

    static ThreeNodeCluster start() throws Exception { return start(Map.of()); }

    /** Three nodes with {@code extraSettings} on top of the test settings (e.g. a shorter $SYS interval). */
    static ThreeNodeCluster start(Map<String, Object> extraSettings) throws Exception {
        ThreeNodeCluster c = new ThreeNodeCluster(EmbeddedPostgres.builder().start(), extraSettings);
        try {
            int[] ports = {freePort(), freePort(), freePort()};
            for (int port : ports) c.nodes.add(Broker.start(c.nodeConfig(port, ports[0])));
            c.awaitUp(3, Duration.ofSeconds(40));
            return c;
        } catch (Exception | Error e) {
            c.close();
            throw e;
        }
    }

    private Config nodeConfig(int port, int seedPort) throws IOException {
        return nodeConfig(postgres, port, seedPort, extraSettings);
    }

    /** The configuration of an in-JVM cluster node on 127.0.0.1 with Artery on {@code port}, journal in {@code postgres}. */
    public static Config nodeConfig(EmbeddedPostgres postgres, int port, int seedPort) throws IOException {
        return nodeConfig(postgres, port, seedPort, Map.of());
    }

    private static Config nodeConfig(EmbeddedPostgres postgres, int port, int seedPort, Map<String, Object> extraSettings)
            throws IOException {
        Map<String, Object> m = nodeSettings(postgres, port);
        m.put("broker.cluster.seed-nodes", "127.0.0.1:" + seedPort);
        m.putAll(extraSettings);
        return nodeConfig(m);
    }

    /** A cluster node's settings on 127.0.0.1 with cluster port {@code port}, on {@code postgres}; no seed nodes. */
    static Map<String, Object> nodeSettings(EmbeddedPostgres postgres, int port) throws IOException {
        Map<String, Object> m = new HashMap<>();
        m.put("broker.data-dir", Files.createTempDirectory("meshmq-cluster").toString());
        m.put("broker.mqtt.host", "127.0.0.1");
        m.put("broker.mqtt.port", 0);
        m.put("broker.management.host", "127.0.0.1");
        m.put("broker.management.port", 0);
        m.put("broker.cluster.enabled", "on");
        m.put("broker.cluster.host", "127.0.0.1");
        m.put("broker.cluster.port", port);
        m.put("broker.journal.url", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres?reWriteBatchedInserts=true");
        m.put("broker.journal.user", "postgres");
        m.put("broker.journal.password", "");
        m.put("broker.journal.max-connections", 4);
        // so that kill() is a crash: the actor system stops without leaving the cluster or handing shards over
        m.put("pekko.coordinated-shutdown.run-by-actor-system-terminate", "off");
        m.put("pekko.coordinated-shutdown.terminate-actor-system", "off");
        return m;
    }

    /** The settings of {@link #nodeSettings} in the form {@link Broker#start} takes (PostgreSQL overlay included). */
    static Config nodeConfig(Map<String, Object> settings) {
        return Broker.loadConfig(ConfigFactory.parseMap(settings)
                .withFallback(ConfigFactory.parseResources("cluster-config/postgres.conf")));
    }

    Broker node(int i) { return nodes.get(i); }

    int port(int i) { return nodes.get(i).mqttPort(); }

    /** An MQTT 5 client for node {@code node}, not yet connected; each connect attempt is bounded (while a lost
     * node's shards move, CONNACK waits for the session to be reachable). */
    com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient unconnected(int node, String id) {
        return com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(port(node))
                .transportConfig().mqttConnectTimeout(10, java.util.concurrent.TimeUnit.SECONDS).applyTransportConfig()
                .buildBlocking();
    }

    com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient client(int node, String id) {
        com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient c = unconnected(node, id);
        c.connect();
        return c;
    }

    public static String unique(String prefix) { return prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8); }

    public static byte[] bytes(String s) { return s.getBytes(java.nio.charset.StandardCharsets.UTF_8); }

    static String text(com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish p) {
        return new String(p.getPayloadAsBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Waits until node 0 (or the first live node) sees {@code n} members Up. */
    void awaitUp(int n, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        int observer = firstAlive();
        while (System.nanoTime() < deadline) {
            long up = StreamSupport.stream(Cluster.get(node(observer).system()).state().getMembers().spliterator(), false)
                    .filter(mb -> mb.status() == MemberStatus.up()).count();
            if (up == n) return;
            Thread.sleep(100);
        }
        throw new AssertionError("cluster did not reach " + n + " Up members within " + within);
    }

    int firstAlive() {
        for (int i = 0; i < 3; i++) if (alive[i]) return i;
        throw new IllegalStateException("no node alive");
    }

    /** The node whose shard region holds the session entity of {@code clientId}, or -1. */
    int hostOfSession(String clientId) throws Exception {
        for (int i = 0; i < 3; i++) {
            if (alive[i] && holdsSession(node(i), clientId)) return i;
        }
        return -1;
    }

    /** Whether {@code node}'s shard region holds the session entity of {@code clientId}. */
    public static boolean holdsSession(Broker node, String clientId) throws Exception {
        var system = node.system();
        ShardRegion.CurrentShardRegionState state = AskPattern.<org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery,
                        ShardRegion.CurrentShardRegionState>ask(ClusterSharding.get(system).shardState(),
                        r -> new GetShardRegionState(SessionEntity.KEY, r), Duration.ofSeconds(5), system.scheduler())
                .toCompletableFuture().get();
        for (ShardRegion.ShardState s : state.getShards()) if (s.getEntityIds().contains(clientId)) return true;
        return false;
    }

    /** Stops node {@code i} abruptly and downs it from a survivor; waits until the two others see each other Up. */
    void kill(int i) throws Exception {
        var address = Cluster.get(node(i).system()).selfMember().address();
        node(i).system().terminate();
        node(i).system().getWhenTerminated().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
        alive[i] = false;
        Cluster.get(node(firstAlive()).system()).manager().tell(new org.apache.pekko.cluster.typed.Down(address));
        awaitUp(2, Duration.ofSeconds(30));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && StreamSupport.stream(
                Cluster.get(node(firstAlive()).system()).state().getMembers().spliterator(), false).count() > 2) {
            Thread.sleep(100);
        }
    }

    /**
     * Restarts node {@code i} the way an orderly upgrade does: coordinated shutdown (clients disconnected with 0x8B,
     * shards handed off, the node leaves), then a new node on a new Artery port joins through a surviving node.
     */
    void restartGracefully(int i) throws Exception {
        int seed = -1;
        for (int j = 0; j < 3; j++) {
            if (j != i && alive[j]) seed = Cluster.get(node(j).system()).selfMember().address().getPort().get();
        }
        var classic = org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(node(i).system());
        org.apache.pekko.actor.CoordinatedShutdown.get(classic).runAll(org.apache.pekko.actor.CoordinatedShutdown.unknownReason())
                .toCompletableFuture().get(90, java.util.concurrent.TimeUnit.SECONDS);
        nodes.get(i).close();
        alive[i] = false;
        awaitUp(2, Duration.ofSeconds(30));
        nodes.set(i, Broker.start(nodeConfig(freePort(), seed)));
        alive[i] = true;
        awaitUp(3, Duration.ofSeconds(60));
    }

    /** Stops every node (abruptly) and starts three new ones, on new ports, on the same journal. */
    void restartAll() throws Exception {
        for (int i = 0; i < 3; i++) if (alive[i]) { nodes.get(i).close(); alive[i] = false; }
        nodes.clear();
        int[] ports = {freePort(), freePort(), freePort()};
        for (int port : ports) nodes.add(Broker.start(nodeConfig(port, ports[0])));
        java.util.Arrays.fill(alive, true);
        awaitUp(3, Duration.ofSeconds(40));
    }

    @Override
    public void close() {
        for (int i = nodes.size() - 1; i >= 0; i--) if (alive[i]) nodes.get(i).close();
        try { postgres.close(); } catch (IOException ignored) { }
    }

    /**
     * A free port below Linux's ephemeral range (32768-60999): a port taken from the ephemeral range can be handed
     * to some other socket's outgoing connection before the node binds it.
     */
    private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public static int freePort() throws IOException {
        java.util.Random random = new java.util.Random();
        for (int i = 0; i < 200; i++) {
            int port = 20_000 + random.nextInt(12_000);
            if (!HANDED_OUT.add(port)) continue;
            try (ServerSocket s = new ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                return s.getLocalPort();
            } catch (IOException taken) {
                // try another
            }
        }
        throw new IOException("no free port in 20000-32000");
    }
}
