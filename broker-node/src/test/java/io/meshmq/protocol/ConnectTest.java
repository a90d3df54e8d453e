package io.meshmq.protocol;

import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.it.BrokerFixture;
import org.eclipse.paho.client.mqttv3.IMqttDeliveryToken;
import org.eclipse.paho.client.mqttv3.MqttCallback;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttMessage;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;

/** CONNECT and CONNACK (MQTT 3.1, 3.2) and the session takeover of MQTT 3.1.4. */
class ConnectTest {
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        broker = BrokerFixture.start(Map.of("broker.connection.connect-timeout", "1s"));
    }

    @AfterAll
    static void stop() { broker.close(); }

    @Test
    @DisplayName("MQTT-3.1.0-1: the first packet from the client must be CONNECT, otherwise the connection is closed")
    void MQTT_3_1_0_1_firstPacketMustBeConnect() throws Exception {
        try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_3_1_1)) {
            c.sendBytes(new byte[] {(byte) 0xC0, 0x00});   // PINGREQ
            assertThat(c.awaitClosed()).isEmpty();
        }
        try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_5)) {
            c.send(new MqttPacket.Publish("a", QoS.AT_MOST_ONCE, false, false, 0, new byte[1], Properties.EMPTY));
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.0-2: a second CONNECT is a protocol error: MQTT 5 DISCONNECT 0x82, then close")
    void MQTT_3_1_0_2_secondConnectIsProtocolError() throws Exception {
        try (RawClient c = RawClient.connect5(broker.port(), unique("twice"), true, 0)) {
            c.send(new MqttPacket.Connect(ProtocolVersion.MQTT_5, "other", true, 0, null, null, null, Properties.EMPTY));
            c.awaitDisconnect(0x82);
        }
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, unique("twice"), true, 0, Properties.EMPTY)) {
            c.send(new MqttPacket.Connect(ProtocolVersion.MQTT_3_1_1, "other", true, 0, null, null, null, Properties.EMPTY));
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT 3.1.4 / 4.8: a socket that sends no CONNECT within the connect timeout is closed")
    void connectTimeoutClosesSilentSocket() throws Exception {
        try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_3_1_1)) {
            assertThat(c.awaitClosed()).isEmpty();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-6/-7, MQTT-3.2.2-16: MQTT 5 empty client id gets an Assigned Client Identifier in CONNACK")
    void MQTT_3_1_3_6_emptyClientIdAssignedV5() throws Exception {
        try (RawClient c = RawClient.connect5(broker.port(), "", true, 0)) {
            assertThat(c.lastConnAck.properties().assignedClientIdentifier()).isNotBlank();
            c.subscribe(1, unique("t"), QoS.AT_LEAST_ONCE);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-6/-7: MQTT 3.1.1 empty client id with Clean Session 1 is accepted")
    void MQTT_3_1_3_7_emptyClientIdClean311() throws Exception {
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, "", true, 0, Properties.EMPTY)) {
            assertThat(c.lastConnAck.reasonCode().value()).isZero();
            assertThat(c.lastConnAck.sessionPresent()).isFalse();
            c.subscribe(1, unique("t"), QoS.AT_LEAST_ONCE);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-8: MQTT 3.1.1 empty client id with Clean Session 0 gets CONNACK 0x02, then close")
    void MQTT_3_1_3_8_emptyClientIdPersistent311Rejected() throws Exception {
        try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_3_1_1)) {
            c.send(new MqttPacket.Connect(ProtocolVersion.MQTT_3_1_1, "", false, 0, null, null, null, Properties.EMPTY));
            c.awaitClosed();
            byte[] raw = c.rawBytes.toByteArray();
            assertThat(raw).containsExactly(0x20, 0x02, 0x00, 0x02);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.3-5 (the server may refuse client ids): the broker's own publisher id $SYS is refused, CONNACK 0x02 for 3.1.1")
    void reservedClientIdRejected() throws Exception {
        try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_3_1_1)) {
            c.send(new MqttPacket.Connect(ProtocolVersion.MQTT_3_1_1, "$SYS", true, 0, null, null, null, Properties.EMPTY));
            c.awaitClosed();
            assertThat(c.rawBytes.toByteArray()).containsExactly(0x20, 0x02, 0x00, 0x02);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-2: unsupported protocol level gets CONNACK 0x01 (3.1.1 format), then close")
    void MQTT_3_1_2_2_unsupportedProtocolLevel() throws Exception {
        for (int level : new int[] {6, 2, 6, 2}) {
            try (RawClient c = RawClient.open(broker.port(), ProtocolVersion.MQTT_3_1_1)) {
                // CONNECT "MQTT" level N, clean session, keep-alive 0, client id "x"
                c.sendBytes(new byte[] {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', (byte) level, 0x02, 0, 0, 0, 1, 'x'});
                c.awaitClosed();
                assertThat(c.rawBytes.toByteArray()).as("level %d", level).containsExactly(0x20, 0x02, 0x00, 0x01);
            }
        }
    }

    @Test
    @DisplayName("MQTT 3.1 (protocol name MQIsdp, level 3) clients connect, subscribe and receive (Paho v3)")
    void mqtt31ClientWorks() throws Exception {
        String topic = unique("v31");
        org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.tcpUri(), "p31-" + Long.toHexString(System.nanoTime()), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1);
        o.setCleanSession(true);
        o.setConnectionTimeout(10);
        BlockingQueue<String> got = new LinkedBlockingQueue<>();
        paho.setCallback(new MqttCallback() {
            @Override public void connectionLost(Throwable cause) {}
            @Override public void messageArrived(String t, MqttMessage m) { got.add(t + ":" + new String(m.getPayload())); }
            @Override public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        paho.connect(o);
        try {
            paho.subscribe(topic, 1);
            paho.publish(topic, "hello31".getBytes(), 1, false);
            assertThat(got.poll(10, TimeUnit.SECONDS)).isEqualTo(topic + ":hello31");
        } finally {
            paho.disconnect();
            paho.close();
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-24: no packet within 1.5 x keep-alive closes the connection (keep-alive 1 s)")
    void MQTT_3_1_2_24_keepAliveTimeout() throws Exception {
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, unique("ka"), true, 1, Properties.EMPTY)) {
            assertThat(c.awaitClosed()).isEmpty();
        }
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_5, unique("ka5"), true, 1, Properties.EMPTY)) {
            List<MqttPacket> before = c.awaitClosed();
            // MQTT 5 allows a DISCONNECT 0x8D (Keep Alive timeout) before closing
            for (MqttPacket p : before) {
                assertThat(p).isInstanceOf(MqttPacket.Disconnect.class);
                assertThat(((MqttPacket.Disconnect) p).reasonCode().value()).isEqualTo(0x8D);
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-23: a client that sends PINGREQ within the keep-alive stays connected")
    void MQTT_3_1_2_23_pingKeepsConnectionAlive() throws Exception {
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, unique("ping"), true, 1, Properties.EMPTY)) {
            for (int i = 0; i < 6; i++) {
                Thread.sleep(500);
                c.send(new MqttPacket.PingReq());
                assertThat(c.receive()).isInstanceOf(MqttPacket.PingResp.class);   // MQTT-3.12.4-1
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-3: a CONNECT with a connected client's id takes over; the old MQTT 5 client gets DISCONNECT 0x8E and is closed")
    void MQTT_3_1_4_3_sessionTakeover() throws Exception {
        String id = unique("takeover");
        try (RawClient old = RawClient.connect5(broker.port(), id, true, 0)) {
            Mqtt5BlockingClient neu = Clients.hive(broker, id);
            try {
                old.awaitDisconnect(0x8E);
                Clients.assertRoundTrip(neu);
            } finally {
                neu.disconnect();
            }
        }
    }

    @Test
    @DisplayName("MQTT-3.1.4-3: takeover of an MQTT 3.1.1 client closes the old connection (Paho v3)")
    void MQTT_3_1_4_3_sessionTakeover311() throws Exception {
        String id = "to311-" + Long.toHexString(System.nanoTime());
        CountDownLatch lost = new CountDownLatch(1);
        org.eclipse.paho.client.mqttv3.MqttClient old = new org.eclipse.paho.client.mqttv3.MqttClient(
                broker.tcpUri(), id, new MemoryPersistence());
        old.setCallback(new MqttCallback() {
            @Override public void connectionLost(Throwable cause) { lost.countDown(); }
            @Override public void messageArrived(String t, MqttMessage m) {}
            @Override public void deliveryComplete(IMqttDeliveryToken token) {}
        });
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setAutomaticReconnect(false);
        old.connect(o);
        try (RawClient neu = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, id, true, 0, Properties.EMPTY)) {
            assertThat(lost.await(10, TimeUnit.SECONDS)).as("old connection closed").isTrue();
            neu.subscribe(1, unique("t"), QoS.AT_MOST_ONCE);
        } finally {
            old.close(true);
        }
    }

    @Test
    @DisplayName("MQTT-3.2.2-2/-3 (3.1.1: MQTT-3.2.2-1/-2): Session Present reflects a resumed session, 0 for a clean start")
    void MQTT_3_2_2_2_sessionPresent() throws Exception {
        String id = unique("present");
        try (RawClient c = RawClient.connect5(broker.port(), id, false, 60)) {
            assertThat(c.lastConnAck.sessionPresent()).isFalse();          // no session existed: 0
            c.subscribe(1, "sp/" + id, QoS.AT_LEAST_ONCE);
            c.disconnect();
        }
        try (RawClient c = RawClient.connect5(broker.port(), id, false, 60)) {
            assertThat(c.lastConnAck.sessionPresent()).isTrue();           // MQTT-3.2.2-3
            c.disconnect();
        }
        try (RawClient c = RawClient.connect5(broker.port(), id, true, 0)) {
            assertThat(c.lastConnAck.sessionPresent()).isFalse();          // MQTT-3.2.2-2
            c.disconnect();
        }
        String id3 = unique("present311");
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, id3, false, 0, Properties.EMPTY)) {
            assertThat(c.lastConnAck.sessionPresent()).isFalse();
            c.subscribe(1, "sp/" + id3, QoS.AT_LEAST_ONCE);
            c.disconnect();
        }
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, id3, false, 0, Properties.EMPTY)) {
            assertThat(c.lastConnAck.sessionPresent()).isTrue();
            c.disconnect();
        }
        try (RawClient c = RawClient.connect(broker.port(), ProtocolVersion.MQTT_3_1_1, id3, true, 0, Properties.EMPTY)) {
            assertThat(c.lastConnAck.sessionPresent()).isFalse();
            c.disconnect();
        }
    }
}
