package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** Will messages (MQTT 3.1.2.5, 3.1.3.2, 3.14.2.1). */
class WillTest {
    static BrokerFixture broker;
    static Mqtt5BlockingClient watcher;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start();
        watcher = Clients.hive(broker, unique("will-watch"));
    }

    @AfterAll
    static void stop() {
        Clients.quietly(watcher::disconnect);
        broker.close();
    }

    static MqttPacket.Will will(String topic, boolean retain, Properties props) {
        return new MqttPacket.Will(topic, ("gone:" + topic).getBytes(), QoS.AT_LEAST_ONCE, retain, props);
    }

    static RawClient connectWithWill(ProtocolVersion v, String id, boolean clean, long sessionExpiry, MqttPacket.Will w)
            throws Exception {
        RawClient c = RawClient.open(broker.port(), v);
        MqttPacket.ConnAck ack = c.sendConnect(id, clean, 0,
                Properties.builder().sessionExpiryInterval(sessionExpiry).build(), w);
        assertThat(ack.reasonCode().isError()).isFalse();
        c.lastConnAck = ack;
        return c;
    }

    /** The watcher's next message on {@code topic}, or empty; a marker published after ends the wait early. */
    static Optional<Mqtt5Publish> nextOn(Mqtt5BlockingClient.Mqtt5Publishes in, long seconds) throws InterruptedException {
        return in.receive(seconds, TimeUnit.SECONDS);
    }

    static void marker(String topic) {
        watcher.publishWith().topic(topic).qos(MqttQos.AT_LEAST_ONCE).payload("marker".getBytes()).send();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("MQTT-3.1.2-8: the will is published when the network connection closes without DISCONNECT")
    void MQTT_3_1_2_8_willOnAbnormalClose(ProtocolVersion v) throws Exception {
        String topic = unique("will/abnormal");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            RawClient c = connectWithWill(v, unique("dying"), true, 0, will(topic, false, Properties.EMPTY));
            c.close();
            Optional<Mqtt5Publish> m = nextOn(in, 10);
            assertThat(m).isPresent();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("gone:" + topic);
        }
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(value = ProtocolVersion.class, names = {"MQTT_3_1_1", "MQTT_5"})
    @DisplayName("MQTT-3.1.2-10: the will is not published after a normal DISCONNECT")
    void MQTT_3_1_2_10_noWillAfterDisconnect(ProtocolVersion v) throws Exception {
        String topic = unique("will/normal"), id = unique("polite");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            RawClient c = connectWithWill(v, id, true, 0, will(topic, false, Properties.EMPTY));
            c.disconnect();
            // the session has processed the end of that connection once a new one with the same id is attached
            try (RawClient again = RawClient.connect(broker.port(), v, id, true, 0, Properties.EMPTY)) {
                again.disconnect();
            }
            marker(topic);
            Optional<Mqtt5Publish> m = nextOn(in, 10);
            assertThat(m).isPresent();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("marker");
        }
    }

    @Test
    @DisplayName("MQTT 3.14.2.1: MQTT 5 DISCONNECT with reason 0x04 publishes the will")
    void disconnectWithWillMessage() throws Exception {
        String topic = unique("will/0x04");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            RawClient c = connectWithWill(ProtocolVersion.MQTT_5, unique("leaving"), true, 0, will(topic, false, Properties.EMPTY));
            c.send(new MqttPacket.Disconnect(ReasonCode.DISCONNECT_WITH_WILL_MESSAGE, Properties.EMPTY));
            c.awaitClosed();
            c.close();
            Optional<Mqtt5Publish> m = nextOn(in, 10);
            assertThat(m).isPresent();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("gone:" + topic);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-9: the will is not published if the client reconnects before the Will Delay Interval passes")
    void MQTT_3_1_3_9_willDelayReconnectCancels() throws Exception {
        String topic = unique("will/delay-cancel"), id = unique("flaky");
        Properties delay = Properties.builder().willDelayInterval(2L).build();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            connectWithWill(ProtocolVersion.MQTT_5, id, true, 60, will(topic, false, delay)).close();
            try (RawClient back = connectWithWill(ProtocolVersion.MQTT_5, id, false, 60, will(topic, false, delay))) {
                assertThat(back.lastConnAck.sessionPresent()).isTrue();
                // wait past the delay, then a marker: the will must not come before it
                Thread.sleep(3000);
                marker(topic);
                Optional<Mqtt5Publish> m = nextOn(in, 10);
                assertThat(m).isPresent();
                assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("marker");
                back.disconnect();
            }
        }
    }

    @Test
    @DisplayName("MQTT 3.1.3.2.2: the will is published once the Will Delay Interval passes without reconnect")
    void willDelayPassesThenPublished() throws Exception {
        String topic = unique("will/delay");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            connectWithWill(ProtocolVersion.MQTT_5, unique("gone"), true, 60,
                    will(topic, false, Properties.builder().willDelayInterval(1L).build())).close();
            Optional<Mqtt5Publish> m = nextOn(in, 10);
            assertThat(m).isPresent();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("gone:" + topic);
        }
    }

    @Test
    @DisplayName("MQTT 3.1.3.2.2: the will is published when the session ends before the Will Delay Interval passes")
    void willPublishedWhenSessionEndsBeforeDelay() throws Exception {
        String topic = unique("will/session-end");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            connectWithWill(ProtocolVersion.MQTT_5, unique("short"), true, 1,
                    will(topic, false, Properties.builder().willDelayInterval(30L).build())).close();
            Optional<Mqtt5Publish> m = nextOn(in, 10);
            assertThat(m).as("will at session end (expiry 1 s, delay 30 s)").isPresent();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("gone:" + topic);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-17: a will with Will Retain 1 is published as a retained message")
    void MQTT_3_1_2_17_willRetain() throws Exception {
        String topic = unique("will/retained");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = watcher.publishes(MqttGlobalPublishFilter.ALL)) {
            watcher.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            connectWithWill(ProtocolVersion.MQTT_5, unique("ret"), true, 0, will(topic, true, Properties.EMPTY)).close();
            assertThat(nextOn(in, 10)).isPresent();    // published live
        }
        Mqtt5BlockingClient late = Clients.hive(broker, unique("late"));
        try (Mqtt5BlockingClient.Mqtt5Publishes in = late.publishes(MqttGlobalPublishFilter.ALL)) {
            late.subscribeWith().topicFilter(topic).qos(MqttQos.AT_LEAST_ONCE).send();
            Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
            assertThat(m).isPresent();
            assertThat(m.get().isRetain()).isTrue();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("gone:" + topic);
        } finally {
            late.disconnect();
        }
        watcher.publishWith().topic(topic).retain(true).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[0]).send();
    }
}
