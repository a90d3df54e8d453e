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

    /** Lets every client in; for tests and embedding. The broker's default is {@link BrokerAuthenticator}. */
    Authenticator ALLOW_ALL = (connect, remote) -> ReasonCode.SUCCESS;
}
