package io.meshmq.codec;

/**
 * MQTT 5 property identifiers (MQTT 2.2.2.2, table 2-4) and, per packet, which of them may appear. Masks have bit
 * {@code id} set for each allowed identifier; all identifiers are below 64.
 */
final class PropertyIdentifier {
    private PropertyIdentifier() {}

    static final int PAYLOAD_FORMAT_INDICATOR = 0x01;
    static final int MESSAGE_EXPIRY_INTERVAL = 0x02;
    static final int CONTENT_TYPE = 0x03;
    static final int RESPONSE_TOPIC = 0x08;
    static final int CORRELATION_DATA = 0x09;
    static final int SUBSCRIPTION_IDENTIFIER = 0x0B;
    static final int SESSION_EXPIRY_INTERVAL = 0x11;
    static final int ASSIGNED_CLIENT_IDENTIFIER = 0x12;
    static final int SERVER_KEEP_ALIVE = 0x13;
    static final int AUTHENTICATION_METHOD = 0x15;
    static final int AUTHENTICATION_DATA = 0x16;
    static final int REQUEST_PROBLEM_INFORMATION = 0x17;
    static final int WILL_DELAY_INTERVAL = 0x18;
    static final int REQUEST_RESPONSE_INFORMATION = 0x19;
    static final int RESPONSE_INFORMATION = 0x1A;
    static final int SERVER_REFERENCE = 0x1C;
    static final int REASON_STRING = 0x1F;
    static final int RECEIVE_MAXIMUM = 0x21;
    static final int TOPIC_ALIAS_MAXIMUM = 0x22;
    static final int TOPIC_ALIAS = 0x23;
    static final int MAXIMUM_QOS = 0x24;
    static final int RETAIN_AVAILABLE = 0x25;
    static final int USER_PROPERTY = 0x26;
    static final int MAXIMUM_PACKET_SIZE = 0x27;
    static final int WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28;
    static final int SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29;
    static final int SHARED_SUBSCRIPTION_AVAILABLE = 0x2A;

    static long bits(int... ids) {
        long m = 0;
        for (int id : ids) m |= 1L << id;
        return m;
    }

    static final long KNOWN = bits(0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19,
            0x1A, 0x1C, 0x1F, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A);

    static final long CONNECT = bits(SESSION_EXPIRY_INTERVAL, AUTHENTICATION_METHOD, AUTHENTICATION_DATA,
            REQUEST_PROBLEM_INFORMATION, REQUEST_RESPONSE_INFORMATION, RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM,
            USER_PROPERTY, MAXIMUM_PACKET_SIZE);
    static final long WILL = bits(PAYLOAD_FORMAT_INDICATOR, MESSAGE_EXPIRY_INTERVAL, CONTENT_TYPE, RESPONSE_TOPIC,
            CORRELATION_DATA, WILL_DELAY_INTERVAL, USER_PROPERTY);
    static final long CONNACK = bits(SESSION_EXPIRY_INTERVAL, ASSIGNED_CLIENT_IDENTIFIER, SERVER_KEEP_ALIVE,
            AUTHENTICATION_METHOD, AUTHENTICATION_DATA, RESPONSE_INFORMATION, SERVER_REFERENCE, REASON_STRING,
            RECEIVE_MAXIMUM, TOPIC_ALIAS_MAXIMUM, MAXIMUM_QOS, RETAIN_AVAILABLE, USER_PROPERTY, MAXIMUM_PACKET_SIZE,
            WILDCARD_SUBSCRIPTION_AVAILABLE, SUBSCRIPTION_IDENTIFIER_AVAILABLE, SHARED_SUBSCRIPTION_AVAILABLE);
    /** Subscription Identifier is in the table for PUBLISH, but only a server may send it (MQTT-3.3.4-6). */
    static final long PUBLISH = bits(PAYLOAD_FORMAT_INDICATOR, MESSAGE_EXPIRY_INTERVAL, CONTENT_TYPE, RESPONSE_TOPIC,
            CORRELATION_DATA, SUBSCRIPTION_IDENTIFIER, TOPIC_ALIAS, USER_PROPERTY);
    /** PUBACK, PUBREC, PUBREL, PUBCOMP. */
    static final long ACK = bits(REASON_STRING, USER_PROPERTY);
    static final long SUBSCRIBE = bits(SUBSCRIPTION_IDENTIFIER, USER_PROPERTY);
    static final long SUBACK = bits(REASON_STRING, USER_PROPERTY);
    static final long UNSUBSCRIBE = bits(USER_PROPERTY);
    static final long UNSUBACK = bits(REASON_STRING, USER_PROPERTY);
    static final long DISCONNECT = bits(SESSION_EXPIRY_INTERVAL, SERVER_REFERENCE, REASON_STRING, USER_PROPERTY);
    static final long AUTH = bits(AUTHENTICATION_METHOD, AUTHENTICATION_DATA, REASON_STRING, USER_PROPERTY);

