package io.meshmq.gatling.simulations;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.meshmq.gatling.Mqtt;
import io.meshmq.gatling.Tally;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.meshmq.gatling.Mqtt.mqtt;

/**
 * Devices publish QoS 1 telemetry to {@code fleet/<id>/telemetry}; backend consumers share the load through
 * {@code $share/backend/fleet/+/telemetry}. Every message is counted: each payload starts with a unique key
 * ("device:seq|"), the backends tally what they receive, and each device ends with "all telemetry delivered", OK
 * only once every message the broker acknowledged to it has reached a backend (KO: how many are missing).
 *
 * <p>-Dusers=10 (devices) -Dbackends=2 -Drate=1 (messages/s per device) -Dramp=5 -Dduration=30 -Dqos=1
 * -DpayloadSize=64 -Dversion=5 -Dp99=50 (ms, publish until PUBACK) -DdeliveryTimeout=10 (s) -DmaxKoPercent=0
 */
public class TelemetryFanIn extends Simulation {
    int users = Params.integer("users", 10);
    int backends = Params.integer("backends", 2);
    double rate = Params.decimal("rate", 1);
    Duration ramp = Params.ramp(5);
    Duration duration = Params.seconds("duration", 30);
    Duration deliveryTimeout = Params.seconds("deliveryTimeout", 10);
    String padding = Params.padding(Params.integer("payloadSize", 64) - 20);
    final AtomicInteger devicesDone = new AtomicInteger();

    ScenarioBuilder backend = scenario("backend")
            .exec(mqtt("backend connect").connect())
            .exitHereIfFailed()
            .exec(mqtt("backend subscribe").subscribe("$share/backend/fleet/+/telemetry").qos(1).tally("telemetry"))
            // Stay until every device has finished (or the run's own bound).
            .asLongAsDuring(session -> devicesDone.get() < users,
                    ramp.plus(duration).plus(deliveryTimeout).plusSeconds(10)).on(pause(Duration.ofMillis(200)))
            .exec(mqtt("backend disconnect").disconnect());

    ScenarioBuilder device = scenario("device")
            .feed(Params.ids("dev-"))
            .exec(mqtt("connect").connect())
            .exitHereIfFailed()
            .during(duration, "seq", false).on(
                    pace(Duration.ofMillis(Math.round(1000 / rate))).exec(
                            mqtt("publish telemetry").publish("fleet/#{deviceId}/telemetry")
                                    .payload("#{deviceId}:#{seq}|" + padding).qos(Params.integer("qos", 1)).tally("telemetry")))
            .exec(mqtt("all telemetry delivered").awaitDelivered("telemetry").timeout(deliveryTimeout))
            .exec(mqtt("disconnect").disconnect())
            .exec(session -> {
                devicesDone.incrementAndGet();
                return session;
            });

    {
        setUp(backend.injectOpen(atOnceUsers(backends)),
                device.injectOpen(nothingFor(Duration.ofSeconds(2)), rampUsers(users).during(ramp)))
                .protocols(Params.protocol("5", 60))
                .maxDuration(ramp.plus(duration).plus(deliveryTimeout).plusSeconds(30))
                .assertions(
                        global().failedRequests().percent().lte(Params.decimal("maxKoPercent", 0)),
                        details("all telemetry delivered").failedRequests().count().is(0L),
                        details("publish telemetry").responseTime().percentile(99.0).lt(Params.integer("p99", 50)));
    }

    @Override
    public void after() {
        Tally t = Mqtt.tally("telemetry");
        System.out.println("TELEMETRY " + t + (t.published() == t.confirmed() ? " - every acknowledged message arrived"
                : " - " + (t.published() - t.confirmed()) + " not confirmed"));
    }
}
