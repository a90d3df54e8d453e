package io.meshmq.persistence;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.cluster.ClusterMode;
import io.meshmq.cluster.ThreeNodeCluster;
import io.meshmq.it.BrokerProcess;
import io.meshmq.it.SteadyPublisher;
import io.meshmq.ops.Broker;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.apache.pekko.actor.Address;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node of a three-node cluster dies the hard way: nodes A and B run in this JVM, node C is a separate JVM that the
 * test kills with SIGKILL (no leaving, no hand-off, no last packet), then downs from A as the Split Brain Resolver
 * would. Clients are real MQTT clients; the journal is one embedded PostgreSQL. After each kill C is started again,
 * as a restarted pod would be, for the next case.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterNodeCrashTest {
    private static EmbeddedPostgres postgres;
    private static Broker a;
    private static Broker b;
    private static int seedPort;
    private static BrokerProcess c;
    private static int cClusterPort;
    private static Path work;
    private static int cStarts;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory("meshmq-crash-cluster");
        postgres = EmbeddedPostgres.builder().start();
        seedPort = ThreeNodeCluster.freePort();
        int bPort = ThreeNodeCluster.freePort();
        a = Broker.start(ThreeNodeCluster.nodeConfig(postgres, seedPort, seedPort));
        b = Broker.start(ThreeNodeCluster.nodeConfig(postgres, bPort, seedPort));
    }

    /** Each case starts with C up (again, after the previous case killed it). */
    @BeforeEach
    void nodeCUp() throws Exception {
        if (c == null || !c.isAlive()) startC();
    }

    @AfterAll
    static void stop() throws Exception {
        if (c != null) c.close();
        if (b != null) b.close();
        if (a != null) a.close();
        if (postgres != null) postgres.close();
    }

    private static void startC() throws Exception {
        cClusterPort = ThreeNodeCluster.freePort();
        Map<String, String> p = new HashMap<>();
        p.put("config.resource", "cluster-config/postgres.conf");
        p.put("broker.cluster.host", "127.0.0.1");
        p.put("broker.cluster.port", String.valueOf(cClusterPort));
        p.put("broker.cluster.seed-nodes", "127.0.0.1:" + seedPort);
        p.put("broker.journal.url", "jdbc:postgresql://127.0.0.1:" + postgres.getPort() + "/postgres");
        p.put("broker.journal.user", "postgres");
        p.put("broker.journal.password", "");
        p.put("broker.journal.max-connections", "4");
        Path log = work.resolve("node-c-" + (++cStarts) + ".log");
        c = BrokerProcess.start(Files.createTempDirectory(work, "c"), p, log, 120);
        awaitMembers(3, Duration.ofSeconds(60));
    }

    /** SIGKILL node C, then down it from A (what the Split Brain Resolver does after its stable-after). */
    private static void killC() throws Exception {
        c.kill();
        Cluster.get(a.system()).manager().tell(new Down(new Address("pekko", ClusterMode.SYSTEM_NAME, "127.0.0.1", cClusterPort)));
        awaitMembers(2, Duration.ofSeconds(60));
    }

    /** Waits until A and B each see exactly {@code n} members, all Up. */
    private static void awaitMembers(int n, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            if (upMembers(a) == n && upMembers(b) == n) return;
            Thread.sleep(100);
        }
        throw new AssertionError("A and B did not both see " + n + " Up members within " + within);
    }

    private static long upMembers(Broker node) {
        var members = Cluster.get(node.system()).state().getMembers();
        long all = StreamSupport.stream(members.spliterator(), false).count();
        long up = StreamSupport.stream(members.spliterator(), false).filter(m -> m.status() == MemberStatus.up()).count();
        return all == up ? up : -1;
    }

    /** Which node's shard region holds the session entity of {@code clientId}: "A", "B", or "C" (neither A nor B). */
    private static String hostOf(String clientId) throws Exception {
        if (ThreeNodeCluster.holdsSession(a, clientId)) return "A";
        return ThreeNodeCluster.holdsSession(b, clientId) ? "B" : "C";
    }

    private static String unique(String prefix) { return ThreeNodeCluster.unique(prefix); }

    private static byte[] bytes(String s) { return ThreeNodeCluster.bytes(s); }

    @Test
    @Order(1)
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    @DisplayName("MQTT-3.1.2-8 across nodes: the wills of clients connected to a node that is killed are published once, after the node is removed, whether their session lived on that node or another")
    void willsOfAKilledNodesClientsArePublishedOnce() throws Exception {
        String run = unique("wills");
        Mqtt5BlockingClient watcher = MqttClient.builder().useMqttVersion5().identifier(unique("watcher"))
                .serverHost("127.0.0.1").serverPort(a.mqttPort()).buildBlocking();
        watcher.connect();
        watcher.subscribeWith().topicFilter("wills/" + run + "/#").qos(MqttQos.AT_LEAST_ONCE).send();

        // devices on C, half MQTT 3.1.1 and half MQTT 5, clean sessions; those whose session lives on A or B have it
        // published by their session, those whose session dies with C by the WillWatch of A or B
        List<String> expected = new ArrayList<>();
        List<String> colocated = new ArrayList<>();
        for (int i = 0; i < 40 && (expected.size() < 3 || colocated.size() < 2); i++) {
            String id = run + "-d" + i;
            String willTopic = "wills/" + run + "/" + id;
            if (i % 2 == 0) {
                Mqtt3BlockingClient d = MqttClient.builder().useMqttVersion3().identifier(id)
                        .serverHost("127.0.0.1").serverPort(c.port()).buildBlocking();
                d.connectWith().cleanSession(true).keepAlive(60).willPublish().topic(willTopic).payload(bytes("offline"))
                        .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
                d.subscribeWith().topicFilter("commands/" + run + "/" + id).qos(MqttQos.AT_LEAST_ONCE).send();
            } else {
                Mqtt5BlockingClient d = MqttClient.builder().useMqttVersion5().identifier(id)
                        .serverHost("127.0.0.1").serverPort(c.port()).buildBlocking();
                d.connectWith().cleanStart(true).keepAlive(60).willPublish().topic(willTopic).payload(bytes("offline"))
                        .qos(MqttQos.AT_LEAST_ONCE).applyWillPublish().send();
                d.subscribeWith().topicFilter("commands/" + run + "/" + id).qos(MqttQos.AT_LEAST_ONCE).send();
            }
            (hostOf(id).equals("C") ? colocated : expected).add(id);
        }
        assertThat(expected).as("devices on C whose session lives on A or B").isNotEmpty();
        assertThat(colocated).as("devices on C whose session lives on C too").isNotEmpty();

        Map<String, Integer> wills = new HashMap<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(in.receive(1, TimeUnit.SECONDS)).as("a will while its client is connected").isEmpty();
            killC();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            long quietUntil = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, quietUntil)) {
                Optional<Mqtt5Publish> m = in.receive(200, TimeUnit.MILLISECONDS);
                m.ifPresent(p -> wills.merge(p.getTopic().getLevels().get(2), 1, Integer::sum));
                if (quietUntil == Long.MAX_VALUE && wills.keySet().containsAll(expected) && wills.keySet().containsAll(colocated)) {
                    quietUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);   // then look for repeats
                }
            }
        } finally {
            watcher.disconnect();
        }
        SoftAssertions softly = new SoftAssertions();
        for (String id : expected) softly.assertThat(wills.getOrDefault(id, 0)).as("wills of %s", id).isEqualTo(1);
        for (String id : colocated) softly.assertThat(wills.getOrDefault(id, 0)).as("wills of %s (session lost with C)", id).isEqualTo(1);

        // the devices' clean sessions are over: commands published to them afterwards must not bring up a session
        // for them anywhere (the subscriptions of those lost with C are cleaned up at the first message routed to them)
        Mqtt5BlockingClient commander = MqttClient.builder().useMqttVersion5().identifier(unique("commander"))
                .serverHost("127.0.0.1").serverPort(b.mqttPort()).buildBlocking();
        commander.connect();
        List<String> devices = new ArrayList<>(expected);
        devices.addAll(colocated);
        for (int round = 0; round < 2; round++) {
            for (String id : devices) {
                commander.publishWith().topic("commands/" + run + "/" + id).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("reboot")).send();
            }
            Thread.sleep(2000);
        }
        commander.disconnect();
        for (String id : devices) softly.assertThat(hostOf(id)).as("node with a session for %s", id).isEqualTo("C");
        softly.assertAll();
    }

    @Test
    @Order(2)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    @DisplayName("SIGKILL of the node holding a persistent QoS 1 subscriber's socket: after reconnecting to another node it gets every acknowledged message, in order, repeats only with DUP")
    void killOfTheSocketsNodeLosesNoAcknowledgedMessage() throws Exception {
        throughCrash("crash-socket", c.port(), false, 1);
    }

    @Test
    @Order(3)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    @DisplayName("SIGKILL of the node hosting a persistent QoS 1 subscriber's session: its client, connected to another node, stays connected while the session moves, and gets every acknowledged message, in order, repeats only with DUP")
    void killOfTheSessionsNodeLosesNoAcknowledgedMessage() throws Exception {
        throughCrash("crash-session", b.mqttPort(), true, 1);
    }

    @Test
    @Order(4)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    @DisplayName("SIGKILL of the node hosting a persistent QoS 2 subscriber's session: its client, connected to another node, stays connected while the session moves, and gets every message the QoS 2 publisher completed exactly once, in order")
    void killOfTheSessionsNodeKeepsQos2ExactlyOnce() throws Exception {
        throughCrash("crash-session-qos2", b.mqttPort(), true, 2);
    }

    @Test
    @Order(5)
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    @DisplayName("MQTT 4.3.3 across a node loss: a QoS 2 message goes to two subscribers, one whose session dies with C and one whose session survives; the survivor gets each message exactly once, the other every one")
    void qos2SubscriberOnASurvivingNodeGetsNoDuplicateWhenAnotherSubscribersNodeDies() throws Exception {
        String topic = unique("crash-two-qos2");
        Subscriber.V5 survivor = subscriberWithSession(b.mqttPort(), topic, false, 2);
        Subscriber.V5 lost = subscriberWithSession(b.mqttPort(), topic, true, 2);
        try {
            SteadyPublisher pub = publisherOnA(topic, 2);
            int atKill;
            try {
                Subscriber.awaitDistinct(List.of(survivor, lost), List.of(topic), 100, 30);
                killC();
                atKill = pub.acked.get();
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (pub.acked.get() < atKill + 100 && System.nanoTime() < until) Thread.sleep(50);
            } finally {
                pub.stop();
            }
            int acked = pub.acked.get();
            Subscriber.awaitDistinct(List.of(survivor, lost), List.of(topic), acked, 60);
            System.out.println("two-subscriber crash run: " + acked + " acknowledged; " + survivor.deliveries(topic).size()
                    + " and " + lost.deliveries(topic).size() + " deliveries");
            SoftAssertions softly = new SoftAssertions();
            softly.assertThat(pub.failures).as("publisher failures").isEmpty();
            // were the publisher's connection closed, its client would send the message in flight again, and the
            // surviving subscriber, which had it already, would get it twice
            softly.assertThat(pub.disconnects.get()).as("times the broker closed the publisher's connection").isZero();
            softly.assertThat(acked).as("messages acknowledged within 60 s of the failover").isGreaterThanOrEqualTo(atKill + 100);
            softly.assertThat(survivor.connected()).isTrue();
            softly.assertThat(lost.connected()).isTrue();
            DeliveryChecks.exactlyOnceInOrder(softly, survivor.toString(), survivor.deliveries(topic), acked);
            // the lost session's node may have journaled the message in flight and died before answering: that one
            // message may come twice (the broker sends it again to the session's next home), no other
            DeliveryChecks.allInOrderAtMostOneRepeated(softly, lost.toString(), lost.deliveries(topic), acked);
            softly.assertThat(survivor.anomalies).as("recorder anomalies").isEmpty();
            softly.assertThat(lost.anomalies).as("recorder anomalies").isEmpty();
            softly.assertAll();
        } finally {
            survivor.close();
            lost.close();
        }
    }

    /** A steady QoS 1 or 2 publisher connected to A whose own session is not on C (it must outlive the kill). */
    private static SteadyPublisher publisherOnA(String topic, int qos) {
        return new SteadyPublisher(a.mqttPort(), topic, qos == 2 ? MqttQos.EXACTLY_ONCE : MqttQos.AT_LEAST_ONCE, id -> {
            try { return !hostOf(id).equals("C"); } catch (Exception e) { throw new IllegalStateException(e); }
        });
    }

    /**
     * A persistent subscriber at {@code qos} connected to {@code port}, its session on C ({@code sessionOnC}: its socket
     * survives the kill) or not (then its socket is on C), through {@link #runThroughCrash}.
     */
    private static void throughCrash(String prefix, int port, boolean sessionOnC, int qos) throws Exception {
        String topic = unique(prefix);
        Subscriber.V5 sub = subscriberWithSession(port, topic, sessionOnC, qos);
        try {
            runThroughCrash(sub, topic, sessionOnC, qos);
        } finally {
            sub.close();
        }
    }

    /** A persistent subscriber at {@code qos} connected to {@code port} whose session lives on C ({@code onC}) or not on C. */
    private static Subscriber.V5 subscriberWithSession(int port, String topic, boolean onC, int qos) throws Exception {
        for (int attempt = 0; attempt < 30; attempt++) {
            Subscriber.V5 sub = new Subscriber.V5(unique("durable"));
            sub.connect(port, true);
            if (hostOf(sub.clientId).equals("C") == onC) {
                assertThat(sub.subscribe(new String[]{topic}, new int[]{qos})).containsExactly(qos);
                return sub;
            }
            sub.close();
        }
        throw new AssertionError("no client id with its session " + (onC ? "on" : "off") + " C in 30 tries");
    }

    /**
     * A QoS 1 publisher on A publishes at a steady pace throughout; C is killed while messages flow; the subscriber
     * reconnects to B (if its socket was on C) and the publisher goes on for a while; then every message the publisher
     * got a PUBACK for must have reached the subscriber.
     */
    private static void runThroughCrash(Subscriber.V5 sub, String topic, boolean socketSurvives, int qos) throws Exception {
        SteadyPublisher pub = publisherOnA(topic, qos);
        int atReconnect = -1;
        try {
            awaitDistinct(sub, topic, 100, 30);
            killC();
            // the session's incarnation died with C; the connection on B attaches to the next one by itself
            if (!socketSurvives) sub.close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!socketSurvives) {
                try {
                    assertThat(sub.connect(b.mqttPort(), false)).as("session present after the crash").isTrue();
                    break;
                } catch (Exception notYet) {   // CONNACK waits while the lost node's shards move
                    sub.close();
                    if (System.nanoTime() > deadline) throw notYet;
                    Thread.sleep(500);
                }
            }
            atReconnect = pub.acked.get();
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (pub.acked.get() < atReconnect + 100 && System.nanoTime() < until) Thread.sleep(50);
        } finally {
            pub.stop();
        }
        int acked = pub.acked.get();
        awaitDistinct(sub, topic, acked, 60);
        SoftAssertions softly = new SoftAssertions();
        System.out.println("crash run: " + acked + " acknowledged, " + sub.seenOnWire() + " distinct on the wire, " + sub.deliveries(topic).size() + " deliveries");
        if (socketSurvives) {
            softly.assertThat(sub.connected()).as("the subscriber's connection on B, after its session moved").isTrue();
            // what was in flight when the session's node died comes once more from its next incarnation, and only once
            softly.assertThat(sub.mostCopiesOnWire(topic)).as("most PUBLISH packets of one message on the subscriber's connection").isLessThanOrEqualTo(2);
        }
        softly.assertThat(pub.failures).as("publisher failures").isEmpty();
        // its session is not on C: what it had in flight to C is sent again by the broker, not by the client
        softly.assertThat(pub.disconnects.get()).as("times the broker closed the publisher's connection").isZero();
        softly.assertThat(acked).as("messages acknowledged to the publisher").isGreaterThan(200);
        // the publisher goes on after the failover: its message in flight to the lost node comes back through
        // broker.connection.delivery-timeout, then the session's new home takes the rest
        softly.assertThat(acked).as("messages acknowledged within 60 s of the failover").isGreaterThanOrEqualTo(atReconnect + 100);
        if (qos == 2) DeliveryChecks.exactlyOnceInOrder(softly, sub.toString(), sub.deliveries(topic), acked);
        else DeliveryChecks.atLeastOnceInOrder(softly, sub.toString(), sub.deliveries(topic), acked);
        softly.assertThat(sub.anomalies).as("recorder anomalies").isEmpty();
        softly.assertAll();
    }

    private static void awaitDistinct(Subscriber sub, String topic, int count, long seconds) throws InterruptedException {
        Subscriber.awaitDistinct(List.of(sub), List.of(topic), count, seconds);
    }
}
