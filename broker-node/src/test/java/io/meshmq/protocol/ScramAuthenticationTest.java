package io.meshmq.protocol;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.auth.Mqtt5EnhancedAuthMechanism;
import com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5ConnAckException;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAck;
import com.hivemq.client.mqtt.mqtt5.message.connect.connack.Mqtt5ConnAckReasonCode;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5Disconnect;
import com.hivemq.client.mqtt.mqtt5.message.disconnect.Mqtt5DisconnectReasonCode;
import io.meshmq.auth.HiveScram;
import io.meshmq.auth.PasswordFile;
import io.meshmq.auth.PasswordHasher;
import io.meshmq.auth.ScramClient;
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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static io.meshmq.protocol.Clients.unique;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * MQTT 5 enhanced authentication (MQTT 4.12) with SCRAM-SHA-256: real exchanges from the HiveMQ client (its
 * {@link Mqtt5EnhancedAuthMechanism} doing SCRAM with the test's own {@link ScramClient}) and, for what a
 * well-behaved client never sends, from the raw client.
 */
class ScramAuthenticationTest {
    static final String METHOD = "SCRAM-SHA-256";
    static BrokerFixture broker;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("meshmq-scram");
        Path passwd = dir.resolve("passwd");
        PasswordFile pf = PasswordFile.empty();
        pf.put("alice", "alice-secret".toCharArray(), 1000);
        pf.save(passwd);
        // a line as written before SCRAM keys were stored: password login only
        Files.writeString(passwd, Files.readString(passwd) + "oldie:" + PasswordHasher.hash("oldie-pw".toCharArray(), 1000) + "\n");
        broker = BrokerFixture.start(Map.of("broker.auth.password-file", passwd.toString(),
                "broker.auth.allow-anonymous", "off"));
    }

    @AfterAll
    static void stop() { broker.close(); }

    static Mqtt5BlockingClient hive(HiveScram scram) {
        return MqttClient.builder().useMqttVersion5().identifier(unique("scram")).serverHost("127.0.0.1")
                .serverPort(broker.port()).enhancedAuth(scram).buildBlocking();
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
    @DisplayName("MQTT-4.12.0-2/-3/-5: SCRAM-SHA-256 through CONNECT, AUTH 0x18, AUTH 0x18, CONNACK 0x00 with the server's signature")
    void MQTT_4_12_0_2_scramSuccess() {
        HiveScram scram = new HiveScram("alice", "alice-secret");
        Mqtt5BlockingClient c = hive(scram);
        Mqtt5ConnAck ack = c.connect();
        assertThat(ack.getReasonCode()).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
        assertThat(scram.serverVerified).as("server-final-message verified by the client").isTrue();
        Clients.assertRoundTrip(c);
        c.disconnect();
    }

    @Test
    @DisplayName("MQTT-4.12.0-4: a wrong password and an unknown user are refused with CONNACK 0x87; both counted")
    void MQTT_4_12_0_4_wrongPasswordAndUnknownUser() {
        long before = broker.broker.metrics().snapshot().getOrDefault("rejected.auth.not-authorized", 0L);
        assertThat(refusal(hive(new HiveScram("alice", "wrong")))).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        assertThat(refusal(hive(new HiveScram("mallory", "alice-secret")))).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        assertThat(broker.broker.metrics().snapshot().get("rejected.auth.not-authorized")).isEqualTo(before + 2);
    }

    @Test
    @DisplayName("a user whose password-file line has no SCRAM keys is refused with 0x87, and can still log in with the password")
    void userWithoutScramKeys() {
        assertThat(refusal(hive(new HiveScram("oldie", "oldie-pw")))).isEqualTo(Mqtt5ConnAckReasonCode.NOT_AUTHORIZED);
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(unique("oldie")).serverHost("127.0.0.1")
                .serverPort(broker.port()).simpleAuth().username("oldie").password("oldie-pw".getBytes()).applySimpleAuth().buildBlocking();
        assertThat(refusal(c)).isEqualTo(Mqtt5ConnAckReasonCode.SUCCESS);
    }

    @Test
    @DisplayName("MQTT-4.12.0-1: an unsupported Authentication Method gets CONNACK 0x8C and the connection is closed")
    void MQTT_4_12_0_1_unsupportedMethod() throws Exception {
        HiveScram digest = new HiveScram("alice", "alice-secret");
        digest.method = "DIGEST-MD5";
        assertThat(refusal(hive(digest))).isEqualTo(Mqtt5ConnAckReasonCode.BAD_AUTHENTICATION_METHOD);
        try (RawClient raw = RawClient.open(broker.port(), ProtocolVersion.MQTT_5)) {
            MqttPacket.ConnAck ack = raw.sendConnect(unique("raw"), true, 0,
                    Properties.builder().authenticationMethod("SCRAM-SHA-1").authenticationData(new byte[] {1}).build(), null);
            assertThat(ack.reasonCode()).isEqualTo(ReasonCode.BAD_AUTHENTICATION_METHOD);
            raw.awaitClosed();
        }
    }

    @Test
    @DisplayName("MQTT-4.12.1-1: re-authentication (AUTH 0x19) succeeds with AUTH 0x00 and the connection goes on")
    void MQTT_4_12_1_1_reauthenticationSucceeds() {
        HiveScram scram = new HiveScram("alice", "alice-secret");
        Mqtt5BlockingClient c = hive(scram);
        c.connect();
        scram.serverVerified = false;
        c.reauth();
        assertThat(scram.serverVerified).as("AUTH 0x00 carried the server's signature").isTrue();
        Clients.assertRoundTrip(c);
        c.reauth();
        Clients.assertRoundTrip(c);
        c.disconnect();
    }

    @Test
    @DisplayName("MQTT-4.12.1-2: a failed re-authentication gets DISCONNECT 0x87 and the connection is closed")
    void MQTT_4_12_1_2_reauthenticationFails() throws Exception {
        HiveScram scram = new HiveScram("alice", "alice-secret");
        CompletableFuture<Throwable> disconnected = new CompletableFuture<>();
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(unique("scram")).serverHost("127.0.0.1")
                .serverPort(broker.port()).enhancedAuth(scram)
                .addDisconnectedListener(ctx -> disconnected.complete(ctx.getCause())).buildBlocking();
        c.connect();
        scram.password = "changed-meanwhile";
        assertThatThrownBy(c::reauth).isInstanceOf(RuntimeException.class);
        Mqtt5Disconnect d = scram.reauthRejected.get(10, TimeUnit.SECONDS);
        assertThat(d.getReasonCode()).isEqualTo(Mqtt5DisconnectReasonCode.NOT_AUTHORIZED);
        assertThat(disconnected.get(10, TimeUnit.SECONDS)).isNotNull();
    }

    // ---- the raw client: the wire, and what a well-behaved client never sends ----------------------------------

    /** CONNECT with SCRAM-SHA-256 through to the CONNACK; asserts every server packet on the way. */
    static RawClient rawScramConnect(ScramClient scram) throws Exception {
        RawClient raw = RawClient.open(broker.port(), ProtocolVersion.MQTT_5);
        raw.send(new MqttPacket.Connect(ProtocolVersion.MQTT_5, unique("raw-scram"), true, 0, null, null, null,
                Properties.builder().authenticationMethod(METHOD).authenticationData(scram.clientFirst()).build()));
        MqttPacket.Auth serverFirst = raw.expect(MqttPacket.Auth.class);
        assertThat(serverFirst.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
        assertThat(serverFirst.properties().authenticationMethod()).isEqualTo(METHOD);       // MQTT-4.12.0-5
        raw.send(new MqttPacket.Auth(ReasonCode.CONTINUE_AUTHENTICATION, Properties.builder().authenticationMethod(METHOD)
                .authenticationData(scram.clientFinal(serverFirst.properties().authenticationData())).build()));
        MqttPacket.ConnAck ack = raw.expect(MqttPacket.ConnAck.class);
        assertThat(ack.reasonCode()).isEqualTo(ReasonCode.SUCCESS);
        assertThat(ack.properties().authenticationMethod()).isEqualTo(METHOD);               // MQTT-4.12.0-5
        assertThat(scram.serverFinalValid(ack.properties().authenticationData())).isTrue();
        return raw;
    }

    @Test
    @DisplayName("MQTT-4.12.0-5 on the wire; MQTT-4.12.1-2: re-authentication with a wrong password gets DISCONNECT 0x87")
    void MQTT_4_12_1_2_rawReauthenticationWrongPassword() throws Exception {
        try (RawClient raw = rawScramConnect(new ScramClient("alice", "alice-secret"))) {
            ScramClient again = new ScramClient("alice", "not-her-password");
            raw.send(new MqttPacket.Auth(ReasonCode.RE_AUTHENTICATE,
                    Properties.builder().authenticationMethod(METHOD).authenticationData(again.clientFirst()).build()));
            MqttPacket.Auth serverFirst = raw.expect(MqttPacket.Auth.class);
            assertThat(serverFirst.reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
            raw.send(new MqttPacket.Auth(ReasonCode.CONTINUE_AUTHENTICATION, Properties.builder().authenticationMethod(METHOD)
                    .authenticationData(again.clientFinal(serverFirst.properties().authenticationData())).build()));
            raw.awaitDisconnect(0x87);
        }
    }

    @Test
    @DisplayName("re-authentication as another user is refused with DISCONNECT 0x87 (the connection's ACL is its user's)")
    void reauthenticationAsAnotherUser() throws Exception {
        Path passwd = Files.createTempFile("meshmq-scram", ".passwd");
        PasswordFile pf = PasswordFile.empty();
        pf.put("alice", "alice-secret".toCharArray(), 1000);
        pf.put("bob", "bob-secret".toCharArray(), 1000);
        pf.save(passwd);
        try (BrokerFixture two = BrokerFixture.start(Map.of("broker.auth.password-file", passwd.toString(), "broker.auth.allow-anonymous", "off"));
             RawClient raw = RawClient.open(two.port(), ProtocolVersion.MQTT_5)) {
            ScramClient alice = new ScramClient("alice", "alice-secret");
            raw.send(new MqttPacket.Connect(ProtocolVersion.MQTT_5, unique("raw-scram"), true, 0, null, null, null,
                    Properties.builder().authenticationMethod(METHOD).authenticationData(alice.clientFirst()).build()));
            MqttPacket.Auth sf = raw.expect(MqttPacket.Auth.class);
            raw.send(new MqttPacket.Auth(ReasonCode.CONTINUE_AUTHENTICATION, Properties.builder().authenticationMethod(METHOD)
                    .authenticationData(alice.clientFinal(sf.properties().authenticationData())).build()));
            assertThat(raw.expect(MqttPacket.ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            ScramClient bob = new ScramClient("bob", "bob-secret");
            raw.send(new MqttPacket.Auth(ReasonCode.RE_AUTHENTICATE,
                    Properties.builder().authenticationMethod(METHOD).authenticationData(bob.clientFirst()).build()));
            sf = raw.expect(MqttPacket.Auth.class);
            raw.send(new MqttPacket.Auth(ReasonCode.CONTINUE_AUTHENTICATION, Properties.builder().authenticationMethod(METHOD)
                    .authenticationData(bob.clientFinal(sf.properties().authenticationData())).build()));
            raw.awaitDisconnect(0x87);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.1-1: re-authentication with another Authentication Method gets DISCONNECT 0x8C")
    void MQTT_4_12_1_1_reauthenticationOtherMethod() throws Exception {
        try (RawClient raw = rawScramConnect(new ScramClient("alice", "alice-secret"))) {
            raw.send(new MqttPacket.Auth(ReasonCode.RE_AUTHENTICATE,
                    Properties.builder().authenticationMethod("SCRAM-SHA-512").authenticationData(new byte[] {1}).build()));
            raw.awaitDisconnect(0x8C);
        }
    }

    @Test
    @DisplayName("MQTT-4.12.0-7: AUTH from a client that connected without an Authentication Method is a protocol error (0x82)")
    void MQTT_4_12_0_7_authWithoutEnhancedConnect() throws Exception {
        try (RawClient raw = RawClient.open(broker.port(), ProtocolVersion.MQTT_5)) {
            raw.send(new MqttPacket.Connect(ProtocolVersion.MQTT_5, unique("raw"), true, 0, "alice", "alice-secret".getBytes(), null, Properties.EMPTY));
            assertThat(raw.expect(MqttPacket.ConnAck.class).reasonCode()).isEqualTo(ReasonCode.SUCCESS);
            raw.send(new MqttPacket.Auth(ReasonCode.RE_AUTHENTICATE,
                    Properties.builder().authenticationMethod(METHOD).authenticationData(new ScramClient("alice", "x").clientFirst()).build()));
            raw.awaitDisconnect(0x82);
        }
    }

    @Test
    @DisplayName("MQTT-3.1.2-30: a packet other than AUTH or DISCONNECT before the CONNACK of an enhanced authentication: CONNACK 0x82")
    void MQTT_3_1_2_30_onlyAuthUntilConnAck() throws Exception {
        try (RawClient raw = RawClient.open(broker.port(), ProtocolVersion.MQTT_5)) {
            raw.send(new MqttPacket.Connect(ProtocolVersion.MQTT_5, unique("raw"), true, 0, null, null, null,
                    Properties.builder().authenticationMethod(METHOD).authenticationData(new ScramClient("alice", "alice-secret").clientFirst()).build()));
            assertThat(raw.expect(MqttPacket.Auth.class).reasonCode()).isEqualTo(ReasonCode.CONTINUE_AUTHENTICATION);
            raw.publish("t", QoS.AT_MOST_ONCE, 0, "early");
            List<MqttPacket> before = raw.awaitClosed();
            assertThat(before).hasSize(1);
            assertThat(((MqttPacket.ConnAck) before.get(0)).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }

    @Test
    @DisplayName("an unexpected AUTH during the CONNECT exchange (0x19 instead of 0x18) is a protocol error: CONNACK 0x82")
    void wrongAuthReasonWhileConnecting() throws Exception {
        try (RawClient raw = RawClient.open(broker.port(), ProtocolVersion.MQTT_5)) {
            raw.send(new MqttPacket.Connect(ProtocolVersion.MQTT_5, unique("raw"), true, 0, null, null, null,
                    Properties.builder().authenticationMethod(METHOD).authenticationData(new ScramClient("alice", "alice-secret").clientFirst()).build()));
            raw.expect(MqttPacket.Auth.class);
            raw.send(new MqttPacket.Auth(ReasonCode.RE_AUTHENTICATE, Properties.builder().authenticationMethod(METHOD).build()));
            List<MqttPacket> before = raw.awaitClosed();
            assertThat(before).hasSize(1);
            assertThat(((MqttPacket.ConnAck) before.get(0)).reasonCode()).isEqualTo(ReasonCode.PROTOCOL_ERROR);
        }
    }
}
