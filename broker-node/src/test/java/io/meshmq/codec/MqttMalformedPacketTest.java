package io.meshmq.codec;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;

import static io.meshmq.codec.Bytes.of;
import static io.meshmq.codec.Bytes.packet;
import static io.meshmq.codec.Bytes.str;
import static io.meshmq.codec.MqttSpecExamplesTest.connected;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per rejected input, named after the normative statement where the spec has one. */
class MqttMalformedPacketTest {
    private static final ProtocolVersion V311 = ProtocolVersion.MQTT_3_1_1;
    private static final ProtocolVersion V5 = ProtocolVersion.MQTT_5;
    private static final ReasonCode MALFORMED = ReasonCode.MALFORMED_PACKET;
    private static final ReasonCode PROTOCOL = ReasonCode.PROTOCOL_ERROR;

    private static void rejects(MqttDecoder d, byte[] wire, ReasonCode expected) {
        assertThatThrownBy(() -> d.decode(ByteBuffer.wrap(wire)))
                .isInstanceOf(MalformedPacketException.class)
                .extracting(e -> ((MalformedPacketException) e).reasonCode()).isEqualTo(expected);
    }

    private static void rejects(ProtocolVersion v, byte[] wire, ReasonCode expected) throws Exception {
        rejects(connected(v), wire, expected);
    }

    private static byte[] connect(int level, int flags, byte[]... rest) {
        byte[][] parts = new byte[rest.length + 2][];
        parts[0] = str("MQTT");
        parts[1] = of(level, flags, 0x00, 0x0A);
        System.arraycopy(rest, 0, parts, 2, rest.length);
        return packet(0x10, parts);
    }

    /** A v5 PUBLISH QoS 0 to "t" with these property bytes (length prefix added). */
    private static byte[] publish5(int... props) {
        return packet(0x30, str("t"), MqttEncoder.variableByteInteger(props.length), of(props));
    }

    // ------------------------------------------------------------------ fixed header

