package io.meshmq.codec;

import io.meshmq.topic.Topics;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static io.meshmq.codec.PropertyIdentifier.*;

/**
 * Incremental decoder of one connection's inbound byte stream. Not thread-safe: one per connection, fed in order.
 *
 * <p>A server-side decoder ({@link #MqttDecoder(int)}) accepts only what a client may send and learns the protocol
 * version from the CONNECT. A client-side decoder ({@link #forClient}) accepts only what a server may send.
 * After a {@link MalformedPacketException} the decoder's state is undefined: the connection must be closed.
 *
 * <p>Whole packets are parsed straight from the caller's buffer; only a trailing partial packet is copied, and
 * the copy is grown as its bytes arrive rather than sized from the (untrusted) remaining length.
 */
public final class MqttDecoder {
    static final int CONNECT = 1, CONNACK = 2, PUBLISH = 3, PUBACK = 4, PUBREC = 5, PUBREL = 6, PUBCOMP = 7,
            SUBSCRIBE = 8, SUBACK = 9, UNSUBSCRIBE = 10, UNSUBACK = 11, PINGREQ = 12, PINGRESP = 13,
            DISCONNECT = 14, AUTH = 15;

    /** Largest remaining length a 4-byte variable byte integer holds (MQTT 1.5.5). */
    static final int MAX_REMAINING_LENGTH = 268_435_455;

    private static final byte[] NO_BYTES = new byte[0];
    /** A partial-packet buffer larger than this is dropped once the packet completes, not kept per connection. */
    private static final int RETAINED_PENDING_CAPACITY = 4096;

    private final boolean clientSide;
    private int maximumPacketSize;
    private ProtocolVersion version;
    private boolean connectSeen;

    // A packet split across calls: its first pendingLen bytes, and its total size once the fixed header is complete.
    private byte[] pending = NO_BYTES;
    private int pendingLen;
    private int pendingTotal = -1;
    private int pendingHeaderLen;

    // The packet being parsed: bytes [pos, end) of in.
    private ByteBuffer in;
    private int pos;
    private int end;

    /** A server-side decoder: the first packet must be a CONNECT, which sets {@link #version()}. */
    public MqttDecoder(int maximumPacketSize) {
        this(maximumPacketSize, null, false);
    }

    private MqttDecoder(int maximumPacketSize, ProtocolVersion version, boolean clientSide) {
        maximumPacketSize(maximumPacketSize);
        this.version = version;
        this.clientSide = clientSide;
    }

    /** A client-side decoder for packets a server sends (CONNACK, SUBACK, ...), speaking {@code version}. */
    public static MqttDecoder forClient(ProtocolVersion version, int maximumPacketSize) {
        if (version == null) throw new IllegalArgumentException("version");
        return new MqttDecoder(maximumPacketSize, version, true);
    }

    public ProtocolVersion version() { return version; }

    public void version(ProtocolVersion v) { this.version = v; }

    public void maximumPacketSize(int max) {
        if (max < 2) throw new IllegalArgumentException("maximum packet size " + max);
        this.maximumPacketSize = max;
    }

    public int maximumPacketSize() { return maximumPacketSize; }

    /**
     * Appends the bytes (consumes the buffer) and returns every complete packet decoded, in order; partial packets
     * stay buffered.
     */
    public List<MqttPacket> decode(ByteBuffer bytes) throws MalformedPacketException {
        List<MqttPacket> out = null;
        try {
            if (pendingLen > 0) {
                MqttPacket p = continuePending(bytes);
                if (p == null) return List.of();
                out = new ArrayList<>(4);
                out.add(p);
            }
            int position = bytes.position();
            final int limit = bytes.limit();
            while (position < limit) {
                int avail = limit - position;
                int b0 = bytes.get(position) & 0xFF;
                checkFirstByte(b0);
                long header = readFixedHeaderLength(bytes, position, avail);
                if (header < 0) {
                    stash(bytes, position, avail, -1, 0);
                    break;
                }
                int headerLen = (int) (header >>> 32);
                int total = headerLen + (int) header;
                checkSize(b0, total, bytes, position + headerLen, avail - headerLen);
                if (avail < total) {
                    stash(bytes, position, avail, total, headerLen);
                    break;
                }
                MqttPacket p = parse(b0, bytes, position + headerLen, position + total);
                if (out == null) out = new ArrayList<>(4);
                out.add(p);
                position += total;
            }
            bytes.position(limit);
            return out == null ? List.of() : out;
        } finally {
            in = null;
        }
    }

    // ---------------------------------------------------------------------------------------------- framing

