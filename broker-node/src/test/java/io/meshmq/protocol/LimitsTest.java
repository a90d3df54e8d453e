package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PublishResult;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubAckException;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5PubRecException;
import com.hivemq.client.mqtt.mqtt5.message.publish.puback.Mqtt5PubAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.publish.pubrec.Mqtt5PubRecReasonCode;
import io.meshmq.retain.RetainedMessageStore;
import io.meshmq.routing.ApplicationMessage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
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
import java.time.Duration;
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

    /** The topics the broker's retained store holds under {@code filter}, asked of the store itself. */
    static List<String> retainedTopics(BrokerFixture b, String filter) throws Exception {
        var classic = Adapter.toClassic(b.broker.system()).actorSelection("/system/retained-messages")
                .resolveOne(Duration.ofSeconds(10)).toCompletableFuture().get(10, TimeUnit.SECONDS);
        ActorRef<RetainedMessageStore.Command> store = Adapter.toTyped(classic);
        return RetainedMessageStore.client(b.broker.system(), store).match(filter).toCompletableFuture()
                .get(10, TimeUnit.SECONDS).stream().map(ApplicationMessage::topic).sorted().toList();
    }

    @Test
    @DisplayName("max-retained-messages: a new retained topic over it is delivered but not retained (MQTT 5: PUBACK/PUBREC 0x97; 3.1.1: counted only); replacing and deleting still work")
    void retainedMessagesLimit() throws Exception {
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.max-retained-messages", 2))) {
            Mqtt5BlockingClient sub = Clients.hive(b, "retained-sub");
            Mqtt5BlockingClient pub = Clients.hive(b, "retained-pub");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
                 RawClient old = connect(b, ProtocolVersion.MQTT_3_1_1, "retained-311")) {
                sub.subscribeWith().topicFilter("r/#").qos(MqttQos.AT_LEAST_ONCE).send();
                assertThat(puback(pub, "r/a", "one", MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "r/b", "two", MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "r/c", "three", MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                assertThat(pubrec(pub, "r/d", "four")).isEqualTo(Mqtt5PubRecReasonCode.QUOTA_EXCEEDED);
                // 3.1.1 has no negative acknowledgement: a plain PUBACK, not retained, counted
                old.send(new MqttPacket.Publish("r/e", QoS.AT_LEAST_ONCE, true, false, 7, "five".getBytes(), Properties.EMPTY));
                assertThat(old.receive()).isInstanceOf(MqttPacket.PubAck.class);
                // every one of them reached the subscriber all the same
                List<String> heard = new ArrayList<>();
                for (int i = 0; i < 5; i++) heard.add(in.receive(10, TimeUnit.SECONDS).orElseThrow().getTopic().toString());
                assertThat(heard).containsExactlyInAnyOrder("r/a", "r/b", "r/c", "r/d", "r/e");
                assertThat(retainedTopics(b, "r/#")).containsExactly("r/a", "r/b");
                assertThat(b.broker.metrics().rejectedCount("limit.retained")).isEqualTo(3);

                // at the limit: replacing (even with a larger message) and deleting work, and deleting makes room
                assertThat(puback(pub, "r/a", "one, larger", MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "r/b", "", MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "r/c", "three", MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(retainedTopics(b, "r/#")).containsExactly("r/a", "r/c");
                // the QoS 2 flow ended with the 0x97 PUBREC: the next QoS 2 PUBLISH completes normally
                assertThat(pubrec(pub, "r/c", "3")).isEqualTo(Mqtt5PubRecReasonCode.SUCCESS);
                assertThat(b.broker.metrics().rejectedCount("limit.retained")).isEqualTo(3);
            } finally {
                Clients.quietly(sub::disconnect);
                Clients.quietly(pub::disconnect);
            }
        }
    }

    @Test
    @DisplayName("max-retained-bytes: a retained message that would take the total over it is delivered but not retained (0x97); a smaller replacement fits")
    void retainedBytesLimit() throws Exception {
        // each message weighs 64 + topic + payload bytes: 64 + 3 + 400 = 467
        try (BrokerFixture b = BrokerFixture.start(Map.of("broker.limits.max-retained-bytes", 1000))) {
            Mqtt5BlockingClient pub = Clients.hive(b, "bytes-pub");
            try {
                assertThat(puback(pub, "s/a", "x".repeat(400), MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "s/b", "x".repeat(400), MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "s/c", "x".repeat(100), MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                assertThat(puback(pub, "s/a", "x".repeat(500), MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.QUOTA_EXCEEDED);
                assertThat(puback(pub, "s/a", "x".repeat(10), MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(puback(pub, "s/c", "x".repeat(100), MqttQos.AT_LEAST_ONCE)).isEqualTo(Mqtt5PubAckReasonCode.SUCCESS);
                assertThat(retainedTopics(b, "s/#")).containsExactly("s/a", "s/b", "s/c");
                assertThat(b.broker.metrics().rejectedCount("limit.retained")).isEqualTo(2);
            } finally {
                Clients.quietly(pub::disconnect);
            }
        }
    }

    /** The PUBACK's reason code for a retained QoS 1 PUBLISH (the blocking client throws on error codes). */
    private static Mqtt5PubAckReasonCode puback(Mqtt5BlockingClient c, String topic, String payload, MqttQos qos) {
        try {
            Mqtt5PublishResult r = c.publishWith().topic(topic).qos(qos).retain(true).payload(payload.getBytes()).send();
            return ((Mqtt5PublishResult.Mqtt5Qos1Result) r).getPubAck().getReasonCode();
        } catch (Mqtt5PubAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }

    /** The PUBREC's reason code for a retained QoS 2 PUBLISH. */
    private static Mqtt5PubRecReasonCode pubrec(Mqtt5BlockingClient c, String topic, String payload) {
        try {
            Mqtt5PublishResult r = c.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).retain(true).payload(payload.getBytes()).send();
            return ((Mqtt5PublishResult.Mqtt5Qos2Result) r).getPubRec().getReasonCode();
        } catch (Mqtt5PubRecException e) {
            return e.getMqttMessage().getReasonCode();
        }
    }
}
