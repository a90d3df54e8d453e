package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

import java.nio.charset.StandardCharsets;
import java.util.function.Function;

/** PUBLISH, complete on PUBACK (QoS 1) or PUBCOMP (QoS 2), or once written (QoS 0). */
final class PublishAction extends MqttAction {
    private final Builder b;

    PublishAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
        this.b = b;
    }

    @Override
    void start(Session session, long t0) {
        MqttConnection c = connection(session);
        String payload = b.payload == null ? "" : b.payload.eval(session);
        String correlation = b.correlation == null ? null : b.correlation.eval(session);
        String responseTopic = b.responseTopic == null ? null : b.responseTopic.eval(session);
        if ((correlation != null || responseTopic != null) && !c.isV5())
            throw new IllegalStateException("correlation data and response topic need MQTT 5");
        c.publish(b.topic.eval(session), payload.getBytes(StandardCharsets.UTF_8), b.qos, b.retain, correlation, responseTopic)
                .whenComplete((v, e) -> {
                    long t1 = now();
                    if (e == null && b.tally != null) c.publishedTallied(b.tally, MqttMessage.tallyKey(payload));
                    complete(session, t0, t1, e == null ? null : message(e), s -> s.set(LAST_PUBLISH + clientName, t0));
                });
    }

    /** {@code mqtt("publish").publish("fleet/#{deviceId}/telemetry").payload("...").qos(1)} */
    public static final class Builder extends MqttActionBuilder<Builder> {
        final Expr topic;
        Expr payload, correlation, responseTopic;
        int qos;
        boolean retain;
        String tally;

        Builder(String requestName, Expr topic) {
            super(requestName);
            this.topic = topic;
        }

        /** UTF-8 text, Gatling EL. */
        public Builder payload(String el) {
            payload = Expr.el(el);
            return this;
        }

        public Builder payload(Function<io.gatling.javaapi.core.Session, String> f) {
            payload = Expr.fn(f);
            return this;
        }

        public Builder qos(int qos) {
            if (qos < 0 || qos > 2) throw new IllegalArgumentException("QoS " + qos);
            this.qos = qos;
            return this;
        }

        public Builder retain(boolean retain) {
            this.retain = retain;
            return this;
        }

        /** MQTT 5 correlation data (as UTF-8 text). */
        public Builder correlationData(String el) {
            correlation = Expr.el(el);
            return this;
        }

        public Builder correlationData(Function<io.gatling.javaapi.core.Session, String> f) {
            correlation = Expr.fn(f);
            return this;
        }

        /** MQTT 5 response topic. */
        public Builder responseTopic(String el) {
            responseTopic = Expr.el(el);
            return this;
        }

        public Builder responseTopic(Function<io.gatling.javaapi.core.Session, String> f) {
            responseTopic = Expr.fn(f);
            return this;
        }

        /**
         * Counts the message, once acknowledged, in the named {@link Tally} under its payload key (text before the
         * first '|'), for a later awaitDelivered(name). The key must be unique per message.
         */
        public Builder tally(String name) {
            tally = name;
            return this;
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new PublishAction(this, ctx, next);
        }
    }
}