    /**
     * The fixed header's length and remaining length packed as {@code headerLen << 32 | remaining}, or -1 when the
     * variable byte integer is not complete within {@code avail} bytes.
     */
    static long readFixedHeaderLength(ByteBuffer b, int start, int avail) throws MalformedPacketException {
        int value = 0;
        for (int i = 1; i <= 4; i++) {
            if (i >= avail) return -1;
            int digit = b.get(start + i) & 0xFF;
            value |= (digit & 0x7F) << (7 * (i - 1));
            if ((digit & 0x80) == 0) {
                if (digit == 0 && i > 1) throw malformed("MQTT-1.5.5-1: remaining length not minimally encoded");
                return ((long) (i + 1) << 32) | value;
            }
        }
        throw malformed("remaining length longer than 4 bytes");
    }

    /** Decodes one variable byte integer (MQTT 1.5.5) at the start of {@code b}; for tests and tools. */
    static int readVariableByteInteger(ByteBuffer b) throws MalformedPacketException {
        MqttDecoder d = new MqttDecoder(2);
        d.in = b;
        d.pos = b.position();
        d.end = b.limit();
        int v = d.vbi();
        b.position(d.pos);
        return v;
    }

    private void checkFirstByte(int b0) throws MalformedPacketException {
        int type = b0 >>> 4;
        int flags = b0 & 0x0F;
        if (type == 0) throw malformed("reserved packet type 0");
        if (clientSide) {
            if (type == CONNECT || type == SUBSCRIBE || type == UNSUBSCRIBE || type == PINGREQ) {
                throw protocolError("a server must not send packet type " + type);
            }
        } else {
            if (type == CONNECT) {
                if (connectSeen) throw protocolError("MQTT-3.1.0-2: second CONNECT");
            } else if (version == null) {
                throw protocolError("MQTT-3.1.0-1: first packet must be CONNECT, was type " + type);
            }
            if (type == CONNACK || type == SUBACK || type == UNSUBACK || type == PINGRESP) {
                throw protocolError("a client must not send packet type " + type);
            }
        }
        if (type == AUTH && version != ProtocolVersion.MQTT_5) throw malformed("reserved packet type 15 before MQTT 5");
        switch (type) {
            case PUBLISH -> {
                int qos = (flags >>> 1) & 3;
                if (qos == 3) throw malformed("MQTT-3.3.1-4: PUBLISH with QoS 3");
                if (qos == 0 && (flags & 0x08) != 0) throw malformed("MQTT-3.3.1-2: DUP set on a QoS 0 PUBLISH");
            }
            case PUBREL, SUBSCRIBE, UNSUBSCRIBE -> {
                // MQTT 3.1 clients set DUP on retransmitted PUBREL/SUBSCRIBE/UNSUBSCRIBE; 3.1.1 reserved the bit.
                int checked = version == ProtocolVersion.MQTT_3_1 ? flags & 0x07 : flags;
                if (checked != 0x02) throw malformed("MQTT-2.1.3-1: reserved flags of packet type " + type + " must be 0010");
            }
            default -> {
                if (flags != 0) throw malformed("MQTT-2.1.3-1: reserved flags of packet type " + type + " must be 0000");
            }
        }
    }

    private void checkSize(int b0, int total, ByteBuffer b, int bodyStart, int bodyAvail) throws MalformedPacketException {
        if (total <= maximumPacketSize) return;
        if ((b0 >>> 4) == CONNECT && version == null) {
            // Let the caller answer an MQTT 5 client with CONNACK 0x95 if the protocol level is already here.
            peekConnectVersion(b, bodyStart, bodyAvail);
        }
        throw new MalformedPacketException(ReasonCode.PACKET_TOO_LARGE,
                "packet of " + total + " bytes exceeds maximum packet size " + maximumPacketSize);
    }

    private void peekConnectVersion(ByteBuffer b, int start, int avail) {
        if (avail < 2) return;
        int len = ((b.get(start) & 0xFF) << 8) | (b.get(start + 1) & 0xFF);
        if (len > 6 || avail < 2 + len + 1) return;
        StringBuilder name = new StringBuilder(len);
        for (int i = 0; i < len; i++) name.append((char) (b.get(start + 2 + i) & 0xFF));
        version = ProtocolVersion.of(name.toString(), b.get(start + 2 + len) & 0xFF);
    }

    private void stash(ByteBuffer b, int start, int avail, int total, int headerLen) {
        int capacity = total < 0 ? 8 : Math.min(total, Math.max(avail, 256));
        if (pending.length < capacity) pending = new byte[capacity];
        b.get(start, pending, 0, avail);
        pendingLen = avail;
        pendingTotal = total;
        pendingHeaderLen = headerLen;
    }

