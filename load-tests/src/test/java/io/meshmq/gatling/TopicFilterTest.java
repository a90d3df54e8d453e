package io.meshmq.gatling;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/** What expect(...).topic(filter) and tallied subscriptions match (MQTT 3.1.1 / 5 §4.7, shared subscriptions §4.8.2). */
class TopicFilterTest {
    @ParameterizedTest(name = "{0} ~ {1} = {2}")
    @CsvSource({
            "devices/+/test/topic, devices/esp32-1/test/topic, true",
            "devices/+/test/topic, devices/esp32-1/other, false",
            "fleet/#, fleet, true",
            "fleet/#, fleet/a/b/c, true",
            "fleet/+, fleet/a/b, false",
            "$share/backend/fleet/+/telemetry, fleet/dev-3/telemetry, true",
            "$share/backend/fleet/+/telemetry, fleet/dev-3/cmd, false",
            "#, $SYS/broker, false",
            "+/broker, $SYS/broker, false",
            "$SYS/#, $SYS/broker, true",
            "a/b, a/b/, false",
    })
    void matches(String filter, String topic, boolean expected) {
        assertThat(TopicFilter.matches(filter, topic)).isEqualTo(expected);
    }
}
