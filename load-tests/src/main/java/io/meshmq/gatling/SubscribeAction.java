package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

/** SUBSCRIBE one filter, complete on SUBACK (KO on a failure code). */
final class SubscribeAction extends MqttAction {
    private final Builder b;

    SubscribeAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
        this.b = b;
    }

    @Override
    void start(Session session, long t0) {
        MqttConnection c = connection(session);
        c.subscribe(b.filter.eval(session), b.qos, b.tally)
                .whenComplete((v, e) -> complete(session, t0, now(), e == null ? null : message(e), s -> s));
    }

    public static final class Builder extends MqttActionBuilder<Builder> {
        final Expr filter;
        int qos;
        String tally;

        Builder(String requestName, Expr filter) {
            super(requestName);
            this.filter = filter;
        }

        public Builder qos(int qos) {
            this.qos = qos;
            return this;
        }

        /**
         * Messages arriving on this subscription are counted in the named {@link Tally} (by payload key) instead of
         * being kept for expect(); a publisher's awaitDelivered(name) then sees them.
         */
        public Builder tally(String name) {
            this.tally = name;
            return this;
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new SubscribeAction(this, ctx, next);
        }
    }
}