    /** Feeds bytes to the pending partial packet; the packet once complete, else null (all bytes consumed). */
    private MqttPacket continuePending(ByteBuffer bytes) throws MalformedPacketException {
        while (pendingTotal < 0) {
            if (!bytes.hasRemaining()) return null;
            if (pendingLen == pending.length) grow(pendingLen + 1);
            pending[pendingLen++] = bytes.get();
            ByteBuffer view = ByteBuffer.wrap(pending, 0, pendingLen);
            long header = readFixedHeaderLength(view, 0, pendingLen);
            if (header >= 0) {
                pendingHeaderLen = (int) (header >>> 32);
                pendingTotal = pendingHeaderLen + (int) header;
                checkSize(pending[0] & 0xFF, pendingTotal, view, pendingHeaderLen, 0);
            }
        }
        int n = Math.min(pendingTotal - pendingLen, bytes.remaining());
        if (pendingLen + n > pending.length) grow(pendingLen + n);
        bytes.get(pending, pendingLen, n);
        pendingLen += n;
        if (pendingLen < pendingTotal) return null;
        byte[] packet = pending;
        int total = pendingTotal;
        pendingLen = 0;
        pendingTotal = -1;
        if (pending.length > RETAINED_PENDING_CAPACITY) pending = NO_BYTES;
        return parse(packet[0] & 0xFF, ByteBuffer.wrap(packet, 0, total), pendingHeaderLen, total);
    }

    private void grow(int needed) {
        int capacity = Math.max(needed, pending.length * 2);
        if (pendingTotal > 0) capacity = Math.min(capacity, pendingTotal);
        byte[] bigger = new byte[Math.max(capacity, needed)];
        System.arraycopy(pending, 0, bigger, 0, pendingLen);
        pending = bigger;
    }

    // ---------------------------------------------------------------------------------------------- packets

    private MqttPacket parse(int b0, ByteBuffer b, int start, int stop) throws MalformedPacketException {
        in = b;
        pos = start;
        end = stop;
        int flags = b0 & 0x0F;
        MqttPacket p = switch (b0 >>> 4) {
            case CONNECT -> connect();
            case CONNACK -> connAck();
            case PUBLISH -> publish(flags);
            case PUBACK, PUBREC, PUBREL, PUBCOMP -> ack(b0 >>> 4);
            case SUBSCRIBE -> subscribe();
            case SUBACK -> subAck();
            case UNSUBSCRIBE -> unsubscribe();
            case UNSUBACK -> unsubAck();
            case PINGREQ -> MqttPacket.PingReq.INSTANCE;
            case PINGRESP -> MqttPacket.PingResp.INSTANCE;
            case DISCONNECT -> disconnect();
            case AUTH -> auth();
            default -> throw malformed("reserved packet type " + (b0 >>> 4));
        };
        if (pos != end) throw malformed("MQTT-2.1.4: " + (end - pos) + " unexpected trailing bytes in packet type " + (b0 >>> 4));
        return p;
    }

    private MqttPacket connect() throws MalformedPacketException {
        int nameLen = u16();
        if (nameLen > end - pos) throw malformed("protocol name longer than the packet");
        String name = utf8At(pos, nameLen);
        pos += nameLen;
        int level = u8();
        ProtocolVersion v = ProtocolVersion.of(name, level);
        if (v == null) throw new UnsupportedProtocolVersionException(name, level);
        version = v;
        connectSeen = true;
        boolean v5 = v == ProtocolVersion.MQTT_5;

        int flags = u8();
        if ((flags & 0x01) != 0) throw malformed("MQTT-3.1.2-3: reserved CONNECT flag set");
        boolean cleanStart = (flags & 0x02) != 0;
        boolean willFlag = (flags & 0x04) != 0;
        int willQoS = (flags >>> 3) & 3;
        boolean willRetain = (flags & 0x20) != 0;
        boolean passwordFlag = (flags & 0x40) != 0;
        boolean usernameFlag = (flags & 0x80) != 0;
        if (!willFlag && willQoS != 0) throw malformed("MQTT-3.1.2-13: Will QoS set without Will Flag");
        if (!willFlag && willRetain) throw malformed("MQTT-3.1.2-15: Will Retain set without Will Flag");
        if (willQoS == 3) throw malformed("MQTT-3.1.2-14: Will QoS 3");
        if (!v5 && passwordFlag && !usernameFlag) throw malformed("MQTT-3.1.2-22: Password Flag without User Name Flag");

        int keepAlive = u16();
        Properties properties = Properties.EMPTY;
        if (v5) {
            properties = properties(PropertyIdentifier.CONNECT, "CONNECT");
            if (properties.authenticationData() != null && properties.authenticationMethod() == null) {
                throw protocolError("Authentication Data without Authentication Method");
            }
        }
        String clientId = utf8();
        MqttPacket.Will will = null;
        if (willFlag) {
            Properties willProperties = v5 ? properties(PropertyIdentifier.WILL, "Will") : Properties.EMPTY;
            String topic = utf8();
            if (!Topics.isValidName(topic)) {
                throw new MalformedPacketException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.1.3-11: invalid Will Topic");
            }
            byte[] payload = binary();
            will = new MqttPacket.Will(topic, payload, QoS.of(willQoS), willRetain, willProperties);
        }
        String username = usernameFlag ? utf8() : null;
        byte[] password = passwordFlag ? binary() : null;
        return new MqttPacket.Connect(v, clientId, cleanStart, keepAlive, username, password, will, properties);
    }

