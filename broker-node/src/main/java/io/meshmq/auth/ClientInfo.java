package io.meshmq.auth;

import java.security.cert.X509Certificate;
import java.util.List;

/** What the transport knows about a connecting client: its address and TLS client certificate chain (may be empty). */
public record ClientInfo(String remoteAddress, List<X509Certificate> peerCertificates) {
    public ClientInfo {
        peerCertificates = peerCertificates == null ? List.of() : List.copyOf(peerCertificates);
    }

    /** Whether the client connects from the loopback interface (127.0.0.0/8, ::1). */
    public boolean isLoopback() {
        String host = remoteAddress;
        int colon = host.lastIndexOf(':');
        if (colon > 0) host = host.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        return host.startsWith("127.") || host.equals("0:0:0:0:0:0:0:1") || host.equals("::1");
    }
}
