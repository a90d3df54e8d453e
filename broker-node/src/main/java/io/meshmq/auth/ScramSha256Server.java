package io.meshmq.auth;

import io.meshmq.codec.ReasonCode;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The server side of SCRAM-SHA-256 (RFC 5802, RFC 7677) without channel binding, as an MQTT 5 enhanced
 * authentication exchange: client-first-message (CONNECT) → server-first-message (AUTH 0x18) →
 * client-final-message (AUTH 0x18) → server-final-message (CONNACK 0x00 or AUTH 0x00).
 *
 * <p>An unknown user gets a server-first-message like a known one (a salt derived from the user name and a secret
 * of this process, the default iteration count) and fails only at the proof, with the same reason as a wrong
 * password, so the exchange does not tell which user names exist. Every failure is 0x87 Not Authorized.
 *
 * <p>{@code p=} (the client wants channel binding) is refused: this server offers no SCRAM-SHA-256-PLUS.
 */
public final class ScramSha256Server implements EnhancedAuthentication {
    public static final String METHOD = "SCRAM-SHA-256";
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum State { AWAIT_CLIENT_FIRST, AWAIT_CLIENT_FINAL, DONE }

    private final Function<String, ScramCredentials> users;
    private final byte[] unknownUserSecret;
    private final Supplier<String> serverNonces;

    private State state = State.AWAIT_CLIENT_FIRST;
    private String user;
    private ScramCredentials credentials;
    private boolean knownUser;
    private String gs2Header;
    private String clientFirstBare;
    private String serverFirst;
    private String nonce;

    /**
     * @param users             user name → SCRAM credentials, or null when the user is unknown or has none
     * @param unknownUserSecret key for the made-up salts of unknown users (random per process is fine)
     */
    public ScramSha256Server(Function<String, ScramCredentials> users, byte[] unknownUserSecret) {
        this(users, unknownUserSecret, ScramSha256Server::randomNonce);
    }

    /** With a given server nonce source (tests: the RFC 7677 example). */
    ScramSha256Server(Function<String, ScramCredentials> users, byte[] unknownUserSecret, Supplier<String> serverNonces) {
        this.users = users;
        this.unknownUserSecret = unknownUserSecret.clone();
        this.serverNonces = serverNonces;
    }

    @Override public String method() { return METHOD; }

    @Override
    public Step respond(byte[] clientData) {
        State s = state;
        state = State.DONE;   // any failure ends the exchange; success paths set the next state
        if (clientData == null) return fail("no Authentication Data");
        String msg = new String(clientData, StandardCharsets.UTF_8);
        return switch (s) {
            case AWAIT_CLIENT_FIRST -> clientFirst(msg);
            case AWAIT_CLIENT_FINAL -> clientFinal(msg);
            case DONE -> fail("exchange already finished");
        };
    }

    /** The user named in the client-first-message (null before it arrived or if it did not parse). */
    public String user() { return user; }

