package io.meshmq.session;

import io.meshmq.ops.CborSerializable;

import java.util.List;

/** What happened to a session; journaled for persistent sessions, applied in memory for all. */
public sealed interface SessionEvent extends CborSerializable {

    /** A client attached. {@code clearFirst}: Clean Start, the previous session state is discarded (MQTT-3.1.2-4). */
    record Attached(long expiryInterval, boolean clearFirst) implements SessionEvent {}

    /** A subscription was added or replaced (MQTT-3.8.4-3). */
    record Subscribed(String filter, SubscriptionOptions options) implements SessionEvent {}

    record Unsubscribed(String filter) implements SessionEvent {}

    /** Messages accepted into the outbound queue; each takes the next queue position. */
    record Enqueued(List<Outbound> messages) implements SessionEvent {}

    /**
     * PUBACK or PUBCOMP received for these positions, or the message expired or was dropped: gone from the queue.
     * Journaled lazily in batches: losing one only causes a redelivery with DUP, which QoS 1 and 2 allow.
     */
    record Completed(List<Long> seqs) implements SessionEvent {}

    /** PUBREC received for these positions: the flow continues with PUBREL (MQTT 4.3.3). */
    record Received(List<Long> seqs) implements SessionEvent {}

    /** An inbound QoS 2 PUBLISH was accepted: its packet id is held until PUBREL (MQTT 4.3.3, method B). */
    record InboundStored(int packetId) implements SessionEvent {}

    record InboundReleased(int packetId) implements SessionEvent {}

    /**
     * The client went away; the session expires {@code expiryInterval} seconds after {@code atMillis}.
     * {@code sentThrough}: the highest queue position sent so far, so that only those are resent with DUP.
     */
    record Detached(long atMillis, long expiryInterval, long sentThrough) implements SessionEvent {}

    /** The session ended (expired, or replaced by a clean one): all state is gone. */
    record Ended() implements SessionEvent {}
}