    private MqttPacket connAck() throws MalformedPacketException {
        int ackFlags = u8();
        boolean sessionPresent;
        if (version == ProtocolVersion.MQTT_3_1) {
            sessionPresent = false; // 3.1 had no Session Present flag; the byte was unused
        } else {
            if ((ackFlags & 0xFE) != 0) throw malformed("MQTT-3.2.2-1: reserved CONNACK flags set");
            sessionPresent = (ackFlags & 1) != 0;
        }
        int rc = u8();
        ReasonCode code;
        Properties properties = Properties.EMPTY;
        if (version == ProtocolVersion.MQTT_5) {
            code = reasonCode(CONNACK_CODES, rc, "CONNACK");
            properties = properties(PropertyIdentifier.CONNACK, "CONNACK");
        } else {
            code = switch (rc) {
                case 0 -> ReasonCode.SUCCESS;
                case 1 -> ReasonCode.UNSUPPORTED_PROTOCOL_VERSION;
                case 2 -> ReasonCode.CLIENT_IDENTIFIER_NOT_VALID;
                case 3 -> ReasonCode.SERVER_UNAVAILABLE;
                case 4 -> ReasonCode.BAD_USER_NAME_OR_PASSWORD;
                case 5 -> ReasonCode.NOT_AUTHORIZED;
                default -> throw malformed("invalid CONNACK return code " + rc);
            };
        }
        if (sessionPresent && code != ReasonCode.SUCCESS) {
            throw protocolError("MQTT-3.2.2-4: Session Present set on a refused connection");
        }
        return new MqttPacket.ConnAck(sessionPresent, code, properties);
    }

    private MqttPacket publish(int flags) throws MalformedPacketException {
        int qosValue = (flags >>> 1) & 3;
        String topic = utf8();
        int packetId = 0;
        if (qosValue > 0) packetId = packetId();
        Properties properties = Properties.EMPTY;
        if (version == ProtocolVersion.MQTT_5) {
            properties = properties(PropertyIdentifier.PUBLISH, "PUBLISH");
            if (!clientSide && !properties.subscriptionIdentifiers().isEmpty()) {
                throw protocolError("MQTT-3.3.4-6: Subscription Identifier in a PUBLISH from a client");
            }
            if (topic.isEmpty()) {
                if (properties.topicAlias() == null) throw protocolError("MQTT-3.3.2-1: empty Topic Name without Topic Alias");
            } else if (!Topics.isValidName(topic)) {
                throw new MalformedPacketException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2: invalid Topic Name");
            }
        } else if (!Topics.isValidName(topic)) {
            throw new MalformedPacketException(ReasonCode.TOPIC_NAME_INVALID, "MQTT-3.3.2-2: invalid Topic Name");
        }
        int n = end - pos;
        byte[] payload = n == 0 ? NO_BYTES : new byte[n];
        in.get(pos, payload, 0, n);
        pos = end;
        return new MqttPacket.Publish(topic, QoS.of(qosValue), (flags & 1) != 0, (flags & 8) != 0, packetId, payload,
                properties);
    }

    private MqttPacket ack(int type) throws MalformedPacketException {
        int packetId = packetId();
        ReasonCode code = ReasonCode.SUCCESS;
        Properties properties = Properties.EMPTY;
        if (version == ProtocolVersion.MQTT_5 && pos < end) {
            // Short forms: remaining length 2 means Success, 3 means no properties (MQTT 3.4.2.1, 3.4.2.2.1).
            ReasonCode[] table = type == PUBACK || type == PUBREC ? PUBACK_CODES : PUBREL_CODES;
            code = reasonCode(table, u8(), ackName(type));
            if (pos < end) properties = properties(PropertyIdentifier.ACK, ackName(type));
        }
        return switch (type) {
            case PUBACK -> new MqttPacket.PubAck(packetId, code, properties);
            case PUBREC -> new MqttPacket.PubRec(packetId, code, properties);
            case PUBREL -> new MqttPacket.PubRel(packetId, code, properties);
            default -> new MqttPacket.PubComp(packetId, code, properties);
        };
    }

    private static String ackName(int type) {
        return switch (type) {
            case PUBACK -> "PUBACK";
            case PUBREC -> "PUBREC";
            case PUBREL -> "PUBREL";
            default -> "PUBCOMP";
        };
    }

