package io.meshmq.cluster;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5DisconnectException;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.meshmq.it.BrokerProcess;
import io.meshmq.ops.Broker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Draining one node of three, as Kubernetes does on a scale-down or upgrade: SIGTERM to a broker in its own JVM
 * ({@link BrokerProcess}) that is a member of a cluster with two nodes in this JVM, all on one embedded PostgreSQL.
 */
class NodeDrainLosesNoMessageTest {
    static final String TOPIC = "drain/orders";

    @TempDir
    Path dir;

    /** A persistent MQTT 5 subscriber whose messages are collected across its connections. */
    static final class Subscriber {
        final String id;
        final Set<String> received = ConcurrentHashMap.newKeySet();
        final CompletableFuture<Mqtt5DisconnectReasonCode> disconnectReason = new CompletableFuture<>();
        Mqtt5BlockingClient client;

        Subscriber(String id) { this.id = id; }

        Mqtt5BlockingClient build(int port) {
            Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                    .serverHost("127.0.0.1").serverPort(port)
                    .transportConfig().mqttConnectTimeout(10, TimeUnit.SECONDS).applyTransportConfig()
                    .addDisconnectedListener(ctx -> {
                        if (ctx.getCause() instanceof Mqtt5DisconnectException e) {
                            disconnectReason.complete(e.getMqttMessage().getReasonCode());
                        } else {
                            disconnectReason.completeExceptionally(ctx.getCause());
                        }
                    })
                    .buildBlocking();
            c.toAsync().publishes(MqttGlobalPublishFilter.ALL, p -> received.add(ThreeNodeCluster.text(p)));
            return c;
        }
    }

    @Test
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    @DisplayName("SIGTERM on one node of three: its MQTT 5 clients get DISCONNECT 0x8B, resume their persistent sessions on the other nodes and receive every message a QoS 1 publisher had acknowledged, before, during and after the drain")
    void drainedNodesClientsResumeElsewhereAndLoseNothing() throws Exception {
        try (EmbeddedPostgres postgres = EmbeddedPostgres.builder().start()) {
            drainOneOfThree(postgres);
        }
    }

    private void drainOneOfThree(EmbeddedPostgres postgres) throws Exception {
        List<Broker> inJvm = new ArrayList<>();
        List<Subscriber> subscribers = new ArrayList<>();
        try {
            int seedPort = ThreeNodeCluster.freePort();
            for (int port : new int[] {seedPort, ThreeNodeCluster.freePort()}) {
                Map<String, Object> m = ThreeNodeCluster.nodeSettings(postgres, port);
                m.put("broker.cluster.seed-nodes", "127.0.0.1:" + seedPort);
                inJvm.add(Broker.start(ThreeNodeCluster.nodeConfig(m)));
            }
            Broker a = inJvm.get(0), b = inJvm.get(1);
            Map<String, String> props = new HashMap<>();
            props.put("config.resource", "cluster-config/postgres.conf");
            props.put("broker.cluster.enabled", "on");
            props.put("broker.cluster.host", "127.0.0.1");
            props.put("broker.cluster.port", Integer.toString(ThreeNodeCluster.freePort()));
            props.put("broker.cluster.seed-nodes", "127.0.0.1:" + seedPort);
            props.put("broker.journal.url", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres?reWriteBatchedInserts=true");
            props.put("broker.journal.user", "postgres");
            props.put("broker.journal.password", "");
            props.put("broker.journal.max-connections", "4");
            props.put("broker.sys.interval", "0s");
            try (BrokerProcess drained = BrokerProcess.start(dir, props, dir.resolve("drained.log"), 180)) {
                awaitUpMembers(a, 3);

                // persistent subscribers connected to the node to be drained, at least one of them with its session
                // entity there too (sharding puts an entity on any node), so the drain also hands a session over
                boolean entityOnDrained = false;
                for (int i = 0; i < 12 && (subscribers.size() < 3 || !entityOnDrained); i++) {
                    Subscriber s = new Subscriber(ThreeNodeCluster.unique("drain-sub"));
                    s.client = s.build(drained.port());
                    s.client.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
                    s.client.subscribeWith().topicFilter(TOPIC).qos(MqttQos.AT_LEAST_ONCE).send();
                    subscribers.add(s);
                    if (!ThreeNodeCluster.holdsSession(a, s.id) && !ThreeNodeCluster.holdsSession(b, s.id)) entityOnDrained = true;
                }
                assertThat(entityOnDrained).as("a session entity on the drained node").isTrue();

                List<String> acknowledged = new CopyOnWriteArrayList<>();
                AtomicBoolean stop = new AtomicBoolean();
                Thread publisher = new Thread(() -> publishUntil(stop, a.mqttPort(), acknowledged), "drain-publisher");
                publisher.start();
                try {
                    awaitAll(subscribers, 5, acknowledged);

                    drained.terminate(); // SIGTERM
                    for (Subscriber s : subscribers) {
                        assertThat(s.disconnectReason.get(60, TimeUnit.SECONDS)).as(s.id)
                                .isEqualTo(Mqtt5DisconnectReasonCode.SERVER_SHUTTING_DOWN);
                    }
                    int n = 0;
                    for (Subscriber s : subscribers) {
                        int port = (n++ % 2 == 0 ? a : b).mqttPort();
                        s.client = s.build(port);
                        assertThat(connectResuming(s.client)).as(s.id + ": session present after moving to port " + port).isTrue();
                    }
                    assertThat(drained.awaitExit(90)).as("the drained broker exits").isTrue();
                    awaitUpMembers(a, 2);

                    int before = acknowledged.size();
                    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (acknowledged.size() < before + 10 && System.nanoTime() < deadline) Thread.sleep(50);
                    assertThat(acknowledged.size()).as("the publisher goes on after the drain").isGreaterThanOrEqualTo(before + 10);
                } finally {
                    stop.set(true);
                    publisher.join(TimeUnit.SECONDS.toMillis(60));
                }

                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < deadline && !subscribers.stream().allMatch(s -> s.received.containsAll(acknowledged))) {
                    Thread.sleep(100);
                }
                for (Subscriber s : subscribers) {
                    Set<String> missing = new TreeSet<>(acknowledged);
                    missing.removeAll(s.received);
                    assertThat(missing).as(s.id + " missed acknowledged messages (of " + acknowledged.size() + ")").isEmpty();
                }
                assertThat(drained.output()).contains("disconnected " + subscribers.size() + " clients for shutdown");
                System.out.println("drain: " + acknowledged.size() + " messages acknowledged, every one received by "
                        + subscribers.size() + " subscribers of the drained node");
            }
        } finally {
            for (Subscriber s : subscribers) {
                try { if (s.client != null) s.client.disconnect(); } catch (RuntimeException ignored) { }
            }
            for (int i = inJvm.size() - 1; i >= 0; i--) inJvm.get(i).close();
        }
    }

