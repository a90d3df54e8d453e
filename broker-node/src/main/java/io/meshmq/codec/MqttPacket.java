package io.meshmq.codec;

import java.util.Arrays;
import java.util.List;

/**
 * The fifteen MQTT control packets (MQTT 2.1.2), one record each. The same records serve all three protocol
 * versions: fields a version lacks are empty ({@link Properties#EMPTY}, {@link ReasonCode#SUCCESS}).
 */
public sealed interface MqttPacket {

    /** The control packet type number (1..15) of the fixed header. */
    int type();

    /** CONNECT (1). {@code cleanStart} is "Clean Session" in 3.x. Password and will may be null. */
    record Connect(ProtocolVersion version, String clientId, boolean cleanStart, int keepAlive,
                   String username, byte[] password, Will will, Properties properties) implements MqttPacket {
        public int type() { return 1; }

        // The password is a byte array: the record's default equals would compare it by identity.
        @Override public boolean equals(Object o) {
            return o instanceof Connect c && version == c.version && clientId.equals(c.clientId)
                    && cleanStart == c.cleanStart && keepAlive == c.keepAlive
                    && java.util.Objects.equals(username, c.username) && Arrays.equals(password, c.password)
                    && java.util.Objects.equals(will, c.will) && properties.equals(c.properties);
        }
        @Override public int hashCode() { return clientId.hashCode() * 31 + keepAlive; }
        @Override public String toString() {
            return "Connect[" + version + ", clientId=" + clientId + ", cleanStart=" + cleanStart + ", keepAlive="
                    + keepAlive + ", username=" + username + ", password=" + (password == null ? "null" : password.length + " bytes")
                    + ", will=" + will + ", " + properties + "]";
        }
    }

    /** The will of a CONNECT: published when the connection is lost without a DISCONNECT. */
    record Will(String topic, byte[] payload, QoS qos, boolean retain, Properties properties) {
        @Override public boolean equals(Object o) {
            return o instanceof Will w && topic.equals(w.topic) && Arrays.equals(payload, w.payload)
                    && qos == w.qos && retain == w.retain && properties.equals(w.properties);
        }
        @Override public int hashCode() { return topic.hashCode() * 31 + Arrays.hashCode(payload); }
    }

    /** CONNACK (2). For 3.x the reason code is mapped to a return code by the encoder. */
    record ConnAck(boolean sessionPresent, ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public int type() { return 2; }
    }

    /**
     * PUBLISH (3). {@code packetId} is 0 for QoS 0. {@code topic} may be empty in MQTT 5 when a Topic Alias
     * property stands for it.
     */
    record Publish(String topic, QoS qos, boolean retain, boolean dup, int packetId, byte[] payload,
                   Properties properties) implements MqttPacket {
        public int type() { return 3; }

        @Override public boolean equals(Object o) {
            return o instanceof Publish p && topic.equals(p.topic) && qos == p.qos && retain == p.retain
                    && dup == p.dup && packetId == p.packetId && Arrays.equals(payload, p.payload)
                    && properties.equals(p.properties);
        }
        @Override public int hashCode() { return topic.hashCode() * 31 + packetId; }
        @Override public String toString() {
            return "Publish[" + topic + ", " + qos + ", retain=" + retain + ", dup=" + dup + ", id=" + packetId
                    + ", " + payload.length + " bytes, " + properties + "]";
        }
    }

    /** PUBACK (4). */
    record PubAck(int packetId, ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public int type() { return 4; }
    }

    /** PUBREC (5). */
    record PubRec(int packetId, ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public int type() { return 5; }
    }

    /** PUBREL (6). */
    record PubRel(int packetId, ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public int type() { return 6; }
    }

    /** PUBCOMP (7). */
    record PubComp(int packetId, ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public int type() { return 7; }
    }

    /** SUBSCRIBE (8). */
    record Subscribe(int packetId, List<Subscription> subscriptions, Properties properties) implements MqttPacket {
        public Subscribe { subscriptions = List.copyOf(subscriptions); }
        public int type() { return 8; }
    }

    /** One topic filter of a SUBSCRIBE with its options (MQTT 3.8.3.1); 3.x uses only filter and qos. */
    record Subscription(String filter, QoS qos, boolean noLocal, boolean retainAsPublished, int retainHandling) {
        public static Subscription of(String filter, QoS qos) { return new Subscription(filter, qos, false, false, 0); }
    }

    /** SUBACK (9): one reason code per requested filter, in order. */
    record SubAck(int packetId, List<ReasonCode> reasonCodes, Properties properties) implements MqttPacket {
        public SubAck { reasonCodes = List.copyOf(reasonCodes); }
        public int type() { return 9; }
    }

    /** UNSUBSCRIBE (10). */
    record Unsubscribe(int packetId, List<String> filters, Properties properties) implements MqttPacket {
        public Unsubscribe { filters = List.copyOf(filters); }
        public int type() { return 10; }
    }

    /** UNSUBACK (11): reason codes only in MQTT 5 (empty list for 3.x). */
    record UnsubAck(int packetId, List<ReasonCode> reasonCodes, Properties properties) implements MqttPacket {
        public UnsubAck { reasonCodes = List.copyOf(reasonCodes); }
        public int type() { return 11; }
    }

    /** PINGREQ (12). */
    record PingReq() implements MqttPacket {
        public static final PingReq INSTANCE = new PingReq();
        public int type() { return 12; }
    }

    /** PINGRESP (13). */
    record PingResp() implements MqttPacket {
        public static final PingResp INSTANCE = new PingResp();
        public int type() { return 13; }
    }

    /** DISCONNECT (14): reason and properties only in MQTT 5. */
    record Disconnect(ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public static final Disconnect NORMAL = new Disconnect(ReasonCode.NORMAL_DISCONNECTION, Properties.EMPTY);
        public int type() { return 14; }
    }

    /** AUTH (15), MQTT 5 only. */
    record Auth(ReasonCode reasonCode, Properties properties) implements MqttPacket {
        public int type() { return 15; }
    }
}
