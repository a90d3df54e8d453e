package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.ops.CborSerializable;
import io.meshmq.routing.ApplicationMessage;

import java.util.List;

/**
 * One message in a session's outbound queue (MQTT 4.1: "QoS 1 and QoS 2 messages which have been sent to the
 * Client, but have not been completely acknowledged" and "QoS 1 and QoS 2 messages pending transmission").
 *
 * @param seq     position in the session's queue; the packet identifier is derived from it
 * @param qos     the QoS it is delivered with: min(published, granted)
 * @param retain  the RETAIN flag to send
 * @param phase   where the QoS flow stands
 */
public record Outbound(long seq, ApplicationMessage message, QoS qos, boolean retain, List<Integer> subscriptionIds,
                       Phase phase) implements CborSerializable {

    public enum Phase {
        /** Not yet sent, or sent and awaiting PUBACK/PUBREC: (re)sent as PUBLISH. */
        PUBLISH,
        /** PUBREC received: (re)sent as PUBREL until PUBCOMP. */
        PUBREL
    }

    public Outbound {
        subscriptionIds = subscriptionIds == null ? List.of() : List.copyOf(subscriptionIds);
    }

    /**
     * Packet identifiers cycle through 1..65535 with the queue position. Only messages within one receive window
     * of the oldest unacknowledged one are in flight, and a window never exceeds 65535, so no identifier is used
     * twice at once (MQTT-2.2.1-3).
     */
    public static int packetIdOf(long seq) { return (int) (seq % 65535) + 1; }

    public int packetId() { return packetIdOf(seq); }

    public Outbound withPhase(Phase p) { return new Outbound(seq, message, qos, retain, subscriptionIds, p); }
}
