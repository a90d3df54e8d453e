package io.meshmq.codec;

/** Quality of service levels, MQTT 4.3. */
public enum QoS {
    AT_MOST_ONCE, AT_LEAST_ONCE, EXACTLY_ONCE;

    public int value() { return ordinal(); }

    /** @throws IllegalArgumentException for 3, which the spec forbids (MQTT-3.3.1-4) */
    public static QoS of(int value) {
        return switch (value) {
            case 0 -> AT_MOST_ONCE;
            case 1 -> AT_LEAST_ONCE;
            case 2 -> EXACTLY_ONCE;
            default -> throw new IllegalArgumentException("QoS " + value);
        };
    }

    public static QoS min(QoS a, QoS b) { return a.ordinal() <= b.ordinal() ? a : b; }

    public static QoS max(QoS a, QoS b) { return a.ordinal() >= b.ordinal() ? a : b; }
}
