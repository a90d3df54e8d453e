package io.meshmq.routing;

import io.meshmq.connection.ConnectionCommand;

/**
 * A target's answer to a delivery that asked for one: the messages are safe with it (journaled, for a persistent
 * session). The publisher's PUBACK/PUBREC waits for every target's answer.
 *
 * @param notRetained from the retained store: the position, in the routed list, of a message it did not retain
 *                    because broker.limits.max-retained-* would be exceeded (its publisher hears 0x97 Quota
 *                    Exceeded); null otherwise. Boxed so that an answer from a node without this field (a rolling
 *                    upgrade) reads as null, not as position 0
 */
public record DeliveryAck(long correlationId, boolean ok, Integer notRetained) implements ConnectionCommand {
    public DeliveryAck(long correlationId, boolean ok) { this(correlationId, ok, null); }
}
