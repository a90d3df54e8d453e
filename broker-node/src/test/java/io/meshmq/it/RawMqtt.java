package io.meshmq.it;

import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;

/** Hand-made packets for tests that talk to the broker over a raw socket. */
final class RawMqtt {
    private RawMqtt() {}

    static byte[] connect311(String clientId, boolean cleanSession, int keepAlive) {
        return MqttEncoder.encode(new MqttPacket.Connect(ProtocolVersion.MQTT_3_1_1, clientId, cleanSession, keepAlive,
                null, null, null, Properties.EMPTY), ProtocolVersion.MQTT_3_1_1);
    }

    static byte[] connect5(String clientId, boolean cleanStart, int keepAlive, Properties properties) {
        return MqttEncoder.encode(new MqttPacket.Connect(ProtocolVersion.MQTT_5, clientId, cleanStart, keepAlive,
                null, null, null, properties), ProtocolVersion.MQTT_5);
    }
}
