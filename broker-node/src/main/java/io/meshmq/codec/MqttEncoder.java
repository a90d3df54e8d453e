package io.meshmq.codec;

import java.util.List;

import static io.meshmq.codec.PropertyIdentifier.*;

/**
 * Encodes packets for a protocol version. Each packet's size is computed first so that encoding allocates exactly
 * one byte array. For MQTT 3.x, properties and MQTT 5-only fields are left out, and CONNACK/SUBACK reason codes are
 * mapped to 3.x return codes. Arguments that cannot be encoded (a string with U+0000 or an unpaired surrogate, a
 * field beyond its wire range, a property not allowed on the packet, AUTH before MQTT 5) are programming errors and
 * throw {@link IllegalArgumentException}.
 */
public final class MqttEncoder {
    private MqttEncoder() {}

    /** The packet as bytes; a CONNECT is encoded for its own {@link MqttPacket.Connect#version()}. */
    public static byte[] encode(MqttPacket packet, ProtocolVersion version) {
        ProtocolVersion v = packet instanceof MqttPacket.Connect c ? c.version() : version;
        if (v == null) throw new IllegalArgumentException("protocol version");
        int remaining = remainingLength(packet, v);
        byte[] out = new byte[1 + variableByteIntegerSize(remaining) + remaining];
        Writer w = new Writer(out);
        w.u8(firstByte(packet));
        w.vbi(remaining);
        writeBody(packet, v, w);
        if (w.pos != out.length) throw new IllegalStateException("size mismatch encoding " + packet);
        return out;
    }

    /** The size {@link #encode} would return, computed without encoding. */
    public static int encodedSize(MqttPacket packet, ProtocolVersion version) {
        ProtocolVersion v = packet instanceof MqttPacket.Connect c ? c.version() : version;
        if (v == null) throw new IllegalArgumentException("protocol version");
        int remaining = remainingLength(packet, v);
        return 1 + variableByteIntegerSize(remaining) + remaining;
    }

    // ---------------------------------------------------------------------------------------------- sizes

    private static int firstByte(MqttPacket packet) {
        int type = packet.type();
        return switch (type) {
            case MqttDecoder.PUBLISH -> {
                MqttPacket.Publish p = (MqttPacket.Publish) packet;
                yield (type << 4) | (p.dup() ? 0x08 : 0) | (p.qos().value() << 1) | (p.retain() ? 1 : 0);
            }
            case MqttDecoder.PUBREL, MqttDecoder.SUBSCRIBE, MqttDecoder.UNSUBSCRIBE -> (type << 4) | 0x02;
            default -> type << 4;
        };
    }