    // client-first-message = gs2-header client-first-message-bare
    // gs2-header = gs2-cbind-flag "," [ authzid ] ","
    // client-first-message-bare = [reserved-mext ","] username "," nonce ["," extensions]
    private Step clientFirst(String msg) {
        int c1 = msg.indexOf(',');
        int c2 = c1 < 0 ? -1 : msg.indexOf(',', c1 + 1);
        if (c2 < 0) return fail("malformed client-first-message");
        String cbind = msg.substring(0, c1);
        if (cbind.startsWith("p=")) return fail("channel binding requested, not offered");
        if (!cbind.equals("n") && !cbind.equals("y")) return fail("malformed client-first-message");
        String authzid = msg.substring(c1 + 1, c2);
        gs2Header = msg.substring(0, c2 + 1);
        clientFirstBare = msg.substring(c2 + 1);
        String[] attrs = clientFirstBare.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("n=") || !attrs[1].startsWith("r=")) {
            return fail("malformed client-first-message");   // also refuses the reserved m= extension
        }
        String name = decodeSaslName(attrs[0].substring(2));
        String clientNonce = attrs[1].substring(2);
        if (name == null || name.isEmpty() || !validNonce(clientNonce)) return fail("malformed client-first-message");
        if (!authzid.isEmpty()) {
            String az = authzid.startsWith("a=") ? decodeSaslName(authzid.substring(2)) : null;
            if (az == null || !az.equals(name)) return fail("authorization identity other than the user name");
        }
        user = name;
        credentials = users.apply(name);
        knownUser = credentials != null;
        if (!knownUser) credentials = madeUp(name);
        String serverNonce = serverNonces.get();
        if (!validNonce(serverNonce)) throw new IllegalStateException("bad server nonce");
        nonce = clientNonce + serverNonce;
        serverFirst = "r=" + nonce + ",s=" + Base64.getEncoder().encodeToString(credentials.salt()) + ",i=" + credentials.iterations();
        state = State.AWAIT_CLIENT_FINAL;
        return Step.proceed(serverFirst.getBytes(StandardCharsets.UTF_8));
    }

    // client-final-message = channel-binding "," nonce ["," extensions] "," proof
    private Step clientFinal(String msg) {
        int p = msg.lastIndexOf(",p=");
        if (p < 0) return fail("malformed client-final-message");
        String withoutProof = msg.substring(0, p);
        String[] attrs = withoutProof.split(",", -1);
        if (attrs.length < 2 || !attrs[0].startsWith("c=") || !attrs[1].startsWith("r=")) return fail("malformed client-final-message");
        byte[] proof;
        byte[] cbind;
        try {
            proof = Base64.getDecoder().decode(msg.substring(p + 3));
            cbind = Base64.getDecoder().decode(attrs[0].substring(2));
        } catch (IllegalArgumentException e) {
            return fail("malformed client-final-message");
        }
        if (!Arrays.equals(cbind, gs2Header.getBytes(StandardCharsets.UTF_8))) return fail("channel binding data differs from the GS2 header");
        if (!attrs[1].substring(2).equals(nonce)) return fail("nonce differs");
        if (proof.length != 32) return fail("malformed client proof");
        byte[] authMessage = (clientFirstBare + "," + serverFirst + "," + withoutProof).getBytes(StandardCharsets.UTF_8);
        byte[] clientSignature = ScramCredentials.hmac(credentials.storedKey(), authMessage);
        byte[] clientKey = new byte[32];
        for (int i = 0; i < 32; i++) clientKey[i] = (byte) (proof[i] ^ clientSignature[i]);
        boolean proofOk = MessageDigest.isEqual(ScramCredentials.sha256(clientKey), credentials.storedKey());
        Arrays.fill(clientKey, (byte) 0);
        if (!proofOk || !knownUser) {
            return fail(knownUser ? "wrong password for user '" + user + "'" : "unknown user '" + user + "' (or no SCRAM keys)");
        }
        byte[] serverSignature = ScramCredentials.hmac(credentials.serverKey(), authMessage);
        return Step.success(user, ("v=" + Base64.getEncoder().encodeToString(serverSignature)).getBytes(StandardCharsets.UTF_8));
    }

    private Step fail(String why) {
        state = State.DONE;
        return Step.failure(ReasonCode.NOT_AUTHORIZED, "SCRAM-SHA-256: " + why);
    }

    /** Credentials nobody can prove: a salt that is stable per user name, keys nobody knows. */
    private ScramCredentials madeUp(String name) {
        byte[] salt = Arrays.copyOf(ScramCredentials.hmac(unknownUserSecret, name.getBytes(StandardCharsets.UTF_8)), 16);
        byte[] key = new byte[32];
        RANDOM.nextBytes(key);
        return new ScramCredentials(ScramCredentials.DEFAULT_ITERATIONS, salt, key, key);
    }

    /** saslname: "=2C" is ',' and "=3D" is '='; any other '=' is malformed (null). */
    static String decodeSaslName(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == ',') return null;
            if (c != '=') { sb.append(c); continue; }
            if (s.startsWith("=2C", i)) sb.append(',');
            else if (s.startsWith("=3D", i)) sb.append('=');
            else return null;
            i += 2;
        }
        return sb.toString();
    }

    /** printable = %x21-2B / %x2D-7E (any printable ASCII but ','). */
    private static boolean validNonce(String n) {
        if (n.isEmpty()) return false;
        for (int i = 0; i < n.length(); i++) {
            char c = n.charAt(i);
            if (c < 0x21 || c > 0x7E || c == ',') return false;
        }
        return true;
    }

    private static String randomNonce() {
        byte[] b = new byte[18];
        RANDOM.nextBytes(b);
        return Base64.getEncoder().encodeToString(b);
    }
}
