package io.meshmq.auth;

import io.meshmq.codec.ReasonCode;

/**
 * The outcome of authentication: SUCCESS with the client's user (null: anonymous) and certificate identity, or the
 * CONNACK reason for a refusal and a short explanation for the log (never a secret).
 */
public record AuthResult(ReasonCode code, String user, String certificateIdentity, String why) {
    public static AuthResult ok(String user, String certificateIdentity) {
        return new AuthResult(ReasonCode.SUCCESS, user, certificateIdentity, null);
    }

    public static AuthResult refused(ReasonCode code, String why) {
        return new AuthResult(code, null, null, why);
    }

    public boolean success() { return code == ReasonCode.SUCCESS; }
}