    private static int remainingLength(MqttPacket packet, ProtocolVersion v) {
        boolean v5 = v == ProtocolVersion.MQTT_5;
        int n;
        switch (packet.type()) {
            case MqttDecoder.CONNECT -> {
                MqttPacket.Connect c = (MqttPacket.Connect) packet;
                n = 2 + utf8Length(v.protocolName()) + 1 + 1 + 2;
                if (v5) n += propertiesSize(c.properties(), PropertyIdentifier.CONNECT);
                n += 2 + utf8Length(c.clientId());
                if (c.will() != null) {
                    MqttPacket.Will will = c.will();
                    if (v5) n += propertiesSize(will.properties(), PropertyIdentifier.WILL);
                    n += 2 + utf8Length(will.topic()) + 2 + binaryLength(will.payload());
                }
                if (c.username() != null) n += 2 + utf8Length(c.username());
                if (c.password() != null) n += 2 + binaryLength(c.password());
            }
            case MqttDecoder.CONNACK -> {
                MqttPacket.ConnAck a = (MqttPacket.ConnAck) packet;
                n = 2;
                if (v5) n += propertiesSize(a.properties(), PropertyIdentifier.CONNACK);
            }
            case MqttDecoder.PUBLISH -> {
                MqttPacket.Publish p = (MqttPacket.Publish) packet;
                n = 2 + utf8Length(p.topic()) + (p.qos() == QoS.AT_MOST_ONCE ? 0 : 2) + p.payload().length;
                if (v5) n += propertiesSize(p.properties(), PropertyIdentifier.PUBLISH);
            }
            case MqttDecoder.PUBACK, MqttDecoder.PUBREC, MqttDecoder.PUBREL, MqttDecoder.PUBCOMP -> {
                n = 2;
                if (v5) {
                    Properties props = ackProperties(packet);
                    boolean noProps = props.isEmpty();
                    if (!noProps) n += 1 + propertiesSize(props, PropertyIdentifier.ACK);
                    else if (ackReasonCode(packet) != ReasonCode.SUCCESS) n += 1;
                }
            }
            case MqttDecoder.SUBSCRIBE -> {
                MqttPacket.Subscribe s = (MqttPacket.Subscribe) packet;
                n = 2;
                if (v5) n += propertiesSize(s.properties(), PropertyIdentifier.SUBSCRIBE);
                for (MqttPacket.Subscription sub : s.subscriptions()) n += 2 + utf8Length(sub.filter()) + 1;
            }
            case MqttDecoder.SUBACK -> {
                MqttPacket.SubAck s = (MqttPacket.SubAck) packet;
                n = 2 + s.reasonCodes().size();
                if (v5) n += propertiesSize(s.properties(), PropertyIdentifier.SUBACK);
            }
            case MqttDecoder.UNSUBSCRIBE -> {
                MqttPacket.Unsubscribe u = (MqttPacket.Unsubscribe) packet;
                n = 2;
                if (v5) n += propertiesSize(u.properties(), PropertyIdentifier.UNSUBSCRIBE);
                for (String f : u.filters()) n += 2 + utf8Length(f);
            }
            case MqttDecoder.UNSUBACK -> {
                MqttPacket.UnsubAck u = (MqttPacket.UnsubAck) packet;
                n = 2;
                if (v5) n += propertiesSize(u.properties(), PropertyIdentifier.UNSUBACK) + u.reasonCodes().size();
            }
            case MqttDecoder.PINGREQ, MqttDecoder.PINGRESP -> n = 0;
            case MqttDecoder.DISCONNECT -> {
                MqttPacket.Disconnect d = (MqttPacket.Disconnect) packet;
                n = 0;
                if (v5) {
                    if (!d.properties().isEmpty()) n = 1 + propertiesSize(d.properties(), PropertyIdentifier.DISCONNECT);
                    else if (d.reasonCode() != ReasonCode.NORMAL_DISCONNECTION) n = 1;
                }
            }
            case MqttDecoder.AUTH -> {
                if (!v5) throw new IllegalArgumentException("AUTH exists only in MQTT 5");
                MqttPacket.Auth a = (MqttPacket.Auth) packet;
                if (!a.properties().isEmpty()) n = 1 + propertiesSize(a.properties(), PropertyIdentifier.AUTH);
                else n = a.reasonCode() == ReasonCode.SUCCESS ? 0 : 1;
            }
            default -> throw new IllegalArgumentException("packet type " + packet.type());
        }
        if (n > MqttDecoder.MAX_REMAINING_LENGTH) throw new IllegalArgumentException("packet too large: " + n);
        return n;
    }

    private static Properties ackProperties(MqttPacket p) {
        if (p instanceof MqttPacket.PubAck a) return a.properties();
        if (p instanceof MqttPacket.PubRec a) return a.properties();
        if (p instanceof MqttPacket.PubRel a) return a.properties();
        return ((MqttPacket.PubComp) p).properties();
    }

    private static ReasonCode ackReasonCode(MqttPacket p) {
        if (p instanceof MqttPacket.PubAck a) return a.reasonCode();
        if (p instanceof MqttPacket.PubRec a) return a.reasonCode();
        if (p instanceof MqttPacket.PubRel a) return a.reasonCode();
        return ((MqttPacket.PubComp) p).reasonCode();
    }

    private static int ackPacketId(MqttPacket p) {
        if (p instanceof MqttPacket.PubAck a) return a.packetId();
        if (p instanceof MqttPacket.PubRec a) return a.packetId();
        if (p instanceof MqttPacket.PubRel a) return a.packetId();
        return ((MqttPacket.PubComp) p).packetId();
    }

    /** Property Length field plus the properties (MQTT 2.2.2). */
    private static int propertiesSize(Properties p, long allowed) {
        int n = propertiesLength(p, allowed);
        return variableByteIntegerSize(n) + n;
    }

