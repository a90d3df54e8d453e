package io.meshmq.routing;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Routes Application Messages from a publisher to the sessions whose subscriptions match (MQTT 4.5, 4.7) and to the
 * retained store. It matches on the node that received the PUBLISH, against the local registry, and hands each
 * target session its messages in one delivery per call, so a burst of PUBLISH packets read at once becomes one
 * journal write per target. Stateless: every connection and session uses it concurrently.
 */
public final class Router {
    private final SubscriptionRegistry registry;
    private final Deliverer deliverer;
    private final RetainedMessages retained;

    public Router(SubscriptionRegistry registry, Deliverer deliverer, RetainedMessages retained) {
        this.registry = registry;
        this.deliverer = deliverer;
        this.retained = retained;
    }

    public SubscriptionRegistry registry() { return registry; }

    public RetainedMessages retained() { return retained; }

    /**
     * Bits of a correlation id that number the deliveries of one routed batch. The caller gives {@link #route} a
     * batch id with these bits clear; retained-store answers carry the batch id itself, and delivery {@code k} (from
     * 1) the batch id plus {@code k}, so that the caller can tell which target has not answered and send to it again
     * ({@link #redeliver}). A batch with more deliveries than that (16 M) numbers the rest 0: counted, not resendable.
     */
    public static final int DELIVERY_BITS = 24;
    public static final long DELIVERY_MASK = (1L << DELIVERY_BITS) - 1;

    /** One delivery that asked for a {@link DeliveryAck}, with what is needed to send it again. */
    public record SentDelivery(long correlationId, String clientId, String sharedFilter, List<ApplicationMessage> messages) {}

    /**
     * What {@link #route} asked acknowledgements for: {@code acks} in all (deliveries and retained-store writes);
     * {@code deliveries}, the resendable ones among them, when the caller asked for them.
     */
    public record Routed(int acks, List<SentDelivery> deliveries) {
        static final Routed NONE = new Routed(0, List.of());
    }

    /** As {@link #route(List, ActorRef, long, boolean)}, without the list of deliveries. */
    public int route(List<ApplicationMessage> messages, ActorRef<DeliveryAck> replyTo, long batchId) {
        return route(messages, replyTo, batchId, false).acks();
    }

    /**
     * Routes {@code messages} in order. Messages of QoS 1 and 2 (and retained ones) ask their targets for a
     * {@link DeliveryAck} to {@code replyTo} (see {@link #DELIVERY_BITS} for the correlation ids). A retained message
     * the retained store has no room for is still routed to the subscribers; the store's answer names its position in
     * {@code messages}. A delivery to another node is cut under Artery's frame size ({@link Chunks}), each part its own
     * delivery.
     *
     * @param batchId  the caller's id for this batch, its low {@link #DELIVERY_BITS} bits clear
     * @param resendable whether the result lists the deliveries that asked for an acknowledgement
     */
    public Routed route(List<ApplicationMessage> messages, ActorRef<DeliveryAck> replyTo, long batchId, boolean resendable) {
        Map<String, Target> targets = new LinkedHashMap<>();
        int acks = 0;
        for (int i = 0; i < messages.size(); i++) {
            ApplicationMessage m = messages.get(i);
            boolean wantAck = replyTo != null && m.qos().value() > 0;
            int size = Chunks.estimate(m);   // once per message, not once per target
            if (m.retain()) {
                retained.retain(m, wantAck ? replyTo : null, batchId, i);
                if (wantAck) acks++;
            }
            registry.match(m.topic(), new SubscriptionRegistry.MatchSink() {
                @Override public void subscriber(String clientId) {
                    targets.computeIfAbsent(clientId, k -> new Target(null)).add(m, wantAck, size);
                }

                @Override public void sharedSubscriber(String clientId, String sharedFilter) {
                    targets.computeIfAbsent(clientId + '\u0000' + sharedFilter, k -> new Target(sharedFilter))
                            .add(m, wantAck, size);
                }
            });
        }
        if (targets.isEmpty()) return acks == 0 ? Routed.NONE : new Routed(acks, List.of());
        List<SentDelivery> sent = resendable ? new ArrayList<>(targets.size()) : null;
        long next = 1;
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            Target t = e.getValue();
            String clientId = t.sharedFilter == null ? e.getKey()
                    : e.getKey().substring(0, e.getKey().indexOf('\u0000'));
            // nearly always one part: no list of parts for it (this loop runs once per target per PUBLISH)
            List<List<ApplicationMessage>> parts = t.bytes <= Chunks.BUDGET ? null
                    : Chunks.split(t.messages, Chunks::estimate, Chunks.BUDGET);
            int count = parts == null ? 1 : parts.size();
            for (int j = 0; j < count; j++) {
                List<ApplicationMessage> part = parts == null ? t.messages : parts.get(j);
                if (!t.wantAck) {
                    deliverer.deliver(clientId, t.sharedFilter, part, null, 0);
                    continue;
                }
                long correlation = next <= DELIVERY_MASK ? batchId + next++ : batchId;
                deliverer.deliver(clientId, t.sharedFilter, part, replyTo, correlation);
                acks++;
                if (sent != null && correlation != batchId) sent.add(new SentDelivery(correlation, clientId, t.sharedFilter, part));
            }
        }
        return acks == 0 ? Routed.NONE : new Routed(acks, sent == null ? List.of() : sent);
    }

    /**
     * Sends a delivery of {@link #route} again, with its correlation id: for a target that has not answered because
     * the node that held it was lost (the first one went there and died with it; this one goes to the next home).
     */
    public void redeliver(SentDelivery d, ActorRef<DeliveryAck> replyTo) {
        deliverer.deliver(d.clientId(), d.sharedFilter(), d.messages(), replyTo, d.correlationId());
    }

    /**
     * Sends messages that a member of the shared subscription {@code sharedFilter} held unacknowledged when its session
     * ended to another member of the group (MQTT 4.8.2). Call after the leaving member is out of the registry.
     */
    public void rerouteShared(String sharedFilter, List<ApplicationMessage> messages) {
        for (ApplicationMessage m : messages) {
            registry.match(m.topic(), new SubscriptionRegistry.MatchSink() {
                @Override public void subscriber(String clientId) { }

                @Override public void sharedSubscriber(String clientId, String filter) {
                    if (filter.equals(sharedFilter)) deliverer.deliver(clientId, filter, List.of(m), null, 0);
                }
            });
        }
    }

    /** Routes one message nobody waits for (wills, $SYS). */
    public void publish(ApplicationMessage message) {
        route(List.of(message), null, 0);
    }

    private static final class Target {
        final String sharedFilter;
        final List<ApplicationMessage> messages = new ArrayList<>(2);
        ApplicationMessage last;
        boolean wantAck;
        /** The estimated serialized size of {@link #messages} ({@link Chunks#estimate}). */
        int bytes;

        Target(String sharedFilter) { this.sharedFilter = sharedFilter; }

        void add(ApplicationMessage m, boolean ack, int size) {
            // overlapping filters of one client match the same message more than once: deliver it once
            if (last == m) return;
            messages.add(m);
            last = m;
            wantAck |= ack;
            bytes += size;
        }
    }
}
