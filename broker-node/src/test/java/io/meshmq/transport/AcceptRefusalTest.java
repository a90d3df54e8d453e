package io.meshmq.transport;

import io.meshmq.codec.MqttDecoder;
import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.ReasonCode;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The protocol level a refused socket's first bytes announce, and the CONNACK it gets in that version. */
class AcceptRefusalTest {

    static ByteString connect(ProtocolVersion v, String clientId) {
        return ByteString.fromArray(MqttEncoder.encode(new MqttPacket.Connect(v, clientId, true, 10, null, null, null,
                Properties.EMPTY), v));
    }

    @Test
    void levelOfEachVersion() {
        assertThat(AcceptRefusal.protocolLevel(connect(ProtocolVersion.MQTT_5, "c"))).isEqualTo(5);
        assertThat(AcceptRefusal.protocolLevel(connect(ProtocolVersion.MQTT_3_1_1, "c"))).isEqualTo(4);
        assertThat(AcceptRefusal.protocolLevel(connect(ProtocolVersion.MQTT_3_1, "c"))).isEqualTo(3);
        // a long CONNECT: 2-byte remaining length
        assertThat(AcceptRefusal.protocolLevel(connect(ProtocolVersion.MQTT_5, "c".repeat(200)))).isEqualTo(5);
    }

    @Test
    void everyPrefixOfAConnectNeedsMoreUntilTheLevelByte() {
        ByteString c = connect(ProtocolVersion.MQTT_5, "client");
        int levelAt = 1 + 1 + 2 + 4;   // header, one-byte length, name length, "MQTT"
        for (int n = 0; n <= levelAt; n++) {
            assertThat(AcceptRefusal.protocolLevel(c.take(n))).as("first %d bytes", n).isEqualTo(AcceptRefusal.NEED_MORE);
        }
        assertThat(AcceptRefusal.protocolLevel(c.take(levelAt + 1))).isEqualTo(5);
    }

    @Test
    void notMqtt() {
        assertThat(AcceptRefusal.protocolLevel(ByteString.fromArray(new byte[] {0x30, 0x02}))).isEqualTo(AcceptRefusal.NOT_MQTT);
        assertThat(AcceptRefusal.protocolLevel(ByteString.fromString("GET / HTTP/1.1\r\n"))).isEqualTo(AcceptRefusal.NOT_MQTT);
        // a remaining length of 5 bytes, and a protocol name of another length
        assertThat(AcceptRefusal.protocolLevel(ByteString.fromArray(new byte[] {0x10, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x01})))
                .isEqualTo(AcceptRefusal.NOT_MQTT);
        assertThat(AcceptRefusal.protocolLevel(ByteString.fromArray(new byte[] {0x10, 0x0A, 0x00, 0x03, 'M', 'Q', 'T', 5})))
                .isEqualTo(AcceptRefusal.NOT_MQTT);
        // unknown level
        assertThat(AcceptRefusal.protocolLevel(ByteString.fromArray(new byte[] {0x10, 0x0A, 0x00, 0x04, 'M', 'Q', 'T', 'T', 6})))
                .isEqualTo(AcceptRefusal.NOT_MQTT);
        // 14 bytes of one-byte-at-a-time "continued" length never complete: not MQTT
        byte[] endless = new byte[AcceptRefusal.ENOUGH];
        endless[0] = 0x10;
        for (int i = 1; i < endless.length; i++) endless[i] = (byte) 0x80;
        assertThat(AcceptRefusal.protocolLevel(ByteString.fromArray(endless))).isEqualTo(AcceptRefusal.NOT_MQTT);
    }

    @Test
    void answerInTheClientsVersion() throws Exception {
        MqttPacket.ConnAck v5 = (MqttPacket.ConnAck) MqttDecoder.forClient(ProtocolVersion.MQTT_5, 1024)
                .decode(AcceptRefusal.answer(5, ReasonCode.CONNECTION_RATE_EXCEEDED).asByteBuffer()).get(0);
        assertThat(v5.reasonCode()).isEqualTo(ReasonCode.CONNECTION_RATE_EXCEEDED);
        MqttPacket.ConnAck v4 = (MqttPacket.ConnAck) MqttDecoder.forClient(ProtocolVersion.MQTT_3_1_1, 1024)
                .decode(AcceptRefusal.answer(4, ReasonCode.SERVER_BUSY).asByteBuffer()).get(0);
        assertThat(v4.reasonCode()).isEqualTo(ReasonCode.SERVER_UNAVAILABLE);   // return code 3
        assertThat(AcceptRefusal.answer(AcceptRefusal.NOT_MQTT, ReasonCode.SERVER_BUSY).isEmpty()).isTrue();
    }
}