    private static int propertiesLength(Properties p, long allowed) {
        if (p == Properties.EMPTY) return 0;
        long present = PropertyIdentifier.present(p);
        if ((present & ~allowed) != 0) {
            throw new IllegalArgumentException("property 0x" + Long.toHexString(Long.numberOfTrailingZeros(present & ~allowed))
                    + " not allowed on this packet: " + p);
        }
        int n = 0;
        if (p.payloadFormatIndicator() != null) n += 2;
        if (p.messageExpiryInterval() != null) n += 5;
        if (p.contentType() != null) n += 3 + utf8Length(p.contentType());
        if (p.responseTopic() != null) n += 3 + utf8Length(p.responseTopic());
        if (p.correlationData() != null) n += 3 + binaryLength(p.correlationData());
        for (int id : p.subscriptionIdentifiers()) n += 1 + variableByteIntegerSize(id);
        if (p.sessionExpiryInterval() != null) n += 5;
        if (p.assignedClientIdentifier() != null) n += 3 + utf8Length(p.assignedClientIdentifier());
        if (p.serverKeepAlive() != null) n += 3;
        if (p.authenticationMethod() != null) n += 3 + utf8Length(p.authenticationMethod());
        if (p.authenticationData() != null) n += 3 + binaryLength(p.authenticationData());
        if (p.requestProblemInformation() != null) n += 2;
        if (p.willDelayInterval() != null) n += 5;
        if (p.requestResponseInformation() != null) n += 2;
        if (p.responseInformation() != null) n += 3 + utf8Length(p.responseInformation());
        if (p.serverReference() != null) n += 3 + utf8Length(p.serverReference());
        if (p.reasonString() != null) n += 3 + utf8Length(p.reasonString());
        if (p.receiveMaximum() != null) n += 3;
        if (p.topicAliasMaximum() != null) n += 3;
        if (p.topicAlias() != null) n += 3;
        if (p.maximumQoS() != null) n += 2;
        if (p.retainAvailable() != null) n += 2;
        for (UserProperty u : p.userProperties()) n += 5 + utf8Length(u.name()) + utf8Length(u.value());
        if (p.maximumPacketSize() != null) n += 5;
        if (p.wildcardSubscriptionAvailable() != null) n += 2;
        if (p.subscriptionIdentifierAvailable() != null) n += 2;
        if (p.sharedSubscriptionAvailable() != null) n += 2;
        return n;
    }

    static int variableByteIntegerSize(int v) {
        if (v < 0 || v > MqttDecoder.MAX_REMAINING_LENGTH) throw new IllegalArgumentException("variable byte integer " + v);
        return v < 128 ? 1 : v < 16_384 ? 2 : v < 2_097_152 ? 3 : 4;
    }

    /** The bytes of a variable byte integer (MQTT 1.5.5); for tests and tools. */
    static byte[] variableByteInteger(int v) {
        byte[] b = new byte[variableByteIntegerSize(v)];
        new Writer(b).vbi(v);
        return b;
    }

    private static int binaryLength(byte[] b) {
        if (b.length > 0xFFFF) throw new IllegalArgumentException("binary data of " + b.length + " bytes");
        return b.length;
    }

