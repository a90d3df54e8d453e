package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import io.meshmq.auth.PasswordFile;
import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.Properties;
import io.meshmq.codec.ProtocolVersion;
import io.meshmq.codec.ReasonCode;
import io.meshmq.it.BrokerFixture;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Authentication at CONNECT (MQTT 3.1.4, 5.4.1): password file, anonymous policy, CONNACK codes, counters. */
class AuthenticationTest {
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("meshmq-auth");
        Path passwd = dir.resolve("passwd");
        PasswordFile pf = PasswordFile.empty();
        pf.put("alice", "alice-secret".toCharArray(), 1000);
        pf.save(passwd);
        broker = BrokerFixture.start(Map.of("broker.auth.password-file", passwd.toString(),
                "broker.auth.allow-anonymous", "off"));
    }

    @AfterAll
    static void stop() { broker.close(); }

    static Mqtt5BlockingClient hive(String user, String password) {
        var b = MqttClient.builder().useMqttVersion5().identifier(unique("auth")).serverHost("127.0.0.1").serverPort(broker.port());
        if (user != null) b = b.simpleAuth().username(user).password(password.getBytes(StandardCharsets.UTF_8)).applySimpleAuth();
        return b.buildBlocking();
    }

    static Mqtt5ConnAckReasonCode refusal(Mqtt5BlockingClient c) {
        try {
            c.connect();
        } catch (Mqtt5ConnAckException e) {
            return e.getMqttMessage().getReasonCode();
        }
        Clients.quietly(c::disconnect);
        return Mqtt5ConnAckReasonCode.SUCCESS;
    }

    @Test
    @DisplayName("the right password connects; a wrong password and an unknown user get 0x86 (MQTT 5) and are counted")
    void wrongPasswordAndUnknownUser() {
        long before = broker.broker.metrics().snapshot().getOrDefault("rejected.auth.bad-credentials", 0L);
        assertThat(refusal(hive("alice", "alice-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(refusal(hive("alice", "wrong"))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(refusal(hive("mallory", "alice-secret"))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_USER_NAME_OR_PASSWORD);
        assertThat(broker.broker.metrics().snapshot().get("rejected.auth.bad-credentials")).isEqualTo(before + 2);
    }

    @Test
    @DisplayName("MQTT 3.1.1 (Paho): wrong password gets return code 4, anonymous gets 5; the right password connects")
    void paho311ReturnCodes() throws Exception {
        assertThat(pahoConnect("alice", "wrong")).isEqualTo(MqttException.REASON_CODE_FAILED_AUTHENTICATION);
        assertThat(pahoConnect(null, null)).isEqualTo(MqttException.REASON_CODE_NOT_AUTHORIZED);
        assertThat(pahoConnect("alice", "alice-secret")).isZero();
    }

    private static int pahoConnect(String user, String password) throws Exception {
        var c = new org.eclipse.paho.client.mqttv3.MqttClient(broker.tcpUri(), unique("paho"), new MemoryPersistence());
        MqttConnectOptions o = new MqttConnectOptions();
        o.setMqttVersion(MqttConnectOptions.MQTT_VERSION_3_1_1);
        o.setConnectionTimeout(10);
        if (user != null) { o.setUserName(user); o.setPassword(password.toCharArray()); }
        try {
            c.connect(o);
            c.disconnect();
            return 0;
        } catch (MqttException e) {
            return e.getReasonCode();
        } finally {
            c.close(true);
        }
    }

    @Test
    @DisplayName("anonymous access refused when configured: MQTT 5 gets 0x87, a raw MQTT 3.1.1 CONNECT gets return code 5")
    void anonymousRefusedWhenConfigured() throws Exception {
        assertThat(refusal(hive(null, null))).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        try (RawClient raw = RawClient.open(broker.port(), ProtocolVersion.MQTT_3_1_1)) {
            MqttPacket.ConnAck ack = raw.sendConnect(unique("raw"), true, 0, Properties.EMPTY, null);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.NOT_AUTHORIZED);
        }
        assertThat(broker.broker.metrics().snapshot().get("rejected.auth.not-authorized")).isGreaterThanOrEqualTo(2);
    }

    @Test
    @DisplayName("the embedded single-node default lets anonymous clients in from localhost")
    void anonymousFromLocalhostAllowedByDefault() throws Exception {
        try (BrokerFixture plain = BrokerFixture.start()) {
            Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(unique("anon"))
                    .serverHost("127.0.0.1").serverPort(plain.port()).buildBlocking();
            c.connect();
            Clients.assertRoundTrip(c);
            c.disconnect();
        }
        assertThatThrownBy(() -> hive(null, null).connect()).isInstanceOf(Mqtt5ConnAckException.class);
    }
}
