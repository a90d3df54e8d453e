package io.meshmq.codec;

/** An MQTT 5 User Property (0x26): a UTF-8 string pair; order and duplicates are significant. */
public record UserProperty(String name, String value) {}
