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
     * Routes {@code messages} in order. Messages of QoS 1 and 2 (and retained ones) ask their targets for a
     * {@link DeliveryAck} to {@code replyTo} with {@code correlationId}. A retained message the retained store
     * has no room for is still routed to the subscribers; the store's answer names its position in {@code messages}.
     *
     * @return how many acknowledgements will come back (0 when none is asked for or nobody matched)
     */
    public int route(List<ApplicationMessage> messages, ActorRef<DeliveryAck> replyTo, long correlationId) {
        Map<String, Target> targets = new LinkedHashMap<>();
        int acks = 0;
        for (int i = 0; i < messages.size(); i++) {
            ApplicationMessage m = messages.get(i);
            boolean wantAck = replyTo != null && m.qos().value() > 0;
            if (m.retain()) {
                retained.retain(m, wantAck ? replyTo : null, correlationId, i);
                if (wantAck) acks++;
            }
            registry.match(m.topic(), new SubscriptionRegistry.MatchSink() {
                @Override public void subscriber(String clientId) {
                    targets.computeIfAbsent(clientId, k -> new Target(null)).add(m, wantAck);
                }

                @Override public void sharedSubscriber(String clientId, String sharedFilter) {
                    targets.computeIfAbsent(clientId + '\u0000' + sharedFilter, k -> new Target(sharedFilter))
                            .add(m, wantAck);
                }
            });
        }
        for (Map.Entry<String, Target> e : targets.entrySet()) {
            Target t = e.getValue();
            String clientId = t.sharedFilter == null ? e.getKey()
                    : e.getKey().substring(0, e.getKey().indexOf('\u0000'));
            int sent = deliverer.deliver(clientId, t.sharedFilter, t.messages, t.wantAck ? replyTo : null, correlationId);
            if (t.wantAck) acks += sent;
        }
        return acks;
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

        Target(String sharedFilter) { this.sharedFilter = sharedFilter; }

        void add(ApplicationMessage m, boolean ack) {
            // overlapping filters of one client match the same message more than once: deliver it once
            if (last == m) return;
            messages.add(m);
            last = m;
            wantAck |= ack;
        }
    }
}
