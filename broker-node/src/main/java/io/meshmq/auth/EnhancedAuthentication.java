package io.meshmq.auth;

import io.meshmq.codec.ReasonCode;

/**
 * One MQTT 5 enhanced authentication exchange (MQTT 4.12): the Authentication Data of the CONNECT (or of an AUTH
 * 0x19 that starts a re-authentication), then of each AUTH 0x18, goes in; what goes back is either more data for
 * an AUTH 0x18, or the end: success with the data for the CONNACK / AUTH 0x00, or a failure reason. A pure state
 * machine, confined to its connection; a new exchange is made for each authentication.
 */
public interface EnhancedAuthentication {

    /** The Authentication Method this exchange speaks (the property value, e.g. {@code SCRAM-SHA-256}). */
    String method();

    /** The next step given the client's Authentication Data ({@code null}: the packet had none). */
    Step respond(byte[] clientData);

    enum Status { CONTINUE, SUCCESS, FAILURE }

    /**
     * @param data for CONTINUE and SUCCESS: the server's Authentication Data (null: none)
     * @param user for SUCCESS: the authenticated user name
     * @param code for FAILURE: the reason code to refuse with
     * @param why  for FAILURE: a short explanation for the log, never a secret
     */
    record Step(Status status, byte[] data, String user, ReasonCode code, String why) {
        public static Step proceed(byte[] data) { return new Step(Status.CONTINUE, data, null, null, null); }
        public static Step success(String user, byte[] data) { return new Step(Status.SUCCESS, data, user, ReasonCode.SUCCESS, null); }
        public static Step failure(ReasonCode code, String why) { return new Step(Status.FAILURE, null, null, code, why); }
    }
}