    @Test
    @DisplayName("MQTT 1.5.5 remaining length longer than 4 bytes is malformed")
    void variableByteIntegerOver4Bytes() throws Exception {
        rejects(V311, of(0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-1.5.5-1 remaining length not minimally encoded")
    void MQTT_1_5_5_1_nonMinimalVariableByteInteger() throws Exception {
        rejects(V311, of(0xC0, 0x80, 0x00), MALFORMED);
    }

    @Test
    @DisplayName("packet larger than the maximum packet size is rejected from the header, before its body arrives")
    void packetTooLargeFromHeader() throws Exception {
        MqttDecoder d = connected(V311);
        d.maximumPacketSize(100);
        rejects(d, of(0x30, 0x63), ReasonCode.PACKET_TOO_LARGE); // 2 + 99 bytes
        MqttDecoder exactlyAtLimit = connected(V311);
        exactlyAtLimit.maximumPacketSize(100);
        assertThat(exactlyAtLimit.decode(ByteBuffer.wrap(of(0x30, 0x62)))).isEmpty(); // 2 + 98: buffered
    }

    @Test
    @DisplayName("a 256 MB remaining length is rejected from the header (no allocation)")
    void hugeRemainingLength() throws Exception {
        rejects(V5, of(0x30, 0xFF, 0xFF, 0xFF, 0x7F), ReasonCode.PACKET_TOO_LARGE);
        rejects(new MqttDecoder(1 << 20), of(0x10, 0xFF, 0xFF, 0xFF, 0x7F), ReasonCode.PACKET_TOO_LARGE);
    }

    @Test
    @DisplayName("a packet too large is rejected even when its header arrives one byte at a time")
    void packetTooLargeFragmentedHeader() throws Exception {
        MqttDecoder d = connected(V311);
        d.maximumPacketSize(1000);
        d.decode(ByteBuffer.wrap(of(0x30)));
        d.decode(ByteBuffer.wrap(of(0xFF)));
        rejects(d, of(0x7F), ReasonCode.PACKET_TOO_LARGE);
    }

    @Test
    @DisplayName("MQTT 2.1.2 reserved packet type 0")
    void reservedPacketType0() throws Exception {
        rejects(V311, of(0x00, 0x00), MALFORMED);
        rejects(new MqttDecoder(100), of(0x00, 0x00), MALFORMED);
    }

    @Test
    @DisplayName("MQTT 2.1.2 packet type 15 is reserved before MQTT 5")
    void reservedPacketType15In311() throws Exception {
        rejects(V311, of(0xF0, 0x00), MALFORMED);
        rejects(MqttDecoder.forClient(ProtocolVersion.MQTT_3_1, 100), of(0xF0, 0x00), MALFORMED);
    }

    @ParameterizedTest(name = "first byte {0}")
    @DisplayName("MQTT-2.1.3-1 reserved fixed header flags must be as the spec lists them")
    @ValueSource(ints = {0x41, 0x51, 0x60, 0x63, 0x71, 0x80, 0x8A, 0xA0, 0xC1, 0xE8})
    void MQTT_2_1_3_1_reservedFlags(int firstByte) throws Exception {
        rejects(V311, of(firstByte, 0x02, 0x00, 0x01), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-2.1.3-1 reserved flags of CONNECT")
    void MQTT_2_1_3_1_connectFlags() {
        rejects(new MqttDecoder(100), of(0x11, 0x00), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.3.1-4 PUBLISH with QoS 3 is malformed")
    void MQTT_3_3_1_4_qos3IsMalformed() throws Exception {
        rejects(V311, packet(0x36, str("t"), of(0, 1)), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.3.1-2 DUP set on a QoS 0 PUBLISH")
    void MQTT_3_3_1_2_dupOnQos0() throws Exception {
        rejects(V5, packet(0x38, str("t"), of(0)), MALFORMED);
    }

    // ------------------------------------------------------------------ CONNECT

    @Test
    @DisplayName("MQTT-3.1.0-1 the first packet must be CONNECT")
    void MQTT_3_1_0_1_firstPacketMustBeConnect() {
        rejects(new MqttDecoder(100), of(0xC0, 0x00), PROTOCOL);
        rejects(new MqttDecoder(100), packet(0x30, str("t")), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.1.0-2 a second CONNECT is a protocol error")
    void MQTT_3_1_0_2_secondConnect() throws Exception {
        rejects(V311, connect(4, 0x02, str("c")), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.1.2-2 unknown protocol level is UNSUPPORTED_PROTOCOL_VERSION")
    void MQTT_3_1_2_2_unknownLevel() {
        MqttDecoder d = new MqttDecoder(100);
        assertThatThrownBy(() -> d.decode(ByteBuffer.wrap(connect(6, 0x02, str("c")))))
                .isInstanceOfSatisfying(UnsupportedProtocolVersionException.class, e -> {
                    assertThat(e.reasonCode()).isEqualTo(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
                    assertThat(e.level()).isEqualTo(6);
                    assertThat(e.protocolName()).isEqualTo("MQTT");
                });
        assertThat(d.version()).isNull();
    }

    @Test
    @DisplayName("MQTT-3.1.2-1 unknown protocol name is UNSUPPORTED_PROTOCOL_VERSION")
    void MQTT_3_1_2_1_unknownName() {
        rejects(new MqttDecoder(100), packet(0x10, str("MQTX"), of(4, 2, 0, 10), str("c")),
                ReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
        rejects(new MqttDecoder(100), packet(0x10, str("MQIsdp"), of(4, 2, 0, 10), str("c")),
                ReasonCode.UNSUPPORTED_PROTOCOL_VERSION);
    }

    @Test
    @DisplayName("MQTT-3.1.2-3 CONNECT reserved flag must be 0")
    void MQTT_3_1_2_3_reservedConnectFlag() {
        rejects(new MqttDecoder(100), connect(4, 0x03, str("c")), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.1.2-13 (5: MQTT-3.1.2-11) Will QoS without Will Flag")
    void MQTT_3_1_2_13_willQosWithoutWillFlag() {
        rejects(new MqttDecoder(100), connect(4, 0x0A, str("c")), MALFORMED);
        rejects(new MqttDecoder(100), connect(5, 0x0A, of(0), str("c")), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.1.2-14 (5: MQTT-3.1.2-12) Will QoS 3")
    void MQTT_3_1_2_14_willQos3() {
        rejects(new MqttDecoder(100), connect(4, 0x1E, str("c"), str("w"), str("x")), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.1.2-15 (5: MQTT-3.1.2-13) Will Retain without Will Flag")
    void MQTT_3_1_2_15_willRetainWithoutWillFlag() {
        rejects(new MqttDecoder(100), connect(4, 0x22, str("c")), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.1.2-22 password flag without user name flag in 3.1.1")
    void MQTT_3_1_2_22_passwordWithoutUsername() {
        rejects(new MqttDecoder(100), connect(4, 0x42, str("c"), str("pw")), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.1.3-11 Will Topic with wildcards is TOPIC_NAME_INVALID")
    void MQTT_3_1_3_11_willTopicWithWildcard() {
        rejects(new MqttDecoder(100), connect(4, 0x06, str("c"), str("a/#"), str("x")), ReasonCode.TOPIC_NAME_INVALID);
    }

    @Test
    @DisplayName("MQTT 3.1.2.11.10 Authentication Data without Authentication Method")
    void authenticationDataWithoutMethod() {
        rejects(new MqttDecoder(100), connect(5, 0x02, of(0x04, 0x16, 0x00, 0x01, 0x01), str("c")), PROTOCOL);
    }

    @Test
    @DisplayName("CONNECT with trailing bytes after the last field")
    void connectTrailingBytes() {
        rejects(new MqttDecoder(100), connect(4, 0x02, str("c"), of(0)), MALFORMED);
    }

    // ------------------------------------------------------------------ strings

    @Test
    @DisplayName("MQTT-1.5.4-1 UTF-16 surrogate encoded in UTF-8 is malformed")
    void MQTT_1_5_4_1_surrogate() throws Exception {
        rejects(V311, packet(0x30, str(of('a', 0xED, 0xA0, 0x80))), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-1.5.4-1 overlong UTF-8 encoding is malformed")
    void MQTT_1_5_4_1_overlong() throws Exception {
        rejects(V311, packet(0x30, str(of(0xC0, 0xAF))), MALFORMED);
        rejects(V311, packet(0x30, str(of(0xE0, 0x80, 0xAF))), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-1.5.4-1 truncated or invalid UTF-8 bytes are malformed")
    void MQTT_1_5_4_1_invalidBytes() throws Exception {
        rejects(V311, packet(0x30, str(of('a', 0xE2, 0x82))), MALFORMED);
        rejects(V311, packet(0x30, str(of(0xFF))), MALFORMED);
        rejects(V311, packet(0x30, str(of(0xF4, 0x90, 0x80, 0x80))), MALFORMED); // above U+10FFFF
        rejects(new MqttDecoder(100), connect(4, 0x02, str(of(0x80))), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-1.5.4-2 U+0000 in a UTF-8 string is malformed")
    void MQTT_1_5_4_2_nullCharacter() throws Exception {
        rejects(V311, packet(0x30, str(of('a', 0x00))), MALFORMED);
        rejects(new MqttDecoder(100), connect(4, 0x02, str(of('c', 0x00))), MALFORMED);
        rejects(new MqttDecoder(100), connect(5, 0x02, of(0x05, 0x26, 0x00, 0x01, 0x00, 0x00), str("c")), MALFORMED);
    }

    @Test
    @DisplayName("string length beyond the packet is malformed")
    void stringLongerThanPacket() throws Exception {
        rejects(V311, packet(0x30, of(0x00, 0x09, 'a')), MALFORMED);
    }

    // ------------------------------------------------------------------ PUBLISH

    @Test
    @DisplayName("MQTT-3.3.2-2 topic name with wildcards is TOPIC_NAME_INVALID")
    void MQTT_3_3_2_2_topicNameWithWildcards() throws Exception {
        rejects(V311, packet(0x30, str("a/+/b")), ReasonCode.TOPIC_NAME_INVALID);
        rejects(V5, packet(0x30, str("a/#"), of(0)), ReasonCode.TOPIC_NAME_INVALID);
    }

    @Test
    @DisplayName("MQTT-4.7.3-1 empty topic name is invalid in 3.1.1")
    void MQTT_4_7_3_1_emptyTopicIn311() throws Exception {
        rejects(V311, packet(0x30, str("")), ReasonCode.TOPIC_NAME_INVALID);
    }

    @Test
    @DisplayName("MQTT 5 3.3.2.1 empty topic name without Topic Alias is a protocol error")
    void emptyTopicWithoutAliasIn5() throws Exception {
        rejects(V5, packet(0x30, str(""), of(0)), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.3.4-6 a client must not send a Subscription Identifier on PUBLISH")
    void MQTT_3_3_4_6_subscriptionIdentifierFromClient() throws Exception {
        rejects(V5, publish5(0x0B, 0x01), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.3.2-8 Topic Alias 0")
    void MQTT_3_3_2_8_topicAliasZero() throws Exception {
        rejects(V5, publish5(0x23, 0x00, 0x00), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.3.2-14 Response Topic with wildcards")
    void MQTT_3_3_2_14_responseTopicWithWildcards() throws Exception {
        rejects(V5, publish5(0x08, 0x00, 0x01, '#'), PROTOCOL);
    }

    @Test
    @DisplayName("Payload Format Indicator above 1")
    void payloadFormatIndicatorAbove1() throws Exception {
        rejects(V5, publish5(0x01, 0x02), PROTOCOL);
    }

    // ------------------------------------------------------------------ properties

    @Test
    @DisplayName("a property that may appear once, twice, is a protocol error")
    void duplicateProperty() throws Exception {
        rejects(V5, publish5(0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2), PROTOCOL);
        rejects(MqttDecoder.forClient(V5, 100), packet(0x30, str("t"), of(0x04, 0x23, 0, 1, 0x23, 0, 2)), PROTOCOL);
    }

    @Test
    @DisplayName("a property not allowed on the packet type (table 2-4) is malformed")
    void propertyNotAllowedOnPacket() throws Exception {
        rejects(V5, publish5(0x11, 0, 0, 0, 1), MALFORMED);
        rejects(V5, packet(0x40, of(0, 1, 0, 2, 0x0B, 0x01)), MALFORMED); // Subscription Identifier on PUBACK
    }

    @Test
    @DisplayName("an unknown property identifier is malformed")
    void unknownProperty() throws Exception {
        rejects(V5, publish5(0x05, 0x00), MALFORMED);
        rejects(V5, publish5(0xFF, 0x7F, 0x00), MALFORMED);
    }

    @Test
    @DisplayName("property length beyond the packet is malformed")
    void propertyLengthBeyondPacket() throws Exception {
        rejects(V5, packet(0x30, str("t"), of(0x09, 0x01, 0x00)), MALFORMED);
        rejects(V5, publish5(0x02, 0x00), MALFORMED); // value cut off by the property length
    }

    @Test
    @DisplayName("Receive Maximum 0, Maximum Packet Size 0, Request Problem/Response Information above 1")
    void invalidConnectPropertyValues() {
        rejects(new MqttDecoder(100), connect(5, 0x02, of(0x03, 0x21, 0, 0), str("c")), PROTOCOL);
        rejects(new MqttDecoder(100), connect(5, 0x02, of(0x05, 0x27, 0, 0, 0, 0), str("c")), PROTOCOL);
        rejects(new MqttDecoder(100), connect(5, 0x02, of(0x02, 0x17, 2), str("c")), PROTOCOL);
        rejects(new MqttDecoder(100), connect(5, 0x02, of(0x02, 0x19, 2), str("c")), PROTOCOL);
    }

    @Test
    @DisplayName("Maximum QoS and Retain Available above 1 on CONNACK")
    void invalidConnAckPropertyValues() {
        rejects(MqttDecoder.forClient(V5, 100), of(0x20, 0x05, 0x00, 0x00, 0x02, 0x24, 0x02), PROTOCOL);
        rejects(MqttDecoder.forClient(V5, 100), of(0x20, 0x05, 0x00, 0x00, 0x02, 0x25, 0x02), PROTOCOL);
    }

    @Test
    @DisplayName("Subscription Identifier 0 on SUBSCRIBE")
    void subscriptionIdentifierZero() throws Exception {
        rejects(V5, packet(0x82, of(0, 1, 0x02, 0x0B, 0x00), str("a"), of(0)), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT 3.x packets carry no properties: a property length byte is trailing garbage")
    void noPropertiesIn311() throws Exception {
        rejects(V311, of(0x40, 0x03, 0x00, 0x01, 0x00), MALFORMED);
    }

    // ------------------------------------------------------------------ packet identifiers

    @ParameterizedTest(name = "first byte {0}")
    @DisplayName("MQTT-2.2.1-3 packet identifier 0 where one is required")
    @ValueSource(ints = {0x32, 0x40, 0x50, 0x62, 0x70, 0x82, 0xA2})
    void MQTT_2_2_1_3_packetIdentifierZero(int firstByte) throws Exception {
        byte[] body = switch (firstByte) {
            case 0x32 -> packet(firstByte, str("t"), of(0, 0));
            case 0x82 -> packet(firstByte, of(0, 0), str("t"), of(0));
            case 0xA2 -> packet(firstByte, of(0, 0), str("t"));
            default -> packet(firstByte, of(0, 0));
        };
        rejects(V311, body, PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-2.2.1-3 packet identifier 0 on SUBACK and UNSUBACK")
    void MQTT_2_2_1_3_packetIdentifierZeroOnAcks() {
        rejects(MqttDecoder.forClient(V311, 100), of(0x90, 0x03, 0, 0, 0), PROTOCOL);
        rejects(MqttDecoder.forClient(V311, 100), of(0xB0, 0x02, 0, 0), PROTOCOL);
    }

    // ------------------------------------------------------------------ lengths

    @Test
    @DisplayName("MQTT 3.x PUBACK must be exactly 2 bytes after the header")
    void pubAckLengthIn311() throws Exception {
        rejects(V311, of(0x40, 0x03, 0x00, 0x01, 0x00), MALFORMED);
        rejects(V311, of(0x40, 0x01, 0x01), MALFORMED);
    }

    @Test
    @DisplayName("MQTT 3.x DISCONNECT and PINGREQ are empty")
    void emptyPacketsWithBody() throws Exception {
        rejects(V311, of(0xE0, 0x01, 0x00), MALFORMED);
        rejects(V5, of(0xC0, 0x01, 0x00), MALFORMED);
    }

    // ------------------------------------------------------------------ SUBSCRIBE / UNSUBSCRIBE

    @Test
    @DisplayName("MQTT-3.8.3-3 SUBSCRIBE without topic filters")
    void MQTT_3_8_3_3_subscribeWithoutFilters() throws Exception {
        rejects(V311, packet(0x82, of(0, 1)), PROTOCOL);
        rejects(V5, packet(0x82, of(0, 1, 0)), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.10.3-2 UNSUBSCRIBE without topic filters")
    void MQTT_3_10_3_2_unsubscribeWithoutFilters() throws Exception {
        rejects(V311, packet(0xA2, of(0, 1)), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT 4.7.1 invalid topic filter is TOPIC_FILTER_INVALID")
    void invalidTopicFilter() throws Exception {
        rejects(V311, packet(0x82, of(0, 1), str("a/#/b"), of(0)), ReasonCode.TOPIC_FILTER_INVALID);
        rejects(V311, packet(0xA2, of(0, 1), str("a+")), ReasonCode.TOPIC_FILTER_INVALID);
        rejects(V5, packet(0x82, of(0, 1, 0), str("$share//a"), of(0)), ReasonCode.TOPIC_FILTER_INVALID);
    }

    @Test
    @DisplayName("MQTT-3.8.3-5 reserved subscription option bits set")
    void MQTT_3_8_3_5_reservedOptionBits() throws Exception {
        rejects(V5, packet(0x82, of(0, 1, 0), str("a"), of(0x40)), MALFORMED);
    }

    @Test
    @DisplayName("MQTT 5 3.8.3.1 Retain Handling 3 and QoS 3 are protocol errors")
    void retainHandling3AndQos3() throws Exception {
        rejects(V5, packet(0x82, of(0, 1, 0), str("a"), of(0x30)), PROTOCOL);
        rejects(V5, packet(0x82, of(0, 1, 0), str("a"), of(0x03)), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.8.3-4 (3.1.1) reserved bits or QoS 3 in the requested QoS byte")
    void MQTT_3_8_3_4_reservedBitsIn311() throws Exception {
        rejects(V311, packet(0x82, of(0, 1), str("a"), of(0x04)), MALFORMED);
        rejects(V311, packet(0x82, of(0, 1), str("a"), of(0x03)), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.8.3-4 (5) No Local on a shared subscription")
    void MQTT_3_8_3_4_noLocalOnSharedSubscription() throws Exception {
        rejects(V5, packet(0x82, of(0, 1, 0), str("$share/g/a"), of(0x04)), PROTOCOL);
    }

    // ------------------------------------------------------------------ reason codes and direction

    @Test
    @DisplayName("reason codes not valid for the packet are malformed")
    void invalidReasonCodes() throws Exception {
        rejects(V5, of(0x40, 0x03, 0x00, 0x01, 0x92), MALFORMED); // PUBACK with Packet Identifier not found
        rejects(V5, of(0x62, 0x03, 0x00, 0x01, 0x10), MALFORMED); // PUBREL with No matching subscribers
        rejects(V5, of(0xE0, 0x01, 0x01), MALFORMED);             // DISCONNECT 0x01
        rejects(V5, of(0xF0, 0x01, 0x04), MALFORMED);             // AUTH 0x04
        rejects(MqttDecoder.forClient(V5, 100), of(0x20, 0x03, 0x00, 0x01, 0x00), MALFORMED);
        rejects(MqttDecoder.forClient(V5, 100), of(0x90, 0x04, 0x00, 0x01, 0x00, 0x03), MALFORMED);
        rejects(MqttDecoder.forClient(V5, 100), of(0xB0, 0x04, 0x00, 0x01, 0x00, 0x01), MALFORMED);
        rejects(MqttDecoder.forClient(V311, 100), of(0x20, 0x02, 0x00, 0x06), MALFORMED);
        rejects(MqttDecoder.forClient(V311, 100), of(0x90, 0x03, 0x00, 0x01, 0x03), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.2.2-1 reserved CONNACK acknowledge flags")
    void MQTT_3_2_2_1_connAckReservedFlags() {
        rejects(MqttDecoder.forClient(V311, 100), of(0x20, 0x02, 0x02, 0x00), MALFORMED);
    }

    @Test
    @DisplayName("MQTT-3.2.2-4 Session Present with a non-zero return code")
    void MQTT_3_2_2_4_sessionPresentOnRefusal() {
        rejects(MqttDecoder.forClient(V311, 100), of(0x20, 0x02, 0x01, 0x05), PROTOCOL);
    }

    @Test
    @DisplayName("MQTT-3.14.2-2 Session Expiry Interval in a DISCONNECT from the server")
    void MQTT_3_14_2_2_sessionExpiryFromServer() {
        rejects(MqttDecoder.forClient(V5, 100), of(0xE0, 0x07, 0x00, 0x05, 0x11, 0, 0, 0, 1), PROTOCOL);
    }

    @Test
    @DisplayName("packets sent in the wrong direction are protocol errors")
    void wrongDirection() throws Exception {
        rejects(V311, of(0x20, 0x02, 0x00, 0x00), PROTOCOL);  // CONNACK to a server
        rejects(V311, of(0xD0, 0x00), PROTOCOL);              // PINGRESP to a server
        rejects(MqttDecoder.forClient(V311, 100), of(0xC0, 0x00), PROTOCOL);
        rejects(MqttDecoder.forClient(V311, 100), connect(4, 0x02, str("c")), PROTOCOL);
    }
}
