package io.meshmq.auth;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ReasonCode;

/** Decides whether a CONNECT may proceed (MQTT 5.4.1). Providers (password file, database, certificates) plug in here. */
public interface Authenticator {

    /** SUCCESS, or the reason to put in the CONNACK (e.g. BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED). */
    ReasonCode authenticate(MqttPacket.Connect connect, String remoteAddress);

    /**
     * The full form: also sees the TLS client certificate chain and says who the client is. The default delegates
     * to {@link #authenticate(MqttPacket.Connect, String)} and trusts the CONNECT's user name.
     */
    default AuthResult authenticate(MqttPacket.Connect connect, ClientInfo client) {
        ReasonCode r = authenticate(connect, client.remoteAddress());
        return r == ReasonCode.SUCCESS ? AuthResult.ok(connect.username(), null) : AuthResult.refused(r, "refused");
    }

    /**
     * MQTT 5 enhanced authentication (MQTT 4.12): a new exchange for the Authentication Method {@code method}, or
     * null when this authenticator does not support it (the client then gets 0x8C Bad Authentication Method).
     */
    default EnhancedAuthentication enhancedAuthentication(String method, ClientInfo client) { return null; }

    /** The identity in the client's TLS certificate (for clients authenticated by enhanced authentication), or null. */
    default String certificateIdentity(ClientInfo client) { return null; }

    /** Lets every client in; for tests and embedding. The broker's default is {@link BrokerAuthenticator}. */
    Authenticator ALLOW_ALL = (connect, remote) -> ReasonCode.SUCCESS;
}
