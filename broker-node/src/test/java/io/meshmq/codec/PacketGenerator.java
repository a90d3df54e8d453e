package io.meshmq.codec;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Random valid packets for each protocol version and direction, including every MQTT 5 property a packet may carry.
 * Values are drawn from a {@link Random} so the same generator serves jqwik ({@link #packets}) and plain loops.
 */
final class PacketGenerator {
    private PacketGenerator() {}

    enum Direction { CLIENT_TO_SERVER, SERVER_TO_CLIENT }

    static Arbitrary<MqttPacket> packets(ProtocolVersion v, Direction d) {
        return Arbitraries.randomValue(r -> packet(r, v, d));
    }

    /** A valid packet of a random type that may travel in direction {@code d}; never a CONNECT. */
    static MqttPacket packet(Random r, ProtocolVersion v, Direction d) {
        boolean v5 = v == ProtocolVersion.MQTT_5;
        boolean c2s = d == Direction.CLIENT_TO_SERVER;
        int[] types = c2s
                ? (v5 ? new int[] {3, 3, 3, 4, 5, 6, 7, 8, 10, 12, 14, 15} : new int[] {3, 3, 3, 4, 5, 6, 7, 8, 10, 12, 14})
                : (v5 ? new int[] {2, 3, 3, 3, 4, 5, 6, 7, 9, 11, 13, 14, 15} : new int[] {2, 3, 3, 3, 4, 5, 6, 7, 9, 11, 13, 14});
        return packet(r, v, d, types[r.nextInt(types.length)]);
    }

    static MqttPacket packet(Random r, ProtocolVersion v, Direction d, int type) {
        boolean v5 = v == ProtocolVersion.MQTT_5;
        boolean c2s = d == Direction.CLIENT_TO_SERVER;
        return switch (type) {
            case 1 -> connect(r, v);
            case 2 -> {
                ReasonCode code = v5 ? reasonCode(r, 2)
                        : pick(r, ReasonCode.SUCCESS, ReasonCode.UNSUPPORTED_PROTOCOL_VERSION,
                        ReasonCode.CLIENT_IDENTIFIER_NOT_VALID, ReasonCode.SERVER_UNAVAILABLE,
                        ReasonCode.BAD_USER_NAME_OR_PASSWORD, ReasonCode.NOT_AUTHORIZED);
                boolean sessionPresent = code == ReasonCode.SUCCESS && v != ProtocolVersion.MQTT_3_1 && r.nextBoolean();
                yield new MqttPacket.ConnAck(sessionPresent, code, props(r, v, PropertyIdentifier.CONNACK, d));
            }
            case 3 -> publish(r, v, d);
            case 4 -> new MqttPacket.PubAck(packetId(r), ackCode(r, v, 4), props(r, v, PropertyIdentifier.ACK, d));
            case 5 -> new MqttPacket.PubRec(packetId(r), ackCode(r, v, 5), props(r, v, PropertyIdentifier.ACK, d));
            case 6 -> new MqttPacket.PubRel(packetId(r), ackCode(r, v, 6), props(r, v, PropertyIdentifier.ACK, d));
            case 7 -> new MqttPacket.PubComp(packetId(r), ackCode(r, v, 7), props(r, v, PropertyIdentifier.ACK, d));
            case 8 -> {
                List<MqttPacket.Subscription> subs = new ArrayList<>();
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    String filter = filter(r);
                    QoS qos = QoS.of(r.nextInt(3));
                    subs.add(v5 ? new MqttPacket.Subscription(filter, qos,
                            !filter.startsWith("$share/") && r.nextBoolean(), r.nextBoolean(), r.nextInt(3))
                            : MqttPacket.Subscription.of(filter, qos));
                }
                yield new MqttPacket.Subscribe(packetId(r), subs, props(r, v, PropertyIdentifier.SUBSCRIBE, d));
            }
            case 9 -> {
                List<ReasonCode> codes = new ArrayList<>();
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    codes.add(v5 ? reasonCode(r, 9) : pick(r, ReasonCode.GRANTED_QOS_0, ReasonCode.GRANTED_QOS_1,
                            ReasonCode.GRANTED_QOS_2, ReasonCode.UNSPECIFIED_ERROR));
                }
                yield new MqttPacket.SubAck(packetId(r), codes, props(r, v, PropertyIdentifier.SUBACK, d));
            }
            case 10 -> {
                List<String> filters = new ArrayList<>();
                int n = 1 + r.nextInt(4);
                for (int i = 0; i < n; i++) filters.add(filter(r));
                yield new MqttPacket.Unsubscribe(packetId(r), filters, props(r, v, PropertyIdentifier.UNSUBSCRIBE, d));
            }
            case 11 -> {
                List<ReasonCode> codes = new ArrayList<>();
                if (v5) {
                    int n = 1 + r.nextInt(4);
                    for (int i = 0; i < n; i++) codes.add(reasonCode(r, 11));
                }
                yield new MqttPacket.UnsubAck(packetId(r), codes, props(r, v, PropertyIdentifier.UNSUBACK, d));
            }
            case 12 -> MqttPacket.PingReq.INSTANCE;
            case 13 -> MqttPacket.PingResp.INSTANCE;
            case 14 -> v5 ? new MqttPacket.Disconnect(r.nextBoolean() ? ReasonCode.NORMAL_DISCONNECTION : reasonCode(r, 14),
                    props(r, v, PropertyIdentifier.DISCONNECT, d)) : MqttPacket.Disconnect.NORMAL;
            case 15 -> new MqttPacket.Auth(reasonCode(r, 15), props(r, v, PropertyIdentifier.AUTH, d));
            default -> throw new IllegalArgumentException("type " + type);
        };
    }

    static MqttPacket.Connect connect(Random r, ProtocolVersion v) {
        boolean v5 = v == ProtocolVersion.MQTT_5;
        Direction d = Direction.CLIENT_TO_SERVER;
        MqttPacket.Will will = null;
        if (r.nextBoolean()) {
            will = new MqttPacket.Will(topicName(r), bytes(r, 20), QoS.of(r.nextInt(3)), r.nextBoolean(),
                    props(r, v, PropertyIdentifier.WILL, d));
        }
        String username = r.nextBoolean() ? string(r, 12) : null;
        byte[] password = (username != null || v5) && r.nextBoolean() ? bytes(r, 12) : null;
        return new MqttPacket.Connect(v, string(r, 23), r.nextBoolean(), r.nextInt(65536), username, password, will,
                props(r, v, PropertyIdentifier.CONNECT, d));
    }

    static MqttPacket.Publish publish(Random r, ProtocolVersion v, Direction d) {
        QoS qos = QoS.of(r.nextInt(3));
        Properties props = props(r, v, PropertyIdentifier.PUBLISH, d);
        String topic = v == ProtocolVersion.MQTT_5 && props.topicAlias() != null && r.nextBoolean() ? "" : topicName(r);
        return new MqttPacket.Publish(topic, qos, r.nextBoolean(), qos != QoS.AT_MOST_ONCE && r.nextBoolean(),
                qos == QoS.AT_MOST_ONCE ? 0 : packetId(r), bytes(r, r.nextInt(10) == 0 ? 2000 : 40), props);
    }

    private static ReasonCode ackCode(Random r, ProtocolVersion v, int type) {
        if (v != ProtocolVersion.MQTT_5 || r.nextBoolean()) return ReasonCode.SUCCESS;
        return reasonCode(r, type);
    }

    /** A reason code valid on an MQTT 5 packet of {@code type}, as the decoder would produce it. */
    static ReasonCode reasonCode(Random r, int type) {
        List<ReasonCode> valid = Arrays.stream(ReasonCode.values())
                .filter(c -> MqttDecoder.isValidReasonCode(type, c)).toList();
        return valid.get(r.nextInt(valid.size()));
    }

    /** Properties allowed by {@code allowed}, each present with some probability; EMPTY before MQTT 5. */
    static Properties props(Random r, ProtocolVersion v, long allowed, Direction d) {
        if (v != ProtocolVersion.MQTT_5 || r.nextInt(4) == 0) return Properties.EMPTY;
        Properties.Builder b = Properties.builder();
        if (has(r, allowed, 0x01)) b.payloadFormatIndicator(r.nextInt(2));
        if (has(r, allowed, 0x02)) b.messageExpiryInterval(u32(r));
        if (has(r, allowed, 0x03)) b.contentType(string(r, 10));
        if (has(r, allowed, 0x08)) b.responseTopic(topicName(r));
        if (has(r, allowed, 0x09)) b.correlationData(bytes(r, 10));
        if (has(r, allowed, 0x0B)) {
            boolean publish = allowed == PropertyIdentifier.PUBLISH;
            if (!publish || d == Direction.SERVER_TO_CLIENT) {
                int n = publish ? 1 + r.nextInt(3) : 1;
                List<Integer> ids = new ArrayList<>();
                for (int i = 0; i < n; i++) ids.add(1 + r.nextInt(MqttDecoder.MAX_REMAINING_LENGTH));
                b.subscriptionIdentifiers(ids);
            }
        }
        if (has(r, allowed, 0x11) && !(allowed == PropertyIdentifier.DISCONNECT && d == Direction.SERVER_TO_CLIENT)) {
            b.sessionExpiryInterval(u32(r));
        }
        if (has(r, allowed, 0x12)) b.assignedClientIdentifier(string(r, 23));
        if (has(r, allowed, 0x13)) b.serverKeepAlive(r.nextInt(65536));
        if (has(r, allowed, 0x15)) {
            b.authenticationMethod(string(r, 10));
            if (r.nextBoolean()) b.authenticationData(bytes(r, 16));
        }
        if (has(r, allowed, 0x17)) b.requestProblemInformation(r.nextInt(2));
        if (has(r, allowed, 0x18)) b.willDelayInterval(u32(r));
        if (has(r, allowed, 0x19)) b.requestResponseInformation(r.nextInt(2));
        if (has(r, allowed, 0x1A)) b.responseInformation(string(r, 10));
        if (has(r, allowed, 0x1C)) b.serverReference(string(r, 10));
        if (has(r, allowed, 0x1F)) b.reasonString(string(r, 20));
        if (has(r, allowed, 0x21)) b.receiveMaximum(1 + r.nextInt(65535));
        if (has(r, allowed, 0x22)) b.topicAliasMaximum(r.nextInt(65536));
        if (has(r, allowed, 0x23)) b.topicAlias(1 + r.nextInt(65535));
        if (has(r, allowed, 0x24)) b.maximumQoS(r.nextInt(2));
        if (has(r, allowed, 0x25)) b.retainAvailable(r.nextInt(2));
        if (has(r, allowed, 0x26)) {
            int n = 1 + r.nextInt(3);
            for (int i = 0; i < n; i++) b.addUserProperty(string(r, 8), string(r, 8));
        }
        if (has(r, allowed, 0x27)) b.maximumPacketSize(1 + (u32(r) % 0xFFFF_FFFEL));
        if (has(r, allowed, 0x28)) b.wildcardSubscriptionAvailable(r.nextInt(2));
        if (has(r, allowed, 0x29)) b.subscriptionIdentifierAvailable(r.nextInt(2));
        if (has(r, allowed, 0x2A)) b.sharedSubscriptionAvailable(r.nextInt(2));
        return b.build();
    }

    private static boolean has(Random r, long allowed, int id) {
        return (allowed & (1L << id)) != 0 && r.nextInt(3) == 0;
    }

    static int packetId(Random r) { return 1 + r.nextInt(65535); }

    static long u32(Random r) { return r.nextLong() & 0xFFFF_FFFFL; }

    static byte[] bytes(Random r, int max) {
        byte[] b = new byte[r.nextInt(max + 1)];
        r.nextBytes(b);
        return b;
    }

    /** A string of ASCII, 2-, 3- and 4-byte UTF-8 characters, without U+0000 or lone surrogates. */
    static String string(Random r, int maxChars) {
        int n = r.nextInt(maxChars + 1);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) sb.appendCodePoint(codePoint(r));
        return sb.toString();
    }

    private static int codePoint(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> 0x80 + r.nextInt(0x800 - 0x80);
            case 1 -> {
                int c;
                do { c = 0x800 + r.nextInt(0x10000 - 0x800); } while (c >= 0xD800 && c <= 0xDFFF);
                yield c;
            }
            case 2 -> 0x10000 + r.nextInt(0x110000 - 0x10000);
            default -> 0x20 + r.nextInt(0x7F - 0x20);
        };
    }

    /** A topic name: one or more levels, no wildcards. */
    static String topicName(Random r) {
        StringBuilder sb = new StringBuilder();
        int levels = 1 + r.nextInt(4);
        for (int i = 0; i < levels; i++) {
            if (i > 0) sb.append('/');
            sb.append(level(r));
        }
        if (sb.length() == 0) sb.append('t');
        return sb.toString();
    }

    private static String level(Random r) {
        return string(r, 6).replace("+", "p").replace("#", "h").replace("/", "s");
    }

    /** A valid topic filter, sometimes with wildcards, sometimes shared. */
    static String filter(Random r) {
        StringBuilder sb = new StringBuilder();
        if (r.nextInt(5) == 0) {
            String group = level(r);
            sb.append("$share/").append(group.isEmpty() ? "g" : group).append('/');
        }
        StringBuilder plain = new StringBuilder();
        int levels = 1 + r.nextInt(4);
        for (int i = 0; i < levels; i++) {
            if (i > 0) plain.append('/');
            if (r.nextInt(4) == 0) plain.append('+');
            else plain.append(level(r));
        }
        if (plain.length() == 0) plain.append('f');
        if (r.nextInt(4) == 0) plain.append("/#");
        return sb.append(plain).toString();
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... values) { return values[r.nextInt(values.length)]; }
}
