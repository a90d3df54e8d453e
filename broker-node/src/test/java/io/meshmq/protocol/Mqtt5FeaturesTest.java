package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.datatypes.Mqtt5UserProperties;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5PayloadFormatIndicator;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** MQTT 5 features: properties, expiry, flow control, packet size, topic aliases, subscription options. */
class Mqtt5FeaturesTest {
    static BrokerFixture broker;
    static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(Map.of("broker.connection.max-packet-size", "16 KiB",
                "broker.connection.topic-alias-maximum", 8));
        publisher = Clients.hive(broker, unique("m5-pub"));
    }

    @AfterAll
    static void stop() {
        Clients.quietly(publisher::disconnect);
        broker.close();
    }

    static void publish(String topic, MqttQos qos, String payload) {
        publisher.publishWith().topic(topic).qos(qos).payload(payload.getBytes()).send();
    }

    static void ack(RawClient c, MqttPacket.Publish p) throws Exception {
        c.send(new MqttPacket.PubAck(p.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
    }

    @Test
    @DisplayName("MQTT-3.3.2-15..-20: user properties (in order), content type, payload format, response topic, correlation data forwarded unaltered")
    void MQTT_3_3_2_17_propertiesForwarded() throws Exception {
        String topic = unique("props");
        Mqtt5BlockingClient sub = Clients.hive(broker, unique("props-sub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            Mqtt5UserProperties ups = Mqtt5UserProperties.builder().add("b", "1").add("a", "2").add("b", "0").build();
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("{}".getBytes())
                    .userProperties(ups).contentType("application/json")
                    .payloadFormatIndicator(Mqtt5PayloadFormatIndicator.UTF_8)
                    .responseTopic("reply/here").correlationData("corr-1".getBytes()).send();
            Mqtt5Publish m = in.receive(10, TimeUnit.SECONDS).orElseThrow();
            List<String> got = m.getUserProperties().asList().stream().map(u -> u.getName() + "=" + u.getValue()).toList();
            assertThat(got).containsExactly("b=1", "a=2", "b=0");
            assertThat(m.getContentType().map(Object::toString)).contains("application/json");
            assertThat(m.getPayloadFormatIndicator()).contains(Mqtt5PayloadFormatIndicator.UTF_8);
            assertThat(m.getResponseTopic().map(Object::toString)).contains("reply/here");
            ByteBuffer corr = m.getCorrelationData().orElseThrow();
            byte[] b = new byte[corr.remaining()];
            corr.get(b);
            assertThat(new String(b)).isEqualTo("corr-1");
        } finally {
            sub.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-6: the Message Expiry Interval forwarded is the remaining interval (at most what was sent)")
    void MQTT_3_3_2_6_remainingExpiryForwarded() throws Exception {
        String topic = unique("exp");
        try (RawClient sub = RawClient.connect5(broker.port(), unique("exp-sub"), true, 0)) {
            sub.subscribe(1, topic, QoS.AT_LEAST_ONCE);
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("e".getBytes()).messageExpiryInterval(100).send();
            MqttPacket.Publish p = sub.expect(MqttPacket.Publish.class);
            assertThat(p.properties().messageExpiryInterval()).isNotNull().isBetween(1L, 100L);
        }
    }

    @Test
    @DisplayName("MQTT-3.3.2-5: a queued message whose expiry passed is not delivered to the reconnecting persistent session")
    void MQTT_3_3_2_5_expiredQueuedMessageDropped() throws Exception {
        String id = unique("exp-q"), topic = "expq/" + id;
        try (RawClient sub = RawClient.connect5(broker.port(), id, true, 300)) {
            sub.subscribe(1, topic, QoS.AT_LEAST_ONCE);
            sub.disconnect();
        }
        publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("short".getBytes()).messageExpiryInterval(1).send();
        publish(topic, MqttQos.AT_LEAST_ONCE, "forever");
        Thread.sleep(2200);
        try (RawClient sub = RawClient.connect5(broker.port(), id, false, 300)) {
            MqttPacket.Publish p = sub.expect(MqttPacket.Publish.class);
            assertThat(new String(p.payload())).isEqualTo("forever");
            ack(sub, p);
            sub.expectNothing(Duration.ofMillis(300));
            sub.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT 3.1.2.11.2 / MQTT-3.1.2-23: a session is kept before its Session Expiry Interval and discarded after it")
    void sessionExpiryInterval() throws Exception {
        String kept = unique("kept"), gone = unique("gone");
        for (String id : List.of(kept, gone)) {
            try (RawClient c = RawClient.connect5(broker.port(), id, true, id.equals(kept) ? 60 : 1)) {
                c.subscribe(1, "se/" + id, QoS.AT_LEAST_ONCE);
                c.disconnect();
            }
        }
        Thread.sleep(2200);
        publish("se/" + kept, MqttQos.AT_LEAST_ONCE, "k");
        publish("se/" + gone, MqttQos.AT_LEAST_ONCE, "g");
        try (RawClient c = RawClient.connect5(broker.port(), kept, false, 60)) {
            assertThat(c.lastConnAck.sessionPresent()).isTrue();
            assertThat(new String(c.expect(MqttPacket.Publish.class).payload())).isEqualTo("k");
            c.disconnect();
        }
        try (RawClient c = RawClient.connect5(broker.port(), gone, false, 0)) {
            assertThat(c.lastConnAck.sessionPresent()).isFalse();
            c.expectNothing(Duration.ofMillis(300));
            c.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-4: Clean Start 1 discards the existing session (subscriptions and queued messages)")
    void MQTT_3_1_2_4_cleanStartDiscards() throws Exception {
        String id = unique("clean"), topic = "clean/" + id;
        try (RawClient c = RawClient.connect5(broker.port(), id, true, 60)) {
            c.subscribe(1, topic, QoS.AT_LEAST_ONCE);
            c.disconnect();
        }
        publish(topic, MqttQos.AT_LEAST_ONCE, "queued");
        try (RawClient c = RawClient.connect5(broker.port(), id, true, 60)) {
            assertThat(c.lastConnAck.sessionPresent()).isFalse();
            c.expectNothing(Duration.ofMillis(300));
            publish(topic, MqttQos.AT_LEAST_ONCE, "after");     // subscription gone too
            c.expectNothing(Duration.ofMillis(300));
            c.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-9: the broker never has more unacknowledged QoS 1 PUBLISH packets to a client than its Receive Maximum")
    void MQTT_3_3_4_9_receiveMaximum() throws Exception {
        String topic = unique("rm");
        try (RawClient sub = RawClient.connect(broker.port(), ProtocolVersion.MQTT_5, unique("rm-sub"), true, 0,
                Properties.builder().receiveMaximum(2).build())) {
            sub.subscribe(1, topic, QoS.AT_LEAST_ONCE);
            for (int i = 0; i < 5; i++) publish(topic, MqttQos.AT_LEAST_ONCE, "m" + i);
            MqttPacket.Publish a = sub.expect(MqttPacket.Publish.class);
            MqttPacket.Publish b = sub.expect(MqttPacket.Publish.class);
            sub.expectNothing(Duration.ofMillis(500));
            ack(sub, a);
            MqttPacket.Publish c = sub.expect(MqttPacket.Publish.class);
            assertThat(new String(c.payload())).isEqualTo("m2");
            sub.expectNothing(Duration.ofMillis(300));
            ack(sub, b);
            ack(sub, c);
            List<String> rest = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                MqttPacket.Publish p = sub.expect(MqttPacket.Publish.class);
                rest.add(new String(p.payload()));
                ack(sub, p);
            }
            assertThat(rest).containsExactly("m3", "m4");
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-24/-25: the broker does not send a packet larger than the client's Maximum Packet Size (the message is discarded)")
    void MQTT_3_1_2_25_clientMaximumPacketSize() throws Exception {
        String topic = unique("mps");
        try (RawClient sub = RawClient.connect(broker.port(), ProtocolVersion.MQTT_5, unique("mps-sub"), true, 0,
                Properties.builder().maximumPacketSize(200L).build())) {
            sub.subscribe(1, topic, QoS.AT_LEAST_ONCE);
            publish(topic, MqttQos.AT_LEAST_ONCE, "x".repeat(500));
            publish(topic, MqttQos.AT_LEAST_ONCE, "small");
            MqttPacket.Publish p = sub.expect(MqttPacket.Publish.class);
            assertThat(new String(p.payload())).isEqualTo("small");
            ack(sub, p);
            sub.expectNothing(Duration.ofMillis(300));
        }
    }

    @Test
    @DisplayName("MQTT 3.2.2.3.6 / 4.13: an inbound packet larger than the broker's Maximum Packet Size → DISCONNECT 0x95")
    void inboundPacketTooLarge() throws Exception {
        try (RawClient c = RawClient.connect5(broker.port(), unique("big"), true, 0)) {
            assertThat(c.lastConnAck.properties().maximumPacketSize()).isEqualTo(16384L);
            c.sendBytesQuietly(io.meshmq.codec.MqttEncoder.encode(new MqttPacket.Publish("big", QoS.AT_MOST_ONCE, false, false, 0,
                    new byte[20_000], Properties.EMPTY), ProtocolVersion.MQTT_5));
            c.awaitDisconnect(0x95);
        }
    }

    @Test
    @DisplayName("MQTT 3.3.2.3.4: client-to-server topic aliases are accepted; an alias above the maximum → DISCONNECT 0x94")
    void topicAliasInbound() throws Exception {
        String topic = unique("alias");
        Mqtt5BlockingClient sub = Clients.hive(broker, unique("alias-sub"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL);
             RawClient pub = RawClient.connect5(broker.port(), unique("alias-pub"), true, 0)) {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(pub.lastConnAck.properties().topicAliasMaximum()).isEqualTo(8);
            Properties alias1 = Properties.builder().topicAlias(1).build();
            pub.send(new MqttPacket.Publish(topic, QoS.AT_LEAST_ONCE, false, false, 1, "one".getBytes(), alias1));
            pub.expect(MqttPacket.PubAck.class);
            pub.send(new MqttPacket.Publish("", QoS.AT_LEAST_ONCE, false, false, 2, "two".getBytes(), alias1));
            pub.expect(MqttPacket.PubAck.class);
            for (String expected : List.of("one", "two")) {
                Mqtt5Publish m = in.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertThat(m.getTopic().toString()).isEqualTo(topic);
                assertThat(new String(m.getPayloadAsBytes())).isEqualTo(expected);
            }
            pub.send(new MqttPacket.Publish(topic, QoS.AT_MOST_ONCE, false, false, 0, "x".getBytes(),
                    Properties.builder().topicAlias(9).build()));
            pub.awaitDisconnect(0x94);
        } finally {
            sub.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT 3.3.2.3.4 / MQTT-3.3.2-11: server-to-client topic aliases only within the client's Topic Alias Maximum")
    void topicAliasOutbound() throws Exception {
        String topic = unique("alias-out");
        try (RawClient sub = RawClient.connect(broker.port(), ProtocolVersion.MQTT_5, unique("ao-sub"), true, 0,
                Properties.builder().topicAliasMaximum(2).build());
             RawClient noAlias = RawClient.connect5(broker.port(), unique("ao-none"), true, 0)) {
            sub.subscribe(1, topic, QoS.AT_MOST_ONCE);
            noAlias.subscribe(1, topic, QoS.AT_MOST_ONCE);
            publish(topic, MqttQos.AT_MOST_ONCE, "1");
            publish(topic, MqttQos.AT_MOST_ONCE, "2");
            MqttPacket.Publish first = sub.expect(MqttPacket.Publish.class);
            MqttPacket.Publish second = sub.expect(MqttPacket.Publish.class);
            assertThat(first.topic()).isEqualTo(topic);
            assertThat(first.properties().topicAlias()).isNotNull().isBetween(1, 2);
            assertThat(second.properties().topicAlias()).isEqualTo(first.properties().topicAlias());
            assertThat(second.topic()).isEmpty();
            for (int i = 0; i < 2; i++) {
                MqttPacket.Publish p = noAlias.expect(MqttPacket.Publish.class);   // MQTT-3.3.2-11: none without a maximum
                assertThat(p.properties().topicAlias()).isNull();
                assertThat(p.topic()).isEqualTo(topic);
            }
        }
        // and a real client that allows aliases resolves them
        Mqtt5BlockingClient hive = com.hivemq.client.mqtt.MqttClient.builder().useMqttVersion5().identifier(unique("ao-hive"))
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        hive.connectWith().restrictions().topicAliasMaximum(4).applyRestrictions().send();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = hive.publishes(MqttGlobalPublishFilter.ALL)) {
            hive.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            for (int i = 0; i < 3; i++) publish(topic, MqttQos.AT_LEAST_ONCE, "h" + i);
            for (int i = 0; i < 3; i++) {
                Mqtt5Publish m = in.receive(10, TimeUnit.SECONDS).orElseThrow();
                assertThat(m.getTopic().toString()).isEqualTo(topic);
                assertThat(new String(m.getPayloadAsBytes())).isEqualTo("h" + i);
            }
        } finally {
            hive.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT-3.8.3-3: No Local: the client does not receive its own messages on that subscription")
    void MQTT_3_8_3_3_noLocal() throws Exception {
        String topic = unique("nolocal");
        try (RawClient c = RawClient.connect5(broker.port(), unique("nl"), true, 0)) {
            c.subscribe(1, List.of(new MqttPacket.Subscription(topic, QoS.AT_LEAST_ONCE, true, false, 0)), Properties.EMPTY);
            c.publish(topic, QoS.AT_LEAST_ONCE, 5, "mine");
            c.expect(MqttPacket.PubAck.class);
            publish(topic, MqttQos.AT_LEAST_ONCE, "theirs");
            MqttPacket.Publish p = c.expect(MqttPacket.Publish.class);
            assertThat(new String(p.payload())).isEqualTo("theirs");
            ack(c, p);
            c.expectNothing(Duration.ofMillis(300));
        }
    }

    @Test
    @DisplayName("MQTT-3.3.1-12/-13: Retain As Published keeps RETAIN on forwarded messages; without it RETAIN is 0")
    void MQTT_3_3_1_12_retainAsPublished() throws Exception {
        String topic = unique("rap");
        try (RawClient rap = RawClient.connect5(broker.port(), unique("rap1"), true, 0);
             RawClient plain = RawClient.connect5(broker.port(), unique("rap0"), true, 0)) {
            rap.subscribe(1, List.of(new MqttPacket.Subscription(topic, QoS.AT_LEAST_ONCE, false, true, 0)), Properties.EMPTY);
            plain.subscribe(1, List.of(new MqttPacket.Subscription(topic, QoS.AT_LEAST_ONCE, false, false, 0)), Properties.EMPTY);
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("r".getBytes()).send();
            assertThat(rap.expect(MqttPacket.Publish.class).retain()).isTrue();       // MQTT-3.3.1-13
            assertThat(plain.expect(MqttPacket.Publish.class).retain()).isFalse();    // MQTT-3.3.1-12
        } finally {
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
        }
    }

    @Test
    @DisplayName("MQTT-3.3.1-9/-10/-11: Retain Handling 0 sends retained always, 1 only for a new subscription, 2 never")
    void MQTT_3_3_1_9_retainHandling() throws Exception {
        String topic = unique("rh");
        publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("kept".getBytes()).send();
        try (RawClient c = RawClient.connect5(broker.port(), unique("rh"), true, 0)) {
            int pid = 1;
            for (int[] step : new int[][] {{0, 1}, {0, 1}, {1, 0}, {2, 0}}) {
                c.subscribe(pid++, List.of(new MqttPacket.Subscription(topic, QoS.AT_LEAST_ONCE, false, false, step[0])), Properties.EMPTY);
                expectRetained(c, step[1] == 1, "retain handling " + step[0]);
            }
            String other = topic + "/new";
            publisher.publishWith().topic(other).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload("kept".getBytes()).send();
            c.subscribe(pid++, List.of(new MqttPacket.Subscription(other, QoS.AT_LEAST_ONCE, false, false, 1)), Properties.EMPTY);
            expectRetained(c, true, "retain handling 1, new subscription");         // MQTT-3.3.1-10
            c.subscribe(pid++, List.of(new MqttPacket.Subscription(topic + "/+", QoS.AT_LEAST_ONCE, false, false, 2)), Properties.EMPTY);
            expectRetained(c, false, "retain handling 2, new subscription");        // MQTT-3.3.1-11
            publisher.publishWith().topic(other).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
        } finally {
            publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).retain(true).payload(new byte[0]).send();
        }
    }

    /** After a SUBACK: a retained message arrives (or not); a marker published afterwards bounds the wait. */
    static void expectRetained(RawClient c, boolean expected, String what) throws Exception {
        if (expected) {
            MqttPacket.Publish p = c.expect(MqttPacket.Publish.class);
            assertThat(p.retain()).as(what).isTrue();
            ack(c, p);
        }
        Optional<MqttPacket> extra = c.poll(Duration.ofMillis(400));
        assertThat(extra).as(what + ": no (further) retained message").isEmpty();
    }

    @Test
    @DisplayName("MQTT-3.3.4-3/-5: Subscription Identifiers of all matching subscriptions come with the one delivered PUBLISH")
    void MQTT_3_3_4_3_subscriptionIdentifiers() throws Exception {
        String topic = unique("sid");
        try (RawClient c = RawClient.connect5(broker.port(), unique("sid"), true, 0)) {
            c.subscribe(1, List.of(MqttPacket.Subscription.of(topic + "/+", QoS.AT_LEAST_ONCE)),
                    Properties.builder().subscriptionIdentifiers(List.of(42)).build());
            c.subscribe(2, List.of(MqttPacket.Subscription.of(topic + "/#", QoS.AT_LEAST_ONCE)),
                    Properties.builder().subscriptionIdentifiers(List.of(4711)).build());
            publish(topic + "/x", MqttQos.AT_LEAST_ONCE, "s");
            MqttPacket.Publish p = c.expect(MqttPacket.Publish.class);
            assertThat(p.properties().subscriptionIdentifiers()).containsExactlyInAnyOrder(42, 4711);
            ack(c, p);
            c.expectNothing(Duration.ofMillis(300));
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-29: with Request Problem Information 0 no Reason String/User Property on packets other than PUBLISH, CONNACK, DISCONNECT")
    void MQTT_3_1_2_29_requestProblemInformation() throws Exception {
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_5, unique("rpi"), true, 0,
                Properties.builder().requestProblemInformation(0).build())) {
            MqttPacket.SubAck s = c.subscribe(1, unique("rpi"), QoS.AT_LEAST_ONCE);
            assertThat(s.properties().reasonString()).isNull();
            assertThat(s.properties().userProperties()).isEmpty();
            c.send(new MqttPacket.Unsubscribe(2, List.of("not/subscribed"), Properties.EMPTY));
            MqttPacket.UnsubAck u = c.expect(MqttPacket.UnsubAck.class);
            assertThat(u.reasonCodes()).extracting(ReasonCode::value).containsExactly(0x11);
            assertThat(u.properties().reasonString()).isNull();
            c.send(new MqttPacket.PubRel(77, ReasonCode.SUCCESS, Properties.EMPTY));
            MqttPacket.PubComp pc = c.expect(MqttPacket.PubComp.class);
            assertThat(pc.reasonCode().value()).isEqualTo(0x92);
            assertThat(pc.properties().reasonString()).isNull();
            // the broker also leaves the Reason String out of its DISCONNECT then (the spec allows either)
            c.publish("a/+", QoS.AT_MOST_ONCE, 0, "bad");
            assertThat(c.awaitDisconnect(0x90).properties().reasonString()).isNull();
        }
        try (RawClient c = RawClient.connect5(broker.port(), unique("rpi1"), true, 0)) {
            c.publish("a/+", QoS.AT_MOST_ONCE, 0, "bad");
            assertThat(c.awaitDisconnect(0x90).properties().reasonString()).as("default: problem information allowed").isNotBlank();
        }
    }
}
