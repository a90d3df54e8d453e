package io.meshmq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Publish/subscribe through the broker with a real MQTT 5 client (HiveMQ MQTT Client). */
class PublishSubscribeTest {
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception { broker = BrokerFixture.start(); }

    @AfterAll
    static void stop() { broker.close(); }

    static Mqtt5BlockingClient client(String id) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        return c;
    }

    static String unique(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    @Test
    @DisplayName("MQTT-3.3.4-1/4.3: QoS 0, 1 and 2 messages reach a matching subscriber with min(published, granted) QoS")
    void qosLevelsRoundTrip() throws Exception {
        String topic = unique("qos");
        Mqtt5BlockingClient sub = client(unique("sub"));
        Mqtt5BlockingClient pub = client(unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic + "/#").qos(MqttQos.AT_LEAST_ONCE).send();
            for (MqttQos q : MqttQos.values()) {
                pub.publishWith().topic(topic + "/" + q).qos(q).payload(("m" + q).getBytes(StandardCharsets.UTF_8)).send();
            }
            for (MqttQos q : MqttQos.values()) {
                Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
                assertThat(m).isPresent();
                assertThat(m.get().getTopic().toString()).isEqualTo(topic + "/" + q);
                MqttQos expected = q.getCode() < 1 ? q : MqttQos.AT_LEAST_ONCE;
                assertThat(m.get().getQos()).isEqualTo(expected);
                assertThat(new String(m.get().getPayloadAsBytes(), StandardCharsets.UTF_8)).isEqualTo("m" + q);
            }
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.1-6: a retained message is sent to a new subscriber with RETAIN set (MQTT-3.3.1-9)")
    void retainedMessageOnSubscribe() throws Exception {
        String topic = unique("retained");
        Mqtt5BlockingClient pub = client(unique("pub"));
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("kept".getBytes()).send();
        Mqtt5BlockingClient sub = client(unique("sub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
            assertThat(m).isPresent();
            assertThat(m.get().isRetain()).isTrue();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("kept");
        }
        // MQTT-3.3.1-10: an empty retained payload deletes it
        pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
        Mqtt5BlockingClient late = client(unique("late"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
        }
        pub.disconnect();
        sub.disconnect();
        late.disconnect();
    }

    @Test
    @DisplayName("MQTT-4.7.2-1: a filter starting with a wildcard does not match topics starting with $")
    void dollarTopicsNotMatchedByLeadingWildcard() throws Exception {
        Mqtt5BlockingClient sub = client(unique("sub"));
        Mqtt5BlockingClient pub = client(unique("pub"));
        String marker = unique("m");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter("#").qos(MqttQos.AT_LEAST_ONCE).send();
            pub.publishWith().topic("$internal/" + marker).qos(MqttQos.AT_LEAST_ONCE).payload("x".getBytes()).send();
            pub.publishWith().topic("visible/" + marker).qos(MqttQos.AT_LEAST_ONCE).payload("y".getBytes()).send();
            Optional<Mqtt5Publish> m;
            boolean sawVisible = false;
            while ((m = in.receive(3, TimeUnit.SECONDS)).isPresent()) {
                String t = m.get().getTopic().toString();
                assertThat(t).doesNotStartWith("$");
                if (t.equals("visible/" + marker)) { sawVisible = true; break; }
            }
            assertThat(sawVisible).isTrue();
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-3/-5: overlapping subscriptions deliver one copy at the highest granted QoS")
    void overlappingSubscriptionsDeliverOnce() throws Exception {
        String topic = unique("overlap");
        Mqtt5BlockingClient sub = client(unique("sub"));
        Mqtt5BlockingClient pub = client(unique("pub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic + "/+").qos(MqttQos.AT_MOST_ONCE).send();
            sub.subscribeWith().topicFilter(topic + "/#").qos(MqttQos.EXACTLY_ONCE).send();
            pub.publishWith().topic(topic + "/a").qos(MqttQos.EXACTLY_ONCE).payload("once".getBytes()).send();
            Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
            assertThat(m).isPresent();
            assertThat(m.get().getQos()).isEqualTo(MqttQos.EXACTLY_ONCE);
            assertThat(in.receive(500, TimeUnit.MILLISECONDS)).isEmpty();
        } finally {
            sub.disconnect();
            pub.disconnect();
        }
    }
}
