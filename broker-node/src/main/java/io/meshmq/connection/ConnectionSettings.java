package io.meshmq.connection;

import com.typesafe.config.Config;

import java.time.Duration;

/**
 * Per-connection limits and protocol settings, from {@code broker.connection} in reference.conf.
 *
 * @param connectTimeout       how long a socket may stay open without a CONNECT
 * @param maxPacketSize        largest packet accepted from a client (bytes), announced as Maximum Packet Size
 * @param receiveMaximum       inbound QoS 1/2 PUBLISH packets a client may have unacknowledged (MQTT 3.3.4)
 * @param topicAliasMaximum    inbound topic aliases a client may use
 * @param maxKeepAlive         longest keep-alive accepted, in seconds; MQTT 5 clients asking more get Server Keep Alive
 * @param outboundQueuePackets packets buffered towards a socket before QoS 0 messages are dropped
 * @param maxClientIdLength    longest client identifier accepted
 * @param deliveryTimeout      longest wait for the targets of a QoS 1/2 PUBLISH before the connection is closed
 */
public record ConnectionSettings(Duration connectTimeout, int maxPacketSize, int receiveMaximum,
                                 int topicAliasMaximum, int maxKeepAlive, int outboundQueuePackets,
                                 int maxClientIdLength, Duration deliveryTimeout) {

    public static ConnectionSettings from(Config c) {
        return new ConnectionSettings(c.getDuration("connect-timeout"), (int) c.getMemorySize("max-packet-size").toBytes(),
                c.getInt("receive-maximum"), c.getInt("topic-alias-maximum"), c.getInt("max-keep-alive"),
                c.getInt("outbound-queue-packets"), c.getInt("max-client-id-length"), c.getDuration("delivery-timeout"));
    }
}