    /** Encoded length of a UTF-8 Encoded String's bytes (MQTT 1.5.4), rejecting what the spec forbids. */
    static int utf8Length(String s) {
        int chars = s.length();
        int n = chars;
        for (int i = 0; i < chars; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                if (c == 0) throw new IllegalArgumentException("U+0000 in a UTF-8 string (MQTT-1.5.4-2)");
            } else if (c < 0x800) {
                n += 1;
            } else if (Character.isHighSurrogate(c)) {
                if (i + 1 >= chars || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    throw new IllegalArgumentException("unpaired surrogate in a UTF-8 string (MQTT-1.5.4-1)");
                }
                n += 2; // two chars, four bytes
                i++;
            } else if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("unpaired surrogate in a UTF-8 string (MQTT-1.5.4-1)");
            } else {
                n += 2;
            }
        }
        if (n > 0xFFFF) throw new IllegalArgumentException("UTF-8 string of " + n + " bytes");
        return n;
    }

    // ---------------------------------------------------------------------------------------------- bodies

    private static void writeBody(MqttPacket packet, ProtocolVersion v, Writer w) {
        boolean v5 = v == ProtocolVersion.MQTT_5;
        switch (packet.type()) {
            case MqttDecoder.CONNECT -> {
                MqttPacket.Connect c = (MqttPacket.Connect) packet;
                w.utf8(v.protocolName());
                w.u8(v.level());
                MqttPacket.Will will = c.will();
                int flags = (c.username() != null ? 0x80 : 0) | (c.password() != null ? 0x40 : 0)
                        | (c.cleanStart() ? 0x02 : 0);
                if (will != null) flags |= 0x04 | (will.qos().value() << 3) | (will.retain() ? 0x20 : 0);
                w.u8(flags);
                w.u16(c.keepAlive());
                if (v5) w.properties(c.properties(), PropertyIdentifier.CONNECT);
                w.utf8(c.clientId());
                if (will != null) {
                    if (v5) w.properties(will.properties(), PropertyIdentifier.WILL);
                    w.utf8(will.topic());
                    w.binary(will.payload());
                }
                if (c.username() != null) w.utf8(c.username());
                if (c.password() != null) w.binary(c.password());
            }
            case MqttDecoder.CONNACK -> {
                MqttPacket.ConnAck a = (MqttPacket.ConnAck) packet;
                w.u8(a.sessionPresent() && v != ProtocolVersion.MQTT_3_1 ? 1 : 0);
                if (v5) {
                    w.u8(a.reasonCode().value());
                    w.properties(a.properties(), PropertyIdentifier.CONNACK);
                } else {
                    w.u8(connectReturnCode(a.reasonCode()));
                }
            }
            case MqttDecoder.PUBLISH -> {
                MqttPacket.Publish p = (MqttPacket.Publish) packet;
                w.utf8(p.topic());
                if (p.qos() != QoS.AT_MOST_ONCE) w.u16(p.packetId());
                if (v5) w.properties(p.properties(), PropertyIdentifier.PUBLISH);
                w.bytes(p.payload());
            }
            case MqttDecoder.PUBACK, MqttDecoder.PUBREC, MqttDecoder.PUBREL, MqttDecoder.PUBCOMP -> {
                w.u16(ackPacketId(packet));
                if (v5) {
                    Properties props = ackProperties(packet);
                    ReasonCode code = ackReasonCode(packet);
                    if (!props.isEmpty()) {
                        w.u8(code.value());
                        w.properties(props, PropertyIdentifier.ACK);
                    } else if (code != ReasonCode.SUCCESS) {
                        w.u8(code.value());
                    }
                }
            }
            case MqttDecoder.SUBSCRIBE -> {
                MqttPacket.Subscribe s = (MqttPacket.Subscribe) packet;
                w.u16(s.packetId());
                if (v5) w.properties(s.properties(), PropertyIdentifier.SUBSCRIBE);
                for (MqttPacket.Subscription sub : s.subscriptions()) {
                    w.utf8(sub.filter());
                    int options = sub.qos().value();
                    if (v5) {
                        options |= (sub.noLocal() ? 0x04 : 0) | (sub.retainAsPublished() ? 0x08 : 0)
                                | ((sub.retainHandling() & 3) << 4);
                    }
                    w.u8(options);
                }
            }
            case MqttDecoder.SUBACK -> {
                MqttPacket.SubAck s = (MqttPacket.SubAck) packet;
                w.u16(s.packetId());
                if (v5) w.properties(s.properties(), PropertyIdentifier.SUBACK);
                for (ReasonCode c : s.reasonCodes()) w.u8(v5 ? c.value() : subscribeReturnCode(c));
            }
            case MqttDecoder.UNSUBSCRIBE -> {
                MqttPacket.Unsubscribe u = (MqttPacket.Unsubscribe) packet;
                w.u16(u.packetId());
                if (v5) w.properties(u.properties(), PropertyIdentifier.UNSUBSCRIBE);
                for (String f : u.filters()) w.utf8(f);
            }
            case MqttDecoder.UNSUBACK -> {
                MqttPacket.UnsubAck u = (MqttPacket.UnsubAck) packet;
                w.u16(u.packetId());
                if (v5) {
                    w.properties(u.properties(), PropertyIdentifier.UNSUBACK);
                    for (ReasonCode c : u.reasonCodes()) w.u8(c.value());
                }
            }
            case MqttDecoder.PINGREQ, MqttDecoder.PINGRESP -> { }
            case MqttDecoder.DISCONNECT -> {
                MqttPacket.Disconnect d = (MqttPacket.Disconnect) packet;
                if (v5) {
                    if (!d.properties().isEmpty()) {
                        w.u8(d.reasonCode().value());
                        w.properties(d.properties(), PropertyIdentifier.DISCONNECT);
                    } else if (d.reasonCode() != ReasonCode.NORMAL_DISCONNECTION) {
                        w.u8(d.reasonCode().value());
                    }
                }
            }
            case MqttDecoder.AUTH -> {
                MqttPacket.Auth a = (MqttPacket.Auth) packet;
                if (!a.properties().isEmpty()) {
                    w.u8(a.reasonCode().value());
                    w.properties(a.properties(), PropertyIdentifier.AUTH);
                } else if (a.reasonCode() != ReasonCode.SUCCESS) {
                    w.u8(a.reasonCode().value());
                }
            }
            default -> throw new IllegalArgumentException("packet type " + packet.type());
        }
    }

    /** MQTT 3.1.1 CONNACK return codes (table 3.1); 3.1 uses the same values. */
    static int connectReturnCode(ReasonCode c) {
        return switch (c) {
            case SUCCESS -> 0;
            case UNSUPPORTED_PROTOCOL_VERSION -> 1;
            case CLIENT_IDENTIFIER_NOT_VALID -> 2;
            case BAD_USER_NAME_OR_PASSWORD -> 4;
            case NOT_AUTHORIZED -> 5;
            default -> 3; // Server unavailable: the closest 3.x meaning for every other refusal
        };
    }

    /** MQTT 3.1.1 SUBACK return codes: the granted QoS, or 0x80 for any failure. */
    static int subscribeReturnCode(ReasonCode c) {
        return switch (c) {
            case GRANTED_QOS_0 -> 0;
            case GRANTED_QOS_1 -> 1;
            case GRANTED_QOS_2 -> 2;
            default -> 0x80;
        };
    }

    /** Sequential writes into an array sized by {@link #remainingLength}. */
    private static final class Writer {
        final byte[] b;
        int pos;

        Writer(byte[] b) { this.b = b; }

        void u8(int v) { b[pos++] = (byte) v; }

        void u16(int v) {
            if ((v & ~0xFFFF) != 0) throw new IllegalArgumentException("two byte integer " + v);
            b[pos++] = (byte) (v >>> 8);
            b[pos++] = (byte) v;
        }

        void u32(long v) {
            if ((v & ~0xFFFF_FFFFL) != 0) throw new IllegalArgumentException("four byte integer " + v);
            b[pos++] = (byte) (v >>> 24);
            b[pos++] = (byte) (v >>> 16);
            b[pos++] = (byte) (v >>> 8);
            b[pos++] = (byte) v;
        }

        void vbi(int v) {
            do {
                int digit = v & 0x7F;
                v >>>= 7;
                b[pos++] = (byte) (v > 0 ? digit | 0x80 : digit);
            } while (v > 0);
        }

        void bytes(byte[] data) {
            System.arraycopy(data, 0, b, pos, data.length);
            pos += data.length;
        }

        void binary(byte[] data) {
            u16(data.length);
            bytes(data);
        }

        /** Writes the string after a two-byte length filled in afterwards, so the string is scanned only once here. */
        void utf8(String s) {
            int lengthAt = pos;
            pos += 2;
            int chars = s.length();
            for (int i = 0; i < chars; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    b[pos++] = (byte) c;
                } else if (c < 0x800) {
                    b[pos++] = (byte) (0xC0 | (c >>> 6));
                    b[pos++] = (byte) (0x80 | (c & 0x3F));
                } else if (Character.isHighSurrogate(c)) {
                    int cp = Character.toCodePoint(c, s.charAt(++i)); // pairing checked by utf8Length
                    b[pos++] = (byte) (0xF0 | (cp >>> 18));
                    b[pos++] = (byte) (0x80 | ((cp >>> 12) & 0x3F));
                    b[pos++] = (byte) (0x80 | ((cp >>> 6) & 0x3F));
                    b[pos++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    b[pos++] = (byte) (0xE0 | (c >>> 12));
                    b[pos++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
                    b[pos++] = (byte) (0x80 | (c & 0x3F));
                }
            }
            int len = pos - lengthAt - 2;
            b[lengthAt] = (byte) (len >>> 8);
            b[lengthAt + 1] = (byte) len;
        }

        void stringProperty(int id, String s) {
            if (s == null) return;
            u8(id);
            utf8(s);
        }

        void properties(Properties p, long allowed) {
            vbi(propertiesLength(p, allowed));
            if (p == Properties.EMPTY) return;
            if (p.payloadFormatIndicator() != null) { u8(PAYLOAD_FORMAT_INDICATOR); byteValue(p.payloadFormatIndicator()); }
            if (p.messageExpiryInterval() != null) { u8(MESSAGE_EXPIRY_INTERVAL); u32(p.messageExpiryInterval()); }
            stringProperty(CONTENT_TYPE, p.contentType());
            stringProperty(RESPONSE_TOPIC, p.responseTopic());
            if (p.correlationData() != null) { u8(CORRELATION_DATA); binary(p.correlationData()); }
            List<Integer> subscriptionIdentifiers = p.subscriptionIdentifiers();
            for (int i = 0; i < subscriptionIdentifiers.size(); i++) {
                u8(SUBSCRIPTION_IDENTIFIER);
                vbi(subscriptionIdentifiers.get(i));
            }
            if (p.sessionExpiryInterval() != null) { u8(SESSION_EXPIRY_INTERVAL); u32(p.sessionExpiryInterval()); }
            stringProperty(ASSIGNED_CLIENT_IDENTIFIER, p.assignedClientIdentifier());
            if (p.serverKeepAlive() != null) { u8(SERVER_KEEP_ALIVE); u16(p.serverKeepAlive()); }
            stringProperty(AUTHENTICATION_METHOD, p.authenticationMethod());
            if (p.authenticationData() != null) { u8(AUTHENTICATION_DATA); binary(p.authenticationData()); }
            if (p.requestProblemInformation() != null) { u8(REQUEST_PROBLEM_INFORMATION); byteValue(p.requestProblemInformation()); }
            if (p.willDelayInterval() != null) { u8(WILL_DELAY_INTERVAL); u32(p.willDelayInterval()); }
            if (p.requestResponseInformation() != null) { u8(REQUEST_RESPONSE_INFORMATION); byteValue(p.requestResponseInformation()); }
            stringProperty(RESPONSE_INFORMATION, p.responseInformation());
            stringProperty(SERVER_REFERENCE, p.serverReference());
            stringProperty(REASON_STRING, p.reasonString());
            if (p.receiveMaximum() != null) { u8(RECEIVE_MAXIMUM); u16(p.receiveMaximum()); }
            if (p.topicAliasMaximum() != null) { u8(TOPIC_ALIAS_MAXIMUM); u16(p.topicAliasMaximum()); }
            if (p.topicAlias() != null) { u8(TOPIC_ALIAS); u16(p.topicAlias()); }
            if (p.maximumQoS() != null) { u8(MAXIMUM_QOS); byteValue(p.maximumQoS()); }
            if (p.retainAvailable() != null) { u8(RETAIN_AVAILABLE); byteValue(p.retainAvailable()); }
            List<UserProperty> userProperties = p.userProperties();
            for (int i = 0; i < userProperties.size(); i++) {
                UserProperty u = userProperties.get(i);
                u8(USER_PROPERTY);
                utf8(u.name());
                utf8(u.value());
            }
            if (p.maximumPacketSize() != null) { u8(MAXIMUM_PACKET_SIZE); u32(p.maximumPacketSize()); }
            if (p.wildcardSubscriptionAvailable() != null) { u8(WILDCARD_SUBSCRIPTION_AVAILABLE); byteValue(p.wildcardSubscriptionAvailable()); }
            if (p.subscriptionIdentifierAvailable() != null) { u8(SUBSCRIPTION_IDENTIFIER_AVAILABLE); byteValue(p.subscriptionIdentifierAvailable()); }
            if (p.sharedSubscriptionAvailable() != null) { u8(SHARED_SUBSCRIPTION_AVAILABLE); byteValue(p.sharedSubscriptionAvailable()); }
        }

        void byteValue(int v) {
            if ((v & ~0xFF) != 0) throw new IllegalArgumentException("byte property " + v);
            u8(v);
        }
    }
}