    private MqttPacket subscribe() throws MalformedPacketException {
        int packetId = packetId();
        boolean v5 = version == ProtocolVersion.MQTT_5;
        Properties properties = v5 ? properties(PropertyIdentifier.SUBSCRIBE, "SUBSCRIBE") : Properties.EMPTY;
        if (pos == end) throw protocolError("MQTT-3.8.3-3: SUBSCRIBE without topic filters");
        List<MqttPacket.Subscription> subscriptions = new ArrayList<>(2);
        while (pos < end) {
            String filter = utf8();
            int options = u8();
            MqttPacket.Subscription s;
            if (v5) {
                if ((options & 0xC0) != 0) throw malformed("MQTT-3.8.3-5: reserved subscription option bits set");
                if ((options & 3) == 3) throw protocolError("MQTT-3.8.3-5: subscription QoS 3");
                int retainHandling = (options >>> 4) & 3;
                if (retainHandling == 3) throw protocolError("MQTT-3.8.3-5: Retain Handling 3");
                s = new MqttPacket.Subscription(filter, QoS.of(options & 3), (options & 4) != 0, (options & 8) != 0,
                        retainHandling);
            } else {
                if ((options & 0xFC) != 0 || (options & 3) == 3) {
                    throw malformed("MQTT-3.8.3-4: reserved bits or QoS 3 in requested QoS");
                }
                s = MqttPacket.Subscription.of(filter, QoS.of(options));
            }
            if (!Topics.isValidFilter(filter)) {
                throw new MalformedPacketException(ReasonCode.TOPIC_FILTER_INVALID, "invalid topic filter");
            }
            if (s.noLocal() && Topics.isShared(filter)) {
                throw protocolError("MQTT-3.8.3-4: No Local on a shared subscription");
            }
            subscriptions.add(s);
        }
        return new MqttPacket.Subscribe(packetId, subscriptions, properties);
    }

    private MqttPacket subAck() throws MalformedPacketException {
        int packetId = packetId();
        boolean v5 = version == ProtocolVersion.MQTT_5;
        Properties properties = v5 ? properties(PropertyIdentifier.SUBACK, "SUBACK") : Properties.EMPTY;
        if (pos == end) throw protocolError("SUBACK without reason codes");
        List<ReasonCode> codes = new ArrayList<>(end - pos);
        while (pos < end) {
            int rc = u8();
            if (v5) {
                codes.add(reasonCode(SUBACK_CODES, rc, "SUBACK"));
            } else {
                codes.add(switch (rc) {
                    case 0 -> ReasonCode.GRANTED_QOS_0;
                    case 1 -> ReasonCode.GRANTED_QOS_1;
                    case 2 -> ReasonCode.GRANTED_QOS_2;
                    case 0x80 -> ReasonCode.UNSPECIFIED_ERROR;
                    default -> throw malformed("MQTT-3.9.3-2: invalid SUBACK return code " + rc);
                });
            }
        }
        return new MqttPacket.SubAck(packetId, codes, properties);
    }

    private MqttPacket unsubscribe() throws MalformedPacketException {
        int packetId = packetId();
        Properties properties = version == ProtocolVersion.MQTT_5
                ? properties(PropertyIdentifier.UNSUBSCRIBE, "UNSUBSCRIBE") : Properties.EMPTY;
        if (pos == end) throw protocolError("MQTT-3.10.3-2: UNSUBSCRIBE without topic filters");
        List<String> filters = new ArrayList<>(2);
        while (pos < end) {
            String filter = utf8();
            if (!Topics.isValidFilter(filter)) {
                throw new MalformedPacketException(ReasonCode.TOPIC_FILTER_INVALID, "invalid topic filter");
            }
            filters.add(filter);
        }
        return new MqttPacket.Unsubscribe(packetId, filters, properties);
    }

    private MqttPacket unsubAck() throws MalformedPacketException {
        int packetId = packetId();
        if (version != ProtocolVersion.MQTT_5) return new MqttPacket.UnsubAck(packetId, List.of(), Properties.EMPTY);
        Properties properties = properties(PropertyIdentifier.UNSUBACK, "UNSUBACK");
        if (pos == end) throw protocolError("UNSUBACK without reason codes");
        List<ReasonCode> codes = new ArrayList<>(end - pos);
        while (pos < end) codes.add(reasonCode(UNSUBACK_CODES, u8(), "UNSUBACK"));
        return new MqttPacket.UnsubAck(packetId, codes, properties);
    }

    private MqttPacket disconnect() throws MalformedPacketException {
        if (version != ProtocolVersion.MQTT_5 || pos == end) return MqttPacket.Disconnect.NORMAL;
        ReasonCode code = reasonCode(DISCONNECT_CODES, u8(), "DISCONNECT");
        Properties properties = pos < end ? properties(PropertyIdentifier.DISCONNECT, "DISCONNECT") : Properties.EMPTY;
        if (clientSide && properties.sessionExpiryInterval() != null) {
            throw protocolError("MQTT-3.14.2-2: Session Expiry Interval in a DISCONNECT from the server");
        }
        return new MqttPacket.Disconnect(code, properties);
    }

