package io.meshmq.codec;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.List;

import static io.meshmq.codec.Bytes.of;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Byte-exact examples: the spec's own where it gives them, hand-built otherwise. */
class MqttSpecExamplesTest {

    @ParameterizedTest(name = "{0} <-> {1}")
    @DisplayName("MQTT 1.5.5 variable byte integer examples")
    @CsvSource({"0,00", "127,7f", "128,8001", "16383,ff7f", "16384,808001", "2097151,ffff7f", "2097152,80808001",
            "268435455,ffffff7f"})
    void variableByteIntegerExamples(int value, String hex) throws Exception {
        byte[] bytes = HexFormat.of().parseHex(hex);
        assertThat(MqttEncoder.variableByteInteger(value)).isEqualTo(bytes);
        assertThat(MqttDecoder.readVariableByteInteger(ByteBuffer.wrap(bytes))).isEqualTo(value);
    }

    @Test
    @DisplayName("MQTT 3.1.1 CONNECT, clean session, keep alive 60, client id \"abc\", byte for byte")
    void connect311ByteForByte() throws Exception {
        byte[] wire = of(0x10, 0x0F, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x03, 'a', 'b', 'c');
        MqttPacket.Connect connect = new MqttPacket.Connect(ProtocolVersion.MQTT_3_1_1, "abc", true, 60, null, null,
                null, Properties.EMPTY);
        assertThat(MqttEncoder.encode(connect, ProtocolVersion.MQTT_3_1_1)).isEqualTo(wire);
        MqttDecoder decoder = new MqttDecoder(1024);
        assertThat(decoder.decode(ByteBuffer.wrap(wire))).containsExactly(connect);
        assertThat(decoder.version()).isEqualTo(ProtocolVersion.MQTT_3_1_1);
    }

    @Test
    @DisplayName("MQTT 3.1 CONNECT uses protocol name MQIsdp, level 3")
    void connect31ByteForByte() throws Exception {
        byte[] wire = of(0x10, 0x11, 0x00, 0x06, 'M', 'Q', 'I', 's', 'd', 'p', 0x03, 0x02, 0x00, 0x3C, 0x00, 0x03,
                'a', 'b', 'c');
        MqttPacket.Connect connect = new MqttPacket.Connect(ProtocolVersion.MQTT_3_1, "abc", true, 60, null, null,
                null, Properties.EMPTY);
        assertThat(MqttEncoder.encode(connect, ProtocolVersion.MQTT_3_1)).isEqualTo(wire);
        assertThat(new MqttDecoder(1024).decode(ByteBuffer.wrap(wire))).containsExactly(connect);
    }

    @Test
    @DisplayName("MQTT 5 3.1.2.11 CONNECT variable header example: flags CE, keep alive 10, Session Expiry 10")
    void connect5VariableHeaderExample() throws Exception {
        // Figure 3-6: protocol name, version 5, flags 11001110 (user name, password, will QoS 1, will, clean start),
        // keep alive 10, properties length 5 holding Session Expiry Interval (17) = 10.
        byte[] variableHeader = of(0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xCE, 0x00, 0x0A, 0x05, 0x11, 0x00, 0x00,
                0x00, 0x0A);
        byte[] payload = of(0x00, 0x01, 'c', /* will properties */ 0x00, 0x00, 0x01, 'w', 0x00, 0x01, 'x',
                0x00, 0x01, 'u', 0x00, 0x01, 'p');
        byte[] wire = Bytes.packet(0x10, variableHeader, payload);
        MqttPacket.Connect expected = new MqttPacket.Connect(ProtocolVersion.MQTT_5, "c", true, 10, "u",
                new byte[] {'p'}, new MqttPacket.Will("w", new byte[] {'x'}, QoS.AT_LEAST_ONCE, false, Properties.EMPTY),
                Properties.builder().sessionExpiryInterval(10L).build());
        assertThat(new MqttDecoder(1024).decode(ByteBuffer.wrap(wire))).containsExactly(expected);
        assertThat(MqttEncoder.encode(expected, ProtocolVersion.MQTT_5)).isEqualTo(wire);
    }

