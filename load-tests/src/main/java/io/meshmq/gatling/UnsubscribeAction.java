package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

/** UNSUBSCRIBE one filter, complete on UNSUBACK. */
final class UnsubscribeAction extends MqttAction {
    private final Expr filter;

    UnsubscribeAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
        this.filter = b.filter;
    }

    @Override
    void start(Session session, long t0) {
        connection(session).unsubscribe(filter.eval(session))
                .whenComplete((v, e) -> complete(session, t0, now(), e == null ? null : message(e), s -> s));
    }

    public static final class Builder extends MqttActionBuilder<Builder> {
        final Expr filter;

        Builder(String requestName, Expr filter) {
            super(requestName);
            this.filter = filter;
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new UnsubscribeAction(this, ctx, next);
        }
    }
}
