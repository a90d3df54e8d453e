package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.connection.ConnectionCommand;
import io.meshmq.routing.ApplicationMessage;

import java.util.List;

/** What a session tells the connection of its client. */
public sealed interface ToConnection extends ConnectionCommand {

    /** Answer to Attach: CONNACK may go out; {@code inboundQos2} are the packet ids awaiting PUBREL. */
    record SessionAttached(boolean sessionPresent, List<Integer> inboundQos2) implements ToConnection {}

    /** Send a PUBLISH. QoS 0 ones may be dropped by a connection whose socket is backed up. */
    record SendPublish(ApplicationMessage message, QoS qos, boolean retain, boolean dup, int packetId,
                       List<Integer> subscriptionIds) implements ToConnection {}

    record SendPubRel(int packetId) implements ToConnection {}

    /** Several of the above, in order, written to the socket together. */
    record Batch(List<ToConnection> commands) implements ToConnection {}

    record SendSubAck(int packetId, List<ReasonCode> reasonCodes) implements ToConnection {}

    record SendUnsubAck(int packetId, List<ReasonCode> reasonCodes) implements ToConnection {}

    /** The inbound QoS 2 packet id is stored (durably for a persistent session): PUBREC may go out. */
    record InboundStoredAck(int packetId) implements ToConnection {}

    /** The inbound QoS 2 packet id is released: PUBCOMP may go out. */
    record InboundReleasedAck(int packetId) implements ToConnection {}

    /** Another connection took this session over (MQTT-3.1.4-3): send DISCONNECT 0x8E and close. */
    record TakenOver() implements ToConnection {}
}