    @Test
    @DisplayName("PUBLISH QoS 1 retain, topic a/b, id 10, payload hi (3.1.1 and 5)")
    void publishByteForByte() throws Exception {
        MqttPacket.Publish p = new MqttPacket.Publish("a/b", QoS.AT_LEAST_ONCE, true, false, 10, new byte[] {'h', 'i'},
                Properties.EMPTY);
        byte[] v311 = of(0x33, 0x09, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'h', 'i');
        byte[] v5 = of(0x33, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 0x00, 'h', 'i');
        assertThat(MqttEncoder.encode(p, ProtocolVersion.MQTT_3_1_1)).isEqualTo(v311);
        assertThat(MqttEncoder.encode(p, ProtocolVersion.MQTT_5)).isEqualTo(v5);
        assertThat(MqttEncoder.encodedSize(p, ProtocolVersion.MQTT_5)).isEqualTo(v5.length);
    }

    @Test
    @DisplayName("3.x CONNACK return codes (MQTT 3.1.1 table 3.1)")
    void connAckReturnCodesFor3x() {
        assertThat(connAckCode(ReasonCode.SUCCESS)).isEqualTo(0);
        assertThat(connAckCode(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION)).isEqualTo(1);
        assertThat(connAckCode(ReasonCode.CLIENT_IDENTIFIER_NOT_VALID)).isEqualTo(2);
        assertThat(connAckCode(ReasonCode.SERVER_UNAVAILABLE)).isEqualTo(3);
        assertThat(connAckCode(ReasonCode.SERVER_BUSY)).isEqualTo(3);
        assertThat(connAckCode(ReasonCode.BANNED)).isEqualTo(3);
        assertThat(connAckCode(ReasonCode.BAD_USER_NAME_OR_PASSWORD)).isEqualTo(4);
        assertThat(connAckCode(ReasonCode.NOT_AUTHORIZED)).isEqualTo(5);
        assertThat(MqttEncoder.encode(new MqttPacket.ConnAck(true, ReasonCode.SUCCESS, Properties.EMPTY),
                ProtocolVersion.MQTT_3_1_1)).isEqualTo(of(0x20, 0x02, 0x01, 0x00));
    }

    private static int connAckCode(ReasonCode c) {
        byte[] b = MqttEncoder.encode(new MqttPacket.ConnAck(false, c, Properties.builder().reasonString("x").build()),
                ProtocolVersion.MQTT_3_1_1);
        assertThat(b).hasSize(4);
        return b[3];
    }

    @Test
    @DisplayName("3.x SUBACK: granted QoS n as n, any failure as 0x80; UNSUBACK without payload")
    void subAckAndUnsubAckFor3x() {
        MqttPacket.SubAck subAck = new MqttPacket.SubAck(7, List.of(ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_2,
                ReasonCode.NOT_AUTHORIZED, ReasonCode.GRANTED_QOS_1), Properties.EMPTY);
        assertThat(MqttEncoder.encode(subAck, ProtocolVersion.MQTT_3_1_1))
                .isEqualTo(of(0x90, 0x06, 0x00, 0x07, 0x00, 0x02, 0x80, 0x01));
        MqttPacket.UnsubAck unsubAck = new MqttPacket.UnsubAck(7, List.of(ReasonCode.SUCCESS), Properties.EMPTY);
        assertThat(MqttEncoder.encode(unsubAck, ProtocolVersion.MQTT_3_1_1)).isEqualTo(of(0xB0, 0x02, 0x00, 0x07));
    }

    @Test
    @DisplayName("3.x acks are 2 bytes and DISCONNECT empty, whatever reason or properties the record holds")
    void acksAndDisconnectFor3x() {
        Properties props = Properties.builder().reasonString("why").build();
        assertThat(MqttEncoder.encode(new MqttPacket.PubAck(1, ReasonCode.NOT_AUTHORIZED, props), ProtocolVersion.MQTT_3_1_1))
                .isEqualTo(of(0x40, 0x02, 0x00, 0x01));
        assertThat(MqttEncoder.encode(new MqttPacket.PubRel(1, ReasonCode.SUCCESS, props), ProtocolVersion.MQTT_3_1))
                .isEqualTo(of(0x62, 0x02, 0x00, 0x01));
        assertThat(MqttEncoder.encode(new MqttPacket.Disconnect(ReasonCode.SERVER_SHUTTING_DOWN, props),
                ProtocolVersion.MQTT_3_1_1)).isEqualTo(of(0xE0, 0x00));
        assertThat(MqttEncoder.encode(MqttPacket.PingReq.INSTANCE, ProtocolVersion.MQTT_5)).isEqualTo(of(0xC0, 0x00));
        assertThat(MqttEncoder.encode(MqttPacket.PingResp.INSTANCE, ProtocolVersion.MQTT_5)).isEqualTo(of(0xD0, 0x00));
    }

