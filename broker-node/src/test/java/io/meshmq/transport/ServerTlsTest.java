package io.meshmq.transport;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The functional parts of {@link ServerTls}: cipher suite selection, and when a reload takes effect. */
class ServerTlsTest {
    @TempDir
    Path dir;

    static final String[] SUPPORTED = {"TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"};

    @Test
    @DisplayName("cipher suites: defaults filtered to the enabled protocols; a configured list is kept in its order; unknown or unusable suites are errors")
    void cipherSuites() {
        String[] defaults = SUPPORTED;
        assertThat(ServerTls.cipherSuites(List.of(), List.of("TLSv1.3"), SUPPORTED, defaults))
                .containsExactly("TLS_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
        assertThat(ServerTls.cipherSuites(List.of(), List.of("TLSv1.2"), SUPPORTED, defaults))
                .containsExactly("TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
                        "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_EMPTY_RENEGOTIATION_INFO_SCSV");
        assertThat(ServerTls.cipherSuites(List.of(), List.of("TLSv1.3", "TLSv1.2"), SUPPORTED, defaults)).containsExactly(SUPPORTED);
        assertThat(ServerTls.cipherSuites(List.of("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256"),
                List.of("TLSv1.3", "TLSv1.2"), SUPPORTED, defaults))
                .containsExactly("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_AES_128_GCM_SHA256");
        assertThatThrownBy(() -> ServerTls.cipherSuites(List.of("TLS_NOT_A_SUITE"), List.of("TLSv1.3"), SUPPORTED, defaults))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("TLS_NOT_A_SUITE");
        assertThatThrownBy(() -> ServerTls.cipherSuites(List.of("TLS_RSA_WITH_AES_128_CBC_SHA"), List.of("TLSv1.3"), SUPPORTED, defaults))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none can be used");
    }

    @Test
    @DisplayName("engines: configured cipher suites in their order, client-auth required / optional")
    void engines() throws Exception {
        TestCertificates c = TestCertificates.create(dir, "engine");
        List<String> suites = List.of("TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384");
        ServerTls required = ServerTls.load(new ServerTls.Settings(c.keyStore(), c.password(), null, null, null, "", "required",
                List.of("TLSv1.3"), suites, Duration.ZERO));
        javax.net.ssl.SSLEngine e = required.newEngine();
        assertThat(e.getEnabledCipherSuites()).containsExactlyElementsOf(suites);
        assertThat(e.getEnabledProtocols()).containsExactly("TLSv1.3");
        assertThat(e.getNeedClientAuth()).isTrue();
        ServerTls optional = ServerTls.load(new ServerTls.Settings(c.keyStore(), c.password(), null, null, null, "", "optional",
                List.of("TLSv1.3"), List.of(), Duration.ZERO));
        assertThat(optional.newEngine().getWantClientAuth()).isTrue();
        assertThat(optional.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=engine");
    }

    @Test
    @DisplayName("reload: a replaced PKCS12 key store, and a changed trust store, are loaded")
    void reloadKeyStoreAndTrustStore() throws Exception {
        TestCertificates first = TestCertificates.create(dir, "p12-first");
        TestCertificates second = TestCertificates.create(dir, "p12-second");
        TestCertificates clientCa = TestCertificates.create(dir, "client-ca");
        Path keyStore = dir.resolve("server.p12");
        Path trust = dir.resolve("trust.pem");
        Files.copy(first.keyStore(), keyStore);
        Files.copy(first.certificatePem(), trust);
        ServerTls tls = ServerTls.load(new ServerTls.Settings(keyStore, first.password(), null, null, trust, "", "optional",
                List.of("TLSv1.3", "TLSv1.2"), List.of(), Duration.ZERO));
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=p12-first");
        Files.copy(second.keyStore(), keyStore, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.reloadIfChanged()).isTrue();
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=p12-second");
        Files.copy(clientCa.certificatePem(), trust, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.reloadIfChanged()).as("a new client CA").isTrue();
        assertThat(tls.reloadIfChanged()).isFalse();
    }

    @Test
    @DisplayName("settings refuse protocols other than TLS 1.2/1.3 and unknown client-auth modes")
    void settings() {
        Path p = dir.resolve("x");
        assertThatThrownBy(() -> new ServerTls.Settings(p, "", null, null, null, "", "none", List.of("TLSv1.1"), List.of(), Duration.ZERO))
                .hasMessageContaining("TLSv1.1");
        assertThatThrownBy(() -> new ServerTls.Settings(p, "", null, null, null, "", "none", List.of(), List.of(), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ServerTls.Settings(p, "", null, null, null, "", "want", List.of("TLSv1.3"), List.of(), Duration.ZERO))
                .hasMessageContaining("client-auth");
        assertThatThrownBy(() -> new ServerTls.Settings(null, "", p, null, null, "", "none", List.of("TLSv1.3"), List.of(), Duration.ZERO))
                .hasMessageContaining("private-key");
    }

    @Test
    @DisplayName("reload: unchanged files keep the context; a key that does not match the certificate is not taken; the matching pair is")
    void reload() throws Exception {
        TestCertificates first = TestCertificates.create(dir, "first");
        TestCertificates second = TestCertificates.create(dir, "second");
        Path cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Files.copy(first.certificatePem(), cert);
        Files.copy(first.privateKeyPem(), key);
        ServerTls tls = ServerTls.load(new ServerTls.Settings(null, "", cert, key, null, "", "none",
                List.of("TLSv1.3", "TLSv1.2"), List.of(), Duration.ZERO));
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=first");
        assertThat(tls.reloadIfChanged()).as("nothing changed").isFalse();
        javax.net.ssl.SSLEngine engine = tls.newEngine();
        assertThat(engine.getUseClientMode()).isFalse();
        assertThat(engine.getEnabledProtocols()).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        assertThat(engine.getNeedClientAuth()).isFalse();
        assertThat(engine.getWantClientAuth()).isFalse();

        Files.copy(second.privateKeyPem(), key, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.reloadIfChanged()).as("new key, old certificate").isFalse();
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=first");
        assertThat(tls.newEngine()).isNotNull();

        Files.copy(second.certificatePem(), cert, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThat(tls.reloadIfChanged()).isTrue();
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=second");
        assertThat(tls.reloadIfChanged()).isFalse();

        Files.delete(cert);
        assertThat(tls.reloadIfChanged()).as("a missing file keeps the context in force").isFalse();
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=second");
    }
}
