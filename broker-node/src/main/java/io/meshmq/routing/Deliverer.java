package io.meshmq.routing;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.List;

/** Hands messages to a client's session, wherever it lives. Implemented by the session layer over sharding. */
public interface Deliverer {

    /**
     * @param sharedFilter the shared subscription the messages are delivered through, or null for plain ones
     * @param replyTo      null when nobody waits (QoS 0); otherwise receives one {@link DeliveryAck} per delivery sent
     * @return how many deliveries were sent (a delivery to another node may be split, see {@link Chunks}), so how
     *         many acknowledgements {@code replyTo} gets when it is not null
     */
    int deliver(String clientId, String sharedFilter, List<ApplicationMessage> messages,
                 ActorRef<DeliveryAck> replyTo, long correlationId);
}
