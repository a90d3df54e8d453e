package io.meshmq.cluster;

import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code $SYS/cluster/...}: the totals of all nodes, published once for the cluster. */
class ClusterSysTopicsTest {
    static final int A = 0, B = 1, C = 2;
    static ThreeNodeCluster cluster;

    @BeforeAll
    static void start() throws Exception { cluster = ThreeNodeCluster.start(Map.of("broker.sys.interval", "500ms")); }

    @AfterAll
    static void stop() { if (cluster != null) cluster.close(); }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("a subscriber of $SYS/cluster/# sees the clients connected to all three nodes and the messages published on any of them")
    void clusterTotalsAddUpAllNodes() throws Exception {
        List<Mqtt5BlockingClient> clients = new ArrayList<>();
        Map<String, String> seen = new ConcurrentHashMap<>();
        try {
            Mqtt5BlockingClient sys = cluster.unconnected(A, ThreeNodeCluster.unique("sys"));
            sys.toAsync().publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL,
                    p -> seen.put(p.getTopic().toString(), ThreeNodeCluster.text(p)));
            sys.connect();
            clients.add(sys);
            sys.subscribeWith().topicFilter("$SYS/cluster/#").qos(MqttQos.AT_MOST_ONCE).send();

            String topic = ThreeNodeCluster.unique("totals");
            Mqtt5BlockingClient sub = cluster.client(C, ThreeNodeCluster.unique("sub"));
            clients.add(sub);
            Mqtt5BlockingClient pub = cluster.client(B, ThreeNodeCluster.unique("pub"));
            clients.add(pub);
            clients.add(cluster.client(B, ThreeNodeCluster.unique("idle")));
            clients.add(cluster.client(C, ThreeNodeCluster.unique("idle")));
            clients.add(cluster.client(C, ThreeNodeCluster.unique("idle")));

            int messages = 7;
            byte[] payload = ThreeNodeCluster.bytes("0123456789");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
                sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
                for (int i = 0; i < messages; i++) {
                    pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(payload).send();
                }
                for (int i = 0; i < messages; i++) {
                    Optional<Mqtt5Publish> m = in.receive(20, TimeUnit.SECONDS);
                    assertThat(m).as("message " + i + " reaches the subscriber").isPresent();
                }
            }

            // 6 clients on 3 nodes, 7 PUBLISH packets of 10 bytes received (on node B), 2 subscriptions in the cluster
            Map<String, String> expected = Map.of(
                    "$SYS/cluster/nodes", "3",
                    "$SYS/cluster/clients/connected", Integer.toString(clients.size()),
                    "$SYS/cluster/messages/received", Integer.toString(messages),
                    "$SYS/cluster/bytes/received", Integer.toString(messages * payload.length),
                    "$SYS/cluster/subscriptions/count", "2");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!seen.entrySet().containsAll(expected.entrySet()) && System.nanoTime() < deadline) Thread.sleep(100);
            assertThat(seen).containsAllEntriesOf(expected);
            // sent: the 7 messages and the $SYS messages delivered to the $SYS subscriber
            assertThat(Long.parseLong(seen.get("$SYS/cluster/messages/sent"))).isGreaterThanOrEqualTo(messages);
            assertThat(seen).containsKeys("$SYS/cluster/bytes/sent", "$SYS/cluster/publish/messages/dropped",
                    "$SYS/cluster/retained messages/count");
        } finally {
            for (Mqtt5BlockingClient c : clients) {
                try { c.disconnect(); } catch (RuntimeException ignored) { }
            }
        }
    }
}
