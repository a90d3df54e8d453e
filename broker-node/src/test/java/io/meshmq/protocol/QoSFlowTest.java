package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5AsyncClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** QoS 1 and 2 flows (MQTT 4.3, 4.4, 4.6) seen on the wire. */
class QoSFlowTest {
    static BrokerFixture broker;
    static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        publisher = Clients.hive(broker, unique("qos-pub"));
    }

    @AfterAll
    static void stop() {
        Clients.quietly(publisher::disconnect);
        broker.close();
    }

    static RawClient persistent(ProtocolVersion v, String id, boolean clean) throws Exception {
        return RawClient.connect(broker.port(), v, id, clean, 0,
                Properties.builder().sessionExpiryInterval(300L).build());
    }

    static void publish(String topic, MqttQos qos, String payload) {
        publisher.publishWith().topic(topic).qos(qos).payload(payload.getBytes()).send();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("MQTT-4.4.0-1, MQTT-3.3.1-1: an unacknowledged QoS 1 PUBLISH is resent on reconnect with its packet id and DUP=1")
    void MQTT_4_4_0_1_qos1RedeliveryWithDup(ProtocolVersion v) throws Exception {
        String id = unique("redeliver"), topic = "redeliver/" + id;
        MqttPacket.Publish first;
        try (RawClient sub = persistent(v, id, false)) {
            sub.subscribe(1, topic, QoS.AT_LEAST_ONCE);
            publish(topic, MqttQos.AT_LEAST_ONCE, "once");
            first = sub.expect(MqttPacket.Publish.class);
            assertThat(first.dup()).isFalse();
            assertThat(first.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
        }   // closed without PUBACK
        try (RawClient sub = persistent(v, id, false)) {
            assertThat(sub.lastConnAck.sessionPresent()).isTrue();
            MqttPacket.Publish again = sub.expect(MqttPacket.Publish.class);
            assertThat(again.packetId()).isEqualTo(first.packetId());
            assertThat(again.dup()).isTrue();
            assertThat(new String(again.payload())).isEqualTo("once");
            sub.send(new MqttPacket.PubAck(again.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
            sub.disconnect();
        }
        try (RawClient sub = persistent(v, id, false)) {
            sub.expectNothing(Duration.ofMillis(500));   // acknowledged: not sent a third time
            sub.disconnect();
        }
    }

    @Test
    @DisplayName("MQTT 4.3.3, MQTT-4.3.3-10: a QoS 2 PUBLISH re-sent (DUP) before PUBREL is forwarded once; PUBREL gets PUBCOMP")
    void MQTT_4_3_3_qos2InboundExactlyOnce() throws Exception {
        String topic = unique("eo");
        try (RawClient sub = RawClient.connect5(broker.port(), unique("eo-sub"), true, 0);
             RawClient pub = RawClient.connect5(broker.port(), unique("eo-pub"), true, 0)) {
            sub.subscribe(1, topic, QoS.EXACTLY_ONCE);
            pub.send(new MqttPacket.Publish(topic, QoS.EXACTLY_ONCE, false, false, 7, "x".getBytes(), Properties.EMPTY));
            assertThat(pub.expect(MqttPacket.PubRec.class).packetId()).isEqualTo(7);
            pub.send(new MqttPacket.Publish(topic, QoS.EXACTLY_ONCE, false, true, 7, "x".getBytes(), Properties.EMPTY));
            assertThat(pub.expect(MqttPacket.PubRec.class).packetId()).isEqualTo(7);
            pub.send(new MqttPacket.PubRel(7, ReasonCode.SUCCESS, Properties.EMPTY));
            MqttPacket.PubComp comp = pub.expect(MqttPacket.PubComp.class);
            assertThat(comp.packetId()).isEqualTo(7);
            assertThat(comp.reasonCode().value()).isZero();
            // after the flow completes the id is free: the same id carries a new message
            pub.send(new MqttPacket.Publish(topic, QoS.EXACTLY_ONCE, false, false, 7, "y".getBytes(), Properties.EMPTY));
            assertThat(pub.expect(MqttPacket.PubRec.class).packetId()).isEqualTo(7);
            pub.send(new MqttPacket.PubRel(7, ReasonCode.SUCCESS, Properties.EMPTY));
            pub.expect(MqttPacket.PubComp.class);

            assertThat(receivePayloads(sub, 2)).containsExactly("x", "y");
            sub.expectNothing(Duration.ofMillis(300));
        }
    }

    @Test
    @DisplayName("MQTT 4.3.3 across a reconnect: a QoS 2 PUBLISH re-sent with DUP on a resumed session is not forwarded again")
    void MQTT_4_3_3_qos2InboundExactlyOnceAcrossReconnect() throws Exception {
        String topic = unique("eo2"), pubId = unique("eo2-pub");
        try (RawClient sub = RawClient.connect5(broker.port(), unique("eo2-sub"), true, 0)) {
            sub.subscribe(1, topic, QoS.EXACTLY_ONCE);
            try (RawClient pub = persistent(ProtocolVersion.MQTT_5, pubId, false)) {
                pub.send(new MqttPacket.Publish(topic, QoS.EXACTLY_ONCE, false, false, 9, "once".getBytes(), Properties.EMPTY));
                pub.expect(MqttPacket.PubRec.class);
            }   // lost before PUBREL
            try (RawClient pub = persistent(ProtocolVersion.MQTT_5, pubId, false)) {
                assertThat(pub.lastConnAck.sessionPresent()).isTrue();
                pub.send(new MqttPacket.Publish(topic, QoS.EXACTLY_ONCE, false, true, 9, "once".getBytes(), Properties.EMPTY));
                assertThat(pub.expect(MqttPacket.PubRec.class).packetId()).isEqualTo(9);
                pub.send(new MqttPacket.PubRel(9, ReasonCode.SUCCESS, Properties.EMPTY));
                assertThat(pub.expect(MqttPacket.PubComp.class).reasonCode().value()).isZero();
                pub.send(new MqttPacket.Publish(topic, QoS.EXACTLY_ONCE, false, false, 10, "marker".getBytes(), Properties.EMPTY));
                pub.expect(MqttPacket.PubRec.class);
                pub.send(new MqttPacket.PubRel(10, ReasonCode.SUCCESS, Properties.EMPTY));
                pub.expect(MqttPacket.PubComp.class);
                pub.disconnect();
            }
            assertThat(receivePayloads(sub, 2)).containsExactly("once", "marker");
        }
    }

    /**
     * Receives n PUBLISH packets on a raw subscriber, completing each QoS flow. The broker may send the next PUBLISH
     * before the PUBREL of an earlier one (its window allows several in flight), so packets are handled as they come.
     */
    static List<String> receivePayloads(RawClient sub, int n) throws Exception {
        List<String> got = new ArrayList<>();
        Set<Integer> awaitingRel = new HashSet<>();
        while (got.size() < n || !awaitingRel.isEmpty()) {
            MqttPacket p = sub.receive();
            if (p instanceof MqttPacket.Publish pub) {
                got.add(new String(pub.payload()));
                if (pub.qos() == QoS.EXACTLY_ONCE) {
                    sub.send(new MqttPacket.PubRec(pub.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
                    awaitingRel.add(pub.packetId());
                } else if (pub.qos() == QoS.AT_LEAST_ONCE) {
                    sub.send(new MqttPacket.PubAck(pub.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
                }
            } else if (p instanceof MqttPacket.PubRel rel) {
                assertThat(awaitingRel.remove(rel.packetId())).as("PUBREL for a PUBREC we sent").isTrue();
                sub.send(new MqttPacket.PubComp(rel.packetId(), ReasonCode.SUCCESS, Properties.EMPTY));
            } else {
                throw new AssertionError("unexpected " + p);
            }
        }
        return got;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("MQTT-4.4.0-1: after PUBREC, a reconnecting client of a resumed session gets PUBREL with the same id")
    void MQTT_4_4_0_1_pubrelResentOnReconnect(ProtocolVersion v) throws Exception {
        String id = unique("pubrel"), topic = "pubrel/" + id;
        int packetId;
        try (RawClient sub = persistent(v, id, false)) {
            sub.subscribe(1, topic, QoS.EXACTLY_ONCE);
            publish(topic, MqttQos.EXACTLY_ONCE, "two");
            MqttPacket.Publish p = sub.expect(MqttPacket.Publish.class);
            packetId = p.packetId();
            sub.send(new MqttPacket.PubRec(packetId, ReasonCode.SUCCESS, Properties.EMPTY));
            assertThat(sub.expect(MqttPacket.PubRel.class).packetId()).isEqualTo(packetId);
        }   // no PUBCOMP
        try (RawClient sub = persistent(v, id, false)) {
            MqttPacket rel = sub.receive();
            assertThat(rel).isInstanceOf(MqttPacket.PubRel.class);       // not the PUBLISH again
            assertThat(((MqttPacket.PubRel) rel).packetId()).isEqualTo(packetId);
            sub.send(new MqttPacket.PubComp(packetId, ReasonCode.SUCCESS, Properties.EMPTY));
            publish(topic, MqttQos.EXACTLY_ONCE, "next");
            assertThat(receivePayloads(sub, 1)).containsExactly("next");
            sub.disconnect();
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("MQTT 4.3.3 / 3.7.2.1: PUBREL for an unknown packet id is answered with PUBCOMP (0x92 in MQTT 5)")
    void pubrelUnknownIdGetsPubcomp(ProtocolVersion v) throws Exception {
        try (RawClient c = RawClient.connect(broker.port(), v, unique("unknown-rel"), true, 0, Properties.EMPTY)) {
            c.send(new MqttPacket.PubRel(4242, ReasonCode.SUCCESS, Properties.EMPTY));
            MqttPacket.PubComp comp = c.expect(MqttPacket.PubComp.class);
            assertThat(comp.packetId()).isEqualTo(4242);
            assertThat(comp.reasonCode().value()).isEqualTo(v.isV5() ? 0x92 : 0x00);
        }
    }

    @Test
    @DisplayName("MQTT-2.2.1-3: packet ids of the broker's in-flight QoS 1 PUBLISH packets are unique and non-zero")
    void MQTT_2_2_1_3_inflightPacketIdsUnique() throws Exception {
        String topic = unique("ids");
        try (RawClient sub = RawClient.connect5(broker.port(), unique("ids-sub"), true, 0)) {
            sub.subscribe(1, topic, QoS.EXACTLY_ONCE);
            for (int i = 0; i < 50; i++) {
                publish(topic, i % 2 == 0 ? MqttQos.AT_LEAST_ONCE : MqttQos.EXACTLY_ONCE, "m" + i);
            }
            Set<Integer> ids = new HashSet<>();
            for (int i = 0; i < 50; i++) {
                MqttPacket.Publish p = sub.expect(MqttPacket.Publish.class);
                assertThat(p.packetId()).isPositive();
                assertThat(ids.add(p.packetId())).as("packet id %d reused while in flight", p.packetId()).isTrue();
            }
        }
    }

    @Test
    @DisplayName("MQTT-4.6.0-5: QoS 1 messages of one topic from one publisher arrive in order")
    void MQTT_4_6_0_5_orderPerTopic() throws Exception {
        String topic = unique("order");
        int n = 300;
        Mqtt5BlockingClient sub = Clients.hive(broker, unique("order-sub"));
        Mqtt5AsyncClient pub = Clients.hive(broker, unique("order-pub")).toAsync();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = sub.publishes(MqttGlobalPublishFilter.ALL)) {
            sub.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sent.add(pub.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(Integer.toString(i).getBytes()).send());
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            for (int i = 0; i < n; i++) {
                Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
                assertThat(m).isPresent();
                assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo(Integer.toString(i));
            }
        } finally {
            sub.disconnect();
            pub.disconnect().get(10, TimeUnit.SECONDS);
        }
    }
}