    private MqttPacket auth() throws MalformedPacketException {
        if (pos == end) return new MqttPacket.Auth(ReasonCode.SUCCESS, Properties.EMPTY);
        ReasonCode code = reasonCode(AUTH_CODES, u8(), "AUTH");
        Properties properties = pos < end ? properties(PropertyIdentifier.AUTH, "AUTH") : Properties.EMPTY;
        return new MqttPacket.Auth(code, properties);
    }

    // ---------------------------------------------------------------------------------------------- properties

    private Properties properties(long allowed, String packetName) throws MalformedPacketException {
        int length = vbi();
        if (length == 0) return Properties.EMPTY;
        if (length > end - pos) throw malformed("property length beyond the packet");
        int packetEnd = end;
        end = pos + length; // reads past the property block now fail as short
        Integer payloadFormatIndicator = null, serverKeepAlive = null, requestProblemInformation = null,
                requestResponseInformation = null, receiveMaximum = null, topicAliasMaximum = null, topicAlias = null,
                maximumQoS = null, retainAvailable = null, wildcardSubscriptionAvailable = null,
                subscriptionIdentifierAvailable = null, sharedSubscriptionAvailable = null;
        Long messageExpiryInterval = null, sessionExpiryInterval = null, willDelayInterval = null,
                maximumPacketSize = null;
        String contentType = null, responseTopic = null, assignedClientIdentifier = null, authenticationMethod = null,
                responseInformation = null, serverReference = null, reasonString = null;
        byte[] correlationData = null, authenticationData = null;
        List<Integer> subscriptionIdentifiers = null;
        List<UserProperty> userProperties = null;
        long seen = 0;
        boolean repeatableSubscriptionIdentifier = clientSide && allowed == PropertyIdentifier.PUBLISH;
        while (pos < end) {
            int id = vbi();
            long bit = id < 64 ? 1L << id : 0;
            if ((bit & KNOWN) == 0) throw malformed("unknown property identifier 0x" + Integer.toHexString(id));
            if ((bit & allowed) == 0) {
                throw malformed("property 0x" + Integer.toHexString(id) + " not allowed on " + packetName);
            }
            if ((seen & bit) != 0 && id != USER_PROPERTY
                    && !(id == SUBSCRIPTION_IDENTIFIER && repeatableSubscriptionIdentifier)) {
                throw protocolError("property 0x" + Integer.toHexString(id) + " more than once on " + packetName);
            }
            seen |= bit;
            switch (id) {
                case PAYLOAD_FORMAT_INDICATOR -> payloadFormatIndicator = flag("Payload Format Indicator");
                case MESSAGE_EXPIRY_INTERVAL -> messageExpiryInterval = u32();
                case CONTENT_TYPE -> contentType = utf8();
                case RESPONSE_TOPIC -> {
                    responseTopic = utf8();
                    if (!Topics.isValidName(responseTopic)) throw protocolError("MQTT-3.3.2-14: invalid Response Topic");
                }
                case CORRELATION_DATA -> correlationData = binary();
                case SUBSCRIPTION_IDENTIFIER -> {
                    int sid = vbi();
                    if (sid == 0) throw protocolError("Subscription Identifier 0");
                    if (subscriptionIdentifiers == null) subscriptionIdentifiers = new ArrayList<>(2);
                    subscriptionIdentifiers.add(sid);
                }
                case SESSION_EXPIRY_INTERVAL -> sessionExpiryInterval = u32();
                case ASSIGNED_CLIENT_IDENTIFIER -> assignedClientIdentifier = utf8();
                case SERVER_KEEP_ALIVE -> serverKeepAlive = u16();
                case AUTHENTICATION_METHOD -> authenticationMethod = utf8();
                case AUTHENTICATION_DATA -> authenticationData = binary();
                case REQUEST_PROBLEM_INFORMATION -> requestProblemInformation = flag("Request Problem Information");
                case WILL_DELAY_INTERVAL -> willDelayInterval = u32();
                case REQUEST_RESPONSE_INFORMATION -> requestResponseInformation = flag("Request Response Information");
                case RESPONSE_INFORMATION -> responseInformation = utf8();
                case SERVER_REFERENCE -> serverReference = utf8();
                case REASON_STRING -> reasonString = utf8();
                case RECEIVE_MAXIMUM -> {
                    receiveMaximum = u16();
                    if (receiveMaximum == 0) throw protocolError("Receive Maximum 0");
                }
                case TOPIC_ALIAS_MAXIMUM -> topicAliasMaximum = u16();
                case TOPIC_ALIAS -> {
                    topicAlias = u16();
                    if (topicAlias == 0) throw protocolError("MQTT-3.3.2-8: Topic Alias 0");
                }
                case MAXIMUM_QOS -> maximumQoS = flag("Maximum QoS");
                case RETAIN_AVAILABLE -> retainAvailable = flag("Retain Available");
                case USER_PROPERTY -> {
                    String name = utf8();
                    String value = utf8();
                    if (userProperties == null) userProperties = new ArrayList<>(4);
                    userProperties.add(new UserProperty(name, value));
                }
                case MAXIMUM_PACKET_SIZE -> {
                    maximumPacketSize = u32();
                    if (maximumPacketSize == 0) throw protocolError("Maximum Packet Size 0");
                }
                case WILDCARD_SUBSCRIPTION_AVAILABLE -> wildcardSubscriptionAvailable = flag("Wildcard Subscription Available");
                case SUBSCRIPTION_IDENTIFIER_AVAILABLE ->
                        subscriptionIdentifierAvailable = flag("Subscription Identifier Available");
                case SHARED_SUBSCRIPTION_AVAILABLE -> sharedSubscriptionAvailable = flag("Shared Subscription Available");
                default -> throw malformed("unknown property identifier 0x" + Integer.toHexString(id));
            }
        }
        end = packetEnd;
        return new Properties(payloadFormatIndicator, messageExpiryInterval, contentType, responseTopic,
                correlationData, subscriptionIdentifiers, sessionExpiryInterval, assignedClientIdentifier,
                serverKeepAlive, authenticationMethod, authenticationData, requestProblemInformation,
                willDelayInterval, requestResponseInformation, responseInformation, serverReference, reasonString,
                receiveMaximum, topicAliasMaximum, topicAlias, maximumQoS, retainAvailable, userProperties,
                maximumPacketSize, wildcardSubscriptionAvailable, subscriptionIdentifierAvailable,
                sharedSubscriptionAvailable);
    }

