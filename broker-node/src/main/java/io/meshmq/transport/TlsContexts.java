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
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;

/**
 * Builds the server's {@link SSLContext} from a PKCS12 key store or from PEM files (certificate chain and a PKCS#8
 * private key), with an optional PEM or PKCS12 trust store for client certificates.
 */
public final class TlsContexts {
    private TlsContexts() {}

    /** A server context and the certificate it presents. */
    public record Material(SSLContext context, X509Certificate certificate) {}

    public static SSLContext fromPkcs12(Path keyStore, char[] password, Path trustStore, char[] trustPassword)
            throws IOException, GeneralSecurityException {
        return loadPkcs12(keyStore, password, trustStore, trustPassword).context();
    }

    public static Material loadPkcs12(Path keyStore, char[] password, Path trustStore, char[] trustPassword)
            throws IOException, GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, password);
        }
        X509Certificate certificate = null;
        for (String alias : Collections.list(ks.aliases())) {
            if (ks.isKeyEntry(alias) && ks.getCertificate(alias) instanceof X509Certificate x) { certificate = x; break; }
        }
        if (certificate == null) throw new GeneralSecurityException(keyStore + ": no private key with a certificate");
        return new Material(build(ks, password, trustStore == null ? null : loadTrust(trustStore, trustPassword)), certificate);
    }

    public static SSLContext fromPem(Path certificateChain, Path privateKey, Path trustCertificates)
            throws IOException, GeneralSecurityException {
        return loadPem(certificateChain, privateKey, trustCertificates).context();
    }

    public static Material loadPem(Path certificateChain, Path privateKey, Path trustCertificates)
            throws IOException, GeneralSecurityException {
        List<Certificate> chain = readCertificates(certificateChain);
        if (chain.isEmpty() || !(chain.get(0) instanceof X509Certificate certificate)) {
            throw new GeneralSecurityException(certificateChain + ": no X.509 certificate");
        }
        PrivateKey key = readPrivateKey(privateKey);
        // The key store accepts any pair; a mismatch would only show in every handshake. Caught here, it fails
        // start-up, or keeps the previous certificate when it is a rotation caught between writing the two files.
        if (!matches(key, certificate.getPublicKey())) {
            throw new GeneralSecurityException(privateKey + " is not the private key of the certificate in " + certificateChain);
        }
        char[] pw = new char[0];
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("server", key, pw, chain.toArray(Certificate[]::new));
        return new Material(build(ks, pw, trustCertificates == null ? null : loadTrust(trustCertificates, null)), certificate);
    }

    /** Whether {@code key} signs what {@code publicKey} verifies. */
    static boolean matches(PrivateKey key, PublicKey publicKey) throws GeneralSecurityException {
        String algorithm = switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> throw new GeneralSecurityException("unsupported private key algorithm " + key.getAlgorithm());
        };
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())
                && !(key.getAlgorithm().startsWith("Ed") && publicKey.getAlgorithm().startsWith("Ed"))) {
            return false;
        }
        byte[] probe = "meshmq key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(publicKey);
        verifier.update(probe);
        return verifier.verify(signature);
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
        ctx.init(kmf.getKeyManagers(), tmf == null ? null : withValidityCheck(tmf.getTrustManagers()), null);
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


    /**
     * PKIX does not check the validity dates of a trust anchor, so a self-signed client certificate placed in the
     * trust store would be accepted long after it expired: every certificate of a client's chain must be within its
     * validity as well.
     */
    static javax.net.ssl.TrustManager[] withValidityCheck(javax.net.ssl.TrustManager[] managers) {
        javax.net.ssl.TrustManager[] out = new javax.net.ssl.TrustManager[managers.length];
        for (int i = 0; i < managers.length; i++) {
            if (managers[i] instanceof javax.net.ssl.X509TrustManager tm) {
                out[i] = new javax.net.ssl.X509TrustManager() {
                    @Override
                    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String authType)
                            throws java.security.cert.CertificateException {
                        tm.checkClientTrusted(chain, authType);
                        for (java.security.cert.X509Certificate c : chain) c.checkValidity();
                    }

                    @Override
                    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String authType)
                            throws java.security.cert.CertificateException {
                        tm.checkServerTrusted(chain, authType);
                    }

                    @Override
                    public java.security.cert.X509Certificate[] getAcceptedIssuers() { return tm.getAcceptedIssuers(); }
                };
            } else {
                out[i] = managers[i];
            }
        }
        return out;
    }
}
