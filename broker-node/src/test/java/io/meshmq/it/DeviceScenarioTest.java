package io.meshmq.it;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt3.Mqtt3AsyncClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The acceptance scenario of ../shared/README.md: ESP32 devices running PubSubClient (MQTT 3.1.1, clean session,
 * keep-alive 15 s, QoS 0) subscribe to {@code test/topic} and publish "Hello from ESP32" to it every second, so each
 * receives its own messages; a device that vanishes reconnects at once with the same client id.
 */
class DeviceScenarioTest {
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception { broker = BrokerFixture.start(); }

    @AfterAll
    static void stop() { broker.close(); }

    @Test
    @DisplayName("200 ESP32-like devices for 10 s: each receives every one of its own messages")
    void twoHundredDevicesReceiveTheirOwnMessages() throws Exception {
        int devices = 200;
        int seconds = 10;
        List<Mqtt3AsyncClient> clients = new ArrayList<>();
        List<Set<Integer>> received = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            String id = "ESP32Client-" + d;
            Mqtt3AsyncClient c = MqttClient.builder().useMqttVersion3().identifier(id)
                    .serverHost("127.0.0.1").serverPort(broker.port()).buildAsync();
            Set<Integer> mine = ConcurrentHashMap.newKeySet();
            String prefix = "Hello from ESP32 " + id + " #";
            c.connectWith().cleanSession(true).keepAlive(15).send().get(15, TimeUnit.SECONDS);
            c.subscribeWith().topicFilter("test/topic").qos(MqttQos.AT_MOST_ONCE).callback(p -> {
                String s = new String(p.getPayloadAsBytes(), StandardCharsets.UTF_8);
                if (s.startsWith(prefix)) mine.add(Integer.parseInt(s.substring(prefix.length())));
            }).send().get(15, TimeUnit.SECONDS);
            clients.add(c);
            received.add(mine);
        }
        for (int second = 0; second < seconds; second++) {
            long start = System.nanoTime();
            for (int d = 0; d < devices; d++) {
                String payload = "Hello from ESP32 ESP32Client-" + d + " #" + second;
                clients.get(d).publishWith().topic("test/topic").qos(MqttQos.AT_MOST_ONCE)
                        .payload(payload.getBytes(StandardCharsets.UTF_8)).send();
            }
            long sleep = 1000 - (System.nanoTime() - start) / 1_000_000;
            if (sleep > 0) Thread.sleep(sleep);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline && received.stream().anyMatch(r -> r.size() < seconds)) Thread.sleep(100);
        for (int d = 0; d < devices; d++) {
            assertThat(received.get(d)).as("own messages of device %d", d).hasSize(seconds);
        }
        for (Mqtt3AsyncClient c : clients) c.disconnect().get(10, TimeUnit.SECONDS);
    }

    @Test
    @DisplayName("MQTT-3.1.4-3: a device that vanished without DISCONNECT reconnects at once with the same client id")
    void vanishedDeviceReconnectsAtOnce() throws Exception {
        // The old connection: a raw socket that sent CONNECT and then went silent (the broker has not noticed yet).
        Socket stale = new Socket("127.0.0.1", broker.port());
        OutputStream out = stale.getOutputStream();
        out.write(RawMqtt.connect311("ESP32Client", true, 15));
        out.flush();
        InputStream in = stale.getInputStream();
        stale.setSoTimeout(5000);
        byte[] connack = in.readNBytes(4);
        assertThat(connack).containsExactly(0x20, 0x02, 0x00, 0x00);

        // The device reboots and reconnects with the same id (Paho, the 3.1.1 client most like PubSubClient).
        var paho = new org.eclipse.paho.client.mqttv3.MqttClient(broker.tcpUri(), "ESP32Client", new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setCleanSession(true);
        o.setKeepAliveInterval(15);
        o.setConnectionTimeout(15);
        CountDownLatch got = new CountDownLatch(1);
        paho.setCallback(new org.eclipse.paho.client.mqttv3.MqttCallback() {
            public void connectionLost(Throwable cause) {}
            public void messageArrived(String topic, org.eclipse.paho.client.mqttv3.MqttMessage message) {
                if (new String(message.getPayload()).equals("Hello from ESP32")) got.countDown();
            }
            public void deliveryComplete(org.eclipse.paho.client.mqttv3.IMqttDeliveryToken token) {}
        });
        paho.connect(o);
        paho.subscribe("test/topic", 0);
        paho.publish("test/topic", "Hello from ESP32".getBytes(), 0, false);
        assertThat(got.await(10, TimeUnit.SECONDS)).isTrue();

        // The broker closed the stale connection (session taken over).
        assertThat(in.read()).isEqualTo(-1);
        stale.close();
        paho.disconnect();
        paho.close();
    }
}
