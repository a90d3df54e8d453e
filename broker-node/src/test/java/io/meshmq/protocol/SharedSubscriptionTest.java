package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Shared subscriptions {@code $share/group/filter} (MQTT 4.8.2). */
class SharedSubscriptionTest {
    static BrokerFixture broker;
    static Mqtt5BlockingClient publisher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        publisher = Clients.hive(broker, unique("share-pub"));
    }

    @AfterAll
    static void stop() {
        Clients.quietly(publisher::disconnect);
        broker.close();
    }

    @Test
    @DisplayName("MQTT 4.8.2: each message of a shared subscription goes to exactly one member, spread over the members")
    void eachMessageToExactlyOneMember() throws Exception {
        String topic = unique("shared"), filter = "$share/g1/" + topic;
        List<Mqtt5BlockingClient> members = new ArrayList<>();
        List<Mqtt5BlockingClient.Mqtt5Publishes> flows = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                Mqtt5BlockingClient m = Clients.hive(broker, unique("member" + i));
                flows.add(m.publishes(MqttGlobalPublishFilter.ALL));
                m.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
                members.add(m);
            }
            int n = 30;
            for (int i = 0; i < n; i++) {
                publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(("m" + i).getBytes()).send();
            }
            Map<Integer, List<String>> byMember = new HashMap<>();
            Set<String> all = new HashSet<>();
            int received = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (received < n && System.nanoTime() < deadline) {
                for (int i = 0; i < 3; i++) {
                    Optional<Mqtt5Publish> p = flows.get(i).receive(20, TimeUnit.MILLISECONDS);
                    if (p.isPresent()) {
                        String s = new String(p.get().getPayloadAsBytes());
                        assertThat(all.add(s)).as("%s delivered twice", s).isTrue();
                        byMember.computeIfAbsent(i, k -> new ArrayList<>()).add(s);
                        received++;
                    }
                }
            }
            assertThat(received).isEqualTo(n);
            for (int i = 0; i < 3; i++) {
                assertThat(flows.get(i).receive(200, TimeUnit.MILLISECONDS)).as("extra message").isEmpty();
            }
            assertThat(byMember).as("every member got some").hasSize(3);
        } finally {
            flows.forEach(Mqtt5BlockingClient.Mqtt5Publishes::close);
            members.forEach(m -> Clients.quietly(m::disconnect));
        }
    }

    @Test
    @DisplayName("MQTT 4.8.2: messages a member's ended session held unacknowledged go to another member of the group")
    void unacknowledgedMessagesOfLeavingMemberGoToAnother() throws Exception {
        String topic = unique("shared-leave"), filter = "$share/g2/" + topic;
        Mqtt5BlockingClient stay = Clients.hive(broker, unique("stay"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = stay.publishes(MqttGlobalPublishFilter.ALL)) {
            stay.subscribeWith().topicFilter(filter).qos(MqttQos.AT_LEAST_ONCE).send();
            List<String> heldByLeaver = new ArrayList<>();
            Set<String> gotByStay = new HashSet<>();
            try (RawClient leaver = RawClient.connect5(broker.port(), unique("leaver"), true, 0)) {   // session ends with the connection
                leaver.subscribe(1, filter, QoS.AT_LEAST_ONCE);
                for (int i = 0; i < 6; i++) {
                    publisher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload(("m" + i).getBytes()).send();
                }
                for (int i = 0; i < 3; i++) {
                    heldByLeaver.add(new String(leaver.expect(MqttPacket.Publish.class).payload()));   // never acknowledged
                }
                for (int i = 0; i < 3; i++) {
                    gotByStay.add(new String(in.receive(10, TimeUnit.SECONDS).orElseThrow().getPayloadAsBytes()));
                }
            }   // socket closed without PUBACK
            for (int i = 0; i < heldByLeaver.size(); i++) {
                Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
                assertThat(m).as("redistributed message %d of %s", i, heldByLeaver).isPresent();
                gotByStay.add(new String(m.get().getPayloadAsBytes()));
            }
            assertThat(gotByStay).containsAll(heldByLeaver).hasSize(6);
        } finally {
            stay.disconnect();
        }
    }
}