    @Test
    @DisplayName("MQTT 5 short forms: PUBACK success 2 bytes, reason only 3 bytes, DISCONNECT normal empty, AUTH success empty")
    void shortFormsFor5() throws Exception {
        ProtocolVersion v5 = ProtocolVersion.MQTT_5;
        assertThat(MqttEncoder.encode(new MqttPacket.PubAck(1, ReasonCode.SUCCESS, Properties.EMPTY), v5))
                .isEqualTo(of(0x40, 0x02, 0x00, 0x01));
        assertThat(MqttEncoder.encode(new MqttPacket.PubRec(1, ReasonCode.NO_MATCHING_SUBSCRIBERS, Properties.EMPTY), v5))
                .isEqualTo(of(0x50, 0x03, 0x00, 0x01, 0x10));
        assertThat(MqttEncoder.encode(MqttPacket.Disconnect.NORMAL, v5)).isEqualTo(of(0xE0, 0x00));
        assertThat(MqttEncoder.encode(new MqttPacket.Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE, Properties.EMPTY), v5))
                .isEqualTo(of(0xE0, 0x01, 0x04));
        assertThat(MqttEncoder.encode(new MqttPacket.Auth(ReasonCode.SUCCESS, Properties.EMPTY), v5)).isEqualTo(of(0xF0, 0x00));

