package io.meshmq.gatling.simulations;

import io.gatling.javaapi.core.ScenarioBuilder;
import io.gatling.javaapi.core.Simulation;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static io.gatling.javaapi.core.CoreDsl.*;
import static io.meshmq.gatling.Mqtt.mqtt;

/**
 * Connections ramp up to -Dusers over -Dramp seconds, all stay connected until -Dhold seconds after the ramp, then
 * disconnect. Reports connect (CONNACK) times and the peak of concurrent connections.
 *
 * <p>-Dusers=100 -Dramp=5 -Dhold=5 (s) -Dversion=3.1.1 -DkeepAlive=60 -Dp99=1000 (ms, connect) -DmaxKoPercent=0
 */
public class ConnectStorm extends Simulation {
    int users = Params.integer("users", 100);
    Duration ramp = Params.ramp(5);
    Duration hold = Params.seconds("hold", 5);
    final AtomicInteger connected = new AtomicInteger(), peak = new AtomicInteger();
    volatile long holdUntil;

    ScenarioBuilder storm = scenario("ConnectStorm")
            .exec(mqtt("connect").connect())
            .exec(session -> {
                if (!session.isFailed()) peak.accumulateAndGet(connected.incrementAndGet(), Math::max);
                return session;
            })
            .exitHereIfFailed()
            .pause(session -> Duration.ofMillis(Math.max(0, holdUntil - System.currentTimeMillis())))
            .exec(session -> {
                connected.decrementAndGet();
                return session;
            })
            .exec(mqtt("disconnect").disconnect());

    {
        setUp(storm.injectOpen(rampUsers(users).during(ramp)))
                .protocols(Params.protocol("3.1.1", 60))
                .maxDuration(ramp.plus(hold).plusSeconds(60))
                .assertions(
                        global().failedRequests().percent().lte(Params.decimal("maxKoPercent", 0)),
                        details("connect").responseTime().percentile(99.0).lt(Params.integer("p99", 1000)));
    }

    @Override
    public void before() {
        holdUntil = System.currentTimeMillis() + ramp.plus(hold).toMillis();
    }

    @Override
    public void after() {
        System.out.println("CONNECT_STORM peak concurrent connections " + peak.get() + " of " + users);
    }
}
