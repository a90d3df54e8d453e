package io.meshmq.transport;

import com.hivemq.client.mqtt.MqttClient;
import com.hivemq.client.mqtt.MqttGlobalPublishFilter;
import com.hivemq.client.mqtt.datatypes.MqttQos;
import com.hivemq.client.mqtt.mqtt5.Mqtt5BlockingClient;
import com.hivemq.client.mqtt.mqtt5.message.publish.Mqtt5Publish;
import io.meshmq.it.BrokerFixture;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * TLS of the broker's listeners: only TLS 1.2 and 1.3, the configured cipher suites only, start-up refuses weak or
 * inconsistent settings, and a certificate replaced on disk is used for new connections while open ones go on.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class TlsHardeningTest {
    @TempDir
    Path dir;

    Map<String, Object> tlsConfig(TestCertificates certs) {
        Map<String, Object> m = new HashMap<>();
        m.put("broker.tls.enabled", true);
        m.put("broker.tls.host", "127.0.0.1");
        m.put("broker.tls.port", 0);
        m.put("broker.tls.key-store", certs.keyStore().toString());
        m.put("broker.tls.key-store-password", certs.password());
        return m;
    }

    /** A client that trusts any server: these tests look at what the server presents, not at trust. */
    static SSLSocket handshake(int port, String protocol, String... cipherSuites) throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new X509TrustManager() {
            @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
            @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
            @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, new SecureRandom());
        SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
        try {
            s.setSoTimeout(20_000);
            s.setEnabledProtocols(new String[] {protocol});
            if (cipherSuites.length > 0) s.setEnabledCipherSuites(cipherSuites);
            s.startHandshake();
            return s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    static X509Certificate serverCertificate(int port) throws Exception {
        try (SSLSocket s = handshake(port, "TLSv1.3")) {
            return (X509Certificate) s.getSession().getPeerCertificates()[0];
        }
    }

    /**
     * A hand-made ClientHello of the given version (0x0302 TLS 1.1, 0x0303 TLS 1.2) offering ECDHE-ECDSA suites: the
     * JDK's own client cannot be made to speak TLS 1.1 (it is disabled in java.security), so this is how such an
     * old client looks on the wire. Returns the content type of the first record the server answers with
     * (0x16 handshake = ServerHello, 0x15 alert) and, for an alert, its description; -1 when the server just closes.
     */
    static int[] helloResponse(int port, int version) throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(version >> 8); body.write(version & 0xFF);
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        body.writeBytes(random);
        body.write(0);                                             // no session id
        body.writeBytes(new byte[] {0, 4, (byte) 0xC0, 0x2B, (byte) 0xC0, 0x09}); // ECDHE_ECDSA AES_128 GCM / CBC
        body.writeBytes(new byte[] {1, 0});                        // null compression
        byte[] extensions = {
                0x00, 0x0A, 0x00, 0x04, 0x00, 0x02, 0x00, 0x17,     // supported_groups: secp256r1
                0x00, 0x0B, 0x00, 0x02, 0x01, 0x00,                 // ec_point_formats: uncompressed
                0x00, 0x0D, 0x00, 0x04, 0x00, 0x02, 0x04, 0x03,     // signature_algorithms: ecdsa_secp256r1_sha256
                (byte) 0xFF, 0x01, 0x00, 0x01, 0x00};               // renegotiation_info (empty)
        body.write(extensions.length >> 8); body.write(extensions.length & 0xFF);
        body.writeBytes(extensions);
        byte[] b = body.toByteArray();
        ByteArrayOutputStream record = new ByteArrayOutputStream();
        record.writeBytes(new byte[] {0x16, 0x03, 0x01});
        int handshakeLength = b.length + 4;
        record.write(handshakeLength >> 8); record.write(handshakeLength & 0xFF);
        record.write(0x01);                                        // ClientHello
        record.write(0); record.write(b.length >> 8); record.write(b.length & 0xFF);
        record.writeBytes(b);
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(record.toByteArray());
            s.getOutputStream().flush();
            DataInputStream in = new DataInputStream(s.getInputStream());
            int type;
            try {
                type = in.read();
            } catch (java.net.SocketException reset) {
                return new int[] {-1, -1};
            }
            if (type != 0x15) return new int[] {type, -1};
            in.skipNBytes(4);                                      // version, length
            in.readUnsignedByte();                                 // level
            return new int[] {type, in.readUnsignedByte()};
        }
    }

    @Test
    @DisplayName("a TLS 1.1 client is refused (alert protocol_version; the same hello as TLS 1.2 gets a ServerHello); TLS 1.2 and 1.3 clients connect")
    void onlyTls12And13() throws Exception {
        TestCertificates certs = TestCertificates.create(dir, "localhost");
        try (BrokerFixture broker = BrokerFixture.start(tlsConfig(certs))) {
            int port = broker.broker.tlsPort();
            // answered with a fatal alert protocol_version (70), not a ServerHello
            assertThat(helloResponse(port, 0x0302)).as("record type and alert answering a TLS 1.1 ClientHello")
                    .containsExactly(0x15, 70);
            assertThat(helloResponse(port, 0x0303)[0]).as("the same ClientHello as TLS 1.2 gets a ServerHello").isEqualTo(0x16);
            for (String protocol : List.of("TLSv1.2", "TLSv1.3")) {
                try (SSLSocket s = handshake(port, protocol)) {
                    assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
                }
            }
        }
    }

    @Test
    @DisplayName("broker.tls.protocols = [TLSv1.3]: a TLS 1.2-only client is refused")
    void protocolsAreConfigurable() throws Exception {
        TestCertificates certs = TestCertificates.create(dir, "localhost");
        Map<String, Object> config = tlsConfig(certs);
        config.put("broker.tls.protocols", List.of("TLSv1.3"));
        try (BrokerFixture broker = BrokerFixture.start(config)) {
            int port = broker.broker.tlsPort();
            assertThatThrownBy(() -> handshake(port, "TLSv1.2").close()).isInstanceOf(SSLException.class);
            try (SSLSocket s = handshake(port, "TLSv1.3")) {
                assertThat(s.getSession().getProtocol()).isEqualTo("TLSv1.3");
            }
        }
    }

    @Test
    @DisplayName("broker.tls.cipher-suites: a client offering only suites outside the list fails; one in the list is negotiated")
    void cipherSuitesAreHonored() throws Exception {
        TestCertificates certs = TestCertificates.create(dir, "localhost");
        Map<String, Object> config = tlsConfig(certs);
        config.put("broker.tls.cipher-suites", List.of("TLS_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
        try (BrokerFixture broker = BrokerFixture.start(config)) {
            int port = broker.broker.tlsPort();
            // both suites are enabled by default in the JDK: only the broker's list keeps them out
            assertThatThrownBy(() -> handshake(port, "TLSv1.3", "TLS_AES_128_GCM_SHA256").close()).isInstanceOf(SSLException.class);
            assertThatThrownBy(() -> handshake(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384").close())
                    .isInstanceOf(SSLException.class);
            try (SSLSocket s = handshake(port, "TLSv1.3", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384")) {
                assertThat(s.getSession().getCipherSuite()).isEqualTo("TLS_AES_256_GCM_SHA384");
            }
            try (SSLSocket s = handshake(port, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256")) {
                assertThat(s.getSession().getCipherSuite()).isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
            }
        }
    }

    @Test
    @DisplayName("start-up refuses TLS 1.1, an unknown cipher suite, an unknown client-auth mode and a key that is not the certificate's")
    void weakOrInconsistentSettingsFailStartUp() throws Exception {
        TestCertificates certs = TestCertificates.create(dir, "localhost");
        TestCertificates other = TestCertificates.create(dir, "other");
        Map<String, Object> tls11 = tlsConfig(certs);
        tls11.put("broker.tls.protocols", List.of("TLSv1.2", "TLSv1.1"));
        Map<String, Object> unknownSuite = tlsConfig(certs);
        unknownSuite.put("broker.tls.cipher-suites", List.of("TLS_NO_SUCH_SUITE"));
        Map<String, Object> clientAuth = tlsConfig(certs);
        clientAuth.put("broker.tls.client-auth", "sometimes");
        Map<String, Object> mismatch = tlsConfig(certs);
        mismatch.remove("broker.tls.key-store");
        mismatch.put("broker.tls.certificate", certs.certificatePem().toString());
        mismatch.put("broker.tls.private-key", other.privateKeyPem().toString());
        for (Map<String, Object> config : List.of(tls11, unknownSuite, clientAuth, mismatch)) {
            assertThatThrownBy(() -> BrokerFixture.start(config).close()).as(config.toString()).isNotNull();
        }
    }

    static X509Certificate certificateOf(TestCertificates c) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(c.keyStore())) {
            ks.load(in, c.password().toCharArray());
        }
        return (X509Certificate) ks.getCertificate("server");
    }

    static void replace(Path source, Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".new");
        Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static Mqtt5BlockingClient tlsClient(int port, TestCertificates trusted, String id) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trusted.trustStore());
        Mqtt5BlockingClient c = MqttClient.builder().useMqttVersion5().identifier(id).serverHost("127.0.0.1").serverPort(port)
                .sslConfig().trustManagerFactory(tmf).hostnameVerifier((h, s) -> true).applySslConfig().buildBlocking();
        c.connect();
        return c;
    }

    @Test
    @DisplayName("certificate files replaced on disk: new connections (TLS and wss) get the new certificate, an open connection keeps working")
    void certificateRotation() throws Exception {
        TestCertificates first = TestCertificates.create(dir, "first");
        TestCertificates second = TestCertificates.create(dir, "second");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(first.certificatePem(), cert);
        Files.copy(first.privateKeyPem(), key);
        Map<String, Object> config = new HashMap<>();
        config.put("broker.tls.enabled", true);
        config.put("broker.tls.host", "127.0.0.1");
        config.put("broker.tls.port", 0);
        config.put("broker.tls.certificate", cert.toString());
        config.put("broker.tls.private-key", key.toString());
        config.put("broker.tls.reload-interval", "100ms");
        config.put("broker.websocket.tls.enabled", true);
        config.put("broker.websocket.tls.port", 0);
        X509Certificate firstCert = certificateOf(first);
        X509Certificate secondCert = certificateOf(second);
        try (BrokerFixture broker = BrokerFixture.start(config)) {
            int port = broker.broker.tlsPort();
            int wss = broker.broker.webSocketTlsPort();
            assertThat(serverCertificate(port).getSerialNumber()).isEqualTo(firstCert.getSerialNumber());
            Mqtt5BlockingClient old = tlsClient(port, first, "before-rotation");
            try (Mqtt5BlockingClient.Mqtt5Publishes in = old.publishes(MqttGlobalPublishFilter.ALL)) {
                old.subscribeWith().topicFilter("rotation/#").qos(MqttQos.AT_LEAST_ONCE).send();

                // the key first, then the certificate: in between, the pair does not match and is not taken
                replace(second.privateKeyPem(), key);
                replace(second.certificatePem(), cert);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                X509Certificate seen = serverCertificate(port);
                while (!seen.getSerialNumber().equals(secondCert.getSerialNumber()) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                    seen = serverCertificate(port);
                }
                assertThat(seen.getSubjectX500Principal().getName()).isEqualTo("CN=second");
                assertThat(seen.getSerialNumber()).isEqualTo(secondCert.getSerialNumber());
                assertThat(serverCertificate(wss).getSerialNumber()).as("wss:// uses the same certificate")
                        .isEqualTo(secondCert.getSerialNumber());

                // a client that trusts only the new certificate connects; the old connection still carries messages
                Mqtt5BlockingClient fresh = tlsClient(port, second, "after-rotation");
                fresh.publishWith().topic("rotation/x").qos(MqttQos.AT_LEAST_ONCE).payload("new cert".getBytes()).send();
                Optional<Mqtt5Publish> m = in.receive(20, TimeUnit.SECONDS);
                assertThat(m).as("delivered over the connection opened before the rotation").isPresent();
                assertThat(new String(m.get().getPayloadAsBytes())).isEqualTo("new cert");
                old.publishWith().topic("rotation/y").qos(MqttQos.AT_LEAST_ONCE).payload("old conn".getBytes()).send();
                assertThat(in.receive(20, TimeUnit.SECONDS)).isPresent();
                fresh.disconnect();
            }
            old.disconnect();
            assertThatThrownBy(() -> tlsClient(port, first, "trusts-only-the-old").disconnect())
                    .as("new connections no longer present the old certificate").isNotNull();
        }
    }
}
