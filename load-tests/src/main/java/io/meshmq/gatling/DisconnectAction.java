package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

/** DISCONNECT (normal), complete once the client has closed the connection. */
final class DisconnectAction extends MqttAction {
    DisconnectAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
    }

    @Override
    void start(Session session, long t0) {
        MqttConnection c = connection(session);
        components.closed(session.userId(), c);
        c.disconnect().whenComplete((v, e) ->
                complete(session, t0, now(), e == null ? null : message(e), s -> s.remove(CLIENT + clientName)));
    }

    public static final class Builder extends MqttActionBuilder<Builder> {
        Builder(String requestName) {
            super(requestName);
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new DisconnectAction(this, ctx, next);
        }
    }
}
