package io.meshmq.codec;

/**
 * A violation of the wire format or of a packet-level rule. The connection that sent it is closed;
 * an MQTT 5 client is first told {@link #reasonCode()} in a DISCONNECT (or CONNACK, while connecting).
 */
public class MalformedPacketException extends Exception {
    private final ReasonCode reasonCode;

    public MalformedPacketException(ReasonCode reasonCode, String message) {
        super(message, null, false, false);
        this.reasonCode = reasonCode;
    }

    public ReasonCode reasonCode() { return reasonCode; }
}
