package io.meshmq.routing;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.List;
import java.util.concurrent.CompletionStage;

/** The broker's retained messages (MQTT 3.3.1.3), durable. */
public interface RetainedMessages {

    /**
     * Stores, replaces or (empty payload, MQTT-3.3.1-6/-7) deletes the retained message of its topic.
     * {@code replyTo} (may be null) hears a {@link DeliveryAck} once it is durable, or at once, with
     * {@link DeliveryAck#notRetained()} = {@code index}, when the retained limits leave no room for it.
     *
     * @param index the message's position in the list the router was given
     */
    void retain(ApplicationMessage message, ActorRef<DeliveryAck> replyTo, long correlationId, int index);

    /** Every retained message whose topic the (non-shared) filter matches, expired ones excluded. */
    CompletionStage<List<ApplicationMessage>> match(String filter);
}
