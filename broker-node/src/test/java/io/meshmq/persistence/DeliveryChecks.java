package io.meshmq.persistence;

import org.assertj.core.api.SoftAssertions;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** What MQTT allows a subscriber to see of a numbered stream of messages published on one topic. */
final class DeliveryChecks {
    private DeliveryChecks() {}

    /**
     * QoS 1 (MQTT 4.3.2, 4.6): every number 0..count-1 arrives, first occurrences in publication order, and a repeated
     * one carries DUP (MQTT-3.3.1-1: a re-delivery has DUP set).
     */
    static void atLeastOnceInOrder(SoftAssertions softly, String who, List<Subscriber.Delivery> got, int count) {
        softly.assertThat(got).as("%s: QoS of each delivery", who).allSatisfy(d -> assertThat(d.qos()).isEqualTo(1));
        Set<Integer> seen = new HashSet<>();
        List<Integer> firsts = new ArrayList<>();
        List<Subscriber.Delivery> repeatsWithoutDup = new ArrayList<>();
        for (Subscriber.Delivery d : got) {
            if (seen.add(d.seq())) firsts.add(d.seq());
            else if (!d.dup()) repeatsWithoutDup.add(d);
        }
        softly.assertThat(missing(seen, count)).as("%s: QoS 1 messages never received", who).isEmpty();
        softly.assertThat(firsts).as("%s: QoS 1 first deliveries in publication order", who).isSorted();
        softly.assertThat(repeatsWithoutDup).as("%s: QoS 1 repeats without DUP", who).isEmpty();
    }

    /**
     * QoS 2 (MQTT 4.3.3, 4.6): every number 0..count-1 arrives exactly once, in publication order. A re-sent PUBLISH
     * of a packet id still awaiting PUBREL ({@link Subscriber.Delivery#held()}) is not a delivery (MQTT-4.3.3-9).
     */
    static void exactlyOnceInOrder(SoftAssertions softly, String who, List<Subscriber.Delivery> all, int count) {
        List<Subscriber.Delivery> got = all.stream().filter(d -> !d.held()).toList();
        softly.assertThat(got).as("%s: QoS of each delivery", who).allSatisfy(d -> assertThat(d.qos()).isEqualTo(2));
        Map<Integer, Integer> times = new TreeMap<>();
        for (Subscriber.Delivery d : got) times.merge(d.seq(), 1, Integer::sum);
        softly.assertThat(missing(times.keySet(), count)).as("%s: QoS 2 messages never received", who).isEmpty();
        Map<Integer, Integer> duplicated = new TreeMap<>();
        times.forEach((seq, n) -> { if (n > 1) duplicated.put(seq, n); });
        softly.assertThat(duplicated).as("%s: QoS 2 messages received more than once (seq -> times)", who).isEmpty();
        softly.assertThat(got.stream().map(Subscriber.Delivery::seq).toList())
                .as("%s: QoS 2 deliveries in publication order", who).isSorted();
    }

    /**
     * QoS 2 where the target's node died with one message in flight (MQTT 4.3.3 cannot be kept for a message the lost
     * node held but had not confirmed): every number 0..count-1, first deliveries in order, and at most one of them
     * delivered twice.
     */
    static void allInOrderAtMostOneRepeated(SoftAssertions softly, String who, List<Subscriber.Delivery> all, int count) {
        List<Subscriber.Delivery> got = all.stream().filter(d -> !d.held()).toList();
        Map<Integer, Integer> times = new TreeMap<>();
        List<Integer> firsts = new ArrayList<>();
        for (Subscriber.Delivery d : got) {
            if (times.merge(d.seq(), 1, Integer::sum) == 1) firsts.add(d.seq());
        }
        softly.assertThat(missing(times.keySet(), count)).as("%s: QoS 2 messages never received", who).isEmpty();
        softly.assertThat(firsts).as("%s: QoS 2 first deliveries in publication order", who).isSorted();
        Map<Integer, Integer> duplicated = new TreeMap<>();
        times.forEach((seq, n) -> { if (n > 1) duplicated.put(seq, n); });
        softly.assertThat(duplicated).as("%s: QoS 2 messages received more than once (seq -> times)", who)
                .hasSizeLessThanOrEqualTo(1).allSatisfy((seq, n) -> assertThat(n).isEqualTo(2));
    }

    private static List<Integer> missing(Set<Integer> seen, int count) {
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < count; i++) if (!seen.contains(i)) missing.add(i);
        return missing;
    }
}