    /** Publishes "m-1", "m-2", ... at QoS 1 until {@code stop}; records those the broker acknowledged (PUBACK). */
    private static void publishUntil(AtomicBoolean stop, int port, List<String> acknowledged) {
        int n = 0;
        Mqtt5BlockingClient pub = null;
        while (!stop.get()) {
            try {
                if (pub == null) {
                    pub = MqttClient.builder().useMqttVersion5().identifier(ThreeNodeCluster.unique("drain-pub"))
                            .serverHost("127.0.0.1").serverPort(port).buildBlocking();
                    pub.connect();
                }
                String payload = "m-" + (++n);
                Mqtt5PublishResult r = pub.publishWith().topic(TOPIC).qos(MqttQos.AT_LEAST_ONCE)
                        .payload(ThreeNodeCluster.bytes(payload)).send();
                if (r.getError().isEmpty()) acknowledged.add(payload);
            } catch (RuntimeException connectionLost) {
                // not acknowledged: the message is not counted; a new connection goes on
                try { if (pub != null) pub.disconnect(); } catch (RuntimeException ignored) { }
                pub = null;
            }
        }
        try { if (pub != null) pub.disconnect(); } catch (RuntimeException ignored) { }
    }

    /** Connects with the existing session; retried while the session moves (a CONNACK waits for it). */
    private static boolean connectResuming(Mqtt5BlockingClient c) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            try {
                return c.connectWith().cleanStart(false).sessionExpiryInterval(600).send().isSessionPresent();
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) throw notYet;
                Thread.sleep(200);
            }
        }
    }

    private static void awaitAll(List<Subscriber> subscribers, int atLeast, List<String> acknowledged) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline
                && !(acknowledged.size() >= atLeast && subscribers.stream().allMatch(s -> s.received.size() >= atLeast))) {
            Thread.sleep(50);
        }
        assertThat(subscribers).allSatisfy(s -> assertThat(s.received).as(s.id).hasSizeGreaterThanOrEqualTo(atLeast));
    }

    private static void awaitUpMembers(Broker observer, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        long up = -1;
        while (System.nanoTime() < deadline) {
            var members = Cluster.get(observer.system()).state().getMembers();
            long all = StreamSupport.stream(members.spliterator(), false).count();
            up = StreamSupport.stream(members.spliterator(), false).filter(mb -> mb.status() == MemberStatus.up()).count();
            if (up == n && all == n) return;
            Thread.sleep(100);
        }
        throw new AssertionError("cluster did not reach " + n + " Up members (last seen " + up + ")");
    }
}