    /** A byte property whose only values are 0 and 1. */
    private Integer flag(String name) throws MalformedPacketException {
        int v = u8();
        if (v > 1) throw protocolError(name + " must be 0 or 1, was " + v);
        return v;
    }

    // ---------------------------------------------------------------------------------------------- reason codes

    private static final ReasonCode[] CONNACK_CODES = codes(ReasonCode.SUCCESS, 0x00, 0x80, 0x81, 0x82, 0x83, 0x84,
            0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F);
    private static final ReasonCode[] PUBACK_CODES = codes(ReasonCode.SUCCESS, 0x00, 0x10, 0x80, 0x83, 0x87, 0x90,
            0x91, 0x97, 0x99);
    private static final ReasonCode[] PUBREL_CODES = codes(ReasonCode.SUCCESS, 0x00, 0x92);
    private static final ReasonCode[] SUBACK_CODES = codes(ReasonCode.GRANTED_QOS_0, 0x00, 0x01, 0x02, 0x80, 0x83,
            0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2);
    private static final ReasonCode[] UNSUBACK_CODES = codes(ReasonCode.SUCCESS, 0x00, 0x11, 0x80, 0x83, 0x87, 0x8F,
            0x91);
    // 0x8C Bad authentication method: missing from the table of 3.14.2.1 but listed for DISCONNECT in Table 2-6, and
    // the reason for a re-authentication with another method (4.12.1); clients (HiveMQ's among them) accept it.
    private static final ReasonCode[] DISCONNECT_CODES = codes(ReasonCode.NORMAL_DISCONNECTION, 0x00, 0x04, 0x80,
            0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C, 0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A,
            0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2);
    private static final ReasonCode[] AUTH_CODES = codes(ReasonCode.SUCCESS, 0x00, 0x18, 0x19);

    private static ReasonCode[] codes(ReasonCode zero, int... values) {
        ReasonCode[] table = new ReasonCode[256];
        for (int v : values) table[v] = ReasonCode.of(v, zero);
        return table;
    }

    /**
     * Whether {@code code} may appear in an MQTT 5 packet of this type (the reason code tables of MQTT 3) and is the
     * constant the decoder yields for its value (SUCCESS, NORMAL_DISCONNECTION or GRANTED_QOS_0 for 0x00).
     */
    static boolean isValidReasonCode(int packetType, ReasonCode code) {
        ReasonCode[] table = switch (packetType) {
            case CONNACK -> CONNACK_CODES;
            case PUBACK, PUBREC -> PUBACK_CODES;
            case PUBREL, PUBCOMP -> PUBREL_CODES;
            case SUBACK -> SUBACK_CODES;
            case UNSUBACK -> UNSUBACK_CODES;
            case DISCONNECT -> DISCONNECT_CODES;
            case AUTH -> AUTH_CODES;
            default -> null;
        };
        return table != null && table[code.value()] == code;
    }

    private static ReasonCode reasonCode(ReasonCode[] table, int value, String packetName) throws MalformedPacketException {
        ReasonCode c = table[value];
        if (c == null) throw malformed("reason code 0x" + Integer.toHexString(value) + " not valid on " + packetName);
        return c;
    }

