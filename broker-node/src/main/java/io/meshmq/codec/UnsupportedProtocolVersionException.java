package io.meshmq.codec;

/**
 * A CONNECT named a protocol name and level we do not speak (MQTT-3.1.2-2). Carries what the client asked for so
 * the caller can answer in the client's dialect (a 3.1.1 CONNACK with return code 1, or 0x84 for level 5 lookalikes)
 * before closing.
 */
public final class UnsupportedProtocolVersionException extends MalformedPacketException {
    private final String protocolName;
    private final int level;

    public UnsupportedProtocolVersionException(String protocolName, int level) {
        super(ReasonCode.UNSUPPORTED_PROTOCOL_VERSION, "unsupported protocol " + protocolName + " level " + level);
        this.protocolName = protocolName;
        this.level = level;
    }

    public String protocolName() { return protocolName; }

    public int level() { return level; }
}
