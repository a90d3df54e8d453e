package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

import java.time.Duration;

/** CONNECT and wait for CONNACK. The client id defaults to one unique per run, virtual user and client name. */
final class ConnectAction extends MqttAction {
    private final Builder b;

    ConnectAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
        this.b = b;
    }

    @Override
    void start(Session session, long t0) {
        Object existing = session.attributes().getOrElse(CLIENT + clientName, () -> null);
        if (existing != null) throw new IllegalStateException("client '" + clientName + "' is already connected");
        String clientId = b.clientId != null ? b.clientId.eval(session)
                : "g" + components.runId + "-" + session.userId() + ("default".equals(clientName) ? "" : "-" + clientName);
        Object host = session.attributes().getOrElse(HOST + clientName, () -> null);
        String h = host != null ? (String) host : components.nextHost();
        MqttProtocol p = components.protocol;
        String username = p.username() == null ? null : p.username().eval(session);
        MqttConnection c = new MqttConnection(components, clientId, h);
        c.connect(b.cleanSession, b.sessionExpirySeconds, username).whenComplete((present, e) -> {
            long t1 = now();
            if (e != null) {
                c.closeQuietly();
                complete(session, t0, t1, message(e) + " (" + h + ")", s -> s);
                return;
            }
            components.opened(session.userId(), c);
            String error = b.expectSessionPresent == null || b.expectSessionPresent == present ? null
                    : "session present = " + present + ", expected " + b.expectSessionPresent;
            complete(session, t0, t1, error, s -> s.set(CLIENT + clientName, c).set(HOST + clientName, h));
        });
    }

    /** {@code mqtt("connect").connect().cleanSession(false).sessionExpiry(Duration.ofHours(1))} */
    public static final class Builder extends MqttActionBuilder<Builder> {
        Expr clientId;
        boolean cleanSession = true;
        long sessionExpirySeconds;
        Boolean expectSessionPresent;

        Builder(String requestName) {
            super(requestName);
        }

        /** Gatling EL, e.g. "#{deviceId}". */
        public Builder clientId(String el) {
            clientId = Expr.el(el);
            return this;
        }

        public Builder clientId(java.util.function.Function<io.gatling.javaapi.core.Session, String> f) {
            clientId = Expr.fn(f);
            return this;
        }

        /** MQTT 3.1.1 clean session; MQTT 5 clean start. false = resume the stored session. */
        public Builder cleanSession(boolean clean) {
            cleanSession = clean;
            return this;
        }

        /**
         * MQTT 5 session expiry interval (0 = the session ends with the connection). With MQTT 3.1.1 a session
         * with cleanSession(false) lasts until the broker's own limit and this is ignored.
         */
        public Builder sessionExpiry(Duration expiry) {
            sessionExpirySeconds = expiry.toSeconds();
            return this;
        }

        /** Fails (KO) when the CONNACK's session-present flag differs. */
        public Builder expectSessionPresent(boolean present) {
            expectSessionPresent = present;
            return this;
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new ConnectAction(this, ctx, next);
        }
    }
}
