package io.meshmq.auth;

/**
 * Who a connected client is, as established at CONNECT.
 *
 * @param clientId            the MQTT client identifier
 * @param user                the authenticated user name (password checked), or the certificate identity when the
 *                            client authenticated by certificate only; null for an anonymous client
 * @param certificateIdentity the identity taken from the TLS client certificate ({@code broker.auth.tls-identity}),
 *                            or null
 */
public record ClientIdentity(String clientId, String user, String certificateIdentity) {
    public boolean anonymous() { return user == null; }
}
