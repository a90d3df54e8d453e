package io.meshmq.gatling;

import java.nio.charset.StandardCharsets;

/**
 * A message a virtual user received; what {@code expect(...).saveAs(name)} stores in the session.
 * {@code correlation} and {@code responseTopic} are the MQTT 5 properties (null with MQTT 3.1.1 or when absent).
 */
public record MqttMessage(String topic, byte[] payload, int qos, boolean retain, String correlation,
                          String responseTopic, long receivedAtMillis) {
    public String payloadString() {
        return new String(payload, StandardCharsets.UTF_8);
    }

    /** The delivery-tracking key of a payload: the text before the first '|', or all of it. */
    static String tallyKey(String payload) {
        int bar = payload.indexOf('|');
        return bar < 0 ? payload : payload.substring(0, bar);
    }
}
