package io.meshmq.session;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import io.meshmq.codec.MqttEncoder;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;

import java.io.OutputStream;
import java.net.Socket;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session entity that is going away (its clean session just ended) must not swallow the commands of the
 * connection that comes right after it with the same client id: they belong to the next session.
 */
class SessionReuseTest {
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception { broker = BrokerFixture.start(); }

    @AfterAll
    static void stop() { broker.close(); }

    static Mqtt5BlockingClient client(String id) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(broker.port())
                .buildBlocking();
    }

    @Test
    @DisplayName("MQTT-3.1.2-4/-5: a client id whose clean session just ended starts a new session at once; nothing it sends is lost")
    void reconnectRightAfterCleanSessionEnds() throws Exception {
        Mqtt5BlockingClient pub = client("reuse-publisher");
        pub.connect();
        for (int round = 0; round < 40; round++) {
            String id = "reuse-" + round;
            // the old connection: CONNECT (clean) and DISCONNECT in one write, so its session ends (and its entity
            // passivates) while the next connection's CONNECT is already on its way
            try (Socket old = new Socket("127.0.0.1", broker.port())) {
                byte[] connect = MqttEncoder.encode(new MqttPacket.Connect(ProtocolVersion.MQTT_5, id, true, 60,
                        null, null, null, Properties.EMPTY), ProtocolVersion.MQTT_5);
                byte[] disconnect = MqttEncoder.encode(MqttPacket.Disconnect.NORMAL, ProtocolVersion.MQTT_5);
                OutputStream out = old.getOutputStream();
                out.write(connect);
                out.write(disconnect);
                out.flush();
                old.setSoTimeout(5000);
                old.getInputStream().readNBytes(1);               // CONNACK started: the session was attached
            }
            Mqtt5BlockingClient second = client(id);
            try (Mqtt5BlockingClient.Mqtt5Publishes in = second.publishes(MqttGlobalPublishFilter.ALL)) {
                second.connectWith().cleanStart(false).sessionExpiryInterval(60).send();
                second.subscribeWith().topicFilter("reuse/" + round).qos(MqttQos.AT_LEAST_ONCE).send();
                pub.publishWith().topic("reuse/" + round).qos(MqttQos.AT_LEAST_ONCE).payload(new byte[] {(byte) round}).send();
                Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
                assertThat(m).as("round %d", round).isPresent();
                assertThat(m.get().getPayloadAsBytes()).containsExactly((byte) round);
            }
            second.disconnectWith().sessionExpiryInterval(0).send();
        }
        pub.disconnect();
    }
}
