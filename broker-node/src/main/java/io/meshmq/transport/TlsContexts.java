package io.meshmq.transport;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Builds the server's {@link SSLContext} from a PKCS12 key store or from PEM files (certificate chain and a PKCS#8
 * private key), with an optional PEM or PKCS12 trust store for client certificates.
 */
public final class TlsContexts {
    private TlsContexts() {}

    public static SSLContext fromPkcs12(Path keyStore, char[] password, Path trustStore, char[] trustPassword)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, password);
        }
        return build(ks, password, trustStore == null ? null : loadTrust(trustStore, trustPassword));
    }

    public static SSLContext fromPem(Path certificateChain, Path privateKey, Path trustCertificates)
            throws IOException, GeneralSecurityException {
        List<Certificate> chain = readCertificates(certificateChain);
        PrivateKey key = readPrivateKey(privateKey);
        char[] pw = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, pw, chain.toArray(Certificate[]::new));
        return build(ks, pw, trustCertificates == null ? null : loadTrust(trustCertificates, null));
    }

    private static KeyStore loadTrust(Path path, char[] password) throws IOException, GeneralSecurityException {
        String name = path.getFileName().toString().toLowerCase();
        KeyStore ts = KeyStore.getInstance("PKCS12");
        if (name.endsWith(".p12") || name.endsWith(".pfx")) {
            try (InputStream in = Files.newInputStream(path)) {
                ts.load(in, password);
            }
            return ts;
        }
        ts.load(null, null);
        int i = 0;
        for (Certificate c : readCertificates(path)) ts.setCertificateEntry("ca-" + i++, c);
        return ts;
    }

    private static SSLContext build(KeyStore ks, char[] password, KeyStore trust) throws GeneralSecurityException {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, password);
        TrustManagerFactory tmf = null;
        if (trust != null) {
            tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
        }
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
        return ctx;
    }

    static List<Certificate> readCertificates(Path pem) throws IOException, GeneralSecurityException {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        try (InputStream in = Files.newInputStream(pem)) {
            return new ArrayList<>(cf.generateCertificates(in));
        }
    }

    static PrivateKey readPrivateKey(Path pem) throws IOException, GeneralSecurityException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (!text.contains("BEGIN PRIVATE KEY")) {
            throw new GeneralSecurityException(pem + ": expected an unencrypted PKCS#8 key (BEGIN PRIVATE KEY); "
                    + "convert with: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
        }
        String b64 = text.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        byte[] der = Base64.getDecoder().decode(b64);
        for (String alg : List.of("RSA", "EC", "Ed25519")) {
            try {
                return KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException tryNext) {
                // the PEM does not say which algorithm; the first that parses is it
            }
        }
        throw new GeneralSecurityException(pem + ": unsupported private key algorithm");
    }

}
