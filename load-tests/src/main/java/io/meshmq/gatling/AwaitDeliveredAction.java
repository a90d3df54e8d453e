package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * OK once every message this client published with {@code tally(name)} has arrived at a subscriber with the same
 * tally; KO with the number missing after the timeout. Polls every 20 ms on the virtual user's event loop.
 */
final class AwaitDeliveredAction extends MqttAction {
    private final Builder b;

    AwaitDeliveredAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
        this.b = b;
    }

    @Override
    void start(Session session, long t0) {
        poll(session, connection(session), t0, 0);
    }

    private void poll(Session session, MqttConnection c, long t0, long confirmed) {
        long[] r = c.confirmDelivered(b.tally);
        long ok = confirmed + r[0], missing = r[1];
        long t = now();
        if (missing == 0) {
            complete(session, t0, t, null, s -> s.set("meshmq.mqtt.delivered." + b.tally, ok));
        } else if (t - t0 >= b.timeout.toMillis()) {
            complete(session, t0, t, missing + " of " + (ok + missing) + " message(s) not delivered after "
                    + b.timeout.toMillis() + " ms", s -> s);
        } else {
            session.eventLoop().schedule(() -> poll(session, c, t0, ok), 20, TimeUnit.MILLISECONDS);
        }
    }

    public static final class Builder extends MqttActionBuilder<Builder> {
        final String tally;
        Duration timeout = Duration.ofSeconds(10);

        Builder(String requestName, String tally) {
            super(requestName);
            this.tally = tally;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new AwaitDeliveredAction(this, ctx, next);
        }
    }
}
