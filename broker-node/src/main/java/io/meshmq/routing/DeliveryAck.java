package io.meshmq.routing;

import io.meshmq.connection.ConnectionCommand;

/**
 * A target's answer to a delivery that asked for one: the messages are safe with it (journaled, for a persistent
 * session). The publisher's PUBACK/PUBREC waits for every target's answer.
 */
public record DeliveryAck(long correlationId, boolean ok) implements ConnectionCommand {}
