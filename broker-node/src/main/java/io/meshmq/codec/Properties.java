package io.meshmq.codec;

import java.util.ArrayList;
import java.util.List;

/**
 * The MQTT 5 properties of a packet (MQTT 2.2.2.2). A null component means "absent".
 * MQTT 3.x packets always carry {@link #EMPTY}. Byte arrays are never mutated after construction.
 */
public record Properties(
        Integer payloadFormatIndicator,          // 0x01
        Long messageExpiryInterval,              // 0x02
        String contentType,                      // 0x03
        String responseTopic,                    // 0x08
        byte[] correlationData,                  // 0x09
        List<Integer> subscriptionIdentifiers,   // 0x0B (several on an outgoing PUBLISH)
        Long sessionExpiryInterval,              // 0x11
        String assignedClientIdentifier,         // 0x12
        Integer serverKeepAlive,                 // 0x13
        String authenticationMethod,             // 0x15
        byte[] authenticationData,               // 0x16
        Integer requestProblemInformation,       // 0x17
        Long willDelayInterval,                  // 0x18
        Integer requestResponseInformation,      // 0x19
        String responseInformation,              // 0x1A
        String serverReference,                  // 0x1C
        String reasonString,                     // 0x1F
        Integer receiveMaximum,                  // 0x21
        Integer topicAliasMaximum,               // 0x22
        Integer topicAlias,                      // 0x23
        Integer maximumQoS,                      // 0x24
        Integer retainAvailable,                 // 0x25
        List<UserProperty> userProperties,       // 0x26
        Long maximumPacketSize,                  // 0x27
        Integer wildcardSubscriptionAvailable,   // 0x28
        Integer subscriptionIdentifierAvailable, // 0x29
        Integer sharedSubscriptionAvailable      // 0x2A
) {
    public static final Properties EMPTY = new Builder().build();

    public Properties {
        subscriptionIdentifiers = subscriptionIdentifiers == null ? List.of() : List.copyOf(subscriptionIdentifiers);
        userProperties = userProperties == null ? List.of() : List.copyOf(userProperties);
    }

    public boolean isEmpty() { return this.equals(EMPTY); }

    public static Builder builder() { return new Builder(); }

    public Builder toBuilder() { return new Builder(this); }

    @Override
    public boolean equals(Object o) {
        if (this == o) return true;
        if (!(o instanceof Properties p)) return false;
        return java.util.Objects.equals(payloadFormatIndicator, p.payloadFormatIndicator)
                && java.util.Objects.equals(messageExpiryInterval, p.messageExpiryInterval)
                && java.util.Objects.equals(contentType, p.contentType)
                && java.util.Objects.equals(responseTopic, p.responseTopic)
                && java.util.Arrays.equals(correlationData, p.correlationData)
                && subscriptionIdentifiers.equals(p.subscriptionIdentifiers)
                && java.util.Objects.equals(sessionExpiryInterval, p.sessionExpiryInterval)
                && java.util.Objects.equals(assignedClientIdentifier, p.assignedClientIdentifier)
                && java.util.Objects.equals(serverKeepAlive, p.serverKeepAlive)
                && java.util.Objects.equals(authenticationMethod, p.authenticationMethod)
                && java.util.Arrays.equals(authenticationData, p.authenticationData)
                && java.util.Objects.equals(requestProblemInformation, p.requestProblemInformation)
                && java.util.Objects.equals(willDelayInterval, p.willDelayInterval)
                && java.util.Objects.equals(requestResponseInformation, p.requestResponseInformation)
                && java.util.Objects.equals(responseInformation, p.responseInformation)
                && java.util.Objects.equals(serverReference, p.serverReference)
                && java.util.Objects.equals(reasonString, p.reasonString)
                && java.util.Objects.equals(receiveMaximum, p.receiveMaximum)
                && java.util.Objects.equals(topicAliasMaximum, p.topicAliasMaximum)
                && java.util.Objects.equals(topicAlias, p.topicAlias)
                && java.util.Objects.equals(maximumQoS, p.maximumQoS)
                && java.util.Objects.equals(retainAvailable, p.retainAvailable)
                && userProperties.equals(p.userProperties)
                && java.util.Objects.equals(maximumPacketSize, p.maximumPacketSize)
                && java.util.Objects.equals(wildcardSubscriptionAvailable, p.wildcardSubscriptionAvailable)
                && java.util.Objects.equals(subscriptionIdentifierAvailable, p.subscriptionIdentifierAvailable)
                && java.util.Objects.equals(sharedSubscriptionAvailable, p.sharedSubscriptionAvailable);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(messageExpiryInterval, contentType, responseTopic, topicAlias,
                sessionExpiryInterval, userProperties, java.util.Arrays.hashCode(correlationData));
    }

    /** Mutable builder; {@link #build()} copies. */
    public static final class Builder {
        public Integer payloadFormatIndicator;
        public Long messageExpiryInterval;
        public String contentType;
        public String responseTopic;
        public byte[] correlationData;
        public List<Integer> subscriptionIdentifiers = new ArrayList<>();
        public Long sessionExpiryInterval;
        public String assignedClientIdentifier;
        public Integer serverKeepAlive;
        public String authenticationMethod;
        public byte[] authenticationData;
        public Integer requestProblemInformation;
        public Long willDelayInterval;
        public Integer requestResponseInformation;
        public String responseInformation;
        public String serverReference;
        public String reasonString;
        public Integer receiveMaximum;
        public Integer topicAliasMaximum;
        public Integer topicAlias;
        public Integer maximumQoS;
        public Integer retainAvailable;
        public List<UserProperty> userProperties = new ArrayList<>();
        public Long maximumPacketSize;
        public Integer wildcardSubscriptionAvailable;
        public Integer subscriptionIdentifierAvailable;
        public Integer sharedSubscriptionAvailable;

        public Builder() {}

        Builder(Properties p) {
            payloadFormatIndicator = p.payloadFormatIndicator;
            messageExpiryInterval = p.messageExpiryInterval;
            contentType = p.contentType;
            responseTopic = p.responseTopic;
            correlationData = p.correlationData;
            subscriptionIdentifiers = new ArrayList<>(p.subscriptionIdentifiers);
            sessionExpiryInterval = p.sessionExpiryInterval;
            assignedClientIdentifier = p.assignedClientIdentifier;
            serverKeepAlive = p.serverKeepAlive;
            authenticationMethod = p.authenticationMethod;
            authenticationData = p.authenticationData;
            requestProblemInformation = p.requestProblemInformation;
            willDelayInterval = p.willDelayInterval;
            requestResponseInformation = p.requestResponseInformation;
            responseInformation = p.responseInformation;
            serverReference = p.serverReference;
            reasonString = p.reasonString;
            receiveMaximum = p.receiveMaximum;
            topicAliasMaximum = p.topicAliasMaximum;
            topicAlias = p.topicAlias;
            maximumQoS = p.maximumQoS;
            retainAvailable = p.retainAvailable;
            userProperties = new ArrayList<>(p.userProperties);
            maximumPacketSize = p.maximumPacketSize;
            wildcardSubscriptionAvailable = p.wildcardSubscriptionAvailable;
            subscriptionIdentifierAvailable = p.subscriptionIdentifierAvailable;
            sharedSubscriptionAvailable = p.sharedSubscriptionAvailable;
        }

        public Builder payloadFormatIndicator(Integer v) { payloadFormatIndicator = v; return this; }
        public Builder messageExpiryInterval(Long v) { messageExpiryInterval = v; return this; }
        public Builder contentType(String v) { contentType = v; return this; }
        public Builder responseTopic(String v) { responseTopic = v; return this; }
        public Builder correlationData(byte[] v) { correlationData = v; return this; }
        public Builder subscriptionIdentifiers(List<Integer> v) { subscriptionIdentifiers = new ArrayList<>(v); return this; }
        public Builder sessionExpiryInterval(Long v) { sessionExpiryInterval = v; return this; }
        public Builder assignedClientIdentifier(String v) { assignedClientIdentifier = v; return this; }
        public Builder serverKeepAlive(Integer v) { serverKeepAlive = v; return this; }
        public Builder authenticationMethod(String v) { authenticationMethod = v; return this; }
        public Builder authenticationData(byte[] v) { authenticationData = v; return this; }
        public Builder requestProblemInformation(Integer v) { requestProblemInformation = v; return this; }
        public Builder willDelayInterval(Long v) { willDelayInterval = v; return this; }
        public Builder requestResponseInformation(Integer v) { requestResponseInformation = v; return this; }
        public Builder responseInformation(String v) { responseInformation = v; return this; }
        public Builder serverReference(String v) { serverReference = v; return this; }
        public Builder reasonString(String v) { reasonString = v; return this; }
        public Builder receiveMaximum(Integer v) { receiveMaximum = v; return this; }
        public Builder topicAliasMaximum(Integer v) { topicAliasMaximum = v; return this; }
        public Builder topicAlias(Integer v) { topicAlias = v; return this; }
        public Builder maximumQoS(Integer v) { maximumQoS = v; return this; }
        public Builder retainAvailable(Integer v) { retainAvailable = v; return this; }
        public Builder userProperties(List<UserProperty> v) { userProperties = new ArrayList<>(v); return this; }
        public Builder addUserProperty(String name, String value) { userProperties.add(new UserProperty(name, value)); return this; }
        public Builder maximumPacketSize(Long v) { maximumPacketSize = v; return this; }
        public Builder wildcardSubscriptionAvailable(Integer v) { wildcardSubscriptionAvailable = v; return this; }
        public Builder subscriptionIdentifierAvailable(Integer v) { subscriptionIdentifierAvailable = v; return this; }
        public Builder sharedSubscriptionAvailable(Integer v) { sharedSubscriptionAvailable = v; return this; }

        public Properties build() {
            return new Properties(payloadFormatIndicator, messageExpiryInterval, contentType, responseTopic,
                    correlationData, subscriptionIdentifiers, sessionExpiryInterval, assignedClientIdentifier,
                    serverKeepAlive, authenticationMethod, authenticationData, requestProblemInformation,
                    willDelayInterval, requestResponseInformation, responseInformation, serverReference,
                    reasonString, receiveMaximum, topicAliasMaximum, topicAlias, maximumQoS, retainAvailable,
                    userProperties, maximumPacketSize, wildcardSubscriptionAvailable,
                    subscriptionIdentifierAvailable, sharedSubscriptionAvailable);
        }
    }
}
