package io.meshmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5ClientBuilder;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.QoS;
import io.meshmq.codec.ReasonCode;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocketHandshakeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MQTT over WebSocket (MQTT 5.0 / 3.1.1 chapter 6) on ws:// and wss://, path /mqtt, subprotocol mqtt: real clients
 * (HiveMQ MQTT 5, Paho 3.1.1) exchange messages of every QoS with TCP clients in both directions; a raw JDK WebSocket
 * client shows that packets and frames are independent; wrong paths and subprotocols are refused.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WebSocketTest {
    @TempDir
    static Path dir;
    static TestCertificates certs;
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        certs = TestCertificates.create(dir, "localhost");
        Map<String, Object> config = new HashMap<>();
        config.put("broker.websocket.enabled", true);
        config.put("broker.websocket.port", 0);
        config.put("broker.websocket.tls.enabled", true);
        config.put("broker.websocket.tls.port", 0);
        config.put("broker.tls.key-store", certs.keyStore().toString());
        config.put("broker.tls.key-store-password", certs.password());
        broker = BrokerFixture.start(config);
    }

    @AfterAll
    static void stop() { if (broker != null) broker.close(); }

    static String unique(String prefix) { return prefix + "-" + UUID.randomUUID().toString().substring(0, 8); }

    static URI wsUri(String path) { return URI.create("ws://127.0.0.1:" + broker.broker.webSocketPort() + path); }

    static URI httpUri(String path) { return URI.create("http://127.0.0.1:" + broker.broker.webSocketPort() + path); }

    static Mqtt5BlockingClient tcpClient(String id) {
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id)
                .serverHost("127.0.0.1").serverPort(broker.port()).buildBlocking();
        c.connect();
        return c;
    }

    static Mqtt5ClientBuilder webSocketBuilder(String id, int port) {
        return MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .webSocketConfig().serverPath("mqtt").subprotocol("mqtt").applyWebSocketConfig();
    }

    /** {@code from} publishes one message of each QoS; {@code to}, subscribed with QoS 2, gets each with its QoS. */
    static void everyQos(Mqtt5BlockingClient from, Mqtt5BlockingClient to) throws Exception {
        String topic = unique("ws/every-qos");
        try (Mqtt5BlockingClient.Mqtt5Publishes in = to.publishes(MqttGlobalPublishFilter.ALL)) {
            to.subscribeWith().topicFilter(topic).qos(MqttQos.EXACTLY_ONCE).send();
            for (MqttQos qos : MqttQos.values()) {
                from.publishWith().topic(topic).qos(qos).payload(("qos " + qos.getCode()).getBytes()).send();
                Optional<Mqtt5Publish> m = in.receive(20, TimeUnit.SECONDS);
                assertThat(m).as("message of QoS %s", qos).isPresent();
                assertThat(m.get().getQos()).isEqualTo(qos);
                assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("qos " + qos.getCode());
            }
        }
    }

    @Test
    @DisplayName("HiveMQ MQTT 5 over ws:// and a TCP client exchange QoS 0, 1 and 2 messages both ways")
    void hiveMq5OverWebSocket() throws Exception {
        Mqtt5BlockingClient ws = webSocketBuilder(unique("ws5"), broker.broker.webSocketPort()).buildBlocking();
        ws.connect();
        Mqtt5BlockingClient tcp = tcpClient(unique("tcp5"));
        try {
            everyQos(tcp, ws);
            everyQos(ws, tcp);
        } finally {
            ws.disconnect();
            tcp.disconnect();
        }
    }

    @Test
    @DisplayName("HiveMQ MQTT 5 over wss:// (TLS with the test certificate) exchanges QoS 0, 1 and 2 messages with a TCP client")
    void hiveMq5OverSecureWebSocket() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(certs.trustStore());
        Mqtt5BlockingClient wss = webSocketBuilder(unique("wss5"), broker.broker.webSocketTlsPort())
                .sslConfig().trustManagerFactory(tmf).hostnameVerifier((h, s) -> true).applySslConfig()
                .buildBlocking();
        wss.connect();
        Mqtt5BlockingClient tcp = tcpClient(unique("tcp5"));
        try {
            everyQos(tcp, wss);
            everyQos(wss, tcp);
        } finally {
            wss.disconnect();
            tcp.disconnect();
        }
    }

    @Test
    @DisplayName("Paho MQTT 3.1.1 over ws:// and a TCP client exchange QoS 0, 1 and 2 messages both ways")
    void paho311OverWebSocket() throws Exception {
        BlockingQueue<MqttMessage> pahoIn = new LinkedBlockingQueue<>();
        org.eclipse.paho.client.mqttv3.MqttClient paho = new org.eclipse.paho.client.mqttv3.MqttClient(
                wsUri("/mqtt").toString(), unique("paho"), new MemoryPersistence());
        paho.setCallback(new MqttCallback() {
            @Override public void connectionLost(Throwable cause) { }
            @Override public void messageArrived(String topic, MqttMessage message) { pahoIn.add(message); }
            @Override public void deliveryComplete(IMqttDeliveryToken token) { }
        });
        MqttConnectOptions options = new MqttConnectOptions();
        options.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        options.setCleanSession(true);
        paho.connect(options);
        Mqtt5BlockingClient tcp = tcpClient(unique("tcp5"));
        try {
            String toPaho = unique("ws/to-paho");
            paho.subscribe(toPaho, 2);
            for (MqttQos qos : MqttQos.values()) {
                tcp.publishWith().topic(toPaho).qos(qos).payload(("qos " + qos.getCode()).getBytes()).send();
                MqttMessage m = pahoIn.poll(20, TimeUnit.SECONDS);
                assertThat(m).as("Paho receives QoS %s", qos).isNotNull();
                assertThat(m.getQos()).isEqualTo(qos.getCode());
                assertThat(new String(m.getPayload())).isEqualTo("qos " + qos.getCode());
            }
            String fromPaho = unique("ws/from-paho");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = tcp.publishes(MqttGlobalPublishFilter.ALL)) {
                tcp.subscribeWith().topicFilter(fromPaho).qos(MqttQos.EXACTLY_ONCE).send();
                for (int qos = 0; qos <= 2; qos++) {
                    paho.publish(fromPaho, ("qos " + qos).getBytes(), qos, false);
                    Optional<Mqtt5Publish> m = in.receive(20, TimeUnit.SECONDS);
                    assertThat(m).as("TCP client receives Paho's QoS %s", qos).isPresent();
                    assertThat(m.get().getQos().getCode()).isEqualTo(qos);
                    assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("qos " + qos);
                }
            }
        } finally {
            paho.disconnect();
            paho.close();
            tcp.disconnect();
        }
    }

    static byte[] connect(String clientId) {
        return RawWebSocket.encode(new MqttPacket.Connect(ProtocolVersion.MQTT_5, clientId, true, 60, null, null, null,
                Properties.EMPTY), ProtocolVersion.MQTT_5);
    }

    static byte[] publish(String topic, int packetId, String payload) {
        return RawWebSocket.encode(new MqttPacket.Publish(topic, QoS.AT_LEAST_ONCE, false, false, packetId,
                payload.getBytes(StandardCharsets.UTF_8), Properties.EMPTY), ProtocolVersion.MQTT_5);
    }

    static List<byte[]> split(byte[] bytes, int... at) {
        List<byte[]> parts = new ArrayList<>();
        int from = 0;
        for (int i : at) { parts.add(Arrays.copyOfRange(bytes, from, i)); from = i; }
        parts.add(Arrays.copyOfRange(bytes, from, bytes.length));
        return parts;
    }

    @Test
    @DisplayName("raw WebSocket: a packet split over several messages or fragments, several packets in one frame, a packet across two frames")
    void packetsAndFramesAreIndependent() throws Exception {
        String topic = unique("ws/raw");
        try (RawWebSocket ws = RawWebSocket.open(wsUri("/mqtt"), ProtocolVersion.MQTT_5, "mqtt")) {
            assertThat(ws.socket.getSubprotocol()).isEqualTo("mqtt");
            // CONNECT in three messages: the fixed header alone, then the middle, then the rest
            byte[] connect = connect(unique("raw"));
            ws.messages(split(connect, 1, 5));
            MqttPacket connAck = ws.next();
            assertThat(connAck).isInstanceOf(MqttPacket.ConnAck.class);
            assertThat(((MqttPacket.ConnAck) connAck).reasonCode()).isEqualTo(ReasonCode.SUCCESS);

            // SUBSCRIBE as one message in three fragments (continuation frames)
            byte[] subscribe = RawWebSocket.encode(new MqttPacket.Subscribe(1,
                    List.of(MqttPacket.Subscription.of(topic, QoS.AT_LEAST_ONCE)), Properties.EMPTY), ProtocolVersion.MQTT_5);
            List<byte[]> fragments = split(subscribe, 2, 6);
            ws.frame(fragments.get(0), false);
            ws.frame(fragments.get(1), false);
            ws.frame(fragments.get(2), true);
            assertThat(ws.next()).isEqualTo(new MqttPacket.SubAck(1, List.of(ReasonCode.GRANTED_QOS_1), Properties.EMPTY));

            // two PUBLISH and a PINGREQ in one frame, then a PUBLISH that starts in one frame and ends in the next
            byte[] pingReq = RawWebSocket.encode(new MqttPacket.PingReq(), ProtocolVersion.MQTT_5);
            ws.frame(RawWebSocket.concat(publish(topic, 10, "one"), publish(topic, 11, "two"), pingReq), true);
            byte[] third = publish(topic, 12, "three");
            byte[] fourth = publish(topic, 13, "four");
            ws.frame(RawWebSocket.concat(third, Arrays.copyOfRange(fourth, 0, 3)), true);
            ws.frame(Arrays.copyOfRange(fourth, 3, fourth.length), true);

            List<Integer> acked = new ArrayList<>();
            List<String> delivered = new ArrayList<>();
            boolean pingResp = false;
            while (acked.size() < 4 || delivered.size() < 4 || !pingResp) {
                MqttPacket p = ws.next();
                assertThat(p).as("the broker closed the WebSocket").isNotSameAs(RawWebSocket.CLOSED);
                if (p instanceof MqttPacket.PubAck a) acked.add(a.packetId());
                else if (p instanceof MqttPacket.PingResp) pingResp = true;
                else if (p instanceof MqttPacket.Publish m) {
                    delivered.add(new String(m.payload(), StandardCharsets.UTF_8));
                    ws.frame(RawWebSocket.encode(new MqttPacket.PubAck(m.packetId(), ReasonCode.SUCCESS, Properties.EMPTY),
                            ProtocolVersion.MQTT_5), true);
                }
            }
            assertThat(acked).containsExactly(10, 11, 12, 13);
            assertThat(delivered).containsExactly("one", "two", "three", "four");
        }
    }

    @Test
    @DisplayName("subprotocol mqttv3.1 (old clients) is accepted; a client offering only other subprotocols is refused")
    void subprotocols() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(wsUri("/mqtt"), ProtocolVersion.MQTT_5, "chat", "mqttv3.1")) {
            assertThat(ws.socket.getSubprotocol()).isEqualTo("mqttv3.1");
            ws.frame(connect(unique("old")), true);
            assertThat(ws.next()).isInstanceOf(MqttPacket.ConnAck.class);
        }
        assertThatThrownBy(() -> RawWebSocket.open(wsUri("/mqtt"), ProtocolVersion.MQTT_5, "chat"))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(400));
    }

    @Test
    @DisplayName("other paths get 404 (WebSocket or not); /mqtt without a WebSocket upgrade gets 400")
    void wrongPath() throws Exception {
        assertThatThrownBy(() -> RawWebSocket.open(wsUri("/other"), ProtocolVersion.MQTT_5, "mqtt"))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(WebSocketHandshakeException.class)
                .satisfies(e -> assertThat(((WebSocketHandshakeException) e).getResponse().statusCode()).isEqualTo(404));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> other = http.send(HttpRequest.newBuilder(httpUri("/")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(other.statusCode()).isEqualTo(404);
        HttpResponse<String> plain = http.send(HttpRequest.newBuilder(httpUri("/mqtt")).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(plain.statusCode()).isEqualTo(400);
    }

    @Test
    @DisplayName("a text frame closes the connection (MQTT-6.0.0-1)")
    void textFrameCloses() throws Exception {
        try (RawWebSocket ws = RawWebSocket.open(wsUri("/mqtt"), ProtocolVersion.MQTT_5, "mqtt")) {
            ws.frame(connect(unique("text")), true);
            assertThat(ws.next()).isInstanceOf(MqttPacket.ConnAck.class);
            ws.socket.sendText("hello", true).get(10, TimeUnit.SECONDS);
            assertThat(ws.next()).isSameAs(RawWebSocket.CLOSED);
        }
    }

    @Test
    @DisplayName("a broker shutting down tells WebSocket clients so (MQTT 5 DISCONNECT 0x8B) and closes the WebSocket")
    void shutdownDisconnectsWebSocketClients() throws Exception {
        BrokerFixture own = BrokerFixture.start(Map.of("broker.websocket.enabled", true, "broker.websocket.port", 0));
        try (RawWebSocket ws = RawWebSocket.open(URI.create("ws://127.0.0.1:" + own.webSocketPort() + "/mqtt"),
                ProtocolVersion.MQTT_5, "mqtt")) {
            ws.frame(connect(unique("shutdown")), true);
            assertThat(ws.next()).isInstanceOf(MqttPacket.ConnAck.class);
            own.close();
            MqttPacket p = ws.next();
            assertThat(p).isInstanceOf(MqttPacket.Disconnect.class);
            assertThat(((MqttPacket.Disconnect) p).reasonCode()).isEqualTo(ReasonCode.SERVER_SHUTTING_DOWN);
            assertThat(ws.next()).isSameAs(RawWebSocket.CLOSED);
        } finally {
            own.close();
        }
    }

    /** Opens a TCP connection to the port that sends nothing, and waits until the broker closes it. */
    static void idleSocketIsClosed(int port) throws Exception {
        try (java.net.Socket idle = new java.net.Socket("127.0.0.1", port)) {
            idle.setSoTimeout(60_000);
            int read;
            try {
                read = idle.getInputStream().read();
            } catch (java.net.SocketException reset) {
                read = -1; // the idle timeout aborts the connection: a reset is a close too
            }
            assertThat(read).as("a socket that sends no request is closed").isEqualTo(-1);
        }
    }

    @Test
    @DisplayName("broker.websocket.idle-timeout closes sockets that never upgrade; a silent MQTT client (keep-alive 0) outlives it")
    void idleTimeout() throws Exception {
        try (BrokerFixture own = BrokerFixture.start(Map.of("broker.websocket.enabled", true, "broker.websocket.port", 0,
                "broker.websocket.idle-timeout", "2s"));
             RawWebSocket ws = RawWebSocket.open(URI.create("ws://127.0.0.1:" + own.webSocketPort() + "/mqtt"),
                     ProtocolVersion.MQTT_5, "mqtt")) {
            ws.frame(RawWebSocket.encode(new MqttPacket.Connect(ProtocolVersion.MQTT_5, unique("silent"), true, 0, null,
                    null, null, Properties.EMPTY), ProtocolVersion.MQTT_5), true);
            assertThat(ws.next()).isInstanceOf(MqttPacket.ConnAck.class);
            // idle sockets opened one after the other, after the client's last packet, measure its silence: three
            // idle timeouts (one is not enough to be sure, the HTTP server checks for idleness at a coarse interval;
            // without the WebSocket pings the client is cut off within three)
            for (int i = 0; i < 3; i++) idleSocketIsClosed(own.webSocketPort());
            assertThat(ws.received).as("nothing, in particular no close").isEmpty();
            ws.frame(RawWebSocket.encode(new MqttPacket.Subscribe(1, List.of(MqttPacket.Subscription.of("silent/#",
                    QoS.AT_MOST_ONCE)), Properties.EMPTY), ProtocolVersion.MQTT_5), true);
            assertThat(ws.next()).isInstanceOf(MqttPacket.SubAck.class);
        }
    }

    @Test
    @DisplayName("broker.limits.max-connections counts TCP and WebSocket clients together (CONNACK 0x89 over ws)")
    void connectionLimitIsShared() throws Exception {
        try (BrokerFixture limited = BrokerFixture.start(Map.of("broker.websocket.enabled", true, "broker.websocket.port", 0,
                "broker.limits.max-connections", 1))) {
            Mqtt5BlockingClient tcp = MqttClient.builder().useMqttVersion5().identifier(unique("only"))
                    .serverHost("127.0.0.1").serverPort(limited.port()).buildBlocking();
            tcp.connect();
            URI uri = URI.create("ws://127.0.0.1:" + limited.broker.webSocketPort() + "/mqtt");
            try (RawWebSocket ws = RawWebSocket.open(uri, ProtocolVersion.MQTT_5, "mqtt")) {
                ws.frame(connect(unique("second")), true);
                MqttPacket p = ws.next();
                assertThat(p).isInstanceOf(MqttPacket.ConnAck.class);
                assertThat(((MqttPacket.ConnAck) p).reasonCode()).isEqualTo(ReasonCode.SERVER_BUSY);
                assertThat(ws.next()).isSameAs(RawWebSocket.CLOSED);
            } finally {
                tcp.disconnect();
            }
        }
    }
}
