package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** broker.limits: connections per node, subscriptions per client, topic levels, inbound publish and byte rates. */
class LimitsTest {

    static RawClient connect(BrokerFixture b, ProtocolVersion v, String id) throws Exception {
        return RawClient.connect(b.port(), v, id, true, 0, Properties.EMPTY);
    }

    @Test
    @DisplayName("over max-connections a client gets CONNACK 0x89 Server Busy (3.1.1: return code 3)")
    void connectionLimit() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.max-connections", 2));
             RawClient one = connect(b, ProtocolVersion.MQTT_5, "one");
             RawClient two = connect(b, ProtocolVersion.MQTT_5, "two");
             RawClient three = RawClient.open(b.port(), ProtocolVersion.MQTT_5)) {
            assertThat(three.sendConnect("three", true, 0, Properties.EMPTY, null).reasonCode()).isEqualTo(ReasonCode.SERVER_BUSY);
            try (RawClient four = RawClient.open(b.port(), ProtocolVersion.MQTT_3_1_1)) {
                // return code 3, which the 3.1.1 decoder reads as Server Unavailable
                assertThat(four.sendConnect("four", true, 0, Properties.EMPTY, null).reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);
            }
            assertThat(b.broker.metrics().snapshot().get("rejected.limit.max-connections")).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("subscriptions over the per-client quota get SUBACK 0x97 (3.1.1: 0x80); re-subscribing a held filter is fine")
    void subscriptionQuota() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.max-subscriptions-per-client", 2));
             RawClient c5 = connect(b, ProtocolVersion.MQTT_5, "quota5");
             RawClient c3 = connect(b, ProtocolVersion.MQTT_3_1_1, "quota3")) {
            assertThat(c5.subscribe(1, List.of(MqttPacket.Subscription.of("a", QoS.AT_MOST_ONCE),
                    MqttPacket.Subscription.of("b", QoS.AT_MOST_ONCE), MqttPacket.Subscription.of("c", QoS.AT_MOST_ONCE)), Properties.EMPTY)
                    .reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_0, ReasonCode.QUOTA_EXCEEDED);
            assertThat(c5.subscribe(2, "a", QoS.AT_LEAST_ONCE).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_1);
            c3.subscribe(1, "x", QoS.AT_MOST_ONCE);
            c3.subscribe(2, "y", QoS.AT_MOST_ONCE);
            assertThat(c3.subscribe(3, "z", QoS.AT_MOST_ONCE).reasonCodes().get(0).value()).isEqualTo(0x80);
        }
    }

    @Test
    @DisplayName("topic levels limit: a deeper filter gets SUBACK 0x8F; a deeper PUBLISH topic gets DISCONNECT 0x90")
    void topicLevelsLimit() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.max-topic-levels", 3));
             RawClient c = connect(b, ProtocolVersion.MQTT_5, "deep")) {
            assertThat(c.subscribe(1, List.of(MqttPacket.Subscription.of("a/b/c", QoS.AT_MOST_ONCE),
                    MqttPacket.Subscription.of("a/b/c/d", QoS.AT_MOST_ONCE)), Properties.EMPTY).reasonCodes())
                    .containsExactly(ReasonCode.GRANTED_QOS_0, ReasonCode.TOPIC_FILTER_INVALID);
            c.publish("a/b/c/d", QoS.AT_MOST_ONCE, 0, "too deep");
            c.awaitDisconnect(0x90);
        }
    }

    @Test
    @DisplayName("a client far over its publish rate is disconnected with 0x96; the broker keeps serving others")
    void publishRateHardLimit() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.publish-rate", 5, "broker.limits.publish-max-delay", "1s"));
             RawClient flood = connect(b, ProtocolVersion.MQTT_5, "flood")) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            byte[] one = MqttEncoder.encode(new MqttPacket.Publish("flood/x", QoS.AT_MOST_ONCE, false, false, 0,
                    "x".getBytes(), Properties.EMPTY), ProtocolVersion.MQTT_5);
            for (int i = 0; i < 500; i++) burst.write(one);
            flood.sendBytesQuietly(burst.toByteArray());
            flood.awaitDisconnect(0x96);
            assertThat(b.broker.metrics().snapshot().get("rejected.limit.publish-rate")).isEqualTo(1);
            try (RawClient other = connect(b, ProtocolVersion.MQTT_5, "calm")) {
                assertThat(other.subscribe(1, "calm/x", QoS.AT_MOST_ONCE).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_0);
            }
        }
    }

    @Test
    @DisplayName("bytes-rate: a client sending faster than its byte budget is read more slowly, and all its messages arrive; a calm one is not slowed")
    void bytesRateBackpressure() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.bytes-rate", 10_000, "broker.limits.bytes-burst", 10_000))) {
            Mqtt5BlockingClient sub = Clients.hive(b, "bytes-sub");
            Mqtt5BlockingClient calm = Clients.hive(b, "bytes-calm");
            Mqtt5BlockingClient fast = Clients.hive(b, "bytes-fast");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
                sub.subscribeWith().topicFilter("bytes/#").qos(MqttQos.AT_LEAST_ONCE).send();
                // well within the budget: a few hundred bytes
                for (int i = 0; i < 5; i++) calm.publishWith().topic("bytes/calm").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[50]).send();
                for (int i = 0; i < 5; i++) assertThat(in.receive(10, TimeUnit.SECONDS)).isPresent();
                assertThat(b.broker.metrics().rejectedCount("limit.bytes-throttled")).as("calm client throttled").isZero();

                // three times the budget at once: the broker holds back its reads (about two seconds' worth)
                List<CompletableFuture<Mqtt5PublishResult>> acks = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    acks.add(fast.toAsync().publishWith().topic("bytes/fast").qos(MqttQos.AT_LEAST_ONCE).payload(new byte[1000]).send());
                }
                for (CompletableFuture<Mqtt5PublishResult> ack : acks) {
                    assertThat(ack.get(30, TimeUnit.SECONDS).getError()).isEmpty();
                }
                for (int i = 0; i < 30; i++) assertThat(in.receive(30, TimeUnit.SECONDS)).as("message " + i).isPresent();
                assertThat(b.broker.metrics().rejectedCount("limit.bytes-throttled")).as("reads held back").isPositive();
                assertThat(b.broker.metrics().rejectedCount("limit.bytes-rate")).as("disconnected").isZero();
                assertThat(fast.getState().isConnected()).isTrue();
            } finally {
                Clients.quietly(sub::disconnect);
                Clients.quietly(calm::disconnect);
                Clients.quietly(fast::disconnect);
            }
        }
    }

    @Test
    @DisplayName("bytes-rate: a client so far over its byte budget that it would wait past publish-max-delay is disconnected with 0x96")
    void bytesRateHardLimit() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.bytes-rate", 1000, "broker.limits.publish-max-delay", "1s"));
             RawClient flood = connect(b, ProtocolVersion.MQTT_5, "byteflood")) {
            ByteArrayOutputStream burst = new ByteArrayOutputStream();
            byte[] one = MqttEncoder.encode(new MqttPacket.Publish("flood/x", QoS.AT_MOST_ONCE, false, false, 0,
                    new byte[1000], Properties.EMPTY), ProtocolVersion.MQTT_5);
            for (int i = 0; i < 100; i++) burst.write(one);
            flood.sendBytesQuietly(burst.toByteArray());
            flood.awaitDisconnect(0x96);
            assertThat(b.broker.metrics().rejectedCount("limit.bytes-rate")).isEqualTo(1);
            try (RawClient other = connect(b, ProtocolVersion.MQTT_5, "calm")) {
                assertThat(other.subscribe(1, "calm/x", QoS.AT_MOST_ONCE).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_0);
            }
        }
    }
}
