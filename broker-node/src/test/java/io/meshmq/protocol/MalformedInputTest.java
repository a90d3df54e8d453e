package io.meshmq.protocol;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Malformed packets sent live over raw sockets (MQTT 4.13): the offender gets the reason code and is closed, and a
 * well-behaved client connected at the same time keeps working.
 */
class MalformedInputTest {
    static BrokerFixture broker;
    static Mqtt5BlockingClient bystander;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(Map.of("broker.connection.max-packet-size", "16 KiB"));
        bystander = Clients.hive(broker, unique("bystander"));
    }

    @AfterAll
    static void stop() {
        Clients.quietly(bystander::disconnect);
        broker.close();
    }

    /** Connects an MQTT 5 offender, sends {@code bytes}, asserts DISCONNECT {@code reason} + close, then the bystander. */
    static void offend(byte[] bytes, int reason) throws Exception {
        try (RawClient c = RawClient.connect5(broker.port(), unique("offender"), true, 0)) {
            c.sendBytesQuietly(bytes);
            c.awaitDisconnect(reason);
        }
        Clients.assertRoundTrip(bystander);
    }

    static byte[] publishBytes(int firstByte, String topic, int packetId) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] t = topic.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        body.write(t.length >> 8); body.write(t.length); body.writeBytes(t);
        if (((firstByte >> 1) & 3) != 0) { body.write(packetId >> 8); body.write(packetId); }
        body.write(0);          // no properties
        body.write('x');
        return frame(firstByte, body.toByteArray());
    }

    static byte[] frame(int firstByte, byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(firstByte);
        int len = body.length;
        do { int d = len % 128; len /= 128; out.write(len > 0 ? d | 0x80 : d); } while (len > 0);
        out.writeBytes(body);
        return out.toByteArray();
    }

    @Test
    @DisplayName("MQTT-2.1.3-1: reserved flag bits set (PUBACK 0x41, SUBSCRIBE 0x80) → DISCONNECT 0x81")
    void MQTT_2_1_3_1_reservedFlags() throws Exception {
        offend(new byte[] {0x41, 0x02, 0x00, 0x01}, 0x81);
        byte[] sub = MqttEncoder.encode(new MqttPacket.Subscribe(1, List.of(MqttPacket.Subscription.of("a", QoS.AT_MOST_ONCE)),
                Properties.EMPTY), ProtocolVersion.MQTT_5);
        sub[0] = (byte) 0x80;
        offend(sub, 0x81);
    }

    @Test
    @DisplayName("MQTT-3.3.1-4: a PUBLISH with QoS 3 → DISCONNECT 0x81")
    void MQTT_3_3_1_4_qos3() throws Exception {
        offend(publishBytes(0x36, "a/b", 1), 0x81);
    }

    @Test
    @DisplayName("MQTT-3.3.2-2: a wildcard in a PUBLISH topic name → DISCONNECT 0x90 (Topic Name invalid)")
    void MQTT_3_3_2_2_wildcardInTopicName() throws Exception {
        offend(publishBytes(0x30, "a/+", 0), 0x90);
        offend(publishBytes(0x32, "a/#", 3), 0x90);
    }

    @Test
    @DisplayName("MQTT-1.5.4-1: invalid UTF-8 in a topic name → DISCONNECT 0x81, the offender is closed")
    void MQTT_1_5_4_1_invalidUtf8() throws Exception {
        byte[] p = publishBytes(0x30, "abc", 0);
        p[4] = (byte) 0xC0;     // overlong encoding start: C0 62 is not UTF-8
        offend(p, 0x81);
        byte[] s = publishBytes(0x30, "abc", 0);
        s[5] = (byte) 0xED; s[6] = (byte) 0xA0;    // "a" ED A0 ..: would be a UTF-16 surrogate (MQTT-1.5.4-1)
        try (RawClient c = RawClient.connect5(broker.port(), unique("offender"), true, 0)) {
            c.sendBytesQuietly(s);
            List<MqttPacket> before = c.awaitClosed();
            assertThat(before).hasSize(1);
            assertThat(((MqttPacket.Disconnect) before.get(0)).reasonCode().value()).isIn(0x81, 0x90);
        }
        Clients.assertRoundTrip(bystander);
    }

    @Test
    @DisplayName("MQTT-2.2.1-3: a QoS 1 PUBLISH with packet id 0 → DISCONNECT (protocol error 0x82)")
    void MQTT_2_2_1_3_packetIdZero() throws Exception {
        offend(publishBytes(0x32, "a/b", 0), 0x82);
    }

    @Test
    @DisplayName("MQTT 3.2.2.3.6 / 4.13: remaining length beyond the maximum packet size is refused from the header → DISCONNECT 0x95")
    void packetTooLargeRejectedFromHeader() throws Exception {
        // PUBLISH with remaining length 1,000,000 (max 16 KiB): only the fixed header is sent, never the body
        offend(new byte[] {0x30, (byte) 0xC0, (byte) 0x84, 0x3D}, 0x95);
    }

    @Test
    @DisplayName("MQTT 1.5.5: a variable byte integer of 5 bytes is malformed → DISCONNECT 0x81")
    void fiveByteVariableByteInteger() throws Exception {
        offend(new byte[] {0x30, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01}, 0x81);
    }

    @Test
    @DisplayName("MQTT-4.7.1-1: SUBSCRIBE with the filter a/#/b (# not last) → DISCONNECT 0x8F, offender closed")
    void MQTT_4_7_1_1_multiLevelWildcardNotLast() throws Exception {
        byte[] sub = MqttEncoder.encode(new MqttPacket.Subscribe(1, List.of(MqttPacket.Subscription.of("a/#/b", QoS.AT_MOST_ONCE)),
                Properties.EMPTY), ProtocolVersion.MQTT_5);
        offend(sub, 0x8F);
    }

    @Test
    @DisplayName("MQTT 4.13: a malformed CONNECT from an MQTT 5 client → CONNACK 0x81, then close (reserved flag MQTT-3.1.2-3)")
    void malformedConnect() throws Exception {
        byte[] connect = MqttEncoder.encode(new MqttPacket.Connect(ProtocolVersion.MQTT_5, "x", true, 0, null, null, null,
                Properties.EMPTY), ProtocolVersion.MQTT_5);
        connect[9] |= 0x01;     // connect flags: reserved bit
        try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_5)) {
            c.sendBytesQuietly(connect);
            List<MqttPacket> before = c.awaitClosed();
            assertThat(before).hasSize(1);
            assertThat(before.get(0)).isInstanceOf(MqttPacket.ConnAck.class);
            assertThat(((MqttPacket.ConnAck) before.get(0)).reasonCode().value()).isEqualTo(0x81);
        }
        Clients.assertRoundTrip(bystander);
    }
}
