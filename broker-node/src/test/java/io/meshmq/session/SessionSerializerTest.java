package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.codec.UserProperty;
import io.meshmq.routing.ApplicationMessage;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Journaled session events and snapshots read back exactly as written. */
class SessionSerializerTest {
    final SessionSerializer serializer = new SessionSerializer();
    final Random random = new Random(42);

    Object roundTrip(Object o) throws Exception {
        return serializer.fromBinary(serializer.toBinary(o), serializer.manifest(o));
    }

    ApplicationMessage randomMessage() {
        byte[] payload = new byte[random.nextInt(300)];
        random.nextBytes(payload);
        boolean props = random.nextBoolean();
        return new ApplicationMessage("a/b/" + random.nextInt(1000) + "/ü", payload, QoS.of(random.nextInt(3)),
                random.nextBoolean(), random.nextBoolean() ? "pub-" + random.nextInt(9) : null, random.nextLong(),
                props ? random.nextInt(10_000) : -1, props ? 1 : null, props ? "text/plain" : null,
                props ? "reply/here" : null, props ? new byte[] {1, 2, 3} : null,
                props ? List.of(new UserProperty("k", "v1"), new UserProperty("k", "v2")) : List.of());
    }

    Outbound randomOutbound(long seq) {
        return new Outbound(seq, randomMessage(), QoS.of(1 + random.nextInt(2)), random.nextBoolean(),
                random.nextBoolean() ? List.of(1, 77) : List.of(), Outbound.Phase.values()[random.nextInt(2)]);
    }

    @Test
    @DisplayName("every session event survives the journal's serializer unchanged")
    void everyEvent() throws Exception {
        List<SessionEvent> events = new ArrayList<>(List.of(
                new SessionEvent.Attached(SessionState.NEVER_EXPIRES, true),
                new SessionEvent.Subscribed("$share/g/sensors/+/temp", new SubscriptionOptions(QoS.EXACTLY_ONCE, true, true, 2, 9)),
                new SessionEvent.Unsubscribed("a/#"),
                new SessionEvent.Completed(List.of(1L, 5L, 1L << 40)),
                new SessionEvent.Received(List.of(3L)),
                new SessionEvent.InboundStored(65535),
                new SessionEvent.InboundReleased(1),
                new SessionEvent.Detached(123456789L, 3600, 42),
                new SessionEvent.Ended()));
        for (int i = 0; i < 50; i++) {
            List<Outbound> batch = new ArrayList<>();
            for (int j = 0; j < random.nextInt(20) + 1; j++) batch.add(randomOutbound(i * 100L + j));
            events.add(new SessionEvent.Enqueued(batch));
        }
        for (SessionEvent e : events) assertThat(roundTrip(e)).isEqualTo(e);
    }

    @Test
    @DisplayName("a snapshot with subscriptions, a queue and inbound packet ids survives unchanged")
    void snapshot() throws Exception {
        Map<String, SubscriptionOptions> subs = new LinkedHashMap<>();
        subs.put("a/+", SubscriptionOptions.of(QoS.AT_LEAST_ONCE));
        subs.put("b/#", new SubscriptionOptions(QoS.AT_MOST_ONCE, true, false, 1, 3));
        List<Outbound> queue = new ArrayList<>();
        for (int i = 0; i < 200; i++) queue.add(randomOutbound(i + 10));
        SessionState.Snapshot s = new SessionState.Snapshot(7200, subs, queue, 210, List.of(4, 9), 99, 150);
        SessionState.Snapshot back = (SessionState.Snapshot) roundTrip(s);
        assertThat(back).isEqualTo(s);
        assertThat(back.subscriptions().keySet()).containsExactly("a/+", "b/#");
    }
}
