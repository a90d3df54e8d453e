package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.routing.ApplicationMessage;
import net.jqwik.api.ForAll;
import net.jqwik.api.Label;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The pure session state: what each event does, and the queries the session entity decides with. */
class SessionStateTest {

    static ApplicationMessage msg(String topic, QoS qos, boolean retain, String publisher) {
        return new ApplicationMessage(topic, "p".getBytes(), qos, retain, publisher, 1000, -1, null, null, null, null, List.of());
    }

    static SessionEvent.Enqueued enqueue(SessionState s, int n, QoS qos) {
        List<Outbound> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new Outbound(s.nextSeq() + i, msg("t/" + i, qos, false, "p"), qos, false, List.of(), Outbound.Phase.PUBLISH));
        }
        return new SessionEvent.Enqueued(out);
    }

    @Test
    @DisplayName("MQTT-4.9: only messages within the receive window of the oldest unacknowledged one are in flight")
    void windowFollowsOldestUnacknowledged() {
        SessionState s = SessionState.empty();
        s.apply(enqueue(s, 10, QoS.AT_LEAST_ONCE));
        assertThat(s.inFlightWindow(3)).extracting(Outbound::seq).containsExactly(1L, 2L, 3L);
        s.apply(new SessionEvent.Completed(List.of(2L)));
        // the window does not slide past an unacknowledged oldest message
        assertThat(s.inFlightWindow(3)).extracting(Outbound::seq).containsExactly(1L, 3L);
        s.apply(new SessionEvent.Completed(List.of(1L)));
        assertThat(s.inFlightWindow(3)).extracting(Outbound::seq).containsExactly(3L, 4L, 5L);
    }

    @Test
    @DisplayName("MQTT-4.3.3: PUBREC moves a QoS 2 message to the PUBREL phase; PUBCOMP removes it")
    void qos2Phases() {
        SessionState s = SessionState.empty();
        s.apply(enqueue(s, 1, QoS.EXACTLY_ONCE));
        s.apply(new SessionEvent.Received(List.of(1L)));
        assertThat(s.outbound(1).phase()).isEqualTo(Outbound.Phase.PUBREL);
        s.apply(new SessionEvent.Completed(List.of(1L)));
        assertThat(s.queueSize()).isZero();
    }

    @Test
    @DisplayName("Events applied twice (eagerly, then from the journal) leave the same state")
    void applyIsIdempotent() {
        SessionState s = SessionState.empty();
        SessionEvent.Enqueued e = enqueue(s, 5, QoS.AT_LEAST_ONCE);
        s.apply(e);
        s.apply(e);
        assertThat(s.queueSize()).isEqualTo(5);
        s.apply(new SessionEvent.Completed(List.of(1L, 2L)));
        s.apply(new SessionEvent.Completed(List.of(1L, 2L)));
        s.apply(new SessionEvent.Received(List.of(3L)));
        s.apply(new SessionEvent.Received(List.of(3L)));
        assertThat(s.queued()).extracting(Outbound::seq).containsExactly(3L, 4L, 5L);
        assertThat(s.nextSeq()).isEqualTo(6);
    }

    @Property(tries = 200)
    @Label("MQTT-2.2.1-3: packet ids of in-flight messages are unique and map back to their queue position")
    void packetIdsUniqueInWindow(@ForAll @IntRange(min = 0, max = 200_000) int acked,
                                 @ForAll @IntRange(min = 1, max = 65535) int window) {
        SessionState s = SessionState.empty();
        // advance the queue position by enqueueing and completing `acked` messages
        if (acked > 0) {
            s.apply(enqueue(s, acked, QoS.AT_LEAST_ONCE));
            List<Long> all = new ArrayList<>();
            for (long i = 1; i <= acked; i++) all.add(i);
            s.apply(new SessionEvent.Completed(all));
        }
        int n = Math.min(window, 3000);
        s.apply(enqueue(s, n, QoS.AT_LEAST_ONCE));
        Set<Integer> ids = new HashSet<>();
        for (Outbound o : s.inFlightWindow(window)) {
            assertThat(ids.add(o.packetId())).isTrue();
            assertThat(o.packetId()).isBetween(1, 65535);
            assertThat(s.seqOfPacketId(o.packetId())).isEqualTo(o.seq());
        }
    }

    @Test
    @DisplayName("MQTT-3.3.4-3/-5: overlapping subscriptions give one delivery at the highest QoS with every identifier")
    void overlappingSubscriptions() {
        SessionState s = SessionState.empty();
        s.apply(new SessionEvent.Subscribed("a/+", new SubscriptionOptions(QoS.AT_MOST_ONCE, false, false, 0, 1)));
        s.apply(new SessionEvent.Subscribed("a/#", new SubscriptionOptions(QoS.AT_LEAST_ONCE, false, false, 0, 2)));
        SessionState.Delivery d = s.deliveryFor(msg("a/b", QoS.EXACTLY_ONCE, false, "x"), "me");
        assertThat(d.qos()).isEqualTo(QoS.AT_LEAST_ONCE);
        assertThat(d.subscriptionIds()).containsExactlyInAnyOrder(1, 2);
        assertThat(s.deliveryFor(msg("b", QoS.AT_MOST_ONCE, false, "x"), "me")).isNull();
    }

    @Test
    @DisplayName("MQTT-3.8.3-3: No Local keeps a client's own messages from it")
    void noLocal() {
        SessionState s = SessionState.empty();
        s.apply(new SessionEvent.Subscribed("t", new SubscriptionOptions(QoS.AT_LEAST_ONCE, true, false, 0, 0)));
        assertThat(s.deliveryFor(msg("t", QoS.AT_LEAST_ONCE, false, "me"), "me")).isNull();
        assertThat(s.deliveryFor(msg("t", QoS.AT_LEAST_ONCE, false, "other"), "me")).isNotNull();
    }

    @Test
    @DisplayName("MQTT-3.3.1-12/-13: RETAIN is forwarded only with Retain As Published")
    void retainAsPublished() {
        SessionState s = SessionState.empty();
        s.apply(new SessionEvent.Subscribed("t", SubscriptionOptions.of(QoS.AT_LEAST_ONCE)));
        assertThat(s.deliveryFor(msg("t", QoS.AT_LEAST_ONCE, true, "x"), "me").retain()).isFalse();
        s.apply(new SessionEvent.Subscribed("t", new SubscriptionOptions(QoS.AT_LEAST_ONCE, false, true, 0, 0)));
        assertThat(s.deliveryFor(msg("t", QoS.AT_LEAST_ONCE, true, "x"), "me").retain()).isTrue();
    }

    @Test
    @DisplayName("MQTT 4.8.2: a shared subscription is used only when the router picked this member for it")
    void sharedSubscriptionsAreSeparate() {
        SessionState s = SessionState.empty();
        s.apply(new SessionEvent.Subscribed("$share/g/t/#", SubscriptionOptions.of(QoS.AT_LEAST_ONCE)));
        assertThat(s.deliveryFor(msg("t/1", QoS.AT_LEAST_ONCE, false, "x"), "me")).isNull();
        assertThat(s.sharedDeliveryFor(msg("t/1", QoS.AT_LEAST_ONCE, false, "x"), "$share/g/t/#").qos())
                .isEqualTo(QoS.AT_LEAST_ONCE);
    }

    @Test
    @DisplayName("MQTT-3.1.2-4: Clean Start discards the previous session; a snapshot restores everything else")
    void cleanStartAndSnapshots() {
        SessionState s = SessionState.empty();
        s.apply(new SessionEvent.Attached(SessionState.NEVER_EXPIRES, false));
        s.apply(new SessionEvent.Subscribed("t", SubscriptionOptions.of(QoS.EXACTLY_ONCE)));
        s.apply(enqueue(s, 3, QoS.EXACTLY_ONCE));
        s.apply(new SessionEvent.Received(List.of(1L)));
        s.apply(new SessionEvent.InboundStored(42));
        s.apply(new SessionEvent.Detached(5000, SessionState.NEVER_EXPIRES, 2));

        SessionState copy = SessionState.fromSnapshot(s.toSnapshot());
        assertThat(copy.subscriptions()).isEqualTo(s.subscriptions());
        assertThat(copy.queued()).isEqualTo(s.queued());
        assertThat(copy.inboundQos2()).containsExactly(42);
        assertThat(copy.detachedAtMillis()).isEqualTo(5000);
        assertThat(copy.sentThrough()).isEqualTo(2);
        assertThat(copy.queuedBytes()).isEqualTo(s.queuedBytes());
        assertThat(copy.isPersistent()).isTrue();

        long next = s.nextSeq();
        s.apply(new SessionEvent.Attached(0, true));
        assertThat(s.hasState()).isFalse();
        assertThat(s.isPersistent()).isFalse();
        assertThat(s.nextSeq()).isEqualTo(next);
    }
}
