package io.meshmq.gatling.simulations;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.meshmq.gatling.Mqtt.mqtt;

/**
 * Each device connects with a persistent session (MQTT 5: clean start off, session expiry 1 h; MQTT 3.1.1:
 * clean session off), subscribes at QoS 1 and goes offline; a backend connection then publishes -Dqueued messages
 * to it (QoS 1, each acknowledged by the broker); the device comes back, must find its session
 * (session present = 1) and receive all of them. Finally it ends the session (clean connect) so nothing stays behind.
 *
 * <p>-Dusers=10 -Dramp=5 -Dqueued=20 -Doffline=2 (s) -Dversion=5 -DreceiveTimeout=10 (s) -Dp99=1000 (ms, until
 * all queued messages arrived after reconnecting) -DmaxKoPercent=0
 */
public class PersistentSessions extends Simulation {
    int users = Params.integer("users", 10);
    Duration ramp = Params.ramp(5);
    int queued = Params.integer("queued", 20);
    Duration offline = Params.seconds("offline", 2);
    Duration receiveTimeout = Params.seconds("receiveTimeout", 10);

    ScenarioBuilder device = scenario("PersistentSessions")
            .feed(Params.ids("persistent-"))
            .exec(mqtt("connect persistent").connect().clientId("#{deviceId}").cleanSession(false)
                    .sessionExpiry(Duration.ofHours(1)))
            .exitHereIfFailed()
            .exec(mqtt("subscribe").subscribe("devices/#{deviceId}/inbox").qos(1))
            .exec(mqtt("go offline").disconnect())
            .exec(mqtt("backend connect").connect().client("backend"))
            .repeat(queued, "n").on(
                    exec(mqtt("queue message").publish("devices/#{deviceId}/inbox").payload("#{deviceId}:#{n}")
                            .qos(1).client("backend")))
            .exec(mqtt("backend disconnect").disconnect().client("backend"))
            .pause(offline)
            .exec(mqtt("reconnect").connect().clientId("#{deviceId}").cleanSession(false)
                    .sessionExpiry(Duration.ofHours(1)).expectSessionPresent(true))
            .exec(mqtt("receive queued").waitForMessages("devices/#{deviceId}/inbox", queued, receiveTimeout))
            .exec(mqtt("disconnect").disconnect())
            .exec(mqtt("end session").connect().clientId("#{deviceId}").cleanSession(true))
            .exec(mqtt("end session disconnect").disconnect());

    {
        setUp(device.injectOpen(rampUsers(users).during(ramp)))
                .protocols(Params.protocol("5", 60))
                .maxDuration(ramp.plus(offline).plus(receiveTimeout).plusSeconds(60))
                .assertions(
                        global().failedRequests().percent().lte(Params.decimal("maxKoPercent", 0)),
                        details("receive queued").responseTime().percentile(99.0).lt(Params.integer("p99", 1000)));
    }
}
