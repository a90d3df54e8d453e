package io.meshmq.auth;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;

/** Takes a client's identity from its TLS certificate: the subject's CN, or its first DNS/email/URI SAN. */
public final class CertificateIdentity {
    private CertificateIdentity() {}

    public enum Source { CN, SAN, OFF }

    public static Source source(String setting) {
        return switch (setting.toLowerCase()) {
            case "cn" -> Source.CN;
            case "san" -> Source.SAN;
            case "off", "none", "" -> Source.OFF;
            default -> throw new IllegalArgumentException("broker.auth.tls-identity must be cn, san or off, not " + setting);
        };
    }

    /** The identity in the leaf certificate of {@code chain}, or null (no certificate, source OFF, no such field). */
    public static String of(List<X509Certificate> chain, Source source) {
        if (chain.isEmpty() || source == Source.OFF) return null;
        X509Certificate leaf = chain.get(0);
        return source == Source.CN ? commonName(leaf) : subjectAltName(leaf);
    }

    static String commonName(X509Certificate c) {
        try {
            List<Rdn> rdns = new LdapName(c.getSubjectX500Principal().getName()).getRdns();
            // LdapName lists the RDNs from the last to the first; the most specific CN is the last one listed
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Rdn rdn = rdns.get(i);
                if (rdn.getType().equalsIgnoreCase("CN")) return rdn.getValue().toString();
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }

    static String subjectAltName(X509Certificate c) {
        try {
            Collection<List<?>> sans = c.getSubjectAlternativeNames();
            if (sans == null) return null;
            for (List<?> san : sans) {
                int type = (Integer) san.get(0);
                // 1 rfc822Name (email), 2 dNSName, 6 URI
                if (type == 1 || type == 2 || type == 6) return san.get(1).toString();
            }
        } catch (CertificateParsingException e) {
            return null;
        }
        return null;
    }
}
