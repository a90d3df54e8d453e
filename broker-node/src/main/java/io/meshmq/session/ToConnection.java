package io.meshmq.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.connection.ConnectionCommand;
import io.meshmq.routing.ApplicationMessage;

import java.util.List;

/**
 * What a session tells the connection of its client. The type names let a {@link Batch} of mixed commands cross
 * nodes (Jackson needs them to read a list of an interface type).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@t")
@JsonSubTypes({
        @JsonSubTypes.Type(value = ToConnection.SessionAttached.class, name = "attached"),
        @JsonSubTypes.Type(value = ToConnection.SendPublish.class, name = "publish"),
        @JsonSubTypes.Type(value = ToConnection.SendPubRel.class, name = "pubrel"),
        @JsonSubTypes.Type(value = ToConnection.Batch.class, name = "batch"),
        @JsonSubTypes.Type(value = ToConnection.SendSubAck.class, name = "suback"),
        @JsonSubTypes.Type(value = ToConnection.SendUnsubAck.class, name = "unsuback"),
        @JsonSubTypes.Type(value = ToConnection.InboundStoredAck.class, name = "stored"),
        @JsonSubTypes.Type(value = ToConnection.InboundReleasedAck.class, name = "released"),
        @JsonSubTypes.Type(value = ToConnection.TakenOver.class, name = "takenover")})
public sealed interface ToConnection extends ConnectionCommand {

    /**
     * Answer to Attach: CONNACK may go out; {@code inboundQos2} are the packet ids awaiting PUBREL. {@code session} is
     * the session's incarnation, which the connection watches: if it stops while the client is connected (its node
     * died, or its shard moved), the client is disconnected so that it reconnects to the session's next incarnation.
     */
    record SessionAttached(boolean sessionPresent, List<Integer> inboundQos2,
                           org.apache.pekko.actor.typed.ActorRef<SessionEntity.Command> session) implements ToConnection {}

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
