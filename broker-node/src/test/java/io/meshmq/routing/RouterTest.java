package io.meshmq.routing;

import io.meshmq.codec.QoS;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The router's correlation ids: each delivery that asks for an acknowledgement has its own (the batch id plus its
 * number), so that a publisher's connection can send again exactly the deliveries a lost node did not answer.
 */
class RouterTest {
    private static ActorTestKit kit;
    private static ActorRef<DeliveryAck> replyTo;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
        replyTo = kit.createTestProbe(DeliveryAck.class).ref();
    }

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    private record Sent(String clientId, String sharedFilter, List<ApplicationMessage> messages, ActorRef<DeliveryAck> replyTo,
                        long correlationId) {}

    private record Retained(ApplicationMessage message, long correlationId, int index) {}

    private final List<Sent> sent = new ArrayList<>();
    private final List<Retained> retained = new ArrayList<>();
    private final LocalSubscriptionRegistry registry = new LocalSubscriptionRegistry();
    private final Router router = new Router(registry, (c, f, m, r, id) -> sent.add(new Sent(c, f, m, r, id)),
            new RetainedMessages() {
                @Override public void retain(ApplicationMessage message, ActorRef<DeliveryAck> to, long correlationId, int index) {
                    retained.add(new Retained(message, correlationId, index));
                }

                @Override public CompletionStage<List<ApplicationMessage>> match(String filter) {
                    return CompletableFuture.completedFuture(List.of());
                }
            });

    private static ApplicationMessage message(String topic, QoS qos, boolean retain, int payloadBytes) {
        return new ApplicationMessage(topic, new byte[payloadBytes], qos, retain, "pub", 1000, -1, null, null, null, null, List.of());
    }

    private static final long BATCH = 7L << Router.DELIVERY_BITS;

    @Test
    @DisplayName("each acknowledged delivery has its own correlation id, the batch id plus 1, 2, ...; the retained store answers with the batch id")
    void eachDeliveryHasItsOwnCorrelation() {
        registry.add("a", "t/#");
        registry.add("b", "t/+");
        registry.add("c", "$share/g/t/1");
        ApplicationMessage m = message("t/1", QoS.AT_LEAST_ONCE, true, 10);

        Router.Routed routed = router.route(List.of(m), replyTo, BATCH, true);

        assertThat(sent).extracting(Sent::correlationId).containsExactly(BATCH + 1, BATCH + 2, BATCH + 3);
        assertThat(sent).extracting(Sent::clientId).containsExactly("a", "b", "c");
        assertThat(retained).containsExactly(new Retained(m, BATCH, 0));
        assertThat(routed.acks()).as("three deliveries and the retained store").isEqualTo(4);
        assertThat(routed.deliveries()).extracting(Router.SentDelivery::correlationId).containsExactly(BATCH + 1, BATCH + 2, BATCH + 3);
        assertThat(routed.deliveries().get(2).sharedFilter()).isEqualTo("$share/g/t/1");
        assertThat(sent).allSatisfy(s -> assertThat(s.correlationId() & ~Router.DELIVERY_MASK).isEqualTo(BATCH));
    }

    @Test
    @DisplayName("a delivery cut under Artery's frame size gives each part its own correlation id; a re-send is the same part with the same id")
    void partsOfALargeDeliveryAreResentAlike() {
        registry.add("a", "big/#");
        List<ApplicationMessage> burst = new ArrayList<>();
        for (int i = 0; i < 5; i++) burst.add(message("big/" + i, QoS.EXACTLY_ONCE, false, 40 * 1024));

        Router.Routed routed = router.route(burst, replyTo, BATCH, true);

        assertThat(sent).hasSizeGreaterThan(1);
        assertThat(sent.stream().flatMap(s -> s.messages().stream()).toList()).as("every message once, in order").isEqualTo(burst);
        assertThat(sent).extracting(Sent::correlationId).doesNotHaveDuplicates();
        assertThat(routed.acks()).isEqualTo(sent.size());

        Router.SentDelivery second = routed.deliveries().get(1);
        sent.clear();
        router.redeliver(second, replyTo);
        assertThat(sent).containsExactly(new Sent("a", null, second.messages(), replyTo, second.correlationId()));
    }

    @Test
    @DisplayName("QoS 0 asks for no acknowledgement: nothing to count or to send again")
    void qos0AsksForNothing() {
        registry.add("a", "q/#");
        Router.Routed routed = router.route(List.of(message("q/0", QoS.AT_MOST_ONCE, false, 1)), replyTo, BATCH, true);
        assertThat(routed.acks()).isZero();
        assertThat(routed.deliveries()).isEmpty();
        assertThat(sent).singleElement().satisfies(s -> {
            assertThat(s.replyTo()).isNull();
            assertThat(s.correlationId()).isZero();
        });
    }
}
