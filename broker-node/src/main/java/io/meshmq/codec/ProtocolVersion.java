package io.meshmq.codec;

/** The three protocol revisions the broker speaks, identified by the CONNECT protocol name and level. */
public enum ProtocolVersion {
    /** MQTT 3.1: protocol name {@code MQIsdp}, level 3. */
    MQTT_3_1("MQIsdp", 3),
    /** MQTT 3.1.1 (OASIS 2014): protocol name {@code MQTT}, level 4. */
    MQTT_3_1_1("MQTT", 4),
    /** MQTT 5.0 (OASIS 2019): protocol name {@code MQTT}, level 5. */
    MQTT_5("MQTT", 5);

    private final String protocolName;
    private final int level;

    ProtocolVersion(String protocolName, int level) {
        this.protocolName = protocolName;
        this.level = level;
    }

    public String protocolName() { return protocolName; }

    public int level() { return level; }

    public boolean isV5() { return this == MQTT_5; }

    /** Null when the pair names no version we speak. */
    public static ProtocolVersion of(String protocolName, int level) {
        for (ProtocolVersion v : values()) {
            if (v.level == level && v.protocolName.equals(protocolName)) return v;
        }
        return null;
    }
}
