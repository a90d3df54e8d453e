package io.meshmq.auth;

import io.meshmq.codec.MqttPacket;
import io.meshmq.codec.ReasonCode;

/** Decides whether a CONNECT may proceed (MQTT 5.4.1). Providers (password file, database, certificates) plug in here. */
public interface Authenticator {

    /** SUCCESS, or the reason to put in the CONNACK (e.g. BAD_USER_NAME_OR_PASSWORD, NOT_AUTHORIZED). */
    ReasonCode authenticate(MqttPacket.Connect connect, String remoteAddress);

    /** Lets every client in; the single-node default. */
    Authenticator ALLOW_ALL = (connect, remote) -> ReasonCode.SUCCESS;
}