    /** Bit {@code id} set for each property present in {@code p}. */
    static long present(Properties p) {
        if (p == Properties.EMPTY) return 0;
        long m = 0;
        if (p.payloadFormatIndicator() != null) m |= 1L << PAYLOAD_FORMAT_INDICATOR;
        if (p.messageExpiryInterval() != null) m |= 1L << MESSAGE_EXPIRY_INTERVAL;
        if (p.contentType() != null) m |= 1L << CONTENT_TYPE;
        if (p.responseTopic() != null) m |= 1L << RESPONSE_TOPIC;
        if (p.correlationData() != null) m |= 1L << CORRELATION_DATA;
        if (!p.subscriptionIdentifiers().isEmpty()) m |= 1L << SUBSCRIPTION_IDENTIFIER;
        if (p.sessionExpiryInterval() != null) m |= 1L << SESSION_EXPIRY_INTERVAL;
        if (p.assignedClientIdentifier() != null) m |= 1L << ASSIGNED_CLIENT_IDENTIFIER;
        if (p.serverKeepAlive() != null) m |= 1L << SERVER_KEEP_ALIVE;
        if (p.authenticationMethod() != null) m |= 1L << AUTHENTICATION_METHOD;
        if (p.authenticationData() != null) m |= 1L << AUTHENTICATION_DATA;
        if (p.requestProblemInformation() != null) m |= 1L << REQUEST_PROBLEM_INFORMATION;
        if (p.willDelayInterval() != null) m |= 1L << WILL_DELAY_INTERVAL;
        if (p.requestResponseInformation() != null) m |= 1L << REQUEST_RESPONSE_INFORMATION;
        if (p.responseInformation() != null) m |= 1L << RESPONSE_INFORMATION;
        if (p.serverReference() != null) m |= 1L << SERVER_REFERENCE;
        if (p.reasonString() != null) m |= 1L << REASON_STRING;
        if (p.receiveMaximum() != null) m |= 1L << RECEIVE_MAXIMUM;
        if (p.topicAliasMaximum() != null) m |= 1L << TOPIC_ALIAS_MAXIMUM;
        if (p.topicAlias() != null) m |= 1L << TOPIC_ALIAS;
        if (p.maximumQoS() != null) m |= 1L << MAXIMUM_QOS;
        if (p.retainAvailable() != null) m |= 1L << RETAIN_AVAILABLE;
        if (!p.userProperties().isEmpty()) m |= 1L << USER_PROPERTY;
        if (p.maximumPacketSize() != null) m |= 1L << MAXIMUM_PACKET_SIZE;
        if (p.wildcardSubscriptionAvailable() != null) m |= 1L << WILDCARD_SUBSCRIPTION_AVAILABLE;
        if (p.subscriptionIdentifierAvailable() != null) m |= 1L << SUBSCRIPTION_IDENTIFIER_AVAILABLE;
        if (p.sharedSubscriptionAvailable() != null) m |= 1L << SHARED_SUBSCRIPTION_AVAILABLE;
        return m;
    }
}
