package io.meshmq.session;

import io.meshmq.codec.QoS;
import io.meshmq.ops.CborSerializable;

/**
 * What a client asked for one topic filter (MQTT 3.8.3.1).
 *
 * @param subscriptionId Subscription Identifier (MQTT 3.8.2.1.2), 0 when none
 */
public record SubscriptionOptions(QoS qos, boolean noLocal, boolean retainAsPublished, int retainHandling,
                                  int subscriptionId) implements CborSerializable {
    public static SubscriptionOptions of(QoS qos) { return new SubscriptionOptions(qos, false, false, 0, 0); }
}
