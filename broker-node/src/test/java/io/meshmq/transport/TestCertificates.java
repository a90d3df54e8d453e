package io.meshmq.transport;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed server certificate for 127.0.0.1/localhost, made by the JDK's keytool for each test run, as a PKCS12
 * key store and as PEM files (certificate and PKCS#8 key).
 */
public record TestCertificates(Path keyStore, String password, Path certificatePem, Path privateKeyPem) {

    public static TestCertificates create(Path dir, String cn) throws Exception {
        return create(dir, cn, List.of("-validity", "2"));
    }

    /** A certificate that expired: valid for one day, ten days ago. */
    public static TestCertificates createExpired(Path dir, String cn) throws Exception {
        return create(dir, cn, List.of("-startdate", "-10d", "-validity", "1"));
    }

    private static TestCertificates create(Path dir, String cn, List<String> validity) throws Exception {
        Path p12 = dir.resolve(cn + ".p12");
        String pw = "changeit";
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new java.util.ArrayList<>(List.of(keytool, "-genkeypair", "-alias", "server", "-keyalg", "EC",
                "-groupname", "secp256r1", "-dname", "CN=" + cn, "-ext", "SAN=ip:127.0.0.1,dns:localhost"));
        cmd.addAll(validity);
        cmd.addAll(List.of("-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", pw, "-keypass", pw));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + new String(p.getInputStream().readAllBytes()));
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(p12)) {
            ks.load(in, pw.toCharArray());
        }
        Certificate cert = ks.getCertificate("server");
        Key key = ks.getKey("server", pw.toCharArray());
        Path certPem = dir.resolve(cn + "-cert.pem");
        Path keyPem = dir.resolve(cn + "-key.pem");
        Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()), StandardCharsets.US_ASCII);
        Files.writeString(keyPem, pem("PRIVATE KEY", key.getEncoded()), StandardCharsets.US_ASCII);
        return new TestCertificates(p12, pw, certPem, keyPem);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** A trust store holding just this certificate, for clients. */
    public KeyStore trustStore() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, password.toCharArray());
        }
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("server", ks.getCertificate("server"));
        return trust;
    }
}
