package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.meshmq.it.BrokerFixture;

import java.util.UUID;

/** Shared helpers for the protocol tests. */
final class Clients {
    private Clients() {}

    static String unique(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    static Mqtt5BlockingClient hive(BrokerFixture broker, String id) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        return c;
    }

    static Mqtt5BlockingClient hiveUnconnected(BrokerFixture broker, String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
    }

    /** A well-behaved client still gets its own QoS 1 message back (the broker kept working). */
    static void assertRoundTrip(Mqtt5BlockingClient c) {
        String topic = unique("alive");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = c.publishes(com.hivemq.client.mqtt.MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic(topic).qos(com.hivemq.client.mqtt.datatypes.MqttQos.AT_LEAST_ONCE).payload("ping".getBytes()).send();
            java.util.Optional<com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish> m =
                    in.receive(10, java.util.concurrent.TimeUnit.SECONDS);
            org.assertj.core.api.Assertions.assertThat(m).as("round trip of a well-behaved client").isPresent();
            c.unsubscribeWith().topicFilter(topic).send();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void quietly(Runnable r) {
        try { r.run(); } catch (RuntimeException ignored) { /* already gone */ }
    }
}
