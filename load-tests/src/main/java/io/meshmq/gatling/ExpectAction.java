package io.meshmq.gatling;

import io.gatling.core.action.Action;
import io.gatling.core.session.Session;
import io.gatling.core.structure.ScenarioContext;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Waits, without blocking, until the client has received {@code count} messages matching a topic filter and/or a
 * correlation value, or KO after the timeout. Messages that arrived before the action started count (they wait in
 * the client's inbox). Response time: from the action's start, or from the client's last publish
 * ({@code sinceLastPublish()}), to the arrival of the last message needed.
 */
final class ExpectAction extends MqttAction {
    private final Builder b;

    ExpectAction(Builder b, ScenarioContext ctx, Action next) {
        super(b.requestName, b.clientName, ctx, next);
        this.b = b;
    }

    @Override
    void start(Session session, long t0) {
        MqttConnection c = connection(session);
        String filter = b.topic == null ? null : b.topic.eval(session);
        String correlation = b.correlation == null ? null : b.correlation.eval(session);
        Predicate<MqttMessage> matcher = m -> (filter == null || TopicFilter.matches(filter, m.topic()))
                && (correlation == null || correlation.equals(m.correlation()) || m.payloadString().contains(correlation));
        Object lastPublish = session.attributes().getOrElse(LAST_PUBLISH + clientName, () -> null);
        long from = b.sinceLastPublish && lastPublish != null ? (Long) lastPublish : t0;
        AtomicBoolean done = new AtomicBoolean();
        ScheduledFuture<?>[] timer = new ScheduledFuture<?>[1];
        MqttConnection.Waiter w = new MqttConnection.Waiter(matcher, b.count, waiter -> {
            if (!done.compareAndSet(false, true)) return;
            if (timer[0] != null) timer[0].cancel(false);
            MqttMessage last = waiter.got.get(waiter.got.size() - 1);
            complete(session, from, Math.max(from, last.receivedAtMillis()), null,
                    s -> b.saveAs == null ? s : s.set(b.saveAs, last));
        });
        timer[0] = session.eventLoop().schedule(() -> {
            if (c.cancel(w) && done.compareAndSet(false, true)) {
                complete(session, from, now(), "timeout after " + b.timeout.toMillis() + " ms: got " + w.got.size()
                        + " of " + b.count + " message(s)" + (filter == null ? "" : " on " + filter)
                        + (correlation == null ? "" : " with " + correlation)
                        + (c.dropped() == 0 ? "" : "; inbox overflowed, " + c.dropped() + " unclaimed message(s) dropped"), s -> s);
            }
        }, b.timeout.toMillis(), TimeUnit.MILLISECONDS);
        c.await(w);
    }

    /** {@code mqtt("receive").expect().topic("devices/#{deviceId}/cmd").timeout(Duration.ofSeconds(5)).saveAs("cmd")} */
    public static final class Builder extends MqttActionBuilder<Builder> {
        Expr topic, correlation;
        int count = 1;
        Duration timeout = Duration.ofSeconds(5);
        String saveAs;
        boolean sinceLastPublish;

        Builder(String requestName) {
            super(requestName);
        }

        /** A topic filter (wildcards allowed) the message's topic must match. */
        public Builder topic(String el) {
            topic = Expr.el(el);
            return this;
        }

        public Builder topic(Function<io.gatling.javaapi.core.Session, String> f) {
            topic = Expr.fn(f);
            return this;
        }

        /** The message's MQTT 5 correlation data equals this, or its payload contains it. */
        public Builder correlation(String el) {
            correlation = Expr.el(el);
            return this;
        }

        public Builder correlation(Function<io.gatling.javaapi.core.Session, String> f) {
            correlation = Expr.fn(f);
            return this;
        }

        public Builder count(int count) {
            if (count < 1) throw new IllegalArgumentException("count " + count);
            this.count = count;
            return this;
        }

        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** Stores the last matching {@link MqttMessage} in the session. */
        public Builder saveAs(String attribute) {
            saveAs = attribute;
            return this;
        }

        /** Measures from the start of this client's last publish: end-to-end latency of a message to oneself. */
        public Builder sinceLastPublish() {
            sinceLastPublish = true;
            return this;
        }

        @Override
        Action build(ScenarioContext ctx, Action next) {
            return new ExpectAction(this, ctx, next);
        }
    }
}
