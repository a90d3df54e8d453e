package io.meshmq.gatling.simulations;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;
import io.meshmq.gatling.MqttMessage;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.meshmq.gatling.Mqtt.mqtt;

/**
 * MQTT 5 request/response. Backends publish commands (QoS 1) to {@code fleet/<id>/cmd} with a response topic
 * ({@code fleet/responses/<backend>}) and unique correlation data; each device answers on the response topic with
 * the same correlation data. "command round trip" is the time from a backend's publish to the matching answer.
 * Backend b commands devices b, b+B, b+2B... one after the other, once per round.
 *
 * <p>-Dusers=10 (devices) -Dbackends=1 -Dcommands=5 (rounds) -Dinterval=1 (s between rounds) -Dramp=5
 * -Dp99=50 (ms, round trip) -DmaxKoPercent=0
 */
public class CommandFanOut extends Simulation {
    int users = Params.integer("users", 10);
    int backends = Math.min(Params.integer("backends", 1), users);
    int commands = Params.integer("commands", 5);
    Duration interval = Params.seconds("interval", 1);
    Duration ramp = Params.ramp(5);
    Duration answerTimeout = Params.seconds("answerTimeout", 5);

    ScenarioBuilder device = scenario("device")
            .feed(Params.ids("dev-"))
            .exec(mqtt("connect").connect())
            .exitHereIfFailed()
            .exec(mqtt("subscribe commands").subscribe("fleet/#{deviceId}/cmd").qos(1))
            .repeat(commands).on(
                    exec(mqtt("receive command").expect().topic("fleet/#{deviceId}/cmd")
                            // waits for the backend's next round: ramp and one interval per backend round
                            .timeout(ramp.plus(interval).plus(answerTimeout).plusSeconds(5)).saveAs("cmd"))
                            .exitHereIfFailed()
                            .exec(mqtt("answer").publish(s -> s.<MqttMessage>get("cmd").responseTopic())
                                    .correlationData(s -> s.<MqttMessage>get("cmd").correlation())
                                    .payload("ok #{deviceId}").qos(1)))
            .exec(mqtt("disconnect").disconnect());

    ScenarioBuilder backend = scenario("backend")
            .feed(Params.ids("backend-"))
            .exec(session -> session.set("targets", IntStream.range(0, users)
                    .filter(i -> i % backends == session.getInt("deviceIndex")).mapToObj(i -> "dev-" + i).toList()))
            .exec(mqtt("backend connect").connect())
            .exitHereIfFailed()
            .exec(mqtt("backend subscribe").subscribe("fleet/responses/#{deviceId}").qos(1))
            .pause(ramp.plusSeconds(2)) // the devices are connected and subscribed by then
            .repeat(commands, "round").on(
                    pace(interval).foreach(session -> session.<List<String>>get("targets"), "target").on(
                            exec(mqtt("command").publish("fleet/#{target}/cmd").qos(1)
                                    .responseTopic("fleet/responses/#{deviceId}")
                                    .correlationData("#{deviceId}-#{round}-#{target}").payload("reboot"))
                                    .exec(mqtt("command round trip").expect().topic("fleet/responses/#{deviceId}")
                                            .correlation("#{deviceId}-#{round}-#{target}").sinceLastPublish()
                                            .timeout(answerTimeout))))
            .exec(mqtt("backend disconnect").disconnect());

    {
        setUp(device.injectOpen(rampUsers(users).during(ramp)), backend.injectOpen(atOnceUsers(backends)))
                .protocols(Params.protocol("5", 60))
                .maxDuration(ramp.plus(interval.multipliedBy(commands)).plusSeconds(60))
                .assertions(
                        global().failedRequests().percent().lte(Params.decimal("maxKoPercent", 0)),
                        details("command round trip").responseTime().percentile(99.0).lt(Params.integer("p99", 50)));
    }
}
