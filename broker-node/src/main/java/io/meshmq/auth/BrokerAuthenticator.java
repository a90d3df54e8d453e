package io.meshmq.auth;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ReasonCode;

import java.nio.charset.StandardCharsets;
import java.nio.CharBuffer;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The broker's authentication (configured under {@code broker.auth}), in this order:
 * <ol>
 *   <li>A CONNECT with a user name is checked against the user store (password file): unknown user or wrong
 *       password → 0x86 Bad User Name or Password (3.1.1: return code 4). Without a user store a user name is not
 *       trusted and the client counts as anonymous.</li>
 *   <li>A TLS client certificate (verified by the listener's trust store) gives the identity
 *       ({@code tls-identity = cn | san}); the client is then authenticated even without a user name.</li>
 *   <li>Otherwise the client is anonymous: let in when {@code allow-anonymous = on}, or {@code localhost} and it
 *       connects from the loopback interface; else 0x87 Not Authorized (3.1.1: return code 5).</li>
 * </ol>
 * An MQTT 5 CONNECT with the Authentication Method {@code SCRAM-SHA-256} is instead authenticated by
 * {@link ScramSha256Server} against the user store's SCRAM keys ({@link #enhancedAuthentication}); other methods
 * are not supported.
 */
public final class BrokerAuthenticator implements Authenticator {

    public enum Anonymous { ON, OFF, LOCALHOST;
        public static Anonymous of(String s) {
            return switch (s.toLowerCase()) {
                case "on", "true", "yes" -> ON;
                case "off", "false", "no" -> OFF;
                case "localhost" -> LOCALHOST;
                default -> throw new IllegalArgumentException("broker.auth.allow-anonymous must be on, off or localhost, not " + s);
            };
        }
    }

    private final UserStore users;
    private final CertificateIdentity.Source tlsIdentity;
    private final Anonymous anonymous;
    /** Keys the made-up salts SCRAM shows for unknown user names (random per process). */
    private final byte[] unknownUserSecret = new byte[32];

    /** {@code users} may be null (no user store). */
    public BrokerAuthenticator(UserStore users, CertificateIdentity.Source tlsIdentity, Anonymous anonymous) {
        this.users = users;
        this.tlsIdentity = tlsIdentity;
        this.anonymous = anonymous;
        new java.security.SecureRandom().nextBytes(unknownUserSecret);
    }

    @Override
    public EnhancedAuthentication enhancedAuthentication(String method, ClientInfo client) {
        if (!ScramSha256Server.METHOD.equals(method) || users == null) return null;
        return new ScramSha256Server(users::scramCredentials, unknownUserSecret);
    }

    @Override
    public String certificateIdentity(ClientInfo client) {
        return CertificateIdentity.of(client.peerCertificates(), tlsIdentity);
    }

    @Override
    public ReasonCode authenticate(MqttPacket.Connect connect, String remoteAddress) {
        return authenticate(connect, new ClientInfo(remoteAddress, java.util.List.of())).code();
    }

    @Override
    public AuthResult authenticate(MqttPacket.Connect connect, ClientInfo client) {
        String certId = CertificateIdentity.of(client.peerCertificates(), tlsIdentity);
        String user = connect.username();
        if (user != null && users != null) {
            char[] password = decode(connect.password());
            try {
                if (!users.verify(user, password)) {
                    return AuthResult.refused(ReasonCode.BAD_USER_NAME_OR_PASSWORD, "bad user name or password for user '" + user + "'");
                }
            } finally {
                Arrays.fill(password, '\0');
            }
            return AuthResult.ok(user, certId);
        }
        if (certId != null) return AuthResult.ok(certId, certId);
        if (!client.peerCertificates().isEmpty() && tlsIdentity != CertificateIdentity.Source.OFF) {
            return AuthResult.refused(ReasonCode.NOT_AUTHORIZED, "client certificate without a " + tlsIdentity);
        }
        boolean allowed = anonymous == Anonymous.ON || (anonymous == Anonymous.LOCALHOST && client.isLoopback());
        return allowed ? AuthResult.ok(null, null)
                : AuthResult.refused(ReasonCode.NOT_AUTHORIZED, "anonymous access refused"
                        + (anonymous == Anonymous.LOCALHOST ? " (allowed from localhost only)" : ""));
    }

    private static char[] decode(byte[] password) {
        if (password == null) return new char[0];
        CharBuffer cb = StandardCharsets.UTF_8.decode(ByteBuffer.wrap(password));
        char[] c = new char[cb.remaining()];
        cb.get(c);
        Arrays.fill(cb.array(), '\0');
        return c;
    }

    public String describe() {
        return "users: " + (users == null ? "none" : users.describe() + ", enhanced authentication: " + ScramSha256Server.METHOD) + ", tls-identity: " + tlsIdentity.name().toLowerCase()
                + ", anonymous: " + switch (anonymous) {
                    case ON -> "allowed";
                    case OFF -> "refused";
                    case LOCALHOST -> "allowed from localhost only";
                };
    }
}
