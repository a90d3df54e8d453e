package io.meshmq.gatling.simulations;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.meshmq.gatling.Mqtt.mqtt;

/**
 * The acceptance device of docs (the ESP32 of the textbook) times N: MQTT 3.1.1, clean session, keep-alive 15 s; each
 * device subscribes at QoS 0 and publishes "Hello from ESP32" once a second at QoS 0, and must receive its own message.
 *
 * <p>Topic: {@code devices/<id>/test/topic}, one per device. The real device uses {@code test/topic}; N devices on
 * one topic would each receive all N messages a second (N² deliveries: 1,000 devices = 1,000,000 messages/s),
 * which measures fan-out, not a fleet. With a topic per device each device receives exactly its own messages,
 * so "receive own message" is one clean end-to-end latency sample per publish.
 *
 * <p>-Dusers=10 -Dramp=5 -Dduration=30 (s) -Dqos=0 -Dp99=50 (ms, "receive own message": publish start to arrival)
 * -DmaxKoPercent=0. Every device also fails if its message does not arrive within 5 s (-DreceiveTimeout).
 */
public class DeviceFleet extends Simulation {
    int users = Params.integer("users", 10);
    Duration ramp = Params.ramp(5);
    Duration duration = Params.seconds("duration", 30);
    int qos = Params.integer("qos", 0);

    ScenarioBuilder device = scenario("DeviceFleet")
            .feed(Params.ids("esp32-"))
            .exec(mqtt("connect").connect().clientId("#{deviceId}"))
            .exitHereIfFailed()
            .exec(mqtt("subscribe").subscribe("devices/#{deviceId}/test/topic").qos(qos))
            // exitASAP = false: the last publish is always followed by its "receive own message"
            .during(duration, false).on(
                    pace(Duration.ofSeconds(1)).exec(
                            mqtt("publish").publish("devices/#{deviceId}/test/topic").payload("Hello from ESP32").qos(qos),
                            mqtt("receive own message").expect("devices/#{deviceId}/test/topic",
                                    Params.seconds("receiveTimeout", 5)).sinceLastPublish()))
            .exec(mqtt("disconnect").disconnect());

    {
        setUp(device.injectOpen(rampUsers(users).during(ramp)))
                .protocols(Params.protocol("3.1.1", 15))
                .maxDuration(ramp.plus(duration).plusSeconds(30))
                .assertions(
                        global().failedRequests().percent().lte(Params.decimal("maxKoPercent", 0)),
                        details("receive own message").responseTime().percentile(99.0).lt(Params.integer("p99", 50)));
    }
}
