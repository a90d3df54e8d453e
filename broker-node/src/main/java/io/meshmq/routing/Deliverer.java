package io.meshmq.routing;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.List;

/** Hands messages to a client's session, wherever it lives. Implemented by the session layer over sharding. */
public interface Deliverer {

    /**
     * Sends one delivery (the router keeps each under Artery's frame size, see {@link Chunks}).
     *
     * @param sharedFilter the shared subscription the messages are delivered through, or null for plain ones
     * @param replyTo      null when nobody waits (QoS 0); otherwise receives one {@link DeliveryAck} with
     *                     {@code correlationId} once the target holds the messages
     */
    void deliver(String clientId, String sharedFilter, List<ApplicationMessage> messages,
                 ActorRef<DeliveryAck> replyTo, long correlationId);
}
