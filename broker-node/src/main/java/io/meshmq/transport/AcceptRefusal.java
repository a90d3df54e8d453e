package io.meshmq.transport;

import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.ReasonCode;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

import java.time.Duration;

/**
 * What a socket refused at accept (node connection rate or connection limit) gets instead of a ConnectionActor: the
 * first bytes are read only far enough to learn the protocol level of the CONNECT, the client gets a CONNACK with the
 * refusal in its own version (MQTT 5: the reason code; 3.x: return code 3) and the socket is closed. No session,
 * decoder or timer is spent; a socket that sends nothing is closed after {@code wait}.
 */
final class AcceptRefusal {
    private AcceptRefusal() {}

    /** Fixed header (5) + protocol name length (2) + "MQIsdp" (6) + level (1): enough to know the version. */
    static final int ENOUGH = 14;
    static final int NEED_MORE = -1;
    static final int NOT_MQTT = 0;

    static Flow<ByteString, ByteString, NotUsed> flow(ReasonCode reason, Duration wait) {
        return Flow.<ByteString>create()
                .scan(ByteString.emptyByteString(), (seen, b) -> seen.size() >= ENOUGH ? seen : seen.concat(b.take(ENOUGH - seen.size())))
                .map(AcceptRefusal::protocolLevel)
                .filter(level -> level != NEED_MORE)
                .take(1)
                .map(level -> answer(level, reason))
                .takeWithin(wait);
    }

    /**
     * The protocol level of the CONNECT these first bytes begin (3, 4, 5), {@link #NOT_MQTT} when they do not begin
     * a CONNECT of a known MQTT version, {@link #NEED_MORE} when more bytes are needed to tell.
     */
    static int protocolLevel(ByteString b) {
        if (b.isEmpty()) return NEED_MORE;
        if ((b.apply(0) & 0xFF) != 0x10) return NOT_MQTT;
        int i = 1;
        while (true) {                                   // remaining length: 1 to 4 bytes
            if (i >= b.size()) return b.size() >= ENOUGH ? NOT_MQTT : NEED_MORE;
            if (i > 4) return NOT_MQTT;
            if ((b.apply(i++) & 0x80) == 0) break;
        }
        if (i + 2 > b.size()) return NEED_MORE;
        int nameLength = ((b.apply(i) & 0xFF) << 8) | (b.apply(i + 1) & 0xFF);
        if (nameLength != 4 && nameLength != 6) return NOT_MQTT;   // "MQTT" or "MQIsdp"
        int levelAt = i + 2 + nameLength;
        if (levelAt >= b.size()) return b.size() >= ENOUGH ? NOT_MQTT : NEED_MORE;
        int level = b.apply(levelAt) & 0xFF;
        return level >= 3 && level <= 5 ? level : NOT_MQTT;
    }

    /** The CONNACK for a client of {@code level}; nothing for what is not MQTT. */
    static ByteString answer(int level, ReasonCode reason) {
        if (level == NOT_MQTT) return ByteString.emptyByteString();
        ProtocolVersion v = level == 5 ? ProtocolVersion.MQTT_5 : ProtocolVersion.MQTT_3_1_1;
        return ByteString.fromArrayUnsafe(MqttEncoder.encode(new MqttPacket.ConnAck(false, reason, Properties.EMPTY), v));
    }
}
