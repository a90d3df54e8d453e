package io.meshmq.routing;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.QoS;
import io.meshmq.codec.UserProperty;
import io.meshmq.ops.CborSerializable;

import java.util.Arrays;
import java.util.List;

/**
 * An Application Message as the broker carries it from publisher to subscribers (MQTT 1.2): the topic, payload,
 * QoS and retain flag as published, and the MQTT 5 properties the spec says are forwarded unaltered
 * (MQTT-3.3.2-4/-15/-17/-18, user properties in order MQTT-3.3.2-18). Per-hop properties (topic alias,
 * subscription identifiers) are not part of it.
 *
 * @param publisherId     client id of the publisher, for No Local (MQTT-3.8.3-3)
 * @param createdAtMillis when the broker received it, for Message Expiry (MQTT-3.3.2-5)
 * @param expiryInterval  Message Expiry Interval in seconds, or -1 when absent
 */
public record ApplicationMessage(
        String topic,
        byte[] payload,
        QoS qos,
        boolean retain,
        String publisherId,
        long createdAtMillis,
        long expiryInterval,
        Integer payloadFormatIndicator,
        String contentType,
        String responseTopic,
        byte[] correlationData,
        List<UserProperty> userProperties) implements CborSerializable {

    public ApplicationMessage {
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    /** Builds the message from a client's PUBLISH (topic already resolved from any alias). */
    public static ApplicationMessage from(MqttPacket.Publish p, String topic, String publisherId, long nowMillis) {
        Properties props = p.properties();
        return new ApplicationMessage(topic, p.payload(), p.qos(), p.retain(), publisherId, nowMillis,
                props.messageExpiryInterval() == null ? -1 : props.messageExpiryInterval(),
                props.payloadFormatIndicator(), props.contentType(), props.responseTopic(),
                props.correlationData(), props.userProperties());
    }

    /** Builds the message from a will (MQTT 3.1.3.2: will properties become the message's properties). */
    public static ApplicationMessage fromWill(MqttPacket.Will w, String publisherId, long nowMillis) {
        Properties props = w.properties();
        return new ApplicationMessage(w.topic(), w.payload(), w.qos(), w.retain(), publisherId, nowMillis,
                props.messageExpiryInterval() == null ? -1 : props.messageExpiryInterval(),
                props.payloadFormatIndicator(), props.contentType(), props.responseTopic(),
                props.correlationData(), props.userProperties());
    }

    public boolean isExpired(long nowMillis) {
        return expiryInterval >= 0 && nowMillis >= createdAtMillis + expiryInterval * 1000L;
    }

    /** Seconds left of the Message Expiry Interval, as forwarded to subscribers (MQTT-3.3.2-6). */
    public long remainingExpiry(long nowMillis) {
        if (expiryInterval < 0) return -1;
        long left = (createdAtMillis + expiryInterval * 1000L - nowMillis + 999) / 1000;
        return Math.max(0, left);
    }

    public ApplicationMessage withQos(QoS q) {
        return q == qos ? this : new ApplicationMessage(topic, payload, q, retain, publisherId, createdAtMillis,
                expiryInterval, payloadFormatIndicator, contentType, responseTopic, correlationData, userProperties);
    }

    public ApplicationMessage withRetain(boolean r) {
        return r == retain ? this : new ApplicationMessage(topic, payload, qos, r, publisherId, createdAtMillis,
                expiryInterval, payloadFormatIndicator, contentType, responseTopic, correlationData, userProperties);
    }

    /** Size for queue and retained-store accounting. */
    public long weight() { return 64L + topic.length() + payload.length; }

    /** The PUBLISH to send a subscriber (properties only for MQTT 5, applied by the encoder's version). */
    public MqttPacket.Publish toPublish(QoS outQos, boolean outRetain, boolean dup, int packetId,
                                        List<Integer> subscriptionIds, long nowMillis) {
        if (payloadFormatIndicator == null && expiryInterval < 0 && contentType == null && responseTopic == null
                && correlationData == null && userProperties.isEmpty()
                && (subscriptionIds == null || subscriptionIds.isEmpty())) {
            return new MqttPacket.Publish(topic, outQos, outRetain, dup, packetId, payload, Properties.EMPTY);
        }
        Properties.Builder b = Properties.builder();
        boolean any = false;
        if (payloadFormatIndicator != null) { b.payloadFormatIndicator(payloadFormatIndicator); any = true; }
        if (expiryInterval >= 0) { b.messageExpiryInterval(remainingExpiry(nowMillis)); any = true; }
        if (contentType != null) { b.contentType(contentType); any = true; }
        if (responseTopic != null) { b.responseTopic(responseTopic); any = true; }
        if (correlationData != null) { b.correlationData(correlationData); any = true; }
        if (!userProperties.isEmpty()) { b.userProperties(userProperties); any = true; }
        if (subscriptionIds != null && !subscriptionIds.isEmpty()) { b.subscriptionIdentifiers(subscriptionIds); any = true; }
        return new MqttPacket.Publish(topic, outQos, outRetain, dup, packetId, payload,
                any ? b.build() : Properties.EMPTY);
    }

    @Override public boolean equals(Object o) {
        return o instanceof ApplicationMessage m && topic.equals(m.topic) && Arrays.equals(payload, m.payload)
                && qos == m.qos && retain == m.retain && createdAtMillis == m.createdAtMillis
                && java.util.Objects.equals(publisherId, m.publisherId) && expiryInterval == m.expiryInterval
                && java.util.Objects.equals(payloadFormatIndicator, m.payloadFormatIndicator)
                && java.util.Objects.equals(contentType, m.contentType)
                && java.util.Objects.equals(responseTopic, m.responseTopic)
                && Arrays.equals(correlationData, m.correlationData) && userProperties.equals(m.userProperties);
    }

    @Override public int hashCode() { return topic.hashCode() * 31 + Arrays.hashCode(payload); }

    @Override public String toString() {
        return "ApplicationMessage[" + topic + ", " + qos + ", retain=" + retain + ", " + payload.length + " bytes]";
    }
}