    // ---------------------------------------------------------------------------------------------- data types

    private int u8() throws MalformedPacketException {
        if (pos >= end) throw tooShort();
        return in.get(pos++) & 0xFF;
    }

    private int u16() throws MalformedPacketException {
        if (end - pos < 2) throw tooShort();
        int v = ((in.get(pos) & 0xFF) << 8) | (in.get(pos + 1) & 0xFF);
        pos += 2;
        return v;
    }

    private long u32() throws MalformedPacketException {
        if (end - pos < 4) throw tooShort();
        long v = ((long) (in.get(pos) & 0xFF) << 24) | ((in.get(pos + 1) & 0xFF) << 16)
                | ((in.get(pos + 2) & 0xFF) << 8) | (in.get(pos + 3) & 0xFF);
        pos += 4;
        return v;
    }

    private int vbi() throws MalformedPacketException {
        int value = 0;
        for (int i = 0; i < 4; i++) {
            int digit = u8();
            value |= (digit & 0x7F) << (7 * i);
            if ((digit & 0x80) == 0) {
                if (digit == 0 && i > 0) throw malformed("MQTT-1.5.5-1: variable byte integer not minimally encoded");
                return value;
            }
        }
        throw malformed("variable byte integer longer than 4 bytes");
    }

    private int packetId() throws MalformedPacketException {
        int id = u16();
        if (id == 0) throw protocolError("MQTT-2.2.1-3: packet identifier 0");
        return id;
    }

    private byte[] binary() throws MalformedPacketException {
        int len = u16();
        if (len > end - pos) throw malformed("binary data longer than the packet");
        byte[] b = new byte[len];
        in.get(pos, b, 0, len);
        pos += len;
        return b;
    }

    private String utf8() throws MalformedPacketException {
        int len = u16();
        if (len > end - pos) throw malformed("MQTT-1.5.4: string longer than the packet");
        String s = utf8At(pos, len);
        pos += len;
        return s;
    }

    /** A UTF-8 Encoded String (MQTT 1.5.4): well-formed, no surrogates, no U+0000. */
    private String utf8At(int off, int len) throws MalformedPacketException {
        int stop = off + len;
        for (int i = off; i < stop; i++) {
            if (in.get(i) <= 0) { // NUL or a non-ASCII lead byte: take the slow path from here
                validateUtf8(in, i, stop);
                return string(off, len, StandardCharsets.UTF_8);
            }
        }
        // Pure ASCII: Latin-1 decoding is exact and lets the JDK copy the bytes into a compact string directly.
        return string(off, len, StandardCharsets.ISO_8859_1);
    }

    private String string(int off, int len, java.nio.charset.Charset cs) {
        if (len == 0) return "";
        if (in.hasArray()) return new String(in.array(), in.arrayOffset() + off, len, cs);
        byte[] tmp = new byte[len];
        in.get(off, tmp, 0, len);
        return new String(tmp, cs);
    }

    /** Well-formed UTF-8 per Unicode table 3-7 (so no overlongs, no surrogates, nothing above U+10FFFF), no U+0000. */
    static void validateUtf8(ByteBuffer b, int i, int stop) throws MalformedPacketException {
        while (i < stop) {
            int c = b.get(i) & 0xFF;
            if (c < 0x80) {
                if (c == 0) throw malformed("MQTT-1.5.4-2: U+0000 in a UTF-8 string");
                i++;
                continue;
            }
            int need;
            int lo = 0x80, hi = 0xBF; // allowed range of the second byte
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                if (c == 0xE0) lo = 0xA0;
                else if (c == 0xED) hi = 0x9F; // U+D800..U+DFFF are surrogates (MQTT-1.5.4-1)
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                if (c == 0xF0) lo = 0x90;
                else if (c == 0xF4) hi = 0x8F;
            } else {
                throw malformed("MQTT-1.5.4-1: ill-formed UTF-8");
            }
            if (stop - i <= need) throw malformed("MQTT-1.5.4-1: truncated UTF-8 sequence");
            int c1 = b.get(i + 1) & 0xFF;
            if (c1 < lo || c1 > hi) throw malformed("MQTT-1.5.4-1: ill-formed UTF-8");
            for (int k = 2; k <= need; k++) {
                int ck = b.get(i + k) & 0xFF;
                if (ck < 0x80 || ck > 0xBF) throw malformed("MQTT-1.5.4-1: ill-formed UTF-8");
            }
            i += need + 1;
        }
    }

    private static MalformedPacketException tooShort() {
        return malformed("packet shorter than its fields");
    }

    static MalformedPacketException malformed(String message) {
        return new MalformedPacketException(ReasonCode.MALFORMED_PACKET, message);
    }

    static MalformedPacketException protocolError(String message) {
        return new MalformedPacketException(ReasonCode.PROTOCOL_ERROR, message);
    }
}
