package io.meshmq.cluster;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A full cluster restart on a cluster of its own: all nodes stop and new ones start on the same journal (kept apart
 * from {@link ThreeNodeClusterTest}, whose node-loss test leaves a downed member behind).
 */
class FullClusterRestartTest {
    static final int A = 0, B = 1, C = 2;
    static ThreeNodeCluster cluster;

    @BeforeAll
    static void start() throws Exception { cluster = ThreeNodeCluster.start(); }

    @AfterAll
    static void stop() { if (cluster != null) cluster.close(); }

    static String unique(String prefix) { return ThreeNodeCluster.unique(prefix); }

    static Mqtt5BlockingClient client(int node, String id) { return cluster.client(node, id); }

    static Mqtt5BlockingClient unconnected(int node, String id) { return cluster.unconnected(node, id); }

    static byte[] bytes(String s) { return ThreeNodeCluster.bytes(s); }

    static String text(Mqtt5Publish p) { return ThreeNodeCluster.text(p); }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    @DisplayName("after a restart of the whole cluster, an offline persistent session is routable again from every node and gets messages from before and after")
    void persistentSessionsWakeAfterFullClusterRestart() throws Exception {
        String id = unique("restart");
        String topic = unique("restart-topic");
        int first = cluster.firstAlive();
        Mqtt5BlockingClient sub = unconnected(first, id);
        sub.connectWith().cleanStart(true).sessionExpiryInterval(600).send();
        sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
        sub.disconnect();
        Mqtt5BlockingClient pub = client(first, unique("pub"));
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("before")).send();
        pub.disconnect();

        cluster.restartAll();

        // nobody is connected: only the woken session can have put the subscription back into every node's index
        Mqtt5BlockingClient pub2 = client(C, unique("pub"));
        pub2.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(bytes("after")).send();
        pub2.disconnect();
        Mqtt5BlockingClient again = unconnected(B, id);
        List<String> received = new ArrayList<>();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = again.publishes(MqttGlobalPublishFilter.ALL)) {
            assertThat(again.connectWith().cleanStart(false).sessionExpiryInterval(600).send().isSessionPresent()).isTrue();
            while (received.size() < 2) {
                Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
                if (m.isEmpty()) break;
                received.add(text(m.get()));
            }
        } finally {
            again.disconnect();
        }
        assertThat(received).containsExactly("before", "after");
    }
}
