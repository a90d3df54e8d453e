package io.meshmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.subscribe.suback.Mqtt5SubAckReasonCode;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Mutual TLS: the broker trusts a client's self-signed certificate (made by keytool) through its trust store, takes
 * the subject CN as the identity (broker.auth.tls-identity = cn) and applies the ACL to it; other certificates are
 * refused in the handshake.
 */
class MutualTlsTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("a trusted client certificate's CN is the identity (ACL user:CN applies); an untrusted or missing certificate is refused")
    void clientCertificateIdentity() throws Exception {
        TestCertificates server = TestCertificates.create(dir, "localhost");
        TestCertificates device = TestCertificates.create(dir, "device-7");
        TestCertificates intruder = TestCertificates.create(dir, "intruder");
        Path acl = dir.resolve("acl");
        Files.write(acl, List.of("allow all user:device-7 devices/%u/#", "deny all * #"));
        try (BrokerFixture broker = BrokerFixture.start(Map.of(
                "broker.tls.enabled", true, "broker.tls.host", "127.0.0.1", "broker.tls.port", 0,
                "broker.tls.key-store", server.keyStore().toString(), "broker.tls.key-store-password", server.password(),
                "broker.tls.trust-store", device.certificatePem().toString(), "broker.tls.client-auth", "required",
                "broker.auth.tls-identity", "cn", "broker.auth.allow-anonymous", "off",
                "broker.auth.acl-file", acl.toString()))) {
            int port = broker.broker.tlsPort();
            Mqtt5BlockingClient c = client(port, server, device, "any-client-id");
            c.connect();
            var ack = c.subscribeWith().topicFilter("devices/device-7/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(ack.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            Throwable denied = null;
            try {
                var other = c.subscribeWith().topicFilter("devices/other/#").qos(MqttQos.AT_LEAST_ONCE).send();
                assertThat(other.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException e) {
                denied = e;
                assertThat(e.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            }
            c.disconnect();

            assertThatThrownBy(() -> client(port, server, intruder, "intruder").connect())
                    .as("a certificate the broker does not trust").isNotNull();
            assertThatThrownBy(() -> client(port, server, null, "no-cert").connect())
                    .as("no client certificate with client-auth = required").isNotNull();
        }
    }

    @Test
    @DisplayName("an expired client certificate is refused, even when the trust store holds that very certificate")
    void expiredClientCertificateRefused() throws Exception {
        TestCertificates server = TestCertificates.create(dir, "localhost");
        TestCertificates expired = TestCertificates.createExpired(dir, "device-old");
        try (BrokerFixture broker = BrokerFixture.start(Map.of(
                "broker.tls.enabled", true, "broker.tls.host", "127.0.0.1", "broker.tls.port", 0,
                "broker.tls.key-store", server.keyStore().toString(), "broker.tls.key-store-password", server.password(),
                "broker.tls.trust-store", expired.certificatePem().toString(), "broker.tls.client-auth", "required",
                "broker.auth.tls-identity", "cn", "broker.auth.allow-anonymous", "off"))) {
            int port = broker.broker.tlsPort();
            assertThatThrownBy(() -> client(port, server, expired, "device-old").connect())
                    .as("a client certificate past its validity").isNotNull();
        }
    }

    @Test
    @DisplayName("over wss:// too: the client certificate's CN is the identity the ACL sees; no certificate is refused")
    void clientCertificateIdentityOverSecureWebSocket() throws Exception {
        TestCertificates server = TestCertificates.create(dir, "localhost");
        TestCertificates device = TestCertificates.create(dir, "device-9");
        Path acl = dir.resolve("acl");
        Files.write(acl, List.of("allow all user:device-9 devices/%u/#", "deny all * #"));
        try (BrokerFixture broker = BrokerFixture.start(Map.of(
                "broker.websocket.tls.enabled", true, "broker.websocket.tls.port", 0,
                "broker.tls.key-store", server.keyStore().toString(), "broker.tls.key-store-password", server.password(),
                "broker.tls.trust-store", device.certificatePem().toString(), "broker.tls.client-auth", "required",
                "broker.auth.tls-identity", "cn", "broker.auth.allow-anonymous", "off",
                "broker.auth.acl-file", acl.toString()))) {
            int port = broker.webSocketTlsPort();
            Mqtt5BlockingClient c = webSocketClient(port, server, device, "ws-device");
            c.connect();
            var ack = c.subscribeWith().topicFilter("devices/device-9/#").qos(MqttQos.AT_LEAST_ONCE).send();
            assertThat(ack.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.GRANTED_QOS_1);
            try {
                var other = c.subscribeWith().topicFilter("devices/other/#").qos(MqttQos.AT_LEAST_ONCE).send();
                assertThat(other.getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            } catch (com.hivemq.client.mqtt.mqtt5.exceptions.Mqtt5SubAckException e) {
                assertThat(e.getMqttMessage().getReasonCodes()).containsExactly(Mqtt5SubAckReasonCode.NOT_AUTHORIZED);
            }
            c.disconnect();
            assertThatThrownBy(() -> webSocketClient(port, server, null, "ws-no-cert").connect())
                    .as("no client certificate with client-auth = required").isNotNull();
        }
    }

    static Mqtt5BlockingClient webSocketClient(int port, TestCertificates server, TestCertificates own, String id) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(server.trustStore());
        var ssl = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .webSocketConfig().serverPath("mqtt").applyWebSocketConfig()
                .sslConfig().trustManagerFactory(tmf).hostnameVerifier((h, s) -> true);
        if (own != null) ssl = ssl.keyManagerFactory(keyManagers(own));
        return ssl.applySslConfig().buildBlocking();
    }

    static KeyManagerFactory keyManagers(TestCertificates own) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(own.keyStore())) {
            ks.load(in, own.password().toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, own.password().toCharArray());
        return kmf;
    }

    static Mqtt5BlockingClient client(int port, TestCertificates server, TestCertificates own, String id) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(server.trustStore());
        var ssl = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .sslConfig().trustManagerFactory(tmf).hostnameVerifier((h, s) -> true);
        if (own != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(own.keyStore())) {
                ks.load(in, own.password().toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, own.password().toCharArray());
            ssl = ssl.keyManagerFactory(kmf);
        }
        return ssl.applySslConfig().buildBlocking();
    }
}
