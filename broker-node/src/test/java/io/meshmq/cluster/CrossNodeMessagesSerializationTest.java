package io.meshmq.cluster;

import com.typesafe.config.ConfigFactory;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.codec.UserProperty;
import io.meshmq.connection.ConnectionCommand;
import io.meshmq.retain.RetainedMessageStore;
import io.meshmq.routing.ApplicationMessage;
import io.meshmq.routing.DeliveryAck;
import io.meshmq.routing.ReplicatedSubscriptionRegistry;
import io.meshmq.session.SessionEntity;
import io.meshmq.session.ToConnection;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every message that crosses nodes (session commands, what sessions tell connections, delivery acknowledgements,
 * retained-store commands and answers, registry peer sync) goes through Pekko's serializer (Jackson CBOR, as between
 * nodes) and comes back equal.
 */
class CrossNodeMessagesSerializationTest {
    static ActorTestKit kit;
    static Serialization serialization;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create("meshmq", io.meshmq.ops.Broker.loadConfig(ConfigFactory.parseMap(java.util.Map.of(
                "broker.management.port", -1))));
        serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
    }

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    static ApplicationMessage fullMessage() {
        return new ApplicationMessage("a/b", "payload".getBytes(StandardCharsets.UTF_8), QoS.EXACTLY_ONCE, true, "pub",
                1_700_000_000_000L, 60, 1, "text/plain", "reply/to", new byte[]{1, 2, 3},
                List.of(new UserProperty("k", "v"), new UserProperty("k", "v2")));
    }

    static ApplicationMessage bareMessage() {
        return new ApplicationMessage("t", new byte[0], QoS.AT_MOST_ONCE, false, null, 1L, -1, null, null, null, null, null);
    }

    static Object roundTrip(Object message) {
        var serializer = serialization.findSerializerFor(message);
        if (message instanceof io.meshmq.ops.CborSerializable) {
            assertThat(serializer.getClass().getSimpleName()).as("serializer of %s", message.getClass())
                    .isEqualTo("JacksonCborSerializer");
        }
        byte[] bytes = serialization.serialize(message).get();
        String manifest = Serializers.manifestFor(serializer, message);
        return serialization.deserialize(bytes, serializer.identifier(), manifest).get();
    }

    static void assertRoundTrips(Object... messages) {
        for (Object m : messages) assertThat(roundTrip(m)).as("%s", m).isEqualTo(m);
    }

    @Test
    @DisplayName("session commands from connections and routers on other nodes serialize (incl. subscriptions, wills, deliveries)")
    void sessionCommandsSerialize() {
        ActorRef<ConnectionCommand> conn = kit.createTestProbe(ConnectionCommand.class).ref();
        ActorRef<DeliveryAck> acks = kit.createTestProbe(DeliveryAck.class).ref();
        ActorRef<SessionEntity.Woken> woken = kit.createTestProbe(SessionEntity.Woken.class).ref();
        assertRoundTrips(
                new SessionEntity.Attach(7, conn, false, 600, 100, null, 0),
                new SessionEntity.Attach(8, conn, true, 0, 10, fullMessage(), 30),
                new SessionEntity.Detach(7, fullMessage(), 5, 600),
                new SessionEntity.Detach(7, null, 0, 0),
                new SessionEntity.SubscribeRequest(7, 1, List.of(
                        new MqttPacket.Subscription("a/#", QoS.AT_LEAST_ONCE, true, true, 2),
                        MqttPacket.Subscription.of("$share/g/b", QoS.EXACTLY_ONCE)), 42),
                new SessionEntity.UnsubscribeRequest(7, 2, List.of("a/#", "b")),
                new SessionEntity.Deliver(null, List.of(fullMessage(), bareMessage()), acks, 99),
                new SessionEntity.Deliver("$share/g/b", List.of(bareMessage()), null, 0),
                new SessionEntity.PubAckReceived(7, 3),
                new SessionEntity.PubRecReceived(7, 3, true),
                new SessionEntity.PubCompReceived(7, 3),
                new SessionEntity.StoreInbound(7, 4),
                new SessionEntity.ReleaseInbound(7, 4),
                new SessionEntity.Wake(woken),
                new SessionEntity.Stop());
        assertThat(roundTrip(Done.getInstance())).isEqualTo(Done.getInstance());
        SessionEntity.Woken w = new SessionEntity.Woken(List.of("a/#", "$share/g/b"));
        assertThat(roundTrip(w)).isEqualTo(w);
    }

    @Test
    @DisplayName("what a session tells a connection on another node, and delivery acknowledgements, serialize")
    void connectionMessagesSerialize() {
        assertRoundTrips(
                new ToConnection.SessionAttached(true, List.of(1, 2), kit.createTestProbe(SessionEntity.Command.class).ref()),
                new ToConnection.SendPublish(fullMessage(), QoS.AT_LEAST_ONCE, true, true, 12, List.of(42)),
                new ToConnection.SendPublish(bareMessage(), QoS.AT_MOST_ONCE, false, false, 0, List.of()),
                new ToConnection.SendPubRel(12),
                new ToConnection.Batch(List.of(
                        new ToConnection.SendPublish(fullMessage(), QoS.AT_LEAST_ONCE, false, true, 13, List.of()),
                        new ToConnection.SendPubRel(14),
                        new ToConnection.SendPublish(bareMessage(), QoS.AT_MOST_ONCE, false, false, 0, List.of()))),
                new ToConnection.SendSubAck(1, List.of(ReasonCode.GRANTED_QOS_1, ReasonCode.UNSPECIFIED_ERROR)),
                new ToConnection.SendUnsubAck(2, List.of(ReasonCode.SUCCESS, ReasonCode.NO_SUBSCRIPTION_EXISTED)),
                new ToConnection.InboundStoredAck(4),
                new ToConnection.InboundReleasedAck(4),
                new ToConnection.TakenOver(),
                new DeliveryAck(99, true),
                new DeliveryAck(100, true, 3));
    }

    @Test
    @DisplayName("a DeliveryAck from a node that predates notRetained (rolling upgrade) reads as no refusal, not as position 0")
    void deliveryAckWithoutNotRetained() throws Exception {
        DeliveryAck current = new DeliveryAck(5, true);
        var serializer = serialization.findSerializerFor(current);
        byte[] older = new com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper()
                .writeValueAsBytes(java.util.Map.of("correlationId", 5, "ok", true));
        assertThat(serialization.deserialize(older, serializer.identifier(), Serializers.manifestFor(serializer, current)).get())
                .isEqualTo(new DeliveryAck(5, true, null));
    }

    @Test
    @DisplayName("the retained store (a cluster singleton) and the registry's peer sync serialize")
    void retainedStoreAndRegistryMessagesSerialize() {
        ActorRef<DeliveryAck> acks = kit.createTestProbe(DeliveryAck.class).ref();
        ActorRef<RetainedMessageStore.Matched> matched = kit.createTestProbe(RetainedMessageStore.Matched.class).ref();
        ActorRef<ReplicatedSubscriptionRegistry.Synced> synced =
                kit.createTestProbe(ReplicatedSubscriptionRegistry.Synced.class).ref();
        assertRoundTrips(
                new RetainedMessageStore.Retain(fullMessage(), acks, 5, 2),
                new RetainedMessageStore.Retain(bareMessage(), null, 0, 0),
                new RetainedMessageStore.Match("a/+", matched),
                new RetainedMessageStore.Matched(List.of(fullMessage(), bareMessage())),
                new ReplicatedSubscriptionRegistry.Sync(3, "client\u0000a/#", true, synced),
                new ReplicatedSubscriptionRegistry.Synced());
    }

    @Test
    @DisplayName("the $SYS figures a node shares for the cluster totals (a Distributed Data LWWMap of NodeStats) serialize")
    void clusterTotalsSerialize() {
        io.meshmq.ops.NodeStats stats = new io.meshmq.ops.NodeStats(3, 1_000_000_000_000L, 7, 70, 0, 1);
        assertRoundTrips(stats);
        var self = org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData.get(kit.system()).selfUniqueAddress();
        var map = org.apache.pekko.cluster.ddata.LWWMap.<String, io.meshmq.ops.NodeStats>create()
                .put(self, "pekko://meshmq@127.0.0.1:2551", stats);
        var back = (org.apache.pekko.cluster.ddata.LWWMap<?, ?>) roundTrip(map);
        assertThat(back.getEntries()).isEqualTo(map.getEntries());
    }

    @Test
    @DisplayName("a burst split by Chunks crosses nodes in messages under Artery's 256 KiB frame (deliveries and batches)")
    void burstsAreSplitUnderTheFrameSize() {
        ActorRef<DeliveryAck> acks = kit.createTestProbe(DeliveryAck.class).ref();
        java.util.List<ApplicationMessage> burst = new java.util.ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            burst.add(new ApplicationMessage("bench/abcdefgh/p" + (i % 8), new byte[64], QoS.AT_LEAST_ONCE, false,
                    "bench-pub-abcdefgh-" + (i % 8), 1_700_000_000_000L + i, -1, null, null, null, null, null));
        }
        var deliveries = io.meshmq.routing.Chunks.split(burst, io.meshmq.routing.Chunks::estimate, io.meshmq.routing.Chunks.BUDGET);
        assertThat(deliveries).hasSizeGreaterThan(1);
        assertThat(deliveries.stream().mapToInt(List::size).sum()).isEqualTo(burst.size());
        assertThat(deliveries.stream().flatMap(List::stream).toList()).isEqualTo(burst); // order kept
        for (var d : deliveries) {
            assertThat(serialization.serialize(new SessionEntity.Deliver(null, d, acks, 1)).get().length).isLessThan(200 * 1024);
            List<ToConnection> batch = d.stream().<ToConnection>map(m -> new ToConnection.SendPublish(m, QoS.AT_LEAST_ONCE,
                    false, false, 1, List.of())).toList();
            assertThat(serialization.serialize(new ToConnection.Batch(batch)).get().length).isLessThan(200 * 1024);
        }
        // unsplit, the same burst would have been discarded by Artery
        assertThat(serialization.serialize(new SessionEntity.Deliver(null, burst, acks, 1)).get().length).isGreaterThan(256 * 1024);
    }
}
