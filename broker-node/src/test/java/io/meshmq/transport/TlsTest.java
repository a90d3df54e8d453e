package io.meshmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** MQTT over TLS (MQTT 5.4.9): a client with the test's certificate authority connects; plain TCP is refused. */
class TlsTest {
    @TempDir
    Path dir;

    @Test
    @DisplayName("TLS with a PKCS12 key store: publish/subscribe works over TLS; plain MQTT on the TLS port gets no CONNACK")
    void pkcs12() throws Exception {
        TestCertificates certs = TestCertificates.create(dir, "localhost");
        try (BrokerFixture broker = BrokerFixture.start(Map.of(
                "broker.tls.enabled", true, "broker.tls.host", "127.0.0.1", "broker.tls.port", 0,
                "broker.tls.key-store", certs.keyStore().toString(), "broker.tls.key-store-password", certs.password()))) {
            roundTripOverTls(broker.broker.tlsPort(), certs);
            plainTcpIsRefused(broker.broker.tlsPort());
        }
    }

    @Test
    @DisplayName("TLS with PEM certificate and PKCS#8 key files")
    void pem() throws Exception {
        TestCertificates certs = TestCertificates.create(dir, "localhost");
        try (BrokerFixture broker = BrokerFixture.start(Map.of(
                "broker.tls.enabled", true, "broker.tls.host", "127.0.0.1", "broker.tls.port", 0,
                "broker.tls.certificate", certs.certificatePem().toString(),
                "broker.tls.private-key", certs.privateKeyPem().toString()))) {
            roundTripOverTls(broker.broker.tlsPort(), certs);
        }
    }

    private static void roundTripOverTls(int port, TestCertificates certs) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(certs.trustStore());
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier("tls-client")
                .serverHost("127.0.0.1").serverPort(port)
                .sslConfig().trustManagerFactory(tmf).hostnameVerifier((h, s) -> true).applySslConfig()
                .buildBlocking();
        c.connect();
        try (Mqtt5BlockingClient.Mqtt5Publishes in = c.publishes(MqttGlobalPublishFilter.ALL)) {
            c.subscribeWith().topicFilter("secure/#").qos(MqttQos.AT_LEAST_ONCE).send();
            c.publishWith().topic("secure/x").qos(MqttQos.AT_LEAST_ONCE).payload("over tls".getBytes()).send();
            Optional<Mqtt5Publish> m = in.receive(10, TimeUnit.SECONDS);
            assertThat(m).isPresent();
            assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("over tls");
        }
        c.disconnect();
    }

    private static void plainTcpIsRefused(int tlsPort) throws Exception {
        try (Socket s = new Socket("127.0.0.1", tlsPort)) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            // a plain MQTT 3.1.1 CONNECT
            out.write(new byte[] {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x00});
            out.flush();
            InputStream in = s.getInputStream();
            int first;
            try {
                first = in.read();
            } catch (SocketTimeoutException | java.net.SocketException closed) {
                first = -1;
            }
            // no CONNACK (0x20): the TLS listener answers garbage with a TLS alert or a close
            assertThat(first).isNotEqualTo(0x20);
        }
    }
}
