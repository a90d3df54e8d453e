package io.meshmq.session;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.QoS;
import io.meshmq.connection.ConnectionCommand;
import io.meshmq.it.BrokerFixture;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A connection whose session moved repeats its Attach until the next incarnation answers (ConnectionActor's resume);
 * while the shard is being re-allocated those Attaches wait in the shard region and reach the new incarnation
 * together. The session entity is driven here directly, with a probe as the connection, on a real single-node broker.
 */
class RepeatedAttachTest {
    private static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception { broker = BrokerFixture.start(); }

    @AfterAll
    static void stop() { if (broker != null) broker.close(); }

    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    @DisplayName("MQTT-4.3.3-9 / MQTT-4.4.0-1: Attaches repeated by the same connection do not send unacknowledged messages again (one QoS 2 PUBLISH, not one per Attach); a new connection does, with DUP")
    void repeatedAttachOfTheSameConnectionDoesNotResend() throws Exception {
        String clientId = "repeat-" + UUID.randomUUID();
        String topic = "repeat/" + clientId;
        EntityRef<SessionEntity.Command> session = ClusterSharding.get(broker.broker.system()).entityRefFor(SessionEntity.KEY, clientId);
        TestProbe<ConnectionCommand> connection = TestProbe.create(ConnectionCommand.class, broker.broker.system());

        session.tell(new SessionEntity.Attach(1, connection.ref(), true, 600, 10, null, 0));
        connection.expectMessageClass(ToConnection.SessionAttached.class, WAIT);
        session.tell(new SessionEntity.SubscribeRequest(1, 1, List.of(MqttPacket.Subscription.of(topic, QoS.EXACTLY_ONCE)), 0));
        assertThat(connection.expectMessageClass(ToConnection.SendSubAck.class, WAIT).packetId()).isEqualTo(1);

        Mqtt5BlockingClient publisher = MqttClient.builder().useMqttVersion5().identifier("pub-" + clientId)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        publisher.connect();
        publisher.publishWith().topic(topic).qos(MqttQos.EXACTLY_ONCE).payload("m1".getBytes(StandardCharsets.US_ASCII)).send();
        publisher.disconnect();
        ToConnection.SendPublish first = publishes(connection.expectMessageClass(ConnectionCommand.class, WAIT)).get(0);
        assertThat(first.dup()).isFalse();

        // the same connection (same id, same actor) attaches ten more times, as a resuming connection does
        for (int i = 0; i < 10; i++) session.tell(new SessionEntity.Attach(1, connection.ref(), false, 600, 10, null, 0));
        List<ToConnection.SendPublish> again = new ArrayList<>();
        int attached = 0;
        for (ConnectionCommand m : untilQuiet(connection)) {
            if (m instanceof ToConnection.SessionAttached a) {
                attached++;
                assertThat(a.sessionPresent()).isTrue();
            }
            again.addAll(publishes(m));
        }
        assertThat(again).as("PUBLISHes sent again to the connection that already has them").isEmpty();
        assertThat(attached).as("each Attach is answered (the connection stops repeating it)").isEqualTo(10);

        // the message is still in flight: a new connection gets it again, with DUP and the same packet id (MQTT-4.4.0-1)
        TestProbe<ConnectionCommand> next = TestProbe.create(ConnectionCommand.class, broker.broker.system());
        session.tell(new SessionEntity.Attach(2, next.ref(), false, 600, 10, null, 0));
        connection.expectMessageClass(ToConnection.TakenOver.class, WAIT);
        next.expectMessageClass(ToConnection.SessionAttached.class, WAIT);
        ToConnection.SendPublish resent = publishes(next.expectMessageClass(ConnectionCommand.class, WAIT)).get(0);
        assertThat(resent.dup()).isTrue();
        assertThat(resent.packetId()).isEqualTo(first.packetId());
        assertThat(resent.message().payload()).isEqualTo(first.message().payload());

        session.tell(new SessionEntity.Detach(2, null, 0, 0));
    }

    /** Everything the probe gets until it gets nothing for a second (at most 200 messages). */
    private static List<ConnectionCommand> untilQuiet(TestProbe<ConnectionCommand> probe) {
        List<ConnectionCommand> got = new ArrayList<>();
        while (got.size() < 200) {
            try {
                got.add(probe.receiveMessage(Duration.ofSeconds(1)));
            } catch (AssertionError quiet) {
                break;
            }
        }
        return got;
    }

    private static List<ToConnection.SendPublish> publishes(ConnectionCommand m) {
        List<ToConnection.SendPublish> out = new ArrayList<>();
        if (m instanceof ToConnection.SendPublish p) out.add(p);
        else if (m instanceof ToConnection.Batch b) for (ToConnection c : b.commands()) out.addAll(publishes(c));
        return out;
    }
}