        MqttDecoder d = connected(v5);
        assertThat(d.decode(ByteBuffer.wrap(of(0x40, 0x02, 0x00, 0x01, 0x50, 0x03, 0x00, 0x02, 0x00, 0xE0, 0x00))))
                .containsExactly(new MqttPacket.PubAck(1, ReasonCode.SUCCESS, Properties.EMPTY),
                        new MqttPacket.PubRec(2, ReasonCode.SUCCESS, Properties.EMPTY), MqttPacket.Disconnect.NORMAL);
        assertThat(connected(v5).decode(ByteBuffer.wrap(of(0xE0, 0x01, 0x00))))
                .containsExactly(new MqttPacket.Disconnect(ReasonCode.NORMAL_DISCONNECTION, Properties.EMPTY));
    }

    @Test
    @DisplayName("0x00 decodes as SUCCESS, NORMAL_DISCONNECTION or GRANTED_QOS_0 as the packet needs")
    void zeroReasonCodeDependsOnPacket() throws Exception {
        MqttDecoder client = MqttDecoder.forClient(ProtocolVersion.MQTT_5, 1024);
        List<MqttPacket> packets = client.decode(ByteBuffer.wrap(of(
                0x20, 0x03, 0x00, 0x00, 0x00,              // CONNACK
                0x40, 0x04, 0x00, 0x01, 0x00, 0x00,        // PUBACK with property length 0
                0x90, 0x04, 0x00, 0x01, 0x00, 0x00,        // SUBACK
                0xB0, 0x04, 0x00, 0x01, 0x00, 0x00,        // UNSUBACK
                0xE0, 0x02, 0x00, 0x00,                    // DISCONNECT
                0xF0, 0x02, 0x00, 0x00)));                 // AUTH
        assertThat(((MqttPacket.ConnAck) packets.get(0)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(((MqttPacket.PubAck) packets.get(1)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(((MqttPacket.SubAck) packets.get(2)).reasonCodes()).containsExactly(ReasonCode.GRANTED_QOS_0);
        assertThat(((MqttPacket.UnsubAck) packets.get(3)).reasonCodes()).containsExactly(ReasonCode.SUCCESS);
        assertThat(((MqttPacket.Disconnect) packets.get(4)).reasonCode()).isEqualTo(ReasonCode.NORMAL_DISCONNECTION);
        assertThat(((MqttPacket.Auth) packets.get(5)).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("the version is known once protocol name and level are read, even if the CONNECT is then malformed")
    void versionKnownBeforeRestOfConnectIsValidated() {
        byte[] wire = Bytes.packet(0x10, Bytes.str("MQTT"), of(0x05, 0x01 /* reserved flag */, 0x00, 0x0A, 0x00),
                Bytes.str("c"));
        MqttDecoder decoder = new MqttDecoder(1024);
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(wire)))
                .isInstanceOf(MalformedPacketException.class)
                .extracting(e -> ((MalformedPacketException) e).reasonCode()).isEqualTo(ReasonCode.MALFORMED_PACKET);
        assertThat(decoder.version()).isEqualTo(ProtocolVersion.MQTT_5);
    }

    @Test
    @DisplayName("a too-large CONNECT still reveals the version when its first bytes are at hand")
    void tooLargeConnectRevealsVersion() {
        byte[] wire = Bytes.packet(0x10, Bytes.str("MQTT"), of(0x05, 0x02, 0x00, 0x0A, 0x00), Bytes.str("c"),
                new byte[100]);
        MqttDecoder decoder = new MqttDecoder(50);
        assertThatThrownBy(() -> decoder.decode(ByteBuffer.wrap(wire, 0, 12)))
                .extracting(e -> ((MalformedPacketException) e).reasonCode()).isEqualTo(ReasonCode.PACKET_TOO_LARGE);
        assertThat(decoder.version()).isEqualTo(ProtocolVersion.MQTT_5);
    }

    @Test
    @DisplayName("MQTT 3.1 clients may set DUP on a retransmitted PUBREL")
    void mqtt31PubRelWithDup() throws Exception {
        assertThat(connected(ProtocolVersion.MQTT_3_1).decode(ByteBuffer.wrap(of(0x6A, 0x02, 0x00, 0x05))))
                .containsExactly(new MqttPacket.PubRel(5, ReasonCode.SUCCESS, Properties.EMPTY));
    }

    @Test
    @DisplayName("MQTT 5 allows an empty topic name when a Topic Alias stands for it")
    void emptyTopicWithAlias() throws Exception {
        byte[] wire = Bytes.packet(0x30, Bytes.str(""), of(0x03, 0x23, 0x00, 0x01), of('x'));
        assertThat(connected(ProtocolVersion.MQTT_5).decode(ByteBuffer.wrap(wire))).containsExactly(
                new MqttPacket.Publish("", QoS.AT_MOST_ONCE, false, false, 0, new byte[] {'x'},
                        Properties.builder().topicAlias(1).build()));
    }

    @Test
    @DisplayName("MQTT 5 allows a password without a user name (unlike MQTT-3.1.2-22 of 3.1.1)")
    void passwordWithoutUsernameIn5() throws Exception {
        byte[] wire = Bytes.packet(0x10, Bytes.str("MQTT"), of(0x05, 0x42, 0x00, 0x0A, 0x00), Bytes.str("c"),
                Bytes.str("pw"));
        MqttPacket p = new MqttDecoder(1024).decode(ByteBuffer.wrap(wire)).get(0);
        assertThat(((MqttPacket.Connect) p).password()).isEqualTo(new byte[] {'p', 'w'});
    }

    @Test
    @DisplayName("a server may send several Subscription Identifiers and User Properties repeat in order")
    void repeatableProperties() throws Exception {
        byte[] wire = Bytes.packet(0x30, Bytes.str("t"), of(0x10, 0x0B, 0x01, 0x0B, 0x02,
                0x26, 0x00, 0x01, 'b', 0x00, 0x00, 0x26, 0x00, 0x01, 'a', 0x00, 0x00));
        MqttPacket.Publish p = (MqttPacket.Publish) MqttDecoder.forClient(ProtocolVersion.MQTT_5, 1024)
                .decode(ByteBuffer.wrap(wire)).get(0);
        assertThat(p.properties().subscriptionIdentifiers()).containsExactly(1, 2);
        assertThat(p.properties().userProperties()).containsExactly(new UserProperty("b", ""), new UserProperty("a", ""));
    }

    /** A server-side decoder that has decoded a CONNECT of version {@code v}. */
    static MqttDecoder connected(ProtocolVersion v) throws MalformedPacketException {
        MqttDecoder d = new MqttDecoder(1 << 16);
        d.decode(ByteBuffer.wrap(MqttEncoder.encode(
                new MqttPacket.Connect(v, "c", true, 10, null, null, null, Properties.EMPTY), v)));
        return d;
    }
}
